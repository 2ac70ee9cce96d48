// Bootstrap: find out whether someone is signed in, then show the login
// screen or the map, and move between them on sign-in, sign-out and when
// the session expires.
import './styles/index.css';
import { Api } from './api';
import { emptyMapState, hook } from './hook';
import { text } from './i18n';
import { createLoginScreen, type LoginNotice } from './login';
import { dropPrefetch, prefetchMapData } from './prefetch';
import type { MapScreen } from './mapview';
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
const login = createLoginScreen(session, (user) => void enterMap(user));

// The map screen and MapLibre are most of the app's code: they load only
// for someone signed in, so the login form comes up without them.
let mapCode: Promise<typeof import('./mapview')> | null = null;
function loadMapCode(): Promise<typeof import('./mapview')> {
  mapCode ??= import('./mapview').catch((err: unknown) => {
    mapCode = null; // a later sign-in tries again
    throw err;
  });
  return mapCode;
}

// Remembers that this browser was signed in, so that the next visit starts
// loading the map code while it asks the server (it is a hint: a login
// form after an expired session has loaded it for nothing).
const SIGNED_IN_KEY = 'gridgis.signedIn';
function rememberSignedIn(on: boolean): void {
  try {
    if (on) localStorage.setItem(SIGNED_IN_KEY, '1');
    else localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    // storage refused (private mode): only the hint is lost
  }
}
function wasSignedIn(): boolean {
  try {
    return localStorage.getItem(SIGNED_IN_KEY) === '1';
  } catch {
    return false;
  }
}

// Counts map entries, so that one overtaken by a sign-out while its code
// loads does nothing.
let entries = 0;

async function enterMap(user: User): Promise<void> {
  const entry = ++entries;
  Object.assign(hook, emptyMapState()); // nothing of an earlier map while this one loads
  hook.user = user;
  showAccount(user);
  rememberSignedIn(true);
  // The map measures its container when created: show it first.
  showView('map');
  prefetchMapData(api, user, (n) => setStatus(text.loadingOrgs(n), 'loading')); // meanwhile the map code loads
  let mapview: typeof import('./mapview');
  try {
    mapview = await loadMapCode();
  } catch (err) {
    if (entry !== entries) return;
    console.error('gridgis: loading the map code failed', err);
    setStatus(text.mapCodeFailed, 'error', String(err));
    hook.error = text.mapCodeFailed;
    return;
  }
  if (entry !== entries) return;
  mapScreen = mapview.openMap(user, api);
}

function showLogin(notice?: LoginNotice, username = ''): void {
  entries++;
  dropPrefetch();
  mapScreen?.destroy();
  mapScreen = null;
  hook.user = null;
  rememberSignedIn(false);
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

// Signing in takes a round trip or two: load the map code meanwhile.
document.getElementById('login-form')?.addEventListener('submit', () => void loadMapCode().catch(() => {}));

async function boot(): Promise<void> {
  showView('boot');
  if (wasSignedIn()) void loadMapCode().catch(() => {});
  try {
    const user = await session.me();
    if (user) void enterMap(user);
    else showLogin();
  } catch (err) {
    console.warn('gridgis: could not check the session', err);
    showLogin({ text: text.login.bootFailed, tone: 'error' });
  }
}

void boot();
