// The organization layer: one circle per organization, coloured by kind.
import type { FilterSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { OrgFeature, OrgKind, OrgProperties } from '../api';
import { formatDate, gridReasonLabel, kindLabel, partyOrgLabel, text } from '../i18n';
import type { PopupContent, PopupRow } from '../popup';
import { KIND_COLORS, UNKNOWN_KIND_COLOR, kindColorExpression } from '../theme';

export const ORG_SOURCE = 'organizations';
export const ORG_LAYER = 'organizations';

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
  map.setFilter(ORG_LAYER, kindFilter(visible, all));
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
    [text.popup.lastContact, formatDate(p.last_contact_at)],
    [text.popup.lastVisit, formatDate(p.last_visit_at)],
    [text.popup.openRequests, text.items(p.open_requests)],
  );
  return { title: p.name, badge: { text: kindLabel(p.kind), color: kindColor(p.kind) }, rows };
}
