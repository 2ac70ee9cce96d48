// Map colours and fonts. Grid fills are soft and translucent so that the
// saturated organization dots on top of them stay readable.
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
 * Label fonts. The style has no `glyphs` URL (there is no glyph server
 * offline), so MapLibre draws every glyph locally from these families.
 */
export const LABEL_FONTS = ['Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', 'sans-serif'];
/**
 * MapLibre takes the weight from the first name ("Bold" → 700); that name
 * matches no installed family, so the browser falls through to the next.
 */
export const LABEL_FONTS_BOLD = ['Noto Sans CJK SC Bold', ...LABEL_FONTS];
export const LOCAL_FONT_FAMILY = LABEL_FONTS.map((f) => (f.includes(' ') ? `"${f}"` : f)).join(', ');

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
  return [
    'match',
    ['get', 'kind'],
    'enterprise',
    KIND_COLORS.enterprise,
    'new_economic',
    KIND_COLORS.new_economic,
    'social',
    KIND_COLORS.social,
    UNKNOWN_KIND_COLOR,
  ];
}

/** Request markers by SLA colour: in time, in its last 20 %, overdue. */
export const SLA_COLORS: Readonly<Record<'green' | 'yellow' | 'red', string>> = {
  green: '#2f9e44',
  yellow: '#fab005',
  red: '#e03131',
};

/** A MapLibre expression choosing a request marker's colour from its `sla`. */
export function slaColorExpression(): ExpressionSpecification {
  return ['match', ['get', 'sla'], 'red', SLA_COLORS.red, 'yellow', SLA_COLORS.yellow, 'green', SLA_COLORS.green, UNKNOWN_KIND_COLOR];
}
