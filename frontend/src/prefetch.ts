// The map's first data (config, grids, organizations, open requests) asked
// for as soon as someone is signed in, while the map code is still loading:
// on a slow link the two would otherwise come one after the other. The map
// screen takes the answers once its code has arrived.
import type { Api, AppConfig, GridFeature, OrgFeature, RequestFeature } from './api';

export interface FirstMapData {
  config: Promise<AppConfig>;
  grids: Promise<GridFeature[]>;
  organizations: Promise<OrgFeature[]>;
  requests: Promise<RequestFeature[]>;
}

/** The map works without a basemap: a failed /config means none. */
export async function loadConfig(api: Api, signal: AbortSignal): Promise<AppConfig> {
  try {
    return await api.config(signal);
  } catch (err) {
    if (signal.aborted) throw err;
    console.warn('gridgis: /api/v1/config failed, using a plain background', err);
    return { basemaps: [] };
  }
}

/** Asks for the map's first data; the answers wait until the map takes them. */
export function fetchMapData(api: Api, signal: AbortSignal, onOrgs: (loaded: number) => void): FirstMapData {
  const data: FirstMapData = {
    config: loadConfig(api, signal),
    grids: api.grids(signal),
    organizations: api.organizations({ signal }, (n) => {
      if (!signal.aborted) onOrgs(n);
    }),
    requests: api.requests({ status: 'open', signal }),
  };
  // A failure is the map's to report when it takes the answers, not an unhandled rejection now.
  for (const p of Object.values(data) as Promise<unknown>[]) p.catch(() => {});
  return data;
}

let pending: { userId: number; data: FirstMapData; abort: AbortController } | null = null;

/** Starts fetching the map's data for this user (dropping any other user's). */
export function prefetchMapData(api: Api, userId: number, onOrgs: (loaded: number) => void): void {
  dropPrefetch();
  const abort = new AbortController();
  pending = { userId, data: fetchMapData(api, abort.signal, onOrgs), abort };
}

/** Stops a prefetch nobody will take (sign-out, another user). */
export function dropPrefetch(): void {
  pending?.abort.abort();
  pending = null;
}

/**
 * The prefetched data for this user, once (null if none): aborting signal
 * aborts its requests too.
 */
export function takePrefetch(userId: number, signal: AbortSignal): FirstMapData | null {
  const taken = pending;
  pending = null;
  if (!taken) return null;
  if (taken.userId !== userId) {
    taken.abort.abort();
    return null;
  }
  if (signal.aborted) taken.abort.abort();
  else signal.addEventListener('abort', () => taken.abort.abort(), { once: true });
  return taken.data;
}
