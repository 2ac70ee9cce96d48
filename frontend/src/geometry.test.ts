import { describe, expect, it } from 'vitest';
import type { Position } from 'geojson';
import { bboxOf, labelPoint, pointInPolygon, polygonArea, ringArea, viewExtent } from './geometry';

const square = (x: number, y: number, size: number): Position[] => [
  [x, y],
  [x + size, y],
  [x + size, y + size],
  [x, y + size],
  [x, y],
];

// A U open to the north: its centroid falls in the notch, outside the shape.
const uShape: Position[] = [
  [0, 0],
  [3, 0],
  [3, 3],
  [2, 3],
  [2, 1],
  [1, 1],
  [1, 3],
  [0, 3],
  [0, 0],
];

describe('ringArea', () => {
  it('is signed by winding', () => {
    expect(ringArea(square(0, 0, 2))).toBe(4);
    expect(ringArea([...square(0, 0, 2)].reverse())).toBe(-4);
  });

  it('subtracts holes whatever their winding', () => {
    expect(polygonArea([square(0, 0, 4), square(1, 1, 1)])).toBe(15);
    expect(polygonArea([square(0, 0, 4), [...square(1, 1, 1)].reverse()])).toBe(15);
  });
});

describe('labelPoint', () => {
  it('is the centroid of a convex grid', () => {
    expect(labelPoint([[square(113, 33, 0.1)]])).toEqual([expect.closeTo(113.05, 9), expect.closeTo(33.05, 9)]);
  });

  it('uses the largest part of a MultiPolygon', () => {
    const p = labelPoint([[square(0, 0, 1)], [square(10, 10, 4)]]);
    expect(p).toEqual([12, 12]);
  });

  it('stays inside a U-shaped grid whose centroid is in the notch', () => {
    const p = labelPoint([[uShape]]);
    expect(p).not.toBeNull();
    expect(pointInPolygon(p!, [uShape])).toBe(true);
  });

  it('avoids a hole around the centroid', () => {
    const withHole = [square(0, 0, 4), square(1, 1, 2)];
    const p = labelPoint([withHole]);
    expect(pointInPolygon(p!, withHole)).toBe(true);
  });

  it('gives null for empty geometry', () => {
    expect(labelPoint([])).toBeNull();
    expect(labelPoint([[[]]])).toBeNull();
  });
});

describe('bboxOf', () => {
  it('spans points and polygons together', () => {
    expect(
      bboxOf([
        { coordinates: [[square(113, 33, 0.1)]] },
        { coordinates: [112.9, 33.2] },
        null,
      ]),
    ).toEqual([112.9, 33, 113.1, 33.2]);
  });

  it('is null without positions', () => {
    expect(bboxOf([])).toBeNull();
  });
});

describe('viewExtent', () => {
  const grids: [number, number, number, number] = [113, 33, 113.1, 33.1];

  it('takes in organizations just outside the grids', () => {
    expect(viewExtent(grids, [112.99, 33.02, 113.12, 33.05])).toEqual([112.99, 33, 113.12, 33.1]);
  });

  it('grows by at most a quarter per side for far-off points', () => {
    const [w, s, e, n] = viewExtent(grids, [0, 0, 180, 80]);
    expect([w, s, e, n].map((v) => Number(v.toFixed(6)))).toEqual([112.975, 32.975, 113.125, 33.125]);
  });

  it('never shrinks below the grids', () => {
    expect(viewExtent(grids, [113.05, 33.05, 113.06, 33.06])).toEqual(grids);
    expect(viewExtent(grids, null)).toEqual(grids);
  });
});
