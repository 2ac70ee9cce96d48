import { describe, expect, it } from 'vitest';
import { Api, ApiError, type FetchLike } from './api';
import { LoginError, SessionClient, parseRetryAfter, userFromBody, withSessionExpiry, type LoginFailure } from './session';

const officer = {
  id: 3,
  username: 'officer-g01',
  display_name: '康敏霞',
  role: 'officer',
  grid_ids: [1],
  liaison_id: null,
};

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function problem(status: number, code: string, detail = '', headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'x', status, code, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}

interface Asked {
  url: string;
  init: RequestInit | undefined;
}

/** A fake fetch answering every request with `answer`, recording what was asked. */
function fake(answer: (url: string, init?: RequestInit) => Response | Promise<Response>): { fetch: FetchLike; asked: Asked[] } {
  const asked: Asked[] = [];
  return {
    asked,
    fetch: async (url, init) => {
      asked.push({ url, init });
      return answer(url, init);
    },
  };
}

async function loginFailure(p: Promise<unknown>): Promise<LoginFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(LoginError);
    return (err as LoginError).failure;
  }
  throw new Error('login did not fail');
}

describe('SessionClient.me', () => {
  it('answers the signed-in user', async () => {
    const { fetch, asked } = fake(() => json({ user: officer }));
    const user = await new SessionClient(fetch).me();
    expect(user).toEqual(officer);
    expect(asked[0].url).toBe('/api/v1/me');
    expect(asked[0].init?.credentials).toBe('same-origin');
  });

  it('answers null when not signed in or the session expired', async () => {
    const { fetch } = fake(() => problem(401, 'unauthorized'));
    expect(await new SessionClient(fetch).me()).toBeNull();
  });

  it('throws other failures as ApiError', async () => {
    const { fetch } = fake(() => problem(503, 'unavailable'));
    await expect(new SessionClient(fetch).me()).rejects.toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('throws a network failure as ApiError with code network', async () => {
    const failing: FetchLike = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(new SessionClient(failing).me()).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});

describe('SessionClient.login', () => {
  it('posts the credentials as JSON on the same origin and answers the user', async () => {
    const { fetch, asked } = fake(() => json({ user: officer }));
    const user = await new SessionClient(fetch).login('officer-g01', 's3cret 密码');
    expect(user.username).toBe('officer-g01');
    expect(asked).toHaveLength(1);
    const { url, init } = asked[0];
    expect(url).toBe('/api/v1/session');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect(new Headers(init?.headers).get('Content-Type')).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual({ username: 'officer-g01', password: 's3cret 密码' });
  });

  it('reports a wrong username or password as credentials', async () => {
    const { fetch } = fake(() => problem(401, 'unauthorized', '用户名或密码错误'));
    expect(await loginFailure(new SessionClient(fetch).login('admin', 'nope'))).toEqual({ kind: 'credentials' });
  });

  it('reports throttling with the Retry-After seconds', async () => {
    const { fetch } = fake(() => problem(429, 'throttled', '', { 'Retry-After': '42' }));
    expect(await loginFailure(new SessionClient(fetch).login('admin', 'nope'))).toEqual({ kind: 'throttled', retryAfter: 42 });
  });

  it('reports throttling without a usable Retry-After as an unknown wait', async () => {
    const { fetch } = fake(() => problem(429, 'throttled'));
    expect(await loginFailure(new SessionClient(fetch).login('admin', 'nope'))).toEqual({ kind: 'throttled', retryAfter: null });
  });

  it('reports a network failure', async () => {
    const failing: FetchLike = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await loginFailure(new SessionClient(failing).login('admin', 'x'))).toEqual({ kind: 'network' });
  });

  it('reports other statuses as a server failure', async () => {
    const { fetch } = fake(() => problem(500, 'internal'));
    expect(await loginFailure(new SessionClient(fetch).login('admin', 'x'))).toEqual({ kind: 'server', status: 500 });
  });

  it('reports a 200 without a user as a server failure', async () => {
    const { fetch } = fake(() => json({ ok: true }));
    expect(await loginFailure(new SessionClient(fetch).login('admin', 'x'))).toEqual({ kind: 'server', status: 200 });
  });
});

describe('SessionClient.logout', () => {
  it('deletes the session', async () => {
    const { fetch, asked } = fake(() => new Response(null, { status: 204 }));
    await new SessionClient(fetch).logout();
    expect(asked[0].url).toBe('/api/v1/session');
    expect(asked[0].init?.method).toBe('DELETE');
    expect(asked[0].init?.credentials).toBe('same-origin');
  });

  it('counts an already ended session as signed out', async () => {
    const { fetch } = fake(() => problem(401, 'unauthorized'));
    await expect(new SessionClient(fetch).logout()).resolves.toBeUndefined();
  });

  it('throws when the server could not end the session', async () => {
    const { fetch } = fake(() => problem(500, 'internal'));
    await expect(new SessionClient(fetch).logout()).rejects.toBeInstanceOf(ApiError);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T08:00:00Z');

  it.each([
    ['30', 30],
    [' 7 ', 7],
    ['0', 1],
    ['Sun, 01 Mar 2026 08:01:30 GMT', 90],
    ['Sun, 01 Mar 2026 08:00:00 GMT', 1],
    ['Sun, 01 Mar 2026 07:59:00 GMT', 1],
  ])('reads %j as %d seconds', (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });

  it('rounds a date a fraction of a second away up to a whole second', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 08:00:10 GMT', now - 400)).toBe(11);
  });

  it.each([null, undefined, '', '  ', 'soon', '-5', '1.5', 'Mon, 99 Foo 2026'])('gives up on %j', (header) => {
    expect(parseRetryAfter(header, now)).toBeNull();
  });
});

describe('withSessionExpiry', () => {
  it('sends the cookie and reports a 401 before the caller sees it', async () => {
    const events: string[] = [];
    const { fetch, asked } = fake(() => problem(401, 'unauthorized'));
    const wrapped = withSessionExpiry(fetch, () => events.push('expired'));
    const api = new Api(wrapped);
    await expect(api.grids()).rejects.toMatchObject({ status: 401 });
    expect(events).toEqual(['expired']);
    expect(asked[0].init?.credentials).toBe('same-origin');
  });

  it('stays quiet for other answers', async () => {
    let expired = 0;
    const { fetch } = fake((url) =>
      url.endsWith('/grids') ? json({ type: 'FeatureCollection', features: [] }) : problem(403, 'forbidden'),
    );
    const api = new Api(withSessionExpiry(fetch, () => expired++));
    await expect(api.grids()).resolves.toEqual([]);
    await expect(api.organizations()).rejects.toMatchObject({ status: 403 });
    expect(expired).toBe(0);
  });
});

describe('userFromBody', () => {
  it('fills omitted and null members', () => {
    expect(userFromBody({ user: { id: 1, username: 'admin', role: 'admin', display_name: '', grid_ids: null } })).toEqual({
      id: 1,
      username: 'admin',
      display_name: 'admin',
      role: 'admin',
      grid_ids: [],
      liaison_id: null,
    });
  });

  it('keeps a liaison id', () => {
    const user = userFromBody({ user: { id: 9, username: 'liaison-01', display_name: '李红', role: 'liaison', grid_ids: [], liaison_id: 4 } });
    expect(user.liaison_id).toBe(4);
  });

  it.each([null, {}, { user: null }, { user: { id: '1', username: 'a', role: 'admin' } }, { user: { id: 1, username: 'a' } }])(
    'refuses %j',
    (body) => {
      expect(() => userFromBody(body)).toThrow(ApiError);
    },
  );
});
