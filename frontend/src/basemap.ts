// The plain base style the data layers are drawn on, and the optional raster
// basemap from /api/v1/config (no tile server is reachable offline, so by
// default there is none).
import type { Map as MapLibreMap, RasterSourceSpecification, StyleSpecification } from 'maplibre-gl';
import { BACKGROUND_COLOR } from './theme';

export const BACKGROUND_LAYER = 'background';
export const BASEMAP_SOURCE = 'basemap';
export const BASEMAP_LAYER = 'basemap';

export function plainStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: BACKGROUND_LAYER, type: 'background', paint: { 'background-color': BACKGROUND_COLOR } }],
  };
}

/** A raster source for an XYZ URL template such as https://host/{z}/{x}/{y}.png. */
export function basemapSource(template: string): RasterSourceSpecification {
  return { type: 'raster', tiles: [template], tileSize: 256, maxzoom: 19 };
}

/**
 * Adds the basemap right above the background, under every data layer.
 * Does nothing and returns false for an empty template.
 */
export function addBasemap(map: MapLibreMap, template: string): boolean {
  if (!template.trim()) return false;
  map.addSource(BASEMAP_SOURCE, basemapSource(template.trim()));
  const above = map.getStyle().layers.find((l) => l.id !== BACKGROUND_LAYER)?.id;
  map.addLayer({ id: BASEMAP_LAYER, type: 'raster', source: BASEMAP_SOURCE, paint: { 'raster-opacity': 0.9 } }, above);
  return true;
}
