// What the map screen's docks and panels share, in the shell's store.
import type { GridFeature, MoveFeature, OrgFeature, RequestFeature } from '../api';
import type { ChoroplethEntry } from '../layers/choropleth';
import type { MapScope } from '../scope';
import type { User } from '../session';

export type DockName = 'stats' | 'coverage';

export interface MapState {
  user: User;
  /** The grids and organizations this user looks after; known once loaded. */
  scope: MapScope | null;
  /** The layers are drawn: map calls may be made. */
  ready: boolean;
  // What the map holds now; live updates replace parts of it.
  grids: GridFeature[];
  orgs: OrgFeature[];
  requests: RequestFeature[];
  gridById: ReadonlyMap<number, GridFeature>;
  orgById: ReadonlyMap<number, OrgFeature>;
  requestById: ReadonlyMap<number, RequestFeature>;
  /** The request shown in the side panel. */
  selectedRequest: number | null;
  // The legend's toggles, kept across its re-rendering.
  overdueOn: boolean;
  liaisonsOn: boolean;
  /** The grid colouring of the open dock's figure, or null. */
  choropleth: Map<number, ChoroplethEntry> | null;
  /** The coverage dock's gap organizations drawn on the map, or null. */
  gaps: OrgFeature[] | null;
  /** The rebalance plan's moves, and whether they are drawn (liaison bases show with them). */
  moves: MoveFeature[];
  movesShown: boolean;
  /** The open dock over the lower map, and its height: views are fitted above it. */
  openDock: DockName | null;
  dockHeight: number;
  /** A map click picks a place (新增企业, 移动位置, 待定位), not a feature. */
  picking: 'add' | 'move' | 'place' | null;
}

export function initialMapState(user: User): MapState {
  return {
    user,
    scope: null,
    ready: false,
    grids: [],
    orgs: [],
    requests: [],
    gridById: new Map(),
    orgById: new Map(),
    requestById: new Map(),
    selectedRequest: null,
    overdueOn: false,
    liaisonsOn: false,
    choropleth: null,
    gaps: null,
    moves: [],
    movesShown: false,
    openDock: null,
    dockHeight: 0,
    picking: null,
  };
}
