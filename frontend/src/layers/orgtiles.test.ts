import { describe, expect, it } from 'vitest';
import type { GridFeature } from '../api';
import { countInBox, decodeOrgTile, scopeSize, tileZoom, tilesCovering, type OrgCell } from './orgtiles';
import { inside } from '../mapshell/orgview';

// ---- A minimal Mapbox Vector Tile writer, to feed the reader known bytes ----

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const bytes = (field: number, b: number[]) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)]);
const zz = (n: number) => (n < 0 ? -2 * n - 1 : 2 * n);

type Value = string | number | boolean;
function value(v: Value): number[] {
  if (typeof v === 'string') return str(1, v);
  if (typeof v === 'boolean') return [...key(7, 0), ...varint(v ? 1 : 0)];
  if (Number.isInteger(v)) return v < 0 ? [...key(6, 0), ...varint(zz(v))] : [...key(5, 0), ...varint(v)];
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...key(3, 1), ...b];
}

/** A tile with one point layer: each feature's properties and position in tile units. */
function tile(name: string, features: { props: Record<string, Value>; at: [number, number]; id?: number }[], extent = 4096): Uint8Array {
  const keys: string[] = [];
  const values: Value[] = [];
  const index = <T>(list: T[], x: T) => (list.includes(x) ? list.indexOf(x) : list.push(x) - 1);
  const feats = features.map((f) => {
    const tags = Object.entries(f.props).flatMap(([k, v]) => [index(keys, k), index(values, v)]);
    const geometry = [1 + 8 * 1, zz(f.at[0]), zz(f.at[1])]; // MoveTo(1)
    return bytes(2, [...(f.id !== undefined ? [...key(1, 0), ...varint(f.id)] : []), ...bytes(2, tags.flatMap(varint)), ...key(3, 0), 1, ...bytes(4, geometry.flatMap(varint))]);
  });
  const layer = [...key(15, 0), 2, ...str(1, name), ...feats.flat(), ...keys.flatMap((k) => str(3, k)), ...values.flatMap((v) => bytes(4, value(v))), ...key(5, 0), ...varint(extent)];
  return new Uint8Array(bytes(3, layer));
}

describe('decodeOrgTile', () => {
  it('reads cells and single organizations with their attributes, at their WGS84 position', () => {
    const data = tile('organizations', [
      { props: { count: 37, kind: 'enterprise' }, at: [2048, 2048] },
      { props: { count: 1, kind: 'social', id: 9001, name: '平顶山市某协会', grid_id: 4, party_org: 'none', liaison_id: 12 }, at: [0, 0], id: 9001 },
    ]);
    const cells = decodeOrgTile(data, { z: 1, x: 1, y: 0 });
    expect(cells).toHaveLength(2);
    // Tile 1/1/0's centre is 90°E, about 66.51°N; its top-left corner 0°, 85.05°N.
    expect(cells[0].properties).toEqual({ count: 37, kind: 'enterprise' });
    expect(cells[0].geometry.coordinates[0]).toBeCloseTo(90, 6);
    expect(cells[0].geometry.coordinates[1]).toBeCloseTo(66.5132604, 5);
    expect(cells[1].properties).toEqual({ count: 1, kind: 'social', id: 9001, name: '平顶山市某协会', grid_id: 4, party_org: 'none', liaison_id: 12 });
    expect(cells[1].geometry.coordinates[0]).toBeCloseTo(0, 6);
    expect(cells[1].geometry.coordinates[1]).toBeCloseTo(85.0511288, 5);
  });

  it('leaves out the cells in the buffer, which belong to a neighbouring tile, and other layers', () => {
    const data = tile('organizations', [
      { props: { count: 2, kind: 'enterprise' }, at: [-64, 100] },
      { props: { count: 3, kind: 'enterprise' }, at: [4096, 100] },
      { props: { count: 4, kind: 'enterprise' }, at: [4095, 4095] },
    ]);
    expect(decodeOrgTile(data, { z: 14, x: 13346, y: 6500 }).map((c) => c.properties.count)).toEqual([4]);
    expect(decodeOrgTile(tile('requests', [{ props: { count: 5 }, at: [1, 1] }]), { z: 0, x: 0, y: 0 })).toEqual([]);
  });

  it('reads an empty tile (a 204) as no cells', () => {
    expect(decodeOrgTile(new Uint8Array(), { z: 3, x: 1, y: 1 })).toEqual([]);
  });

  it('puts each point of two adjacent tiles in one of them', () => {
    // The same world position written by both tiles: the left one's x = extent, the right one's x = 0.
    const left = decodeOrgTile(tile('organizations', [{ props: { count: 6, kind: 'enterprise' }, at: [4096, 10] }]), { z: 5, x: 10, y: 12 });
    const right = decodeOrgTile(tile('organizations', [{ props: { count: 6, kind: 'enterprise' }, at: [0, 10] }]), { z: 5, x: 11, y: 12 });
    expect(left.length + right.length).toBe(1);
  });
});

