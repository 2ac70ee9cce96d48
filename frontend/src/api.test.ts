import { describe, expect, it } from 'vitest';
import { Api, ApiError, nextLink, orgSearchParams, requestSearchParams, statsSearchParams, type FetchLike, type OrgFeature } from './api';

function org(id: number): OrgFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'Point', coordinates: [113.2, 33.7] },
    properties: {
      name: `组织${id}`,
      uscc: '91410400MA0000000X',
      kind: 'enterprise',
      industry: '新材料',
      grid_id: 1,
      grid_reason: 'industry',
      party_org: 'none',
      party_members: 0,
      employees: 10,
      high_tech: false,
      specialized: false,
      liaison_id: null,
      last_contact_at: null,
      last_visit_at: null,
      open_requests: 0,
    },
  };
}

function json(body: unknown, status = 200, type = 'application/geo+json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

/** A fake server answering from a URL → response table, recording what was asked. */
function fakeFetch(routes: Record<string, () => Response>): { fetch: FetchLike; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: async (url) => {
      asked.push(url);
      const route = routes[url];
      if (!route) return json({ title: 'Not Found', code: 'not_found' }, 404, 'application/problem+json');
      return route();
    },
  };
}

describe('Api.organizations', () => {
  it('follows next links until the last page', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/organizations?limit=1000': () =>
        json({
          type: 'FeatureCollection',
          numberReturned: 2,
          features: [org(1), org(2)],
          links: [{ rel: 'self', href: '/x' }, { rel: 'next', href: '/api/v1/organizations?limit=1000&cursor=b' }],
        }),
      '/api/v1/organizations?limit=1000&cursor=b': () =>
        json({
          type: 'FeatureCollection',
          features: [org(3)],
          links: [{ rel: 'next', href: '/api/v1/organizations?limit=1000&cursor=c' }],
        }),
      '/api/v1/organizations?limit=1000&cursor=c': () => json({ type: 'FeatureCollection', features: [org(4)], links: [] }),
    });
    const progress: number[] = [];
    const orgs = await new Api(fetch).organizations({}, (n) => progress.push(n));
    expect(orgs.map((o) => o.id)).toEqual([1, 2, 3, 4]);
    expect(asked).toHaveLength(3);
    expect(progress).toEqual([2, 3, 4]);
  });

  it('passes bbox and limit', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/organizations?bbox=113.1%2C33.6%2C113.3%2C33.8&limit=50': () => json({ type: 'FeatureCollection', features: [] }),
    });
    await new Api(fetch).organizations({ bbox: [113.1, 33.6, 113.3, 33.8], limit: 50 });
    expect(asked).toEqual(['/api/v1/organizations?bbox=113.1%2C33.6%2C113.3%2C33.8&limit=50']);
  });

  it('refuses a next link it has already followed', async () => {
    const { fetch } = fakeFetch({
      '/api/v1/organizations?limit=1000': () =>
        json({ type: 'FeatureCollection', features: [org(1)], links: [{ rel: 'next', href: '/api/v1/organizations?limit=1000' }] }),
    });
    await expect(new Api(fetch).organizations()).rejects.toMatchObject({ code: 'paging' });
  });

  it('stops with the server problem when a later page fails', async () => {
    const { fetch } = fakeFetch({
      '/api/v1/organizations?limit=1000': () =>
        json({ type: 'FeatureCollection', features: [org(1)], links: [{ rel: 'next', href: '/gone' }] }),
    });
    await expect(new Api(fetch).organizations()).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('Api.gridList', () => {
  it('reads the scope\'s org_total beside the grids; null from a server that sends none', async () => {
    const grids = { type: 'FeatureCollection', features: [{ type: 'Feature', id: 1, geometry: null, properties: { org_count: 3 } }] };
    const withTotal = fakeFetch({ '/api/v1/grids': () => json({ ...grids, org_total: 1_000_003 }) });
    const list = await new Api(withTotal.fetch).gridList();
    expect(list.orgTotal).toBe(1_000_003);
    expect(list.grids.map((g) => g.id)).toEqual([1]);
    const without = fakeFetch({ '/api/v1/grids': () => json(grids) });
    expect((await new Api(without.fetch).gridList()).orgTotal).toBeNull();
  });
});

describe('Api errors', () => {
  it('reads application/problem+json', async () => {
    const { fetch } = fakeFetch({
      '/api/v1/grids': () =>
        json({ title: 'Bad Request', detail: 'bbox: need 4 numbers', code: 'invalid' }, 400, 'application/problem+json'),
    });
    const err = await new Api(fetch).grids().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'invalid', title: 'Bad Request', detail: 'bbox: need 4 numbers' });
  });

  it('keeps the status when the error body is not JSON', async () => {
    const { fetch } = fakeFetch({ '/api/v1/grids': () => new Response('<html>bad gateway</html>', { status: 502 }) });
    await expect(new Api(fetch).grids()).rejects.toMatchObject({ status: 502, code: 'http_502' });
  });

  it('turns a failed fetch into a network error', async () => {
    const api = new Api(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.grids()).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('rejects an answer that is not a FeatureCollection', async () => {
    const { fetch } = fakeFetch({ '/api/v1/grids': () => json({ type: 'Feature' }) });
    await expect(new Api(fetch).grids()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

/** A fake server that records each call's method, headers and body. */
function recordingFetch(answer: () => Response): { fetch: FetchLike; calls: { url: string; init: RequestInit | undefined }[] } {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return answer();
    },
  };
}

describe('Api requests', () => {
  const detail = { id: 7, version: 2, status: 'assigned', events: [], actions: ['start'] };

  it('lists open requests in scope', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/requests?status=open&limit=1000': () => json({ type: 'FeatureCollection', features: [], links: [] }),
    });
    expect(await new Api(fetch).requests({ status: 'open' })).toEqual([]);
    expect(asked).toEqual(['/api/v1/requests?status=open&limit=1000']);
    expect(requestSearchParams({ grid: 3 })).toBe('grid=3&limit=1000');
  });

  it('reports with the idempotency key and a JSON body', async () => {
    const { fetch, calls } = recordingFetch(() => json(detail, 201, 'application/json'));
    const body = { org_id: 41, category: 'ordinary' as const, topic: 'operations' as const, title: '诉求', description: '' };
    expect(await new Api(fetch).createRequest(body, 'k-1')).toEqual(detail);
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('/api/v1/requests');
    expect(calls[0].init?.method).toBe('POST');
    expect(calls[0].init?.credentials).toBe('same-origin');
    expect(calls[0].init?.headers).toMatchObject({ 'Idempotency-Key': 'k-1', 'Content-Type': 'application/json' });
    expect(JSON.parse(String(calls[0].init?.body))).toEqual(body);
  });

  it('posts a transition and answers the updated request', async () => {
    const { fetch, calls } = recordingFetch(() => json(detail, 200, 'application/json'));
    expect(await new Api(fetch).transition(7, { action: 'start', version: 1 })).toEqual(detail);
    expect(calls[0].url).toBe('/api/v1/requests/7/transitions');
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ action: 'start', version: 1 });
  });

  it("carries the problem's field and a 409's code", async () => {
    const bad = recordingFetch(() =>
      json({ title: 'Bad Request', status: 400, code: 'invalid', field: 'note', detail: 'note: required for resolve' }, 400, 'application/problem+json'),
    );
    await expect(new Api(bad.fetch).transition(7, { action: 'resolve', version: 3 })).rejects.toMatchObject({ status: 400, field: 'note' });
    const stale = recordingFetch(() => json({ title: 'Conflict', status: 409, code: 'conflict' }, 409, 'application/problem+json'));
    await expect(new Api(stale.fetch).transition(7, { action: 'start', version: 1 })).rejects.toMatchObject({ status: 409, code: 'conflict', field: '' });
  });

  it('reads one request, one organization and the liaisons', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/requests/7': () => json(detail, 200, 'application/json'),
      '/api/v1/organizations/41': () => json(org(41)),
      '/api/v1/liaisons?limit=1000': () => json({ type: 'FeatureCollection', features: [] }),
    });
    const api = new Api(fetch);
    expect(await api.request(7)).toEqual(detail);
    expect((await api.organization(41)).id).toBe(41);
    expect(await api.liaisons()).toEqual([]);
    expect(asked).toHaveLength(3);
  });

  it('reads the alliance units and refuses an answer without a unit list', async () => {
    const units = [{ id: 26, zone_id: 1, name: '园区科技金融服务中心', kind: 'bank', contact: '0571-1234' }];
    const { fetch, asked } = fakeFetch({ '/api/v1/units': () => json({ units }, 200, 'application/json') });
    expect(await new Api(fetch).units()).toEqual(units);
    expect(asked).toEqual(['/api/v1/units']);
    const bad = fakeFetch({ '/api/v1/units': () => json({ type: 'FeatureCollection', features: [] }, 200, 'application/json') });
    await expect(new Api(bad.fetch).units()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('Api.config', () => {
  it('returns the basemaps in order, with their datum and layers, trimmed', async () => {
    const amap = { id: 'amap-img', name: '高德影像', datum: 'gcj02', attribution: '© 高德地图', maxzoom: 18,
      layers: [{ tiles: [' https://webst01/{z}/{x}/{y} ', 'https://webst02/{z}/{x}/{y}'] }, { tiles: ['https://webst01/8/{z}/{x}/{y}'] }] };
    const custom = { id: 'custom-1', name: '自定义底图', datum: 'wgs84', attribution: '', maxzoom: 19, layers: [{ tiles: ['https://t/{z}/{x}/{y}.png'] }] };
    const { fetch } = fakeFetch({ '/api/v1/config': () => json({ basemaps: [amap, custom] }, 200, 'application/json') });
    const got = await new Api(fetch).config();
    expect(got.basemaps.map((b) => `${b.id}:${b.datum}`)).toEqual(['amap-img:gcj02', 'custom-1:wgs84']);
    expect(got.basemaps[0].layers[0].tiles[0]).toBe('https://webst01/{z}/{x}/{y}');
    expect(got.basemaps[0].layers).toHaveLength(2);
  });

  it('reads map_tiles_above, the large-scope threshold (0 when absent or malformed)', async () => {
    const set = fakeFetch({ '/api/v1/config': () => json({ basemaps: [], map_tiles_above: 20000 }, 200, 'application/json') });
    expect((await new Api(set.fetch).config()).mapTilesAbove).toBe(20000);
    const bad = fakeFetch({ '/api/v1/config': () => json({ basemaps: [], map_tiles_above: '50' }, 200, 'application/json') });
    expect((await new Api(bad.fetch).config()).mapTilesAbove).toBe(0);
  });

  it('treats a missing or malformed list as none, and an unknown datum as WGS84', async () => {
    const { fetch } = fakeFetch({ '/api/v1/config': () => json({}, 200, 'application/json') });
    expect(await new Api(fetch).config()).toEqual({ basemaps: [], mapTilesAbove: 0 });
    const odd = fakeFetch({
      '/api/v1/config': () =>
        json({ basemaps: [null, { id: 'x', layers: [] }, { id: 'y', datum: 'bd09', layers: [{ tiles: ['https://y/{z}/{x}/{y}'] }] }] }, 200, 'application/json'),
    });
    expect((await new Api(odd.fetch).config()).basemaps).toEqual([
      { id: 'y', name: 'y', datum: 'wgs84', attribution: '', maxzoom: 19, layers: [{ tiles: ['https://y/{z}/{x}/{y}'] }] },
    ]);
  });
});

describe('paging helpers', () => {
  it('finds the next link', () => {
    expect(nextLink({ links: [{ rel: 'prev', href: '/p' }, { rel: 'next', href: '/n' }] })).toBe('/n');
    expect(nextLink({ links: [{ rel: 'next', href: '' }] })).toBeUndefined();
    expect(nextLink({})).toBeUndefined();
  });

  it('defaults the page size to 1000', () => {
    expect(orgSearchParams({})).toBe('limit=1000');
  });
});

describe('Api for contacts, assignments, statistics and plans', () => {
  it('asks for KPIs with only the parameters given', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/stats?from=2026-01-01&to=2026-02-01&by=grid': () => json({ from: '', to: '', by: 'grid', groups: [] }, 200, 'application/json'),
    });
    expect((await new Api(fetch).stats({ from: '2026-01-01', to: '2026-02-01', by: 'grid' })).groups).toEqual([]);
    expect(asked).toHaveLength(1);
    expect(statsSearchParams({})).toBe('');
  });

  it('pages a contact log by its next path and logs a contact', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/organizations/5/contacts?limit=20': () => json({ contacts: [], next: '/api/v1/organizations/5/contacts?cursor=Mjcx&limit=20' }, 200, 'application/json'),
      '/api/v1/organizations/5/contacts?cursor=Mjcx&limit=20': () => json({ contacts: [] }, 200, 'application/json'),
    });
    const api = new Api(fetch);
    const first = await api.contacts(5);
    await api.contacts(5, { next: first.next });
    expect(asked).toEqual(['/api/v1/organizations/5/contacts?limit=20', '/api/v1/organizations/5/contacts?cursor=Mjcx&limit=20']);

    const { fetch: post, calls } = recordingFetch(() => json({ id: 9, kind: 'visit' }, 201, 'application/json'));
    await new Api(post).createContact(5, { kind: 'visit', note: '走访' });
    expect(calls[0].url).toBe('/api/v1/organizations/5/contacts');
    expect(calls[0].init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ kind: 'visit', note: '走访' });
  });

  it('puts a liaison change, null to unassign', async () => {
    const { fetch, calls } = recordingFetch(() => json({ org_id: 5, liaison_id: null, pinned: false, changed: true }, 200, 'application/json'));
    await new Api(fetch).setOrgLiaison(5, { liaison_id: null, pinned: false });
    expect(calls[0].url).toBe('/api/v1/organizations/5/liaison');
    expect(calls[0].init?.method).toBe('PUT');
    expect(String(calls[0].init?.body)).toBe('{"liaison_id":null,"pinned":false}');
  });

  it('builds a plan with its options and applies one without a body', async () => {
    const { fetch, calls } = recordingFetch(() => json({ id: 3, status: 'draft', moves: [] }, 201, 'application/json'));
    const api = new Api(fetch);
    await api.createPlan({ min: 5, max: 8, stability: 2000, keep_in_grid: true });
    await api.applyPlan(3);
    expect(calls.map((c) => [c.init?.method, c.url])).toEqual([
      ['POST', '/api/v1/rebalance/plans'],
      ['POST', '/api/v1/rebalance/plans/3/apply'],
    ]);
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ min: 5, max: 8, stability: 2000, keep_in_grid: true });
    expect(calls[1].init?.body).toBeUndefined();
  });

  it('reads a 422 infeasible problem with its field', async () => {
    const { fetch } = recordingFetch(() =>
      json({ title: 'Unprocessable Entity', status: 422, code: 'infeasible', field: 'min', detail: 'min: the zone has 4 organizations for 2 liaisons with min 5' }, 422, 'application/problem+json'),
    );
    const err = await new Api(fetch).createPlan({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'infeasible', field: 'min' });
  });
});

