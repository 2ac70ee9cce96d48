import { describe, expect, it } from 'vitest';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import type { LayerSpecification, Map as MapLibreMap } from 'maplibre-gl';
import { BASE_LAYERS, BASE_ROAD_LABEL_LAYER, BASE_SOURCE, ROAD_WIDTHS, addBaseLayer, baseLayers, baseSource, roadWidth } from './roads';
import type { RoadStyle } from './roads';

/** The width a roadWidth expression gives a style at a stop zoom. */
function widthAt(expr: unknown, style: RoadStyle, zoom: number): number {
  const interp = expr as unknown[];
  expect(interp.slice(0, 3)).toEqual(['interpolate', ['exponential', 1.5], ['zoom']]);
  const stops = interp.slice(3);
  for (let k = 0; k < stops.length; k += 2) {
    if (stops[k] !== zoom) continue;
    const match = stops[k + 1] as unknown[];
    const i = match.indexOf(style);
    return (i > 0 ? match[i + 1] : match[match.length - 1]) as number;
  }
  throw new Error(`no stop at ${zoom}`);
}

describe('base layer', () => {
  it('reads the server’s base tiles by absolute URL', () => {
    expect(baseSource('https://gridgis.example')).toEqual({
      type: 'vector',
      tiles: ['https://gridgis.example/api/v1/tiles/base/{z}/{x}/{y}.mvt'],
      minzoom: 0,
      maxzoom: 16,
    });
  });

  it('draws areas, road casings, roads, road names along the lines, then places', () => {
    const layers = baseLayers();
    expect(layers.map((l) => l.id)).toEqual(BASE_LAYERS);
    expect(layers.map((l) => (l as { 'source-layer'?: string })['source-layer'])).toEqual(['areas', 'roads', 'roads', 'roads', 'places']);
    const label = layers.find((l) => l.id === BASE_ROAD_LABEL_LAYER) as LayerSpecification & { layout: Record<string, unknown> };
    expect(label.layout['symbol-placement']).toBe('line');
    expect(label.layout['text-field']).toEqual(['get', 'name']);
  });

  it('is a valid MapLibre style (an invalid layer is dropped at run time, with only a console error)', () => {
    const style = {
      version: 8,
      sources: { [BASE_SOURCE]: baseSource('http://127.0.0.1:8080') },
      layers: [{ id: 'background', type: 'background' }, ...baseLayers()],
    };
    expect(validateStyleMin(style as never).map((e) => e.message)).toEqual([]);
  });

  it('makes 主干路 wider than 次干路 wider than 支路 at every zoom, widening as the map zooms in', () => {
    const w = roadWidth();
    // MapLibre allows zoom only as the input of the top-level interpolate.
    expect(JSON.stringify((w as unknown[]).slice(4))).not.toContain('zoom');
    for (const z of [14, 17]) {
      expect(widthAt(w, 'motorway', z)).toBeGreaterThan(widthAt(w, 'primary', z));
      expect(widthAt(w, 'primary', z)).toBeGreaterThan(widthAt(w, 'secondary', z));
      expect(widthAt(w, 'secondary', z)).toBeGreaterThan(widthAt(w, 'minor', z));
    }
    for (const style of Object.keys(ROAD_WIDTHS) as RoadStyle[]) {
      const stops = ROAD_WIDTHS[style];
      for (let i = 1; i < stops.length; i++) expect(stops[i][1]).toBeGreaterThan(stops[i - 1][1]);
    }
    // The casing is wider than the road it outlines.
    expect(widthAt(roadWidth(1.2), 'minor', 15)).toBeGreaterThan(widthAt(w, 'minor', 15));
  });

  it('goes under the data layers already on the map, once', () => {
    const layers: { id: string }[] = [{ id: 'background' }, { id: 'basemap' }, { id: 'grids-fill' }];
    const sources: Record<string, unknown> = {};
    const map = {
      getSource: (id: string) => sources[id],
      addSource: (id: string, s: unknown) => {
        sources[id] = s;
      },
      getStyle: () => ({ layers: [...layers] }),
      getLayer: (id: string) => layers.find((l) => l.id === id),
      addLayer: (l: { id: string }, before?: string) => {
        const at = before ? layers.findIndex((x) => x.id === before) : layers.length;
        layers.splice(at, 0, { id: l.id });
      },
    } as unknown as MapLibreMap;
    addBaseLayer(map, 'http://127.0.0.1:8080');
    addBaseLayer(map, 'http://127.0.0.1:8080');
    expect(Object.keys(sources)).toEqual([BASE_SOURCE]);
    expect(layers.map((l) => l.id)).toEqual(['background', 'basemap', ...BASE_LAYERS, 'grids-fill']);
  });
});
