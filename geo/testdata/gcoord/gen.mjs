// Test vectors for geo/crs.go from an independent implementation: the npm
// package gcoord 1.0.7 (MIT, github.com/hujiulong/gcoord). Made once, kept
// as vectors.json; gcoord itself is never committed. From the repository
// root:
//
//   d=$(mktemp -d) && npm install --prefix "$d" --no-save gcoord@1.0.7 &&
//     GCOORD_DIR="$d" node geo/testdata/gcoord/gen.mjs > geo/testdata/gcoord/vectors.json
//
// Every input point is read as WGS84, GCJ02 and BD09 in turn and sent in
// each direction among the three that gcoord offers (its BD09MC and
// EPSG3857 are not ours). gcoord's GCJ02->WGS84 loops forever at some
// points by the edge of its China box, so each call runs under a time
// limit; such a result is written as null.
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const dir = process.env.GCOORD_DIR;
if (!dir) throw new Error('set GCOORD_DIR to the directory gcoord@1.0.7 was installed in');
const require = createRequire(path.join(path.resolve(dir), 'package.json'));
const version = require('gcoord/package.json').version;
if (version !== '1.0.7') throw new Error(`want gcoord 1.0.7, found ${version}`);
const gcoord = require('gcoord');

// mulberry32: a small seeded generator, so the set is the same every run.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const points = [];
const add = (kind, lon, lat) => points.push({ kind, in: [lon, lat] });

// A grid over gcoord's (and our) China box 72.004..137.8347 E, 0.8293..55.8271 N.
for (let lon = 73; lon <= 137; lon += 4) for (let lat = 2; lat <= 55; lat += 4) add('grid', lon, lat);
// Random points in the box, rounded to 1e-7 degrees as registers write them.
const rnd = mulberry32(20261207);
const r7 = (x) => Math.round(x * 1e7) / 1e7;
for (let i = 0; i < 80; i++) add('random', r7(72.004 + rnd() * 65.8307), r7(0.8293 + rnd() * 54.9978));
// Cities, and the zone the demo shows.
for (const [lon, lat] of [[116.397428, 39.90923], [121.473701, 31.230416], [113.264385, 23.129112],
  [87.617733, 43.792818], [126.642464, 45.756967], [91.132212, 29.660361], [109.511909, 18.252847],
  [113.625368, 34.7466], [114.057868, 22.543099], [120.15507, 30.274085]]) add('city', lon, lat);
// Each edge of the box: on it, just inside, just outside.
for (const d of [-0.01, -1e-9, 0, 1e-9, 0.01]) {
  add('edge', 72.004 + d, 30);
  add('edge', 137.8347 + d, 40);
  add('edge', 100, 0.8293 + d);
  add('edge', 120, 55.8271 + d);
}
for (const [lon, lat] of [[72.004, 0.8293], [72.004, 55.8271], [137.8347, 0.8293], [137.8347, 55.8271]]) add('corner', lon, lat);
// Outside the box: no shift expected from WGS84 to GCJ02.
for (const [lon, lat] of [[-0.1276, 51.5072], [-74.006, 40.7128], [151.2093, -33.8688], [37.6173, 55.7558],
  [139.6917, 35.6895], [-157.8583, 21.3069], [18.4241, -33.9249], [0, 0], [-180, -90], [180, 90], [-180, 90],
  [180, -90], [71.9, 40], [138, 35], [110, 0.5], [110, 56]]) add('outside', lon, lat);

const ctx = vm.createContext({ gcoord, p: null });
function run(p, from, to) {
  ctx.p = p;
  try {
    return vm.runInContext(`gcoord.transform(p, ${JSON.stringify(from)}, ${JSON.stringify(to)})`, ctx, { timeout: 250 });
  } catch (e) {
    if (e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return null;
    throw e;
  }
}
const names = { WGS84: 'wgs84', GCJ02: 'gcj02', BD09: 'bd09' };
for (const pt of points) {
  for (const from of Object.keys(names)) {
    for (const to of Object.keys(names)) {
      if (from !== to) pt[`${names[from]}_${names[to]}`] = run([...pt.in], from, to);
    }
  }
}

const out = [
  '{',
  `"generator": "geo/testdata/gcoord/gen.mjs", "gcoord": ${JSON.stringify(version)}, "node": ${JSON.stringify(process.version)},`,
  '"points": [',
  points.map((p) => JSON.stringify(p)).join(',\n'),
  ']}',
];
process.stdout.write(out.join('\n') + '\n');
