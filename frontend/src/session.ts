// The cookie session: who is signed in (GET /me), signing in (POST /session)
// and out (DELETE /session). The session cookie is HttpOnly, so the page
// never sees it and never stores a credential itself.
import { ApiError, problemOf, type FetchLike } from './api';

export type Role = 'admin' | 'officer' | 'liaison' | 'planner';

export interface User {
  id: number;
  username: string;
  display_name: string;
  /** One of Role; kept as a string so that a newer server's role still signs in. */
  role: Role | (string & {});
  /** The grids of an officer's scope; empty for every other role. */
  grid_ids: number[];
  /** The liaison record of a liaison user, else null. */
  liaison_id: number | null;
}

/** Why signing in failed, worded for the user by i18n.loginErrorMessage. */
export type LoginFailure =
  | { kind: 'credentials' }
  | { kind: 'throttled'; retryAfter: number | null }
  | { kind: 'network' }
  | { kind: 'server'; status: number };

export class LoginError extends Error {
  readonly failure: LoginFailure;

  constructor(failure: LoginFailure, message: string) {
    super(message);
    this.name = 'LoginError';
    this.failure = failure;
  }
}

// Cookies are the credential: send them on same-origin requests only.
const CREDENTIALS: RequestCredentials = 'same-origin';

export class SessionClient {
  private readonly fetchFn: FetchLike;
  private readonly base: string;

  constructor(fetchFn: FetchLike = (input, init) => fetch(input, init), base = '/api/v1') {
    this.fetchFn = fetchFn;
    this.base = base.replace(/\/$/, '');
  }

  /** The signed-in user, or null when there is no (or an expired) session. */
  async me(signal?: AbortSignal): Promise<User | null> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}/me`, {
        headers: { Accept: 'application/json' },
        credentials: CREDENTIALS,
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(0, 'network', 'network error', String(err));
    }
    if (res.status === 401) return null;
    if (!res.ok) throw await problemOf(res);
    return userFromBody(await jsonOf(res));
  }

  /**
   * Signs in and answers the user. Throws LoginError for a wrong username or
   * password (the server does not say which), for too many attempts, and
   * for network or server failures.
   */
  async login(username: string, password: string): Promise<User> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        credentials: CREDENTIALS,
        body: JSON.stringify({ username, password }),
      });
    } catch (err) {
      throw new LoginError({ kind: 'network' }, String(err));
    }
    if (res.status === 401) throw new LoginError({ kind: 'credentials' }, 'wrong username or password');
    if (res.status === 429) {
      const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
      throw new LoginError({ kind: 'throttled', retryAfter }, 'too many attempts');
    }
    if (!res.ok) {
      const problem = await problemOf(res);
      throw new LoginError({ kind: 'server', status: res.status }, problem.message);
    }
    try {
      return userFromBody(await jsonOf(res));
    } catch (err) {
      throw new LoginError({ kind: 'server', status: res.status }, String(err));
    }
  }

  /**
   * Ends the session. A 401 means it had already ended, which is what was
   * wanted; anything else failing throws, since the cookie may still be live.
   */
  async logout(): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}/session`, { method: 'DELETE', credentials: CREDENTIALS });
    } catch (err) {
      throw new ApiError(0, 'network', 'network error', String(err));
    }
    if (res.ok || res.status === 401) return;
    throw await problemOf(res);
  }
}

/**
 * Seconds to wait from a Retry-After header, which is either a number of
 * seconds or an HTTP date. Null when absent or unreadable; at least 1, so
 * that "retry in 0 seconds" is never shown.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  const v = value?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Math.max(1, Number(v));
  // An HTTP date always names a weekday, month and time; a bare "1.5" or
  // "-3" must not be read as one by Date.parse's lenient fallbacks.
  if (!/^[A-Za-z]{3},/.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/**
 * Wraps fetch for the data API: every request carries the session cookie,
 * and a 401 answer (the session expired or was ended elsewhere) calls
 * onExpired before the caller sees the response.
 */
export function withSessionExpiry(fetchFn: FetchLike, onExpired: () => void): FetchLike {
  return async (input, init) => {
    const res = await fetchFn(input, { ...init, credentials: CREDENTIALS });
    if (res.status === 401) onExpired();
    return res;
  };
}

async function jsonOf(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_response', 'invalid JSON', res.url);
  }
}

/** Reads `{"user": {...}}`, tolerating omitted or null optional members. */
export function userFromBody(body: unknown): User {
  const u = (body as { user?: unknown } | null)?.user as Record<string, unknown> | undefined;
  if (!u || typeof u !== 'object' || typeof u.id !== 'number' || typeof u.username !== 'string' || typeof u.role !== 'string') {
    throw new ApiError(200, 'bad_response', 'not a user', JSON.stringify(body)?.slice(0, 200) ?? '');
  }
  const gridIds = Array.isArray(u.grid_ids) ? u.grid_ids.filter((g): g is number => typeof g === 'number') : [];
  return {
    id: u.id,
    username: u.username,
    display_name: typeof u.display_name === 'string' && u.display_name.trim() ? u.display_name : u.username,
    role: u.role,
    grid_ids: gridIds,
    liaison_id: typeof u.liaison_id === 'number' && u.liaison_id > 0 ? u.liaison_id : null,
  };
}
