package postgis

import (
	"context"

	"gridgis/grid"
)

// gridFeatureSQL lets PostGIS write each grid as a GeoJSON Feature with
// RFC 7946 winding (exterior rings counter-clockwise) and 6 decimals.
const gridFeatureSQL = `
SELECT g.id, json_build_object(
  'type', 'Feature',
  'id', g.id,
  'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 6)::json,
  'properties', json_build_object(
    'code', g.code, 'name', g.name, 'industry', g.industry,
    'officer', g.officer, 'instructor', g.instructor, 'zone_id', g.zone_id,
    'org_count', (SELECT count(*) FROM organization o WHERE o.grid_id = g.id AND o.active))
)::text
FROM grid g
WHERE ($1::bigint IS NULL OR g.id = $1)
ORDER BY g.id`

// EachGridFeature implements grid.MapStore.
func (db *DB) EachGridFeature(ctx context.Context, f grid.GridFilter, fn grid.FeatureFunc) error {
	return db.eachFeature(ctx, fn, gridFeatureSQL, f.ID)
}

// eachFeature runs a query returning (id, feature text) rows and hands
// each row to fn as it arrives.
func (db *DB) eachFeature(ctx context.Context, fn grid.FeatureFunc, sql string, args ...any) error {
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, nil); err != nil {
			return err
		}
		// The feature text is handed on without a copy; it lives until Next.
		if err := fn(id, rows.RawValues()[1]); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
