// Bootstrap: find out whether someone is signed in, then show the login
// screen or the map, and move between them on sign-in, sign-out and when
// the session expires.
import './styles/index.css';
import { Api } from './api';
import { hook } from './hook';
import { text } from './i18n';
import { createLoginScreen, type LoginNotice } from './login';
import { openMap, type MapScreen } from './mapview';
import { SessionClient, withSessionExpiry, type User } from './session';
import { setStatus, shell, showAccount, showView } from './shell';

const session = new SessionClient();
// Any data request answering 401 means the session is gone (expired, or
// ended in another tab): back to the login screen.
const api = new Api(
  withSessionExpiry(
    (input, init) => fetch(input, init),
    () => {
      if (hook.view === 'map') showLogin({ text: text.sessionExpired, tone: 'warning' }, hook.user?.username);
    },
  ),
);

let mapScreen: MapScreen | null = null;
const login = createLoginScreen(session, enterMap);

function enterMap(user: User): void {
  hook.user = user;
  showAccount(user);
  // The map measures its container when created: show it first.
  showView('map');
  mapScreen = openMap(user, api);
}

function showLogin(notice?: LoginNotice, username = ''): void {
  mapScreen?.destroy();
  mapScreen = null;
  hook.user = null;
  login.reset(notice, username);
  showView('login');
  login.focus();
}

shell.signOut.addEventListener('click', async () => {
  shell.signOut.disabled = true;
  shell.signOut.textContent = text.signingOut;
  try {
    await session.logout();
  } catch (err) {
    // The cookie may still be live: stay, rather than pretend to have left.
    console.warn('gridgis: sign-out failed', err);
    setStatus(text.signOutFailed, 'error', String(err), false);
    shell.signOut.disabled = false;
    shell.signOut.textContent = text.signOut;
    return;
  }
  showLogin({ text: text.signedOut, tone: 'info' });
});

async function boot(): Promise<void> {
  showView('boot');
  try {
    const user = await session.me();
    if (user) enterMap(user);
    else showLogin();
  } catch (err) {
    console.warn('gridgis: could not check the session', err);
    showLogin({ text: text.login.bootFailed, tone: 'error' });
  }
}

void boot();