describe('tiles of a view', () => {
  it('asks for tiles one zoom below the map (512-px tiles), from z0 to z16', () => {
    expect(tileZoom(6)).toBe(5);
    expect(tileZoom(6.9)).toBe(5);
    expect(tileZoom(0.5)).toBe(0);
    expect(tileZoom(15)).toBe(14);
    expect(tileZoom(19)).toBe(16);
  });

  it('lists the tiles covering a box, clamped to the world', () => {
    expect(tilesCovering([-180, -85, 180, 85], 1)).toEqual([
      { z: 1, x: 0, y: 0 },
      { z: 1, x: 1, y: 0 },
      { z: 1, x: 0, y: 1 },
      { z: 1, x: 1, y: 1 },
    ]);
    // 平顶山高新区, 0.04° by 0.03°: x 13343.86–13345.68, y 6558.60–6560.24 at z14.
    const t = tilesCovering([113.2, 33.72, 113.24, 33.75], 14);
    expect(t.map(({ x, y }) => `${x}/${y}`)).toEqual(['13343/6558', '13344/6558', '13345/6558', '13343/6559', '13344/6559', '13345/6559', '13343/6560', '13344/6560', '13345/6560']);
  });

  it('counts the organizations the cells inside a box hold', () => {
    const cell = (x: number, y: number, count: number): OrgCell => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [x, y] }, properties: { count, kind: 'enterprise' } });
    expect(countInBox([cell(1, 1, 10), cell(2, 2, 5), cell(5, 5, 100)], [0, 0, 3, 3])).toBe(15);
  });

  it('tells a box inside another', () => {
    expect(inside([1, 1, 2, 2], [0, 0, 3, 3])).toBe(true);
    expect(inside([1, 1, 4, 2], [0, 0, 3, 3])).toBe(false);
  });
});

describe('scopeSize', () => {
  const grid = (id: number, orgCount: number) => ({ type: 'Feature', id, geometry: null, properties: { org_count: orgCount } }) as unknown as GridFeature;
  const grids = [grid(1, 30), grid(2, 25), grid(3, 400)];
  // An older server sends no org_total.
  const old = { grids, orgTotal: null };

  it('takes the scope\'s total from the server, organizations without a grid included', () => {
    // A million organizations imported before the grid boundaries: no grid counts them.
    const imported = { grids: [grid(1, 0)], orgTotal: 1_000_000 };
    expect(scopeSize({ role: 'admin', grid_ids: [] }, imported, 20000)).toEqual({ total: 1_000_000, large: true });
    expect(scopeSize({ role: 'admin', grid_ids: [] }, { grids, orgTotal: 30_455 }, 20000)).toEqual({ total: 30_455, large: true });
    // The server counts an officer's scope itself.
    expect(scopeSize({ role: 'officer', grid_ids: [1] }, { grids, orgTotal: 31 }, 30)).toEqual({ total: 31, large: true });
    expect(scopeSize({ role: 'planner', grid_ids: [] }, { grids, orgTotal: 0 }, 50)).toEqual({ total: 0, large: false });
  });

  it('sums the zone for admins and planners, the own grids for officers, from an older server', () => {
    expect(scopeSize({ role: 'admin', grid_ids: [] }, old, 50)).toEqual({ total: 455, large: true });
    expect(scopeSize({ role: 'planner', grid_ids: [] }, old, 500)).toEqual({ total: 455, large: false });
    expect(scopeSize({ role: 'officer', grid_ids: [1, 2] }, old, 50)).toEqual({ total: 55, large: true });
    expect(scopeSize({ role: 'officer', grid_ids: [1] }, old, 50)).toEqual({ total: 30, large: false });
  });

  it('never calls a liaison\'s scope large, nor any without a threshold (an older server)', () => {
    expect(scopeSize({ role: 'liaison', grid_ids: [] }, { grids, orgTotal: 5000 }, 1).large).toBe(false);
    expect(scopeSize({ role: 'admin', grid_ids: [] }, { grids, orgTotal: 5000 }, 0).large).toBe(false);
  });
});
