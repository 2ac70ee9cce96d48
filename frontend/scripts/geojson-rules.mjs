// Rules gridgis holds its GeoJSON output to, beyond structural validity:
// RFC 7946 ring winding (exterior rings counter-clockwise, holes clockwise)
// and at most 6 decimals per coordinate (~0.1 m, what the API writes).

export const MAX_DECIMALS = 6;

/** Signed shoelace area of a ring in coordinate units; positive when counter-clockwise. */
export function ringSignedArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  }
  return sum / 2;
}

/**
 * Decimal places of a number as JSON would carry it. JavaScript prints the
 * shortest string that reads back as the same double, so 113.123456 has 6.
 */
export function decimalsOf(n) {
  const s = String(Math.abs(n));
  const [mantissa, exponent] = s.split('e');
  const fraction = mantissa.split('.')[1] ?? '';
  const places = fraction.length - Number(exponent ?? 0);
  return Math.max(0, places);
}

function checkRing(ring, path, exterior, problems) {
  if (!Array.isArray(ring) || ring.length < 4) {
    problems.push(`${path}: a linear ring needs at least 4 positions`);
    return;
  }
  const area = ringSignedArea(ring);
  if (area === 0) {
    problems.push(`${path}: ring has zero area`);
  } else if (exterior && area < 0) {
    problems.push(`${path}: exterior ring is clockwise, RFC 7946 wants counter-clockwise`);
  } else if (!exterior && area > 0) {
    problems.push(`${path}: hole is counter-clockwise, RFC 7946 wants clockwise`);
  }
}

function checkPolygon(rings, path, problems) {
  if (!Array.isArray(rings)) return;
  rings.forEach((ring, i) => checkRing(ring, `${path}[${i}]`, i === 0, problems));
}

function checkDecimals(coords, path, problems, maxDecimals) {
  if (!Array.isArray(coords)) return;
  if (typeof coords[0] === 'number') {
    coords.forEach((v, i) => {
      if (typeof v === 'number' && decimalsOf(v) > maxDecimals) {
        problems.push(`${path}[${i}]: ${v} has more than ${maxDecimals} decimals`);
      }
    });
    return;
  }
  coords.forEach((c, i) => checkDecimals(c, `${path}[${i}]`, problems, maxDecimals));
}

function checkGeometry(geometry, path, problems, maxDecimals) {
  if (!geometry || typeof geometry !== 'object') return;
  if (geometry.type === 'GeometryCollection') {
    (geometry.geometries ?? []).forEach((g, i) => checkGeometry(g, `${path}.geometries[${i}]`, problems, maxDecimals));
    return;
  }
  const coordsPath = `${path}.coordinates`;
  if (geometry.type === 'Polygon') {
    checkPolygon(geometry.coordinates, coordsPath, problems);
  } else if (geometry.type === 'MultiPolygon' && Array.isArray(geometry.coordinates)) {
    geometry.coordinates.forEach((polygon, i) => checkPolygon(polygon, `${coordsPath}[${i}]`, problems));
  }
  checkDecimals(geometry.coordinates, coordsPath, problems, maxDecimals);
}

/**
 * Checks parsed GeoJSON (any type) and returns the problems found, each
 * naming where it is (e.g. "features[2].geometry.coordinates[0][0]").
 */
export function checkRules(geojson, { maxDecimals = MAX_DECIMALS } = {}) {
  const problems = [];
  if (!geojson || typeof geojson !== 'object') return ['not a GeoJSON object'];
  if (geojson.type === 'FeatureCollection') {
    (geojson.features ?? []).forEach((f, i) => checkGeometry(f?.geometry, `features[${i}].geometry`, problems, maxDecimals));
  } else if (geojson.type === 'Feature') {
    checkGeometry(geojson.geometry, 'geometry', problems, maxDecimals);
  } else {
    checkGeometry(geojson, 'geometry', problems, maxDecimals);
  }
  return problems;
}

/** "N features" for the summary line; a bare geometry counts as none. */
export function featureCount(geojson) {
  if (geojson?.type === 'FeatureCollection') return (geojson.features ?? []).length;
  return geojson?.type === 'Feature' ? 1 : 0;
}
