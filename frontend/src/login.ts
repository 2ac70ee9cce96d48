// The sign-in screen (index.html #login). The password lives only in its
// input until it is posted; it is cleared after every attempt and never
// stored anywhere.
import { loginErrorMessage, text } from './i18n';
import { LoginError, type SessionClient, type User } from './session';

/** A message shown above the form: an error, or a notice such as "signed out". */
export interface LoginNotice {
  text: string;
  tone: 'error' | 'warning' | 'info';
}

export interface LoginScreen {
  /**
   * Prepares the form for a new sign-in. A username is filled in after an
   * expired session (the same person signs in again); after signing out the
   * next person may be someone else, so the form starts empty.
   */
  reset(notice?: LoginNotice, username?: string): void;
  /** Moves focus to the first field that needs typing; call once visible. */
  focus(): void;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id} in index.html`);
  return node as T;
}

export function createLoginScreen(session: SessionClient, onSignedIn: (user: User) => void): LoginScreen {
  const form = byId<HTMLFormElement>('login-form');
  const username = byId<HTMLInputElement>('login-username');
  const password = byId<HTMLInputElement>('login-password');
  const submit = byId<HTMLButtonElement>('login-submit');
  const message = byId<HTMLElement>('login-message');
  const reveal = byId<HTMLButtonElement>('login-reveal');
  const capsLock = byId<HTMLElement>('login-caps');

  let busy = false;
  let waitTimer: number | undefined;

  function setMessage(notice: LoginNotice | null): void {
    // The live region stays in the page (empty when there is nothing to say)
    // so that screen readers announce each new message.
    message.textContent = notice?.text ?? '';
    message.dataset.tone = notice?.tone ?? '';
  }

  function markInvalid(...fields: HTMLInputElement[]): void {
    for (const f of [username, password]) f.setAttribute('aria-invalid', String(fields.includes(f)));
  }

  function setSubmitLabel(label: string): void {
    submit.querySelector('.login-submit-label')!.textContent = label;
  }

  function stopWaiting(): void {
    window.clearInterval(waitTimer);
    waitTimer = undefined;
  }

  /** After "too many attempts": the button counts the wait down, then comes back. */
  function waitBeforeRetry(seconds: number): void {
    stopWaiting();
    let left = seconds;
    submit.disabled = true;
    setSubmitLabel(text.login.waiting(left));
    waitTimer = window.setInterval(() => {
      left -= 1;
      if (left > 0) {
        setSubmitLabel(text.login.waiting(left));
        return;
      }
      stopWaiting();
      submit.disabled = false;
      setSubmitLabel(text.login.submit);
    }, 1000);
  }

  function setBusy(on: boolean): void {
    busy = on;
    form.setAttribute('aria-busy', String(on));
    submit.disabled = on;
    submit.classList.toggle('busy', on);
    setSubmitLabel(on ? text.login.submitting : text.login.submit);
  }

  async function signIn(): Promise<void> {
    if (busy || waitTimer !== undefined) return;
    const name = username.value.trim();
    if (!name) {
      setMessage({ text: text.login.needUsername, tone: 'error' });
      markInvalid(username);
      username.focus();
      return;
    }
    if (!password.value) {
      setMessage({ text: text.login.needPassword, tone: 'error' });
      markInvalid(password);
      password.focus();
      return;
    }

    setBusy(true);
    setMessage(null);
    try {
      const user = await session.login(name, password.value);
      password.value = '';
      markInvalid();
      onSignedIn(user);
    } catch (err) {
      const failure = err instanceof LoginError ? err.failure : ({ kind: 'server', status: 0 } as const);
      setMessage({ text: loginErrorMessage(failure), tone: 'error' });
      password.value = '';
      if (failure.kind === 'credentials') {
        markInvalid(username, password);
      } else {
        markInvalid();
      }
      password.focus();
      if (failure.kind !== 'credentials' && failure.kind !== 'throttled') console.warn('gridgis: sign-in failed', err);
      setBusy(false);
      if (failure.kind === 'throttled' && failure.retryAfter !== null) waitBeforeRetry(failure.retryAfter);
      return;
    }
    setBusy(false);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault(); // never a real form post: that would put the password in a navigation
    void signIn();
  });

  reveal.addEventListener('click', () => {
    const show = password.type === 'password';
    password.type = show ? 'text' : 'password';
    reveal.setAttribute('aria-pressed', String(show));
    reveal.setAttribute('aria-label', show ? text.login.hidePassword : text.login.showPassword);
    reveal.title = show ? text.login.hidePassword : text.login.showPassword;
    password.focus();
  });

  // Caps Lock is the most common cause of "wrong password": say so while typing.
  const checkCapsLock = (e: KeyboardEvent) => {
    if (typeof e.getModifierState === 'function') capsLock.hidden = !e.getModifierState('CapsLock');
  };
  password.addEventListener('keydown', checkCapsLock);
  password.addEventListener('keyup', checkCapsLock);
  password.addEventListener('blur', () => (capsLock.hidden = true));

  return {
    reset(notice, name = '') {
      stopWaiting();
      setBusy(false);
      username.value = name;
      password.value = '';
      password.type = 'password';
      reveal.setAttribute('aria-pressed', 'false');
      reveal.setAttribute('aria-label', text.login.showPassword);
      reveal.title = text.login.showPassword;
      capsLock.hidden = true;
      markInvalid();
      setMessage(notice ?? null);
    },
    focus() {
      (username.value ? password : username).focus();
    },
  };
}
