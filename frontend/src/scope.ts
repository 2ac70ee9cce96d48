// What part of the zone a user answers for, and how the map shows it. The
// server already filters the organizations by role; this decides where the
// view goes and which grids are drawn as the user's own.
import type { BBox, GridFeature, OrgFeature } from './api';
import { bboxOf, viewExtent } from './geometry';
import type { User } from './session';

export type ScopeKind =
  /** Admins and planners (and any role the app does not know): the whole zone. */
  | 'zone'
  /** Officers: their own grid(s); the others stay on the map, dimmed. */
  | 'grids'
  /** Liaisons: the organizations they look after. */
  | 'orgs';

export interface MapScope {
  kind: ScopeKind;
  /** The grids drawn as the user's own; empty unless kind is "grids". */
  ownGridIds: ReadonlySet<number>;
  /** Where the view goes first; null when there is nothing to show. */
  focus: BBox | null;
}

/** How one grid is drawn. */
export type GridEmphasis = 'normal' | 'mine' | 'other';

/**
 * The smallest view, in degrees (about 1 km here): a liaison's few
 * organizations, or a single one, should still show the streets around them.
 */
export const MIN_FOCUS_SPAN = 0.01;

/**
 * How much of the surroundings an officer's view takes in, as a share of
 * their grid's size per side: enough to see where the neighbours begin.
 */
export const OFFICER_CONTEXT = 0.12;

export function mapScope(user: Pick<User, 'role' | 'grid_ids'>, grids: readonly GridFeature[], orgs: readonly OrgFeature[]): MapScope {
  const zone = (): MapScope => ({ kind: 'zone', ownGridIds: new Set(), focus: zoneExtent(grids, orgs) });

  if (user.role === 'officer') {
    const wanted = new Set(user.grid_ids);
    const own = grids.filter((g) => wanted.has(g.id));
    // A grid id the map does not have (deleted, another zone) leaves the
    // officer with the zone view rather than an empty one.
    if (own.length === 0) return zone();
    const ownIds = new Set(own.map((g) => g.id));
    const ownOrgs = orgs.filter((o) => ownIds.has(o.properties.grid_id));
    const extent = zoneExtent(own, ownOrgs);
    return { kind: 'grids', ownGridIds: ownIds, focus: extent && grownBy(extent, OFFICER_CONTEXT) };
  }

  if (user.role === 'liaison') {
    const box = bboxOf(orgs.map((o) => o.geometry));
    // With no organizations assigned yet, show the zone they will come from.
    const focus = box ? withMinSpan(box, MIN_FOCUS_SPAN) : zoneExtent(grids, orgs);
    return { kind: 'orgs', ownGridIds: new Set(), focus };
  }

  return zone();
}

/** The grids' extent grown a little for organizations just outside them. */
function zoneExtent(grids: readonly GridFeature[], orgs: readonly OrgFeature[]): BBox | null {
  const gridBox = bboxOf(grids.map((g) => g.geometry));
  const orgBox = bboxOf(orgs.map((o) => o.geometry));
  return gridBox ? viewExtent(gridBox, orgBox) : orgBox;
}

/** Grows a box by a share of its width and height on every side. */
export function grownBy(box: BBox, share: number): BBox {
  const dx = (box[2] - box[0]) * share;
  const dy = (box[3] - box[1]) * share;
  return [box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy];
}

/** Grows a box about its centre so that each side spans at least `span`. */
export function withMinSpan(box: BBox, span: number): BBox {
  const grow = (lo: number, hi: number): [number, number] => {
    const missing = span - (hi - lo);
    return missing > 0 ? [lo - missing / 2, hi + missing / 2] : [lo, hi];
  };
  const [minX, maxX] = grow(box[0], box[2]);
  const [minY, maxY] = grow(box[1], box[3]);
  return [minX, minY, maxX, maxY];
}

export function gridEmphasis(scope: Pick<MapScope, 'ownGridIds'>, gridId: number): GridEmphasis {
  if (scope.ownGridIds.size === 0) return 'normal';
  return scope.ownGridIds.has(gridId) ? 'mine' : 'other';
}

/** The grid list's order: the user's own grids first, then by code. */
export function gridListOrder<G extends { id: number; properties: { code: string } }>(
  grids: readonly G[],
  ownGridIds: ReadonlySet<number>,
): G[] {
  return [...grids].sort(
    (a, b) =>
      Number(ownGridIds.has(b.id)) - Number(ownGridIds.has(a.id)) ||
      a.properties.code.localeCompare(b.properties.code) ||
      a.id - b.id,
  );
}

/** The panel's one-line description of what the map holds for this user. */
export function scopeNote(scope: MapScope, user: Pick<User, 'role'>, grids: readonly GridFeature[], orgCount: number): string {
  switch (scope.kind) {
    case 'grids': {
      const own = grids.filter((g) => scope.ownGridIds.has(g.id));
      const names = gridListOrder(own, scope.ownGridIds).map((g) => g.properties.name);
      return `${names.join('、')}（本人负责）`;
    }
    case 'orgs':
      return `本人包联的 ${orgCount} 家组织`;
    case 'zone':
      return user.role === 'planner' ? '全园区（只读）' : '全园区';
  }
}
