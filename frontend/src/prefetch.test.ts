import { describe, expect, it } from 'vitest';
import type { Api } from './api';
import { dropPrefetch, fetchMapData, prefetchMapData, takePrefetch } from './prefetch';

/** An Api whose answers are settled by hand; records the signals it was given. */
function fakeApi() {
  const signals: AbortSignal[] = [];
  const calls: string[] = [];
  const answer = <T>(name: string, value: T) => (signal?: AbortSignal) => {
    calls.push(name);
    if (signal) signals.push(signal);
    return Promise.resolve(value);
  };
  const api = {
    config: answer('config', { basemaps: [] }),
    grids: answer('grids', []),
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
  it('asks for config, grids, organizations and open requests at once', async () => {
    const { api, calls } = fakeApi();
    const pages: number[] = [];
    const data = fetchMapData(api, new AbortController().signal, (n) => pages.push(n));
    expect(calls.sort()).toEqual(['config', 'grids', 'organizations', 'requests']);
    expect(await data.config).toEqual({ basemaps: [] });
    expect(pages).toEqual([7]);
  });

  it('hands the data to the same user once', () => {
    const { api } = fakeApi();
    prefetchMapData(api, 3, () => {});
    const signal = new AbortController().signal;
    expect(takePrefetch(3, signal)).not.toBeNull();
    expect(takePrefetch(3, signal)).toBeNull();
  });

  it('drops and aborts a prefetch made for another user', () => {
    const { api, signals } = fakeApi();
    prefetchMapData(api, 3, () => {});
    expect(takePrefetch(4, new AbortController().signal)).toBeNull();
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });

  it('aborts its requests when the map that took them is closed, or on sign-out before', () => {
    const taker = fakeApi();
    prefetchMapData(taker.api, 5, () => {});
    const map = new AbortController();
    takePrefetch(5, map.signal);
    expect(taker.signals.some((s) => s.aborted)).toBe(false);
    map.abort();
    expect(taker.signals.every((s) => s.aborted)).toBe(true);

    const left = fakeApi();
    prefetchMapData(left.api, 6, () => {});
    dropPrefetch();
    expect(left.signals.every((s) => s.aborted)).toBe(true);
    expect(takePrefetch(6, new AbortController().signal)).toBeNull();
  });

  it('answers a config that fails with no basemaps, and keeps other failures for the map', async () => {
    const api = {
      config: () => Promise.reject(new Error('502')),
      grids: () => Promise.reject(new Error('boom')),
      organizations: () => Promise.resolve([]),
      requests: () => Promise.resolve([]),
    } as unknown as Api;
    const data = fetchMapData(api, new AbortController().signal, () => {});
    expect(await data.config).toEqual({ basemaps: [] });
    await expect(data.grids).rejects.toThrow('boom');
  });
});
