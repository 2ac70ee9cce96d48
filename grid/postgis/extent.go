package postgis

import (
	"context"

	"gridgis/geo"
)

// layerExtentsSQL computes every layer's extent in one round trip, of
// zone $1 when zoned; an empty layer has a NULL extent and no row in the
// answer.
func layerExtentsSQL(zoned bool) string {
	in := func(col string) string {
		if !zoned {
			return ""
		}
		return " AND " + col + " = $1"
	}
	return `
SELECT layer, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (
  SELECT 'grids' AS layer, ST_Extent(geom) AS e FROM grid WHERE true` + in("zone_id") + `
  UNION ALL SELECT 'organizations', ST_Extent(geom) FROM organization WHERE active` + in("zone_id") + `
  UNION ALL SELECT 'liaisons', ST_Extent(base) FROM liaison WHERE active` + in("zone_id") + `
  UNION ALL SELECT 'requests', ST_Extent(o.geom) FROM request r JOIN organization o ON o.id = r.org_id WHERE true` + in("r.zone_id") + `
) x
WHERE e IS NOT NULL`
}

// LayerExtents implements grid.ExtentStore.
func (db *DB) LayerExtents(ctx context.Context, zoneID int64) (map[string]geo.BBox, error) {
	var args []any
	if zoneID > 0 {
		args = append(args, zoneID)
	}
	rows, err := db.Pool.Query(ctx, layerExtentsSQL(zoneID > 0), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]geo.BBox{}
	for rows.Next() {
		var layer string
		var b geo.BBox
		if err := rows.Scan(&layer, &b.MinLon, &b.MinLat, &b.MaxLon, &b.MaxLat); err != nil {
			return nil, err
		}
		out[layer] = b
	}
	return out, translate(rows.Err())
}
