// The organization layer: one circle per organization, coloured by kind.
import type { ExpressionSpecification, FilterSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { OrgFeature, OrgKind, OrgProperties } from '../api';
import { formatDate, gridReasonLabel, kindLabel, partyOrgLabel, text } from '../i18n';
import type { PopupContent, PopupRow } from '../popup';
import { KIND_COLORS, SLA_COLORS, UNKNOWN_KIND_COLOR, kindColorExpression } from '../theme';

export const ORG_SOURCE = 'organizations';
export const ORG_LAYER = 'organizations';
/** Rings around the organizations overdue for a contact or visit, when highlighted. */
export const ORG_OVERDUE_LAYER = 'organizations-overdue';

/** Whether an organization is overdue for a contact or a visit. */
export const OVERDUE_EXPRESSION: ExpressionSpecification = [
  'any',
  ['boolean', ['get', 'contact_overdue'], false],
  ['boolean', ['get', 'visit_overdue'], false],
];

/** Overdue for a visit: the overdue red; only for a contact (a week without one): the 临期 amber. */
export const OVERDUE_COLORS = { visit: SLA_COLORS.red, contact: SLA_COLORS.yellow } as const;

/** Adds the organization layer, below `beforeId` (the grid labels stay on top). */
export function addOrgLayers(map: MapLibreMap, orgs: readonly OrgFeature[], beforeId?: string): void {
  map.addSource(ORG_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [...orgs] } });
  map.addLayer({
    id: ORG_LAYER,
    type: 'circle',
    source: ORG_SOURCE,
    paint: {
      'circle-color': kindColorExpression(),
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 3, 13, 5, 16, 8],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 10, 0.6, 14, 1.4],
      'circle-opacity': 0.92,
    },
  }, beforeId);
  map.addLayer(
    {
      id: ORG_OVERDUE_LAYER,
      type: 'circle',
      source: ORG_SOURCE,
      filter: OVERDUE_EXPRESSION as FilterSpecification,
      layout: { visibility: 'none' },
      paint: {
        'circle-color': 'rgba(0,0,0,0)',
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 6, 13, 9, 16, 13],
        'circle-stroke-color': ['case', ['boolean', ['get', 'visit_overdue'], false], OVERDUE_COLORS.visit, OVERDUE_COLORS.contact],
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 10, 1.5, 14, 2.5],
      },
    },
    ORG_LAYER,
  );
}

/**
 * Highlights the organizations overdue for a contact or visit (a ring
 * around each, the others faded), and fades them all while `dim` (the
 * statistics choropleth is the subject then).
 */
export function setOrgEmphasis(map: MapLibreMap, { overdue, dim }: { overdue: boolean; dim: boolean }): void {
  map.setLayoutProperty(ORG_OVERDUE_LAYER, 'visibility', overdue ? 'visible' : 'none');
  const base = dim ? 0.35 : 0.92;
  map.setPaintProperty(ORG_LAYER, 'circle-opacity', overdue ? ['case', OVERDUE_EXPRESSION, 1, dim ? 0.15 : 0.25] : base);
  map.setPaintProperty(ORG_LAYER, 'circle-stroke-opacity', dim && !overdue ? 0.35 : 1);
}

/** Replaces the drawn organizations (after a live event or a resync). */
export function setOrgData(map: MapLibreMap, orgs: readonly OrgFeature[]): void {
  (map.getSource(ORG_SOURCE) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: [...orgs] });
}

/** The layer filter that shows only the given kinds (null: show all). */
export function kindFilter(visible: ReadonlySet<string>, all: readonly string[]): FilterSpecification | null {
  if (all.every((k) => visible.has(k))) return null;
  return ['in', ['get', 'kind'], ['literal', [...visible]]];
}

export function setVisibleKinds(map: MapLibreMap, visible: ReadonlySet<string>, all: readonly string[]): void {
  const kinds = kindFilter(visible, all);
  map.setFilter(ORG_LAYER, kinds);
  map.setFilter(ORG_OVERDUE_LAYER, kinds ? (['all', OVERDUE_EXPRESSION, kinds] as FilterSpecification) : (OVERDUE_EXPRESSION as FilterSpecification));
}

/** Counts organizations per kind, for the legend. */
export function countByKind(orgs: readonly OrgFeature[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of orgs) counts.set(o.properties.kind, (counts.get(o.properties.kind) ?? 0) + 1);
  return counts;
}

export function kindColor(kind: string): string {
  return KIND_COLORS[kind as OrgKind] ?? UNKNOWN_KIND_COLOR;
}

/** What the popup of one organization shows. */
export function orgPopup(p: OrgProperties, gridName: string | undefined): PopupContent {
  const party =
    p.party_members > 0 ? `${partyOrgLabel(p.party_org)} · ${text.popup.partyMembers} ${text.persons(p.party_members)}` : partyOrgLabel(p.party_org);
  const grid = `${gridName ?? `#${p.grid_id}`} · ${gridReasonLabel(p.grid_reason)}`;
  const badges = [p.high_tech ? text.highTech : '', p.specialized ? text.specialized : ''].filter(Boolean);
  const rows: PopupRow[] = [
    [text.popup.uscc, p.uscc],
    [text.popup.kind, kindLabel(p.kind)],
    [text.popup.industry, p.industry || text.noData],
    [text.popup.partyOrg, party],
    [text.popup.grid, grid],
    [text.popup.employees, text.persons(p.employees)],
  ];
  if (badges.length > 0) rows.push([text.popup.badges, badges.join('、')]);
  rows.push(
    overdueRow(text.popup.lastContact, formatDate(p.last_contact_at), p.contact_overdue, '超期未联系'),
    overdueRow(text.popup.lastVisit, formatDate(p.last_visit_at), p.visit_overdue, '超期未走访'),
    [text.popup.openRequests, text.items(p.open_requests)],
  );
  return { title: p.name, badge: { text: kindLabel(p.kind), color: kindColor(p.kind) }, rows };
}

/** A last-contact row, with the overdue badge when overdue. */
function overdueRow(label: string, date: string, overdue: boolean | undefined, badge: string): PopupRow {
  return overdue ? [label, date, { text: badge, tone: 'overdue' }] : [label, date];
}
