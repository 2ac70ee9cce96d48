// WGS84 ⇄ GCJ-02, the offset China requires of public maps (Amap draws in
// it). The published formula, as geo/crs.go has it in Go: both are tested
// against the same vectors from the npm package gcoord
// (geo/testdata/gcoord). Outside the China box nothing moves.
import type { Geometry, Position } from 'geojson';

export type Datum = 'wgs84' | 'gcj02';

// The box of the widely copied original code (outOfChina), edges included.
const MIN_LON = 72.004;
const MAX_LON = 137.8347;
const MIN_LAT = 0.8293;
const MAX_LAT = 55.8271;

/** False for NaN, so non-finite points pass through unchanged. */
export function inChinaBox(lon: number, lat: number): boolean {
  return lon >= MIN_LON && lon <= MAX_LON && lat >= MIN_LAT && lat <= MAX_LAT;
}

// Krasovsky 1940: semi-major axis (m) and first eccentricity squared.
const A = 6378245.0;
const EE = 0.00669342162296594323;

/** The GCJ-02 offset without the box test. */
function gcjShift(lon: number, lat: number): [number, number] {
  const x = lon - 105;
  const y = lat - 35;
  const PI = Math.PI;
  let dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += ((20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2) / 3;
  dLat += ((20 * Math.sin(y * PI) + 40 * Math.sin((y / 3) * PI)) * 2) / 3;
  dLat += ((160 * Math.sin((y / 12) * PI) + 320 * Math.sin((y * PI) / 30)) * 2) / 3;
  let dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += ((20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2) / 3;
  dLon += ((20 * Math.sin(x * PI) + 40 * Math.sin((x / 3) * PI)) * 2) / 3;
  dLon += ((150 * Math.sin((x / 12) * PI) + 300 * Math.sin((x / 30) * PI)) * 2) / 3;

  const radLat = (lat / 180) * PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * PI);
  dLon = (dLon * 180) / ((A / sqrtMagic) * Math.cos(radLat) * PI);
  return [lon + dLon, lat + dLat];
}

/** WGS84 → GCJ-02 inside the China box; elsewhere the point itself. */
export function wgs84ToGcj02(p: Position): [number, number] {
  const [lon, lat] = p;
  return inChinaBox(lon, lat) ? gcjShift(lon, lat) : [lon, lat];
}

/** Metres between two nearby points (flat earth: exact enough at this scale). */
export function metresBetween(a: Position, b: Position): number {
  const R = 6378137;
  const rad = Math.PI / 180;
  const dx = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const dy = (b[1] - a[1]) * rad;
  return R * Math.hypot(dx, dy);
}

/** Where the inverse stops (m): a hundredth of the centimetre promised. */
const INVERSE_TOLERANCE = 1e-4;
const MAX_STEPS = 16;

/**
 * GCJ-02 → WGS84: the WGS84 point whose GCJ-02 image is p, to within
 * 0.1 mm, by fixed-point iteration (each step cuts the error over
 * forty-fold). Outside the box, p itself.
 */
export function gcj02ToWgs84(p: Position): [number, number] {
  const [lon, lat] = p;
  if (!inChinaBox(lon, lat)) return [lon, lat];
  let w: [number, number] = [lon, lat];
  let best = w;
  let bestErr = Infinity;
  for (let step = 0; step < MAX_STEPS; step++) {
    const img = gcjShift(w[0], w[1]);
    const e = metresBetween(img, p);
    if (e < bestErr) {
      best = w;
      bestErr = e;
    }
    if (!(e > INVERSE_TOLERANCE)) break; // NaN stops too
    w = [w[0] - (img[0] - lon), w[1] - (img[1] - lat)];
  }
  return snapIntoBox(best);
}

/** A preimage a hair (≤ 1e-8°, ~1 mm) outside the box goes back onto its edge. */
function snapIntoBox(p: [number, number]): [number, number] {
  const hair = 1e-8;
  if (p[0] >= MIN_LON - hair && p[0] <= MAX_LON + hair && p[1] >= MIN_LAT - hair && p[1] <= MAX_LAT + hair) {
    return [Math.min(Math.max(p[0], MIN_LON), MAX_LON), Math.min(Math.max(p[1], MIN_LAT), MAX_LAT)];
  }
  return p;
}

/** From WGS84 (what the server stores) to the datum a basemap is drawn in. */
export function toDatum(datum: Datum, p: Position): [number, number] {
  return datum === 'gcj02' ? wgs84ToGcj02(p) : [p[0], p[1]];
}

/** From a basemap's datum back to WGS84. */
export function fromDatum(datum: Datum, p: Position): [number, number] {
  return datum === 'gcj02' ? gcj02ToWgs84(p) : [p[0], p[1]];
}

/** A copy of g with every position moved by f; a null geometry stays null. */
export function mapGeometry<G extends Geometry | null>(g: G, f: (p: Position) => Position): G {
  if (!g) return g;
  const pos = (p: Position): Position => {
    const q = f(p);
    return p.length > 2 ? [q[0], q[1], ...p.slice(2)] : q; // keep any altitude
  };
  switch (g.type) {
    case 'Point':
      return { ...g, coordinates: pos(g.coordinates) };
    case 'MultiPoint':
    case 'LineString':
      return { ...g, coordinates: g.coordinates.map(pos) };
    case 'MultiLineString':
    case 'Polygon':
      return { ...g, coordinates: g.coordinates.map((ring) => ring.map(pos)) };
    case 'MultiPolygon':
      return { ...g, coordinates: g.coordinates.map((poly) => poly.map((ring) => ring.map(pos))) };
    case 'GeometryCollection':
      return { ...g, geometries: g.geometries.map((x) => mapGeometry(x, f)) };
  }
  return g;
}
