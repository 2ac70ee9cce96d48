// The request layer: one marker per open request, coloured by SLA, drawn
// as a badge just above its organization's dot so the dot stays visible.
import type { ExpressionSpecification, FilterSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import type { RequestFeature } from '../api';
import { slaColorExpression } from '../theme';

export const REQUEST_SOURCE = 'requests';
export const REQUEST_HALO_LAYER = 'requests-halo';
export const REQUEST_LAYER = 'requests';

/** The SLA colours, most urgent first. */
export const SLA_ORDER = ['red', 'yellow', 'green'] as const;

/** Pixels the badge sits above the organization's point. */
export const BADGE_OFFSET: [number, number] = [0, -12];

const selected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false];

/** Adds the request layers on top of everything else. */
export function addRequestLayers(map: MapLibreMap, requests: readonly RequestFeature[]): void {
  map.addSource(REQUEST_SOURCE, { type: 'geojson', data: requestCollection(requests) });
  map.addLayer({
    id: REQUEST_HALO_LAYER,
    type: 'circle',
    source: REQUEST_SOURCE,
    paint: {
      'circle-color': slaColorExpression(),
      'circle-radius': byZoom([10, 8, 14], [14, 11, 16], [17, 14, 18]),
      'circle-opacity': ['case', selected, 0.35, ['match', ['get', 'sla'], 'red', 0.3, 'yellow', 0.22, 0.14]],
      'circle-translate': BADGE_OFFSET,
      'circle-blur': 0.3,
    },
  });
  map.addLayer({
    id: REQUEST_LAYER,
    type: 'circle',
    source: REQUEST_SOURCE,
    layout: { 'circle-sort-key': slaSortKey() },
    paint: {
      'circle-color': slaColorExpression(),
      'circle-radius': byZoom([10, 4.5, 7], [14, 6.5, 9], [17, 8, 10]),
      'circle-stroke-color': ['case', selected, '#1f2d3d', '#ffffff'],
      'circle-stroke-width': ['case', selected, 2.5, 2],
      'circle-translate': BADGE_OFFSET,
    },
  });
}

/**
 * A size interpolated by zoom, larger for the selected request: stops are
 * [zoom, size, selected size] (zoom must be the outermost input).
 */
export function byZoom(...stops: [zoom: number, size: number, selectedSize: number][]): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], ...stops.flatMap(([z, size, sel]) => [z, ['case', selected, sel, size]])] as ExpressionSpecification;
}

/** Overdue requests are drawn over the others. */
export function slaSortKey(): ExpressionSpecification {
  return ['match', ['get', 'sla'], 'red', 3, 'yellow', 2, 1];
}

function requestCollection(requests: readonly RequestFeature[]): FeatureCollection {
  return { type: 'FeatureCollection', features: [...requests] };
}

/** Replaces the drawn requests (after a live event). */
export function setRequestData(map: MapLibreMap, requests: readonly RequestFeature[]): void {
  (map.getSource(REQUEST_SOURCE) as GeoJSONSource | undefined)?.setData(requestCollection(requests));
}

/** Marks the request shown in the side panel. */
export function setSelectedRequest(map: MapLibreMap, id: number | null, previous: number | null): void {
  if (!map.getSource(REQUEST_SOURCE)) return;
  if (previous !== null) map.setFeatureState({ source: REQUEST_SOURCE, id: previous }, { selected: false });
  if (id !== null) map.setFeatureState({ source: REQUEST_SOURCE, id }, { selected: true });
}

/** The layer filter that shows only the given SLA colours (null: show all). */
export function slaFilter(visible: ReadonlySet<string>): FilterSpecification | null {
  if (SLA_ORDER.every((c) => visible.has(c))) return null;
  return ['in', ['get', 'sla'], ['literal', [...visible]]];
}

export function setVisibleSla(map: MapLibreMap, visible: ReadonlySet<string>): void {
  const filter = slaFilter(visible);
  map.setFilter(REQUEST_LAYER, filter);
  map.setFilter(REQUEST_HALO_LAYER, filter);
}

/** Counts requests per SLA colour, for the legend. */
export function countBySla(requests: readonly RequestFeature[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.properties.sla, (counts.get(r.properties.sla) ?? 0) + 1);
  return counts;
}
