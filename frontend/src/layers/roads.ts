// The zone's base layer: streets, place names and water or green areas
// from the server's own vector tiles (/api/v1/tiles/base), drawn under
// every data layer when no external basemap is configured, so that an
// offline deployment still shows where things are. Colours are subdued:
// the data stays on top.
import type { ExpressionSpecification, LayerSpecification, Map as MapLibreMap, VectorSourceSpecification } from 'maplibre-gl';
import { LABEL_FONTS } from '../theme';

export const BASE_SOURCE = 'base';
export const BASE_AREA_LAYER = 'base-areas';
export const BASE_ROAD_CASING_LAYER = 'base-road-casing';
export const BASE_ROAD_LAYER = 'base-roads';
export const BASE_ROAD_LABEL_LAYER = 'base-road-labels';
export const BASE_PLACE_LAYER = 'base-places';

/** Every layer of the base layer, bottom to top. */
export const BASE_LAYERS = [BASE_AREA_LAYER, BASE_ROAD_CASING_LAYER, BASE_ROAD_LAYER, BASE_ROAD_LABEL_LAYER, BASE_PLACE_LAYER];

/** The road styles the server sends, most important first. */
export type RoadStyle = 'motorway' | 'primary' | 'secondary' | 'minor';

/**
 * Line width in pixels by style and zoom: [zoom, width] stops. 主干路
 * are wide from far out, 支路 appear at zoom 13 (the server sends them from
 * there) as hairlines and widen.
 */
export const ROAD_WIDTHS: Readonly<Record<RoadStyle, readonly (readonly [number, number])[]>> = {
  motorway: [
    [10, 1.6],
    [14, 5],
    [17, 14],
  ],
  primary: [
    [10, 1.2],
    [14, 4],
    [17, 12],
  ],
  secondary: [
    [11, 0.7],
    [14, 2.6],
    [17, 8],
  ],
  minor: [
    [13, 0.6],
    [15, 1.8],
    [17, 5],
  ],
};

/** Subdued colours under translucent grids: pale roads on the grey background. */
export const BASE_COLORS = {
  road: '#ffffff',
  primary: '#fffaf0',
  casing: '#b8c0cc',
  water: '#cddff0',
  green: '#dbe9d3',
  area: '#e4e7ec',
  roadLabel: '#7a8591',
  placeLabel: '#56606b',
  halo: 'rgba(255,255,255,0.9)',
} as const;

/** The tile source, with an absolute URL (MapLibre's workers need one). */
export function baseSource(origin: string = location.origin): VectorSourceSpecification {
  return { type: 'vector', tiles: [`${origin}/api/v1/tiles/base/{z}/{x}/{y}.mvt`], minzoom: 0, maxzoom: 16 };
}

/** The zooms the width expression has stops at: every style's stops. */
const WIDTH_ZOOMS = [...new Set(Object.values(ROAD_WIDTHS).flatMap((stops) => stops.map(([z]) => z)))].sort((a, b) => a - b);

/** A style's width at zoom z, linear between its stops and held beyond them. */
export function roadWidthAt(style: RoadStyle, z: number): number {
  const stops = ROAD_WIDTHS[style];
  if (z <= stops[0][0]) return stops[0][1];
  for (let i = 1; i < stops.length; i++) {
    const [z0, w0] = stops[i - 1];
    const [z1, w1] = stops[i];
    if (z <= z1) return w0 + ((w1 - w0) * (z - z0)) / (z1 - z0);
  }
  return stops[stops.length - 1][1];
}

/**
 * Line width by zoom and style; extra adds to every width (the casing).
 * MapLibre takes zoom only at the top of an expression, so the zoom
 * interpolates between stops that each match the style.
 */
export function roadWidth(extra = 0): ExpressionSpecification {
  const at = (z: number): ExpressionSpecification =>
    [
      'match',
      ['get', 'style'],
      'motorway',
      roadWidthAt('motorway', z) + extra,
      'primary',
      roadWidthAt('primary', z) + extra,
      'secondary',
      roadWidthAt('secondary', z) + extra,
      roadWidthAt('minor', z) + extra,
    ] as ExpressionSpecification;
  return ['interpolate', ['exponential', 1.5], ['zoom'], ...WIDTH_ZOOMS.flatMap((z) => [z, at(z)])] as ExpressionSpecification;
}

