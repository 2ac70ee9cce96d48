package postgis

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"gridgis/geo"
	"gridgis/grid"
)

// CreateZone inserts z after validating its boundary.
func (db *DB) CreateZone(ctx context.Context, z grid.Zone) (grid.Zone, error) {
	if err := geo.ValidateMultiPolygon(z.Boundary); err != nil {
		return z, grid.Invalid("boundary", "%v", err)
	}
	b, err := ewkbOf(z.Boundary)
	if err != nil {
		return z, err
	}
	err = db.Pool.QueryRow(ctx,
		`INSERT INTO zone (code, name, boundary) VALUES ($1, $2, ST_GeomFromEWKB($3)) RETURNING id`,
		z.Code, z.Name, b).Scan(&z.ID)
	return z, translate(err)
}

// FindZone implements rebalance.Store.
func (db *DB) FindZone(ctx context.Context, ref string) (grid.Zone, error) {
	var zones []grid.Zone
	rows, err := db.Pool.Query(ctx, `
SELECT id, code, name FROM zone
WHERE $1 = '' OR code = $1 OR id::text = $1
ORDER BY id LIMIT 2`, ref)
	if err == nil {
		zones, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.Zone, error) {
			var z grid.Zone
			err := r.Scan(&z.ID, &z.Code, &z.Name)
			return z, err
		})
	}
	switch {
	case err != nil:
		return grid.Zone{}, translate(err)
	case len(zones) == 0 && ref == "":
		return grid.Zone{}, grid.Invalid("zone", "the database holds no zone yet")
	case len(zones) == 0:
		return grid.Zone{}, grid.Errorf(grid.ENotFound, "no zone %q", ref)
	case len(zones) > 1 && ref == "":
		return grid.Zone{}, grid.Invalid("zone", "有多个园区，请指明园区（编码或编号） / the database holds several zones: name one")
	}
	// A ref that is one zone's id and another's code names the first.
	for _, z := range zones {
		if strconv.FormatInt(z.ID, 10) == ref {
			return z, nil
		}
	}
	return zones[0], nil
}

// CreateGrid inserts g after validating its polygon.
func (db *DB) CreateGrid(ctx context.Context, g grid.Grid) (grid.Grid, error) {
	if err := geo.ValidateMultiPolygon(g.Geom); err != nil {
		return g, grid.Invalid("geometry", "%v", err)
	}
	b, err := ewkbOf(g.Geom)
	if err != nil {
		return g, err
	}
	err = db.Pool.QueryRow(ctx, `
INSERT INTO grid (zone_id, code, name, industry, officer, instructor, geom)
VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromEWKB($7)) RETURNING id`,
		g.ZoneID, g.Code, g.Name, g.Industry, g.Officer, g.Instructor, b).Scan(&g.ID)
	return g, translate(err)
}

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
