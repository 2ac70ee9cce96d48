// The statistics choropleth: the grids coloured by one KPI, each labelled
// with its figure and what it was taken over. A copy of the grid polygons
// in a source of its own, so the grid layers and their feature state are
// left as they are; the usual grid labels step aside while it shows.
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { Feature, Point } from 'geojson';
import type { GridFeature } from '../api';
import { labelPoint } from '../geometry';
import { LABEL_FONTS, LABEL_FONTS_BOLD } from '../theme';
import { GRID_LABEL_LAYER } from './grids';
import { addEmptySources, setFeatures, setVisible } from './sources';

export const CHOROPLETH_SOURCE = 'stats-grids';
export const CHOROPLETH_LABEL_SOURCE = 'stats-labels';
export const CHOROPLETH_LAYER = 'stats-fill';
export const CHOROPLETH_LABEL_LAYER = 'stats-labels';

/** Drawn for a grid without a figure. */
export const NO_DATA_COLOR = '#dee2e6';

export interface ChoroplethEntry {
  color: string | null;
  /** "办结率 96.0%（121/126）". */
  label: string;
}

/** Adds the (empty, hidden) choropleth below `fillBefore`, its labels on top. */
export function addChoroplethLayers(map: MapLibreMap, fillBefore?: string): void {
  addEmptySources(map, [CHOROPLETH_SOURCE, CHOROPLETH_LABEL_SOURCE]);
  map.addLayer(
    {
      id: CHOROPLETH_LAYER,
      type: 'fill',
      source: CHOROPLETH_SOURCE,
      layout: { visibility: 'none' },
      paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.78 },
    },
    fillBefore,
  );
  map.addLayer({
    id: CHOROPLETH_LABEL_LAYER,
    type: 'symbol',
    source: CHOROPLETH_LABEL_SOURCE,
    layout: {
      visibility: 'none',
      'text-field': ['format', ['get', 'name'], { 'text-font': ['literal', LABEL_FONTS_BOLD] }, '\n', {}, ['get', 'label'], { 'font-scale': 0.85 }],
      'text-font': LABEL_FONTS,
      'text-size': ['interpolate', ['linear'], ['zoom'], 10, 12, 14, 15],
      'text-line-height': 1.35,
      'text-max-width': 14,
      // Labels that collide (a small screen) are dropped, not piled up.
      'text-padding': 2,
    },
    paint: { 'text-color': '#1f2d3d', 'text-halo-color': 'rgba(255,255,255,0.95)', 'text-halo-width': 2 },
  });
}

/** Colours the grids by `entries` (by grid id) and shows the choropleth; null hides it. */
export function setChoropleth(map: MapLibreMap, grids: readonly GridFeature[], entries: ReadonlyMap<number, ChoroplethEntry> | null): void {
  const on = entries !== null;
  const fills: Feature[] = [];
  const labels: Feature<Point>[] = [];
  if (entries) {
    for (const g of grids) {
      const e = entries.get(g.id);
      if (!e) continue;
      fills.push({ type: 'Feature', id: g.id, geometry: g.geometry, properties: { color: e.color ?? NO_DATA_COLOR } });
      const at = g.geometry ? labelPoint(g.geometry.coordinates) : null;
      if (at) labels.push({ type: 'Feature', id: g.id, geometry: { type: 'Point', coordinates: at }, properties: { name: g.properties.name, label: e.label } });
    }
  }
  setFeatures(map, CHOROPLETH_SOURCE, fills);
  setFeatures(map, CHOROPLETH_LABEL_SOURCE, labels);
  setVisible(map, [CHOROPLETH_LAYER, CHOROPLETH_LABEL_LAYER], on);
  setVisible(map, [GRID_LABEL_LAYER], !on);
}
