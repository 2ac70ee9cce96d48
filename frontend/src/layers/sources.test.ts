import { describe, expect, it } from 'vitest';
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { Feature, FeatureCollection, GeoJSON, Geometry, Position } from 'geojson';
import { wgs84ToGcj02 } from '../gcj';
import { fromMap, onDatumChange, setFeatures, setMapDatum, toMap, watchSources } from './sources';

/** Just enough of a MapLibre map: GeoJSON sources that keep what they were last given. */
function fakeMap() {
  const sources = new Map<string, { type: string; data: GeoJSON; setData(d: GeoJSON | string): Promise<void> }>();
  const map = {
    addSource(id: string, spec: { type: string; data?: GeoJSON }) {
      const src = {
        type: spec.type,
        data: spec.data!,
        setData(d: GeoJSON | string) {
          if (typeof d !== 'string') src.data = d;
          return Promise.resolve();
        },
      };
      sources.set(id, src);
    },
    getSource: (id: string) => sources.get(id),
  };
  return { map: map as unknown as MapLibreMap, drawn: (id: string) => sources.get(id)!.data };
}

const zone: Position = [113.23, 33.74]; // the demo zone (平顶山高新区)
const near = (p: Position, dx: number, dy: number): Position => [p[0] + dx, p[1] + dy];
const geometries: Geometry[] = [
  { type: 'Point', coordinates: zone },
  { type: 'LineString', coordinates: [zone, near(zone, 0.01, 0.01)] },
  { type: 'Polygon', coordinates: [[zone, near(zone, 0.01, 0), near(zone, 0.01, 0.01), zone]] },
  { type: 'MultiPoint', coordinates: [zone, near(zone, 0.02, 0)] },
  { type: 'MultiLineString', coordinates: [[zone, near(zone, 0, 0.01)]] },
  { type: 'MultiPolygon', coordinates: [[[zone, near(zone, 0.01, 0), near(zone, 0, 0.01), zone]]] },
];
const features: Feature[] = geometries.map((g, i) => ({ type: 'Feature', id: i, geometry: g, properties: { i } }));

const positions = (fc: GeoJSON): Position[] => {
  const out: Position[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x) && typeof x[0] === 'number') out.push(x as Position);
    else if (Array.isArray(x)) x.forEach(walk);
  };
  for (const f of (fc as FeatureCollection).features) walk((f.geometry as { coordinates: unknown }).coordinates);
  return out;
};

describe('the map datum', () => {
  it('draws WGS84 data unchanged over a WGS84 basemap', () => {
    const { map, drawn } = fakeMap();
    watchSources(map);
    map.addSource('orgs', { type: 'geojson', data: { type: 'FeatureCollection', features } });
    expect(positions(drawn('orgs'))).toEqual(positions({ type: 'FeatureCollection', features }));
  });

  it('shifts every position of every geometry type to GCJ-02, whether added or set, and shifts back to WGS84 on a switch', () => {
    const { map, drawn } = fakeMap();
    watchSources(map);
    const given: FeatureCollection = { type: 'FeatureCollection', features };
    const before = JSON.stringify(given);
    map.addSource('added', { type: 'geojson', data: given });
    map.addSource('set', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    setMapDatum(map, 'gcj02');
    setFeatures(map, 'set', features);
    const want = positions(given).map(wgs84ToGcj02);
    for (const id of ['added', 'set']) {
      const got = positions(drawn(id));
      expect(got).toHaveLength(want.length);
      got.forEach((p, i) => expect(p).toEqual(want[i]));
      // Properties and ids ride along.
      expect((drawn(id) as FeatureCollection).features.map((f) => f.id)).toEqual(features.map((f) => f.id));
    }
    expect(JSON.stringify(given)).toBe(before); // the caller's data is not touched
    setMapDatum(map, 'wgs84');
    expect(positions(drawn('added'))).toEqual(positions(given));
    expect(positions(drawn('set'))).toEqual(positions(given));
  });

  it('a source added while GCJ-02 is on is shifted at once', () => {
    const { map, drawn } = fakeMap();
    watchSources(map);
    setMapDatum(map, 'gcj02');
    map.addSource('late', { type: 'geojson', data: { type: 'FeatureCollection', features: [features[0]] } });
    expect(positions(drawn('late'))[0]).toEqual(wgs84ToGcj02(zone));
  });

  it('takes positions to the map and back: a click on a shifted point is the stored point again (< 1 cm)', () => {
    const { map } = fakeMap();
    watchSources(map);
    expect(toMap(map, zone)).toEqual(zone);
    setMapDatum(map, 'gcj02');
    const shown = toMap(map, zone);
    expect(shown).toEqual(wgs84ToGcj02(zone));
    const back = fromMap(map, { lng: shown[0], lat: shown[1] });
    expect(Math.abs(back[0] - zone[0])).toBeLessThan(1e-7);
    expect(Math.abs(back[1] - zone[1])).toBeLessThan(1e-7);
  });

  it('tells what is drawn outside the sources (the edit marker) after each change of datum, and no more once stopped', () => {
    const { map } = fakeMap();
    watchSources(map);
    const seen: string[] = [];
    const stop = onDatumChange(map, () => seen.push(String(toMap(map, zone))));
    setMapDatum(map, 'gcj02');
    setMapDatum(map, 'gcj02'); // no change: not told
    setMapDatum(map, 'wgs84');
    stop();
    setMapDatum(map, 'gcj02');
    expect(seen).toEqual([String(wgs84ToGcj02(zone)), String(zone)]);
  });
});
