// Map colours. Grid fills are soft and translucent so that the saturated
// organization dots on top of them stay readable.
import type { ExpressionSpecification } from 'maplibre-gl';
import type { OrgKind } from './api';

export const GRID_PALETTE: readonly string[] = [
  '#4c6ef5', // indigo
  '#12b886', // teal
  '#fab005', // amber
  '#e64980', // rose
  '#15aabf', // cyan
  '#9775fa', // violet
  '#82c91e', // lime
  '#fd7e14', // orange
];

export const KIND_COLORS: Readonly<Record<OrgKind, string>> = {
  enterprise: '#1c4ea1', // 企业: deep blue, the bulk of the points
  new_economic: '#e8590c', // 新经济组织: orange
  social: '#2b8a3e', // 社会组织: green
};

/** Drawn for a kind the app does not know yet. */
export const UNKNOWN_KIND_COLOR = '#868e96';

export const BACKGROUND_COLOR = '#eef1f5';

/**
 * Colour per grid id, stable across reloads: grids are ordered by code, so
 * the same grid keeps its colour when others are added.
 */
export function gridColors(grids: readonly { id: number; properties: { code: string } }[]): Map<number, string> {
  const sorted = [...grids].sort((a, b) => a.properties.code.localeCompare(b.properties.code) || a.id - b.id);
  return new Map(sorted.map((g, i) => [g.id, GRID_PALETTE[i % GRID_PALETTE.length]]));
}

/** A MapLibre expression choosing the circle colour from the `kind` property. */
export function kindColorExpression(): ExpressionSpecification {
  const pairs = Object.entries(KIND_COLORS).flat();
  return ['match', ['get', 'kind'], ...pairs, UNKNOWN_KIND_COLOR] as ExpressionSpecification;
}
