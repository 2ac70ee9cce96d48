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
