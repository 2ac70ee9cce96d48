// The plain base style the data layers are drawn on, and the basemaps from
// /api/v1/config (GRIDGIS_BASEMAP): each one or more raster layers, drawn
// right above the background and under every data layer. No tile server
// is reachable offline, so by default there is none. A basemap drawn in
// GCJ-02 (Amap) sets the map's datum, and the data is shifted onto it
// (layers/sources.ts).
import type { Map as MapLibreMap, RasterLayerSpecification, RasterSourceSpecification, StyleSpecification } from 'maplibre-gl';
import type { BasemapChoice } from './api';
import { setMapDatum } from './layers/sources';
import { BACKGROUND_COLOR } from './theme';

export const BACKGROUND_LAYER = 'background';
/** The basemap's sources and layers are named basemap-0, basemap-1, … bottom first. */
export const BASEMAP_PREFIX = 'basemap-';

export function plainStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: BACKGROUND_LAYER, type: 'background', paint: { 'background-color': BACKGROUND_COLOR } }],
  };
}

/** A 256 px raster source for XYZ URL templates (one per subdomain), such as https://host/{z}/{x}/{y}.png. */
export function basemapSource(tiles: string[], maxzoom = 19, attribution = ''): RasterSourceSpecification {
  const source: RasterSourceSpecification = { type: 'raster', tiles, tileSize: 256, maxzoom };
  if (attribution) source.attribution = attribution;
  return source;
}

/**
 * The sources and layers a basemap is drawn with, bottom first: 天地图's
 * base and then its annotation (place names); the credit on the first
 * source only, so it is shown once.
 */
export function basemapLayers(choice: BasemapChoice): { id: string; source: RasterSourceSpecification; layer: RasterLayerSpecification }[] {
  return choice.layers.map((l, i) => {
    const id = `${BASEMAP_PREFIX}${i}`;
    return {
      id,
      source: basemapSource(l.tiles, choice.maxzoom, i === 0 ? choice.attribution : ''),
      layer: { id, type: 'raster', source: id, paint: { 'raster-opacity': i === 0 ? 0.9 : 1 } },
    };
  });
}

/**
 * Shows a basemap (null: none, the plain background) in place of the one
 * drawn, and sets the map's datum to its own, which shifts every data
 * source. Returns whether a basemap is drawn.
 */
export function setBasemap(map: MapLibreMap, choice: BasemapChoice | null): boolean {
  const style = map.getStyle();
  for (const l of style.layers) if (l.id.startsWith(BASEMAP_PREFIX)) map.removeLayer(l.id);
  for (const id of Object.keys(style.sources)) if (id.startsWith(BASEMAP_PREFIX)) map.removeSource(id);
  setMapDatum(map, choice?.datum ?? 'wgs84');
  if (!choice) return false;
  // Right above the background: under every data layer.
  const above = map.getStyle().layers.find((l) => l.id !== BACKGROUND_LAYER)?.id;
  for (const { id, source, layer } of basemapLayers(choice)) {
    map.addSource(id, source);
    map.addLayer(layer, above);
  }
  return true;
}

const CHOICE_KEY = 'gridgis.basemap';
/** The id the chooser stores for 无底图. */
export const NO_BASEMAP = 'none';

/** The basemap to start with: the one last chosen on this device if still offered (or none), else the first configured. */
export function initialBasemap(choices: readonly BasemapChoice[], stored: string | null = readChoice()): BasemapChoice | null {
  if (stored === NO_BASEMAP) return null;
  return choices.find((c) => c.id === stored) ?? choices[0] ?? null;
}

export function readChoice(): string | null {
  try {
    return localStorage.getItem(CHOICE_KEY);
  } catch {
    return null; // storage blocked: start with the first
  }
}

export function storeChoice(id: string): void {
  try {
    localStorage.setItem(CHOICE_KEY, id);
  } catch {
    // storage blocked: the choice lasts this visit only
  }
}
