// window.__gridgis: read-only state for the browser tests (e2e/map.e2e.mjs)
// and for anyone poking at the page from the console.
import type { LiveState } from './live';
import type { PlanState } from './rebalancepanel';
import type { User } from './session';
import type { StatsState } from './statsview';
import type { CoverageState } from './coverageview';

export type View = 'boot' | 'login' | 'map';

export interface GridSummary {
  id: number;
  code: string;
  name: string;
  /** The zone-wide count from the server, whatever the user may see. */
  org_count: number;
  /** One of the signed-in officer's own grids. */
  mine: boolean;
}

export interface GridgisTestHook {
  /** Which screen is showing. */
  view: View;
  /** The signed-in user, or null. */
  user: User | null;
  /** The map has drawn its data and placed its labels. */
  ready: boolean;
  /** The message shown when loading the map failed, else null. */
  error: string | null;
  gridCount: number;
  orgCount: number;
  gridNames: string[];
  grids: GridSummary[];
  basemap: boolean;
  /** What the offline base layer (layers/roads.ts) draws on screen; absent when it is not shown. */
  base?: () => { roads: string[]; roadLabels: string[]; places: string[] };
  /** The basemap drawn: its id from /api/v1/config, or "none". */
  basemapId: string;
  /** 定位's dot (page coordinates) and accuracy ring radius (px) as drawn, or null before a position came. */
  located(): { x: number; y: number; radiusPx: number } | null;
  /** The grid_id of every organization loaded for this user. */
  orgGridIds(): number[];
  /** Grid names whose labels MapLibre has placed on screen. */
  renderedLabels(): string[];
  /**
   * Page coordinates of an organization drawn well inside the map (of the
   * given grid, if one is named) and not under a request marker, or null.
   */
  orgScreenPoint(gridId?: number): { x: number; y: number; id: number } | null;
  /** How many open requests the map holds. */
  requestCount: number;
  /** The ids of the open requests the map holds. */
  requestIds(): number[];
  /** Page coordinates of a request's marker if it is drawn inside the map, else null. */
  requestScreenPoint(id: number): { x: number; y: number } | null;
  /** The request in the side panel as last loaded, or null. */
  detail: { id: number; status: string; version: number; events: number; actions: string[] } | null;
  /** The live event stream's state, and how many events it has delivered. */
  live: LiveState;
  liveEvents: number;
  /** The toasts on screen. */
  toasts(): string[];
  /** The ids of the organizations overdue for a visit, a contact, or (no kind) either, as the map holds them. */
  overdueOrgIds(kind?: 'contact' | 'visit'): number[];
  /** One organization as the map holds it, or null. */
  org(id: number): { name: string; liaison_id: number | null; contact_overdue: boolean; visit_overdue: boolean } | null;
  /** Page coordinates of one organization if it is drawn inside the map, else null. */
  orgPoint(id: number): { x: number; y: number } | null;
  /** The statistics table as shown, or null when the dock is closed. */
  stats: StatsState | null;
  /** The coverage dock as shown (with its gap list), or null when it is closed. */
  coverage: CoverageState | null;
  /** The rebalance plan in the panel, or null. */
  plan: PlanState | null;
  /** How many move lines the map draws. */
  moveLines: number;
  /**
   * A large scope (organizations not loaded whole, mapshell/orgview.ts):
   * what the view shows, how many organizations it holds, the scope's
   * total and the organization tiles answered; null for an ordinary scope.
   */
  orgView: { mode: 'clusters' | 'orgs'; inView: number; total: number; tiles: number; loading: boolean } | null;
  /** A large scope's clusters drawn inside the map (page coordinates and organizations), the largest first. */
  clusterPoints(): { x: number; y: number; count: number }[];
  /** A large scope's cell of one organization drawn well inside the map, away from request badges (page coordinates, its id), nearest the centre. */
  loneCellPoint(): { x: number; y: number; id: number } | null;
  /** Where the map looks (as drawn), to come back to with mapJumpTo. */
  mapView(): { center: [number, number]; zoom: number };
  mapJumpTo(view: { center: [number, number]; zoom: number }): void;
  /** The organizations the store holds (a large scope: those in view, or the one opened). */
  heldOrgIds(): number[];
  /** The map's zoom. */
  mapZoom(): number;
  /** The map is still, with every tile it wants drawn. */
  mapIdle(): boolean;
}

declare global {
  interface Window {
    __gridgis: GridgisTestHook;
  }
}

/** The map-related part of the hook, as it is with no map on screen. */
export function emptyMapState(): Omit<GridgisTestHook, 'view' | 'user'> {
  return {
    ready: false,
    error: null,
    gridCount: 0,
    orgCount: 0,
    gridNames: [],
    grids: [],
    basemap: false,
    base: undefined,
    basemapId: 'none',
    located: () => null,
    orgGridIds: () => [],
    renderedLabels: () => [],
    orgScreenPoint: () => null,
    requestCount: 0,
    requestIds: () => [],
    requestScreenPoint: () => null,
    detail: null,
    live: 'off',
    liveEvents: 0,
    toasts: () => [],
    overdueOrgIds: () => [],
    org: () => null,
    orgPoint: () => null,
    stats: null,
    coverage: null,
    plan: null,
    moveLines: 0,
    orgView: null,
    clusterPoints: () => [],
    loneCellPoint: () => null,
    mapView: () => ({ center: [0, 0], zoom: 0 }),
    mapJumpTo: () => {},
    heldOrgIds: () => [],
    mapZoom: () => 0,
    mapIdle: () => false,
  };
}

export const hook: GridgisTestHook = { view: 'boot', user: null, ...emptyMapState() };
window.__gridgis = hook;
