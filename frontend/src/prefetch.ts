// The map's first data (config, grids, organizations, open requests) asked
// for as soon as someone is signed in, while the map code is still loading:
// on a slow link the two would otherwise come one after the other. The map
// screen takes the answers once its code has arrived.
//
// The organizations are asked for once the config and grids tell how many
// the user's scope holds (the grids list's org_total): above the server's map_tiles_above none are
// loaded here (null), the map draws them from tiles and loads those in view
// (layers/orgtiles.ts). A liaison's few are asked for at once.
import type { Api, AppConfig, GridList, OrgFeature, RequestFeature } from './api';
import { scopeSize } from './layers/orgtiles';
import type { User } from './session';

export interface FirstMapData {
  config: Promise<AppConfig>;
  grids: Promise<GridList>;
  /** Every organization in the user's scope; null for a large scope (not loaded whole). */
  organizations: Promise<OrgFeature[] | null>;
  requests: Promise<RequestFeature[]>;
}

/** Who the data is for: the role and grids decide whether the scope is large. */
export type MapUser = Pick<User, 'id' | 'role' | 'grid_ids'>;

/** The map works without a basemap: a failed /config means none. */
export async function loadConfig(api: Api, signal: AbortSignal): Promise<AppConfig> {
  try {
    return await api.config(signal);
  } catch (err) {
    if (signal.aborted) throw err;
    console.warn('gridgis: /api/v1/config failed, using a plain background', err);
    return { basemaps: [], mapTilesAbove: 0 };
  }
}

/** Asks for the map's first data; the answers wait until the map takes them. */
export function fetchMapData(api: Api, signal: AbortSignal, onOrgs: (loaded: number) => void, user: MapUser): FirstMapData {
  const config = loadConfig(api, signal);
  const grids = api.gridList(signal);
  const all = () =>
    api.organizations({ signal }, (n) => {
      if (!signal.aborted) onOrgs(n);
    });
  const organizations =
    user.role === 'liaison'
      ? all()
      : Promise.all([config, grids]).then(([c, g]) => (scopeSize(user, g, c.mapTilesAbove).large ? null : all()));
  const data: FirstMapData = { config, grids, organizations, requests: api.requests({ status: 'open', signal }) };
  // A failure is the map's to report when it takes the answers, not an unhandled rejection now.
  for (const p of Object.values(data) as Promise<unknown>[]) p.catch(() => {});
  return data;
}

let pending: { userId: number; data: FirstMapData; abort: AbortController } | null = null;

/** Starts fetching the map's data for this user (dropping any other user's). */
export function prefetchMapData(api: Api, user: MapUser, onOrgs: (loaded: number) => void): void {
  dropPrefetch();
  const abort = new AbortController();
  pending = { userId: user.id, data: fetchMapData(api, abort.signal, onOrgs, user), abort };
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
