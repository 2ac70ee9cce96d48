// The request layer: one pin per open request, standing just above its
// organization's dot (so the dot stays visible), coloured by SLA state and
// marked inside by state, so requests never look like organization circles.
import type { ExpressionSpecification, FilterSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import type { RequestFeature } from '../api';
import { SLA_COLORS, UNKNOWN_KIND_COLOR } from '../theme';
import { PIN_PIXEL_RATIO, pinImage, type PinMark } from './pins';

export const REQUEST_SOURCE = 'requests';
/**
 * A circle over each pin's head: what clicks and queries hit (a symbol's
 * hit box reaches below its icon, over the organization's dot), and the
 * ring that marks the selected request.
 */
export const REQUEST_LAYER = 'requests';
/** The lowest request layer, for layers that go below the requests. */
export const REQUEST_HALO_LAYER = REQUEST_LAYER;
/** The pins themselves. */
export const REQUEST_PIN_LAYER = 'request-pins';

/** The SLA colours, most urgent first. */
export const SLA_ORDER = ['red', 'yellow', 'green'] as const;

/** The mark inside each state's pin: the state without relying on colour. */
export const SLA_MARKS: Readonly<Record<(typeof SLA_ORDER)[number], PinMark>> = { green: 'dot', yellow: 'clock', red: 'alert' };

/** The pin image of a state ("request-pin-red"); an unknown state gets a grey pin. */
export const pinImageId = (sla: string) => `request-pin-${sla}`;
const OTHER_PIN = pinImageId('other');

/** Pixels between the pin's tip and its organization's point, at icon size 1. */
export const PIN_LIFT = 4;

/** The pin's size by zoom (icon-size; 1 is 20×28 px). */
export const PIN_SIZES: readonly [zoom: number, size: number][] = [
  [10, 0.75],
  [14, 1],
  [17, 1.2],
];

/** The radius of a pin head's hit circle, at icon size 1, and its centre's pixels above the organization's point. */
export const PIN_HIT_RADIUS = 12;
export const HIT_LIFT = 21;

/**
 * A point inside every pin head's hit circle at every size, relative to
 * its organization's point: where tests click a pin.
 */
export const BADGE_OFFSET: [number, number] = [0, -HIT_LIFT];

const selected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false];

/** Adds the pin images (once per style) and the request layers on top of everything else. */
export function addRequestLayers(map: MapLibreMap, requests: readonly RequestFeature[]): void {
  for (const sla of SLA_ORDER) {
    if (!map.hasImage(pinImageId(sla))) map.addImage(pinImageId(sla), pinImage(SLA_COLORS[sla], SLA_MARKS[sla]), { pixelRatio: PIN_PIXEL_RATIO });
  }
  if (!map.hasImage(OTHER_PIN)) map.addImage(OTHER_PIN, pinImage(UNKNOWN_KIND_COLOR, 'none'), { pixelRatio: PIN_PIXEL_RATIO });
  map.addSource(REQUEST_SOURCE, { type: 'geojson', data: requestCollection(requests) });
  map.addLayer({
    id: REQUEST_LAYER,
    type: 'circle',
    source: REQUEST_SOURCE,
    paint: {
      'circle-color': '#ffffff',
      'circle-opacity': ['case', selected, 0.85, 0],
      'circle-stroke-color': '#1f2d3d',
      'circle-stroke-width': 2.5,
      'circle-stroke-opacity': ['case', selected, 1, 0],
      'circle-radius': ['interpolate', ['linear'], ['zoom'], ...PIN_SIZES.flatMap(([z, s]) => [z, PIN_HIT_RADIUS * s])] as ExpressionSpecification,
      // A fixed lift: MapLibre's queries do not follow a zoom-interpolated translate.
      'circle-translate': [0, -HIT_LIFT],
    },
  });
  map.addLayer({
    id: REQUEST_PIN_LAYER,
    type: 'symbol',
    source: REQUEST_SOURCE,
    layout: {
      'icon-image': ['match', ['get', 'sla'], ...SLA_ORDER.flatMap((sla) => [sla, pinImageId(sla)]), OTHER_PIN] as unknown as ExpressionSpecification,
      'icon-size': ['interpolate', ['linear'], ['zoom'], ...PIN_SIZES.flat()] as ExpressionSpecification,
      'icon-anchor': 'bottom',
      'icon-offset': [0, -PIN_LIFT],
      'icon-padding': 0,
      // Every pin is drawn, however crowded; overdue ones on top.
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
      'symbol-sort-key': slaSortKey(),
    },
  });
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
  map.setFilter(REQUEST_PIN_LAYER, filter);
}

/** Counts requests per SLA colour, for the legend. */
export function countBySla(requests: readonly RequestFeature[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.properties.sla, (counts.get(r.properties.sla) ?? 0) + 1);
  return counts;
}
