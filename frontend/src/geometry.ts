// Small planar geometry helpers for placing labels and fitting the view.
// Lon/lat are treated as planar: fine for a zone a few kilometres across.
import type { Position } from 'geojson';
import type { BBox } from './api';

type Ring = Position[];
type PolygonCoords = Ring[];

/** Signed shoelace area; positive for a counter-clockwise ring. */
export function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return sum / 2;
}

/** Area of a polygon: its exterior ring less its holes, whatever their winding. */
export function polygonArea(polygon: PolygonCoords): number {
  if (polygon.length === 0) return 0;
  let area = Math.abs(ringArea(polygon[0]));
  for (const hole of polygon.slice(1)) area -= Math.abs(ringArea(hole));
  return area;
}

function ringCentroid(ring: Ring): Position | null {
  if (ring.length === 0) return null;
  // Work relative to the first vertex: products of raw lon/lat lose digits.
  const [ox, oy] = ring[0];
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xj = ring[j][0] - ox;
    const yj = ring[j][1] - oy;
    const xi = ring[i][0] - ox;
    const yi = ring[i][1] - oy;
    const cross = xj * yi - xi * yj;
    a += cross;
    cx += (xj + xi) * cross;
    cy += (yj + yi) * cross;
  }
  if (a === 0) return null;
  return [ox + cx / (3 * a), oy + cy / (3 * a)];
}

function insideRing(p: Position, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

/** Whether p lies inside the polygon's exterior ring and outside its holes. */
export function pointInPolygon(p: Position, polygon: PolygonCoords): boolean {
  if (polygon.length === 0 || !insideRing(p, polygon[0])) return false;
  return !polygon.slice(1).some((hole) => insideRing(p, hole));
}

/**
 * The middle of the widest stretch of a horizontal line at latitude y that
 * lies inside the polygon, or null when the line misses it.
 */
function widestSpanMidpoint(polygon: PolygonCoords, y: number): Position | null {
  const xs: number[] = [];
  for (const ring of polygon) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y) xs.push(xi + ((y - yi) * (xj - xi)) / (yj - yi));
    }
  }
  xs.sort((a, b) => a - b);
  let best: Position | null = null;
  let bestWidth = -1;
  for (let k = 0; k + 1 < xs.length; k += 2) {
    const width = xs[k + 1] - xs[k];
    if (width > bestWidth) {
      bestWidth = width;
      best = [(xs[k] + xs[k + 1]) / 2, y];
    }
  }
  return best;
}

/**
 * A point to hang a polygon's label on: the centroid of the largest part
 * when it falls inside that part (the common case), otherwise the middle of
 * the widest inside span through the centroid's latitude, so labels of
 * L- or U-shaped grids still land on the grid.
 */
export function labelPoint(multiPolygon: PolygonCoords[]): Position | null {
  let largest: PolygonCoords | null = null;
  let largestArea = -1;
  for (const polygon of multiPolygon) {
    const area = polygonArea(polygon);
    if (polygon.length > 0 && polygon[0].length >= 4 && area > largestArea) {
      largest = polygon;
      largestArea = area;
    }
  }
  if (!largest) return null;
  const outer = largest[0];
  const centroid = ringCentroid(outer);
  if (centroid && pointInPolygon(centroid, largest)) return centroid;

  const box = bboxOfPositions(outer);
  if (!box) return null;
  const ys = [centroid ? centroid[1] : NaN, (box[1] + box[3]) / 2];
  for (const y of ys) {
    if (!Number.isFinite(y)) continue;
    const mid = widestSpanMidpoint(largest, y);
    if (mid) return mid;
  }
  return outer[0];
}

function bboxOfPositions(positions: Iterable<Position>): BBox | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of positions) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return minX <= maxX && minY <= maxY ? [minX, minY, maxX, maxY] : null;
}

function* positionsOf(coords: unknown): Generator<Position> {
  if (!Array.isArray(coords)) return;
  if (typeof coords[0] === 'number') {
    yield coords as Position;
    return;
  }
  for (const c of coords) yield* positionsOf(c);
}

/** The bounding box of any GeoJSON geometries, or null when they hold no positions. */
export function bboxOf(geometries: Iterable<{ coordinates: unknown } | null>): BBox | null {
  function* all(): Generator<Position> {
    for (const g of geometries) if (g) yield* positionsOf(g.coordinates);
  }
  return bboxOfPositions(all());
}

/**
 * The grids' box grown to take in the organizations around it (those
 * assigned to the nearest grid lie just outside), but by no more than
 * `maxGrowth` of its size per side, so one stray point far away cannot
 * zoom the whole view out.
 */
export function viewExtent(grids: BBox, orgs: BBox | null, maxGrowth = 0.25): BBox {
  if (!orgs) return grids;
  const dx = (grids[2] - grids[0]) * maxGrowth;
  const dy = (grids[3] - grids[1]) * maxGrowth;
  return [
    Math.max(Math.min(grids[0], orgs[0]), grids[0] - dx),
    Math.max(Math.min(grids[1], orgs[1]), grids[1] - dy),
    Math.min(Math.max(grids[2], orgs[2]), grids[2] + dx),
    Math.min(Math.max(grids[3], orgs[3]), grids[3] + dy),
  ];
}
