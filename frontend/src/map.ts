// The MapLibre map: creation, controls and view fitting.
import * as maplibregl from 'maplibre-gl';
// The worker is a separate file in maplibre-gl 6; a bundler cannot see it,
// so Vite is asked to emit it and the map is told where it went.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url';
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles/maplibre.css';
import type { BBox } from './api';
import { plainStyle } from './basemap';
import { boxToMap, watchSources } from './layers/sources';
import { LOCAL_FONT_FAMILY } from './theme';
import { MAP_LOCALE } from './maplocale';

maplibregl.setWorkerUrl(workerUrl);

/** Where the map starts before the grids are known: 平顶山高新区. */
const INITIAL_CENTER: [number, number] = [113.23, 33.74];
const INITIAL_ZOOM = 11;

/** Creates the map; `loaded` resolves on its first "load" event. */
export function createMap(container: HTMLElement): { map: maplibregl.Map; loaded: Promise<void> } {
  const map = new maplibregl.Map({
    container,
    style: plainStyle(),
    center: INITIAL_CENTER,
    zoom: INITIAL_ZOOM,
    minZoom: 3,
    maxZoom: 19,
    locale: MAP_LOCALE,
    localIdeographFontFamily: LOCAL_FONT_FAMILY,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    // Labels show at once instead of fading in: each fade is more frames
    // to draw before the map settles, and a slow phone draws few a second.
    fadeDuration: 0,
  });
  watchSources(map); // before any source: each is drawn in the basemap's datum
  const loaded = new Promise<void>((resolve) => map.once('load', () => resolve()));
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.FullscreenControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right');
  return { map, loaded };
}

/** Fits the view to a bounding box (WGS84, as stored). */
export function fitToBBox(map: maplibregl.Map, bbox: BBox, animate = false): void {
  map.fitBounds(boxToMap(map, bbox), { padding: 48, maxZoom: 16, duration: animate ? 600 : 0 });
}
