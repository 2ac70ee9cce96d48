package postgis

import (
	"context"

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

// CreateOrg inserts o after validating it. Its grid is left for
// AssignGrids unless o.GridID is set (then o.GridReason must be too).
func (db *DB) CreateOrg(ctx context.Context, o grid.Org) (grid.Org, error) {
	if err := o.Validate(); err != nil {
		return o, err
	}
	b, err := ewkbOf(o.Location)
	if err != nil {
		return o, err
	}
	var gridID *int64
	var reason *string
	if o.GridID != 0 {
		r := string(o.GridReason)
		gridID, reason = &o.GridID, &r
	}
	err = db.Pool.QueryRow(ctx, `
INSERT INTO organization (zone_id, name, uscc, kind, industry, employees, party_members,
  party_org, high_tech, specialized, address, geom, grid_id, grid_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ST_GeomFromEWKB($12), $13, $14)
RETURNING id`,
		o.ZoneID, o.Name, o.USCC, o.Kind, o.Industry, o.Employees, o.PartyMembers,
		o.PartyOrg, o.HighTech, o.Specialized, o.Address, b, gridID, reason).Scan(&o.ID)
	return o, translate(err)
}