describe('Api.coverage', () => {
  it('reads the grids and the zone totals of an indicator', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/coverage?indicator=contact_7d': () =>
        json({
          type: 'FeatureCollection',
          indicator: 'contact_7d',
          zones: [{ zone_id: 1, numerator: 3, denominator: 4, rate: 0.75 }],
          features: [
            {
              type: 'Feature',
              id: 5,
              geometry: { type: 'MultiPolygon', coordinates: [] },
              properties: { code: 'G05', name: '网格五', zone_id: 1, indicator: 'contact_7d', numerator: 3, denominator: 4, rate: 0.75 },
            },
          ],
        }),
    });
    const c = await new Api(fetch).coverage('contact_7d');
    expect(asked).toEqual(['/api/v1/coverage?indicator=contact_7d']);
    expect(c.indicator).toBe('contact_7d');
    expect(c.zones).toEqual([{ zone_id: 1, numerator: 3, denominator: 4, rate: 0.75 }]);
    expect(c.grids.map((g) => [g.id, g.properties.numerator, g.properties.denominator])).toEqual([[5, 3, 4]]);
  });

  it('pages the gap organizations of a grid by the next link, each page in id order', async () => {
    const { fetch, asked } = fakeFetch({
      '/api/v1/coverage/gaps?indicator=party_org&grid=2&limit=2': () =>
        json({ type: 'FeatureCollection', features: [org(2), org(1)], links: [{ rel: 'next', href: '/api/v1/coverage/gaps?indicator=party_org&grid=2&limit=2&cursor=c' }] }),
      '/api/v1/coverage/gaps?indicator=party_org&grid=2&limit=2&cursor=c': () => json({ type: 'FeatureCollection', features: [org(3)], links: [] }),
    });
    const api = new Api(fetch);
    const first = await api.coverageGaps({ indicator: 'party_org', grid: 2, limit: 2 });
    expect(first.orgs.map((o) => o.id)).toEqual([1, 2]);
    const second = await api.coverageGaps({ indicator: 'party_org', next: first.next });
    expect(second.orgs.map((o) => o.id)).toEqual([3]);
    expect(second.next).toBeUndefined();
    expect(asked).toHaveLength(2);
  });
});
