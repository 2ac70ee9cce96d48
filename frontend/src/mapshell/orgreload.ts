// What reading one organization again does to the map's data. In a large
// scope (layers/orgtiles.ts) the store holds only the organizations in
// view, or, while clusters are shown, none but the one whose popup or
// panel is open; the decoded tiles stay valid unless this page changed
// what they draw (a place, a kind, a grid, an organization added or
// retired). A read (a tap, a panel opened) or a live event about an
// organization's requests or contacts changes none of that.
import type { OrgFeature } from '../api';

export interface ReloadOptions {
  /** This page just changed it (moved, added, retired, edited): a large scope's tiles are out of date. */
  wrote?: boolean;
  /** Its popup or panel is being opened: held even while a large scope shows clusters. */
  keep?: boolean;
}

export interface OrgReload {
  /** The store's organizations after the reload; null: unchanged. */
  orgs: OrgFeature[] | null;
  /** Forget a large scope's decoded tiles (asked again on the next move). */
  forgetTiles: boolean;
}

/** Whether an organization read by id belongs on the map: located and active. */
export function onMap(org: OrgFeature | null): org is OrgFeature {
  return org !== null && !!org.geometry && (org.properties.status ?? 'active') === 'active';
}

/**
 * The store after organization id was read again (org: its answer, null
 * when gone from the user's scope). In a large scope one the store does
 * not hold is added only when asked to keep it.
 */
export function applyOrgReload(held: readonly OrgFeature[], id: number, org: OrgFeature | null, large: boolean, opts: ReloadOptions = {}): OrgReload {
  const forgetTiles = large && opts.wrote === true;
  if (large && !opts.keep && !held.some((o) => o.id === id)) return { orgs: null, forgetTiles };
  const next = held.filter((o) => o.id !== id);
  if (onMap(org)) next.push(org);
  next.sort((a, b) => a.id - b.id);
  return { orgs: next, forgetTiles };
}