/** Draw order within the road layers: important roads on top of minor ones. */
export function roadSortKey(): ExpressionSpecification {
  return ['match', ['get', 'style'], 'motorway', 4, 'primary', 3, 'secondary', 2, 1];
}

/** The base layer's MapLibre layers, bottom to top. */
export function baseLayers(): LayerSpecification[] {
  return [
    {
      id: BASE_AREA_LAYER,
      type: 'fill',
      source: BASE_SOURCE,
      'source-layer': 'areas',
      paint: {
        'fill-color': ['match', ['get', 'style'], 'water', BASE_COLORS.water, 'green', BASE_COLORS.green, BASE_COLORS.area],
      },
    },
    {
      id: BASE_ROAD_CASING_LAYER,
      type: 'line',
      source: BASE_SOURCE,
      'source-layer': 'roads',
      layout: { 'line-join': 'round', 'line-cap': 'round', 'line-sort-key': roadSortKey() },
      paint: { 'line-color': BASE_COLORS.casing, 'line-width': roadWidth(1.2) },
    },
    {
      id: BASE_ROAD_LAYER,
      type: 'line',
      source: BASE_SOURCE,
      'source-layer': 'roads',
      layout: { 'line-join': 'round', 'line-cap': 'round', 'line-sort-key': roadSortKey() },
      paint: {
        'line-color': ['match', ['get', 'style'], ['motorway', 'primary'], BASE_COLORS.primary, BASE_COLORS.road],
        'line-width': roadWidth(),
      },
    },
    {
      id: BASE_ROAD_LABEL_LAYER,
      type: 'symbol',
      source: BASE_SOURCE,
      'source-layer': 'roads',
      minzoom: 11,
      filter: ['all', ['!=', ['get', 'name'], ''], ['any', ['>=', ['zoom'], 14], ['!=', ['get', 'style'], 'minor']]],
      layout: {
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-font': LABEL_FONTS,
        'text-size': ['interpolate', ['linear'], ['zoom'], 12, 11, 16, 13],
        'text-letter-spacing': 0.1,
        'text-rotation-alignment': 'map',
        'text-pitch-alignment': 'viewport',
        'symbol-spacing': 320,
        'text-padding': 6,
      },
      paint: { 'text-color': BASE_COLORS.roadLabel, 'text-halo-color': BASE_COLORS.halo, 'text-halo-width': 1.6 },
    },
    {
      id: BASE_PLACE_LAYER,
      type: 'symbol',
      source: BASE_SOURCE,
      'source-layer': 'places',
      minzoom: 11,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': LABEL_FONTS,
        'text-size': ['interpolate', ['linear'], ['zoom'], 11, 11, 16, 13],
        'text-padding': 6,
        'text-max-width': 8,
      },
      paint: { 'text-color': BASE_COLORS.placeLabel, 'text-halo-color': BASE_COLORS.halo, 'text-halo-width': 1.6 },
    },
  ];
}

/**
 * Adds the base layer right above the background (and any basemap), under
 * every data layer added before or after. Call it only when no external
 * basemap is shown: a basemap has streets of its own. Returns what it
 * draws on screen, for the test hook.
 */
export function addBaseLayer(map: MapLibreMap, origin: string = location.origin): () => ReturnType<typeof renderedBase> {
  if (!map.getSource(BASE_SOURCE)) {
    map.addSource(BASE_SOURCE, baseSource(origin));
    // Under the first data layer, whatever was added already.
    const under = map.getStyle().layers.find((l) => l.id !== 'background' && l.id !== 'basemap')?.id;
    for (const layer of baseLayers()) map.addLayer(layer, under);
  }
  return () => renderedBase(map);
}

/** What the base layer draws on screen now, for the browser tests: names of roads and places. */
export function renderedBase(map: MapLibreMap): { roads: string[]; roadLabels: string[]; places: string[] } {
  const names = (layers: string[]) => {
    if (!layers.every((id) => map.getLayer(id))) return [];
    const seen = new Set<string>();
    for (const f of map.queryRenderedFeatures({ layers })) {
      const name = f.properties?.name;
      if (typeof name === 'string' && name) seen.add(name);
    }
    return [...seen].sort();
  };
  return { roads: names([BASE_ROAD_LAYER]), roadLabels: names([BASE_ROAD_LABEL_LAYER]), places: names([BASE_PLACE_LAYER]) };
}
