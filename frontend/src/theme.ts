// Map colours and fonts. Grid fills are soft and translucent so that the
// saturated organization dots on top of them stay readable; the grid
// outlines, drawn in the full colour, stay 10 or more apart (CIEDE2000)
// for colour-blind viewers too, and every grid carries its name.
import type { ExpressionSpecification } from 'maplibre-gl';
import type { OrgKind } from './api';

/** Paul Tol's "muted" scheme, in his order: designed to stay apart for colour-blind viewers. */
export const GRID_PALETTE: readonly string[] = [
  '#cc6677', // rose
  '#332288', // indigo
  '#ddcc77', // sand
  '#117733', // green
  '#88ccee', // cyan
  '#882255', // wine
  '#44aa99', // teal
  '#999933', // olive
  '#aa4499', // purple
];

/*
 * The colours of the marks drawn together on the map (organization kinds
 * and request SLA states) were chosen together: every pair stays 12 or
 * more apart (CIEDE2000) under normal vision and simulated protanopia,
 * deuteranopia and tritanopia, and each is dark enough for white text on
 * it and for text in it on white (WCAG AA, 4.5:1). contrast.test.ts checks.
 */

export const KIND_COLORS: Readonly<Record<OrgKind, string>> = {
  enterprise: '#0035a8', // 企业: deep blue, the bulk of the points
  new_economic: '#872ff4', // 新经济组织: violet
  social: '#055c39', // 社会组织: dark green
};

/** Drawn for a kind the app does not know yet. */
export const UNKNOWN_KIND_COLOR = '#7a838c';

/** The map's plain background (basemap.ts draws it); marks need 3:1 against it. */
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

/**
 * Request pins by SLA state: in time (teal), in its last 20 % (dark amber),
 * overdue (rose red). The names stay green/yellow/red, as the API says.
 * The same colours are the --sla text colours in styles/panel.css.
 */
export const SLA_COLORS: Readonly<Record<'green' | 'yellow' | 'red', string>> = {
  green: '#077b8d',
  yellow: '#85660f',
  red: '#bb3e5e',
};

/** A MapLibre expression choosing a request marker's colour from its `sla`. */
export function slaColorExpression(): ExpressionSpecification {
  return ['match', ['get', 'sla'], 'red', SLA_COLORS.red, 'yellow', SLA_COLORS.yellow, 'green', SLA_COLORS.green, UNKNOWN_KIND_COLOR];
}
