import { describe, expect, it } from 'vitest';
import type { Geometry, Position } from 'geojson';
import vectors from '../../geo/testdata/gcoord/vectors.json?raw';
import { fromDatum, gcj02ToWgs84, inChinaBox, mapGeometry, metresBetween, toDatum, wgs84ToGcj02 } from './gcj';

// The vectors geo/crs_test.go checks the Go code against, made once with
// the npm package gcoord 1.0.7 (geo/testdata/gcoord/gen.mjs).
interface Vector {
  kind: string;
  in: [number, number];
  wgs84_gcj02: [number, number] | null;
  gcj02_wgs84: [number, number] | null;
}
const fixture = JSON.parse(vectors) as {
  gcoord: string;
  points: Vector[];
};

const degreeDiff = (a: Position, b: Position) => Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));

describe('gcj.ts against gcoord 1.0.7', () => {
  it('reads the fixture', () => {
    expect(fixture.gcoord).toBe('1.0.7');
    expect(fixture.points.length).toBeGreaterThan(300);
  });

  it('WGS84 → GCJ-02 agrees with gcoord to 1e-12° (0.1 µm), and leaves points outside the box alone', () => {
    let worst = 0;
    for (const v of fixture.points) {
      const ours = wgs84ToGcj02(v.in);
      expect(v.wgs84_gcj02, `${v.in}`).not.toBeNull();
      const d = degreeDiff(ours, v.wgs84_gcj02!);
      worst = Math.max(worst, d);
      expect(d, `${v.kind} ${v.in}: ours ${ours}, gcoord ${v.wgs84_gcj02}`).toBeLessThan(1e-12);
      if (!inChinaBox(v.in[0], v.in[1])) expect(ours).toEqual(v.in);
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('GCJ-02 → WGS84 round-trips within 0.01 m wherever a preimage exists, and is within gcoord’s own residual of its answer', () => {
    let trips = 0;
    let worstTrip = 0;
    for (const v of fixture.points) {
      const w = gcj02ToWgs84(v.in);
      if (!inChinaBox(v.in[0], v.in[1])) {
        expect(w).toEqual(v.in);
        continue;
      }
      const e = metresBetween(wgs84ToGcj02(w), v.in);
      if (v.kind === 'grid' || v.kind === 'random' || v.kind === 'city') {
        expect(e, `${v.kind} ${v.in}`).toBeLessThan(0.01);
      }
      if (e >= 0.01) continue; // by the box's edge some points have no preimage (see geo/crs.go)
      trips++;
      worstTrip = Math.max(worstTrip, e);
      if (v.gcj02_wgs84) {
        // gcoord stops at 1e-6°: ours must be within its residual plus our 1 cm.
        const residual = metresBetween(wgs84ToGcj02(v.gcj02_wgs84), v.in);
        expect(metresBetween(w, v.gcj02_wgs84)).toBeLessThan(1.1 * (residual + 0.01));
      }
    }
    expect(trips).toBeGreaterThan(250);
    expect(worstTrip).toBeLessThan(0.001);
  });

  it('shifts 天安门 by the known offset (about 0.0062° E, 0.0014° N: some 600 m)', () => {
    const tiananmen: [number, number] = [116.397428, 39.90923];
    const g = wgs84ToGcj02(tiananmen);
    const v = fixture.points.find((p) => p.kind === 'city' && p.in[0] === tiananmen[0])!;
    expect(g).toEqual(v.wgs84_gcj02);
    expect(metresBetween(g, tiananmen)).toBeGreaterThan(500);
    expect(metresBetween(g, tiananmen)).toBeLessThan(700);
    expect(toDatum('wgs84', tiananmen)).toEqual(tiananmen);
    expect(fromDatum('gcj02', toDatum('gcj02', tiananmen))[0]).toBeCloseTo(tiananmen[0], 9);
  });
});

describe('mapGeometry', () => {
  const shift = (p: Position): Position => [p[0] + 1, p[1] + 2];
  const cases: Geometry[] = [
    { type: 'Point', coordinates: [113, 33] },
    { type: 'MultiPoint', coordinates: [[113, 33], [114, 34]] },
    { type: 'LineString', coordinates: [[113, 33], [114, 34]] },
    { type: 'MultiLineString', coordinates: [[[113, 33], [114, 34]], [[115, 35], [116, 36]]] },
    { type: 'Polygon', coordinates: [[[113, 33], [114, 33], [114, 34], [113, 33]]] },
    { type: 'MultiPolygon', coordinates: [[[[113, 33], [114, 33], [114, 34], [113, 33]]], [[[1, 1], [2, 1], [2, 2], [1, 1]]]] },
    { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [113, 33] }, { type: 'LineString', coordinates: [[1, 1], [2, 2]] }] },
  ];
  for (const g of cases) {
    it(`moves every position of a ${g.type}, leaving the input alone`, () => {
      const before = JSON.stringify(g);
      const out = mapGeometry(g, shift);
      expect(JSON.stringify(g)).toBe(before);
      const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : typeof x === 'number' ? [x] : []);
      const coords = (h: Geometry): number[] => (h.type === 'GeometryCollection' ? h.geometries.flatMap(coords) : flat(h.coordinates));
      const a = coords(g);
      const b = coords(out);
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) expect(b[i]).toBe(a[i] + (i % 2 === 0 ? 1 : 2));
    });
  }
  it('keeps an altitude and a null geometry', () => {
    expect(mapGeometry({ type: 'Point', coordinates: [1, 2, 30] }, shift)).toEqual({ type: 'Point', coordinates: [2, 4, 30] });
    expect(mapGeometry(null, shift)).toBeNull();
  });
});
