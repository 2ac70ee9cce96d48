import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRules, decimalsOf, featureCount, ringSignedArea } from './geojson-rules.mjs';

const ccwSquare = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]];
const cwSquare = [...ccwSquare].reverse();
const ccwHole = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75], [0.25, 0.25]];
const cwHole = [...ccwHole].reverse();

const polygon = (...rings) => ({ type: 'Polygon', coordinates: rings });
const feature = (geometry) => ({ type: 'Feature', properties: {}, geometry });

describe('ringSignedArea', () => {
  it('is positive for counter-clockwise and negative for clockwise rings', () => {
    expect(ringSignedArea(ccwSquare)).toBe(1);
    expect(ringSignedArea(cwSquare)).toBe(-1);
  });
});

describe('decimalsOf', () => {
  it.each([
    [113, 0],
    [113.5, 1],
    [113.123456, 6],
    [33.1234567, 7],
    [-0.000001, 6],
    [1e-7, 7],
    [1.5e-7, 8],
    [1e21, 0],
  ])('%d has %d decimals', (n, want) => {
    expect(decimalsOf(n)).toBe(want);
  });
});

describe('checkRules', () => {
  it('accepts RFC 7946 polygons with 6 decimals', () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        feature(polygon(ccwSquare, cwHole)),
        feature({ type: 'MultiPolygon', coordinates: [[ccwSquare], [[[2, 2], [3, 2], [3, 3], [2, 2]]]] }),
        feature({ type: 'Point', coordinates: [113.123456, 33.654321] }),
        feature(null),
      ],
    };
    expect(checkRules(fc)).toEqual([]);
  });

  it('rejects a clockwise exterior ring', () => {
    expect(checkRules(feature(polygon(cwSquare)))).toEqual([
      'geometry.coordinates[0]: exterior ring is clockwise, RFC 7946 wants counter-clockwise',
    ]);
  });

  it('rejects a counter-clockwise hole', () => {
    expect(checkRules(polygon(ccwSquare, ccwHole))).toEqual([
      'geometry.coordinates[1]: hole is counter-clockwise, RFC 7946 wants clockwise',
    ]);
  });

  it('names the feature and part of a bad MultiPolygon', () => {
    const fc = {
      type: 'FeatureCollection',
      features: [feature(polygon(ccwSquare)), feature({ type: 'MultiPolygon', coordinates: [[ccwSquare], [cwSquare]] })],
    };
    expect(checkRules(fc)).toEqual([
      'features[1].geometry.coordinates[1][0]: exterior ring is clockwise, RFC 7946 wants counter-clockwise',
    ]);
  });

  it('rejects zero-area and too-short rings', () => {
    const flat = [[0, 0], [1, 1], [2, 2], [0, 0]];
    expect(checkRules(polygon(flat))).toEqual(['geometry.coordinates[0]: ring has zero area']);
    expect(checkRules(polygon([[0, 0], [1, 0], [0, 0]]))).toEqual([
      'geometry.coordinates[0]: a linear ring needs at least 4 positions',
    ]);
  });

  it('rejects coordinates with more than 6 decimals, anywhere', () => {
    const gc = {
      type: 'GeometryCollection',
      geometries: [{ type: 'LineString', coordinates: [[113.1, 33.1], [113.2, 33.1234567]] }],
    };
    expect(checkRules(gc)).toEqual(['geometry.geometries[0].coordinates[1][1]: 33.1234567 has more than 6 decimals']);
  });
});

describe('featureCount', () => {
  it('counts features of collections and single features', () => {
    expect(featureCount({ type: 'FeatureCollection', features: [feature(null), feature(null)] })).toBe(2);
    expect(featureCount(feature(null))).toBe(1);
    expect(featureCount(polygon(ccwSquare))).toBe(0);
  });
});

describe('check-geojson.mjs', () => {
  const script = fileURLToPath(new URL('./check-geojson.mjs', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'check-geojson-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name, body) => {
    const path = join(dir, name);
    writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
    return path;
  };

  it('prints ok with the feature count for good files', () => {
    const good = file('good.geojson', {
      type: 'FeatureCollection',
      numberReturned: 1,
      links: [],
      features: [{ ...feature(polygon(ccwSquare, cwHole)), id: 1 }],
    });
    expect(execFileSync('node', [script, good], { encoding: 'utf8' })).toBe(`ok ${good} (1 features)\n`);
  });

  it('exits 1 naming the file and the reason', () => {
    const good = file('fine.geojson', feature(polygon(ccwSquare)));
    const wound = file('wound.geojson', feature(polygon(cwSquare)));
    const broken = file('broken.geojson', '{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{}}');
    const r = spawnSync('node', [script, good, wound, broken], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`ok ${good} (1 features)\n`);
    expect(r.stderr).toContain(`FAIL ${wound}\n  geometry.coordinates[0]: exterior ring is clockwise`);
    expect(r.stderr).toMatch(new RegExp(`FAIL ${broken}\\n  line 1: .*position`));
  });

  it('exits 2 without files', () => {
    expect(spawnSync('node', [script], { encoding: 'utf8' }).status).toBe(2);
  });
});
