package postgis

import (
	"context"

	"gridgis/grid"
)

// gridFeatureSQL lets PostGIS write each grid as a GeoJSON Feature with
// RFC 7946 winding (exterior rings counter-clockwise) and 6 decimals.
var gridFeatureSQL = `
SELECT g.id, ` + boxColumns("g.geom") + `, json_build_object(
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

// boxColumns selects the bounding box of a geometry expression, as
// eachFeature expects it after the id.
func boxColumns(geom string) string {
	return "ST_XMin(" + geom + "), ST_YMin(" + geom + "), ST_XMax(" + geom + "), ST_YMax(" + geom + ")"
}

// eachFeature runs a map query returning (id, xmin, ymin, xmax, ymax,
// feature text) rows and hands each row to fn as it arrives.
func (db *DB) eachFeature(ctx context.Context, fn grid.FeatureFunc, sql string, args ...any) error {
	rows, err := db.Pool.Query(ctx, sql, mapArgs(args)...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f grid.Feature
		b := &f.BBox
		if err := rows.Scan(&f.ID, &b.MinLon, &b.MinLat, &b.MaxLon, &b.MaxLat, nil); err != nil {
			return err
		}
		// The feature text is handed on without a copy; it lives until Next.
		f.JSON = rows.RawValues()[5]
		if err := fn(f); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
