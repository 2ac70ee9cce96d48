import { describe, expect, it } from 'vitest';
import type { Api } from './api';
import { dropPrefetch, fetchMapData, prefetchMapData, takePrefetch, type MapUser } from './prefetch';

/** An Api whose answers are settled by hand; records the signals it was given. */
const ADMIN: MapUser = { id: 3, role: 'admin', grid_ids: [] };
const user = (id: number) => ({ ...ADMIN, id });
const grid = (id: number, orgCount: number) => ({ type: 'Feature', id, geometry: null, properties: { org_count: orgCount } });

function fakeApi(opts: { threshold?: number; grids?: unknown[]; orgTotal?: number } = {}) {
  const signals: AbortSignal[] = [];
  const calls: string[] = [];
  const answer = <T>(name: string, value: T) => (signal?: AbortSignal) => {
    calls.push(name);
    if (signal) signals.push(signal);
    return Promise.resolve(value);
  };
  const api = {
    config: answer('config', { basemaps: [], mapTilesAbove: opts.threshold ?? 0 }),
    gridList: answer('grids', { grids: opts.grids ?? [], orgTotal: opts.orgTotal ?? null }),
    organizations: (q: { signal?: AbortSignal }, onPage?: (n: number) => void) => {
      calls.push('organizations');
      if (q.signal) signals.push(q.signal);
      onPage?.(7);
      return Promise.resolve([]);
    },
    requests: (q: { signal?: AbortSignal }) => {
      calls.push('requests');
      if (q.signal) signals.push(q.signal);
      return Promise.resolve([]);
    },
  } as unknown as Api;
  return { api, signals, calls };
}

describe('prefetch of the first map data', () => {
  it('asks for config, grids and open requests at once, then the organizations of an ordinary scope', async () => {
    const { api, calls } = fakeApi({ threshold: 100, grids: [grid(1, 60), grid(2, 40)] });
    const pages: number[] = [];
    const data = fetchMapData(api, new AbortController().signal, (n) => pages.push(n), ADMIN);
    expect(calls.sort()).toEqual(['config', 'grids', 'requests']);
    expect(await data.config).toEqual({ basemaps: [], mapTilesAbove: 100 });
    expect(await data.organizations).toEqual([]);
    expect(calls.sort()).toEqual(['config', 'grids', 'organizations', 'requests']);
    expect(pages).toEqual([7]);
  });

  it('does not load the organizations of a scope above map_tiles_above', async () => {
    const { api, calls } = fakeApi({ threshold: 100, grids: [grid(1, 60), grid(2, 41)] });
    const data = fetchMapData(api, new AbortController().signal, () => {}, ADMIN);
    expect(await data.organizations).toBeNull();
    expect(calls).not.toContain('organizations');
    // An officer's own grids only: 41 of them is an ordinary scope.
    const officer = fakeApi({ threshold: 100, grids: [grid(1, 60), grid(2, 41)] });
    expect(await fetchMapData(officer.api, new AbortController().signal, () => {}, { id: 4, role: 'officer', grid_ids: [2] })).toBeTruthy();
    expect(officer.calls).toContain('grids');
  });

  it('weighs the server\'s org_total, which counts the organizations without a grid', async () => {
    // Grids drawn after a million organizations were imported: their counts are small.
    const { api, calls } = fakeApi({ threshold: 100, grids: [grid(1, 3)], orgTotal: 1_000_000 });
    const data = fetchMapData(api, new AbortController().signal, () => {}, ADMIN);
    expect(await data.organizations).toBeNull();
    expect(calls).not.toContain('organizations');
  });

  it('asks for a liaison\'s organizations at once', () => {
    const { api, calls } = fakeApi({ threshold: 1, grids: [grid(1, 60)] });
    fetchMapData(api, new AbortController().signal, () => {}, { id: 5, role: 'liaison', grid_ids: [] });
    expect(calls.sort()).toEqual(['config', 'grids', 'organizations', 'requests']);
  });

  it('hands the data to the same user once', () => {
    const { api } = fakeApi();
    prefetchMapData(api, user(3), () => {});
    const signal = new AbortController().signal;
    expect(takePrefetch(3, signal)).not.toBeNull();
    expect(takePrefetch(3, signal)).toBeNull();
  });

  it('drops and aborts a prefetch made for another user', () => {
    const { api, signals } = fakeApi();
    prefetchMapData(api, user(3), () => {});
    expect(takePrefetch(4, new AbortController().signal)).toBeNull();
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });

  it('aborts its requests when the map that took them is closed, or on sign-out before', () => {
    const taker = fakeApi();
    prefetchMapData(taker.api, user(5), () => {});
    const map = new AbortController();
    takePrefetch(5, map.signal);
    expect(taker.signals.some((s) => s.aborted)).toBe(false);
    map.abort();
    expect(taker.signals.every((s) => s.aborted)).toBe(true);

    const left = fakeApi();
    prefetchMapData(left.api, user(6), () => {});
    dropPrefetch();
    expect(left.signals.every((s) => s.aborted)).toBe(true);
    expect(takePrefetch(6, new AbortController().signal)).toBeNull();
  });

  it('answers a config that fails with no basemaps, and keeps other failures for the map', async () => {
    const api = {
      config: () => Promise.reject(new Error('502')),
      gridList: () => Promise.reject(new Error('boom')),
      organizations: () => Promise.resolve([]),
      requests: () => Promise.resolve([]),
    } as unknown as Api;
    const data = fetchMapData(api, new AbortController().signal, () => {}, ADMIN);
    expect(await data.config).toEqual({ basemaps: [], mapTilesAbove: 0 });
    await expect(data.organizations).rejects.toThrow('boom');
    await expect(data.grids).rejects.toThrow('boom');
  });
});
