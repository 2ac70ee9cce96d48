package postgis_test

import (
	"strings"
	"testing"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// TestFeatureBoxes: the box the store reads from a feature's geometry
// (geo.EWKBBounds) is PostGIS's ST_XMin, ST_YMin, ST_XMax, ST_YMax of it,
// for points, an unlocated organization (its zone's box), lines and
// polygons.
func TestFeatureBoxes(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	var unlocated int64
	if err := db.Pool.QueryRow(ctx, `UPDATE organization SET geom = NULL, grid_reason = 'manual'
WHERE id = (SELECT min(id) FROM organization WHERE zone_id = $1) RETURNING id`, zoneID).Scan(&unlocated); err != nil {
		t.Fatal(err)
	}
	scope := grid.Scope{All: true, ZoneID: zoneID}
	for _, l := range []struct {
		name, sql string
		read      func(fn grid.FeatureFunc) error
	}{
		{"organizations", `SELECT o.id, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
FROM organization o JOIN zone z ON z.id = o.zone_id CROSS JOIN LATERAL (SELECT coalesce(o.geom, z.boundary) AS b) x
WHERE o.zone_id = $1`, func(fn grid.FeatureFunc) error {
			return db.EachOrgFeature(ctx, grid.OrgFilter{Scope: scope, WithUnlocated: true}, fn)
		}},
		// A text search reads the live tables, not the projection.
		{"organizations searched", `SELECT o.id, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
FROM organization o JOIN zone z ON z.id = o.zone_id CROSS JOIN LATERAL (SELECT coalesce(o.geom, z.boundary) AS b) x
WHERE o.zone_id = $1`, func(fn grid.FeatureFunc) error {
			anything := ""
			return db.EachOrgFeature(ctx, grid.OrgFilter{Scope: scope, WithUnlocated: true, Query: &anything}, fn)
		}},
		{"grids", `SELECT id, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM grid WHERE zone_id = $1`,
			func(fn grid.FeatureFunc) error { return db.EachGridFeature(ctx, grid.GridFilter{ZoneID: zoneID}, fn) }},
		{"assignments", `SELECT a.id, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
FROM assignment a JOIN liaison l ON l.id = a.liaison_id JOIN organization o ON o.id = a.org_id
CROSS JOIN LATERAL (SELECT ST_MakeLine(l.base, o.geom) AS b) x
WHERE a.valid_to IS NULL AND o.zone_id = $1 AND o.geom IS NOT NULL`, func(fn grid.FeatureFunc) error {
			return db.EachAssignmentFeature(ctx, grid.AssignmentFilter{Scope: scope}, fn)
		}},
	} {
		t.Run(l.name, func(t *testing.T) {
			want := map[int64]geo.BBox{}
			rows, err := db.Pool.Query(ctx, l.sql, zoneID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				var b geo.BBox
				if err := rows.Scan(&id, &b.MinLon, &b.MinLat, &b.MaxLon, &b.MaxLat); err != nil {
					t.Fatal(err)
				}
				want[id] = b
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			n, sawUnlocated := 0, false
			if err := l.read(func(f grid.Feature) error {
				n++
				sawUnlocated = sawUnlocated || f.ID == unlocated
				if w, ok := want[f.ID]; !ok || f.BBox != w {
					t.Errorf("feature %d: box %+v, PostGIS %+v (found %t)", f.ID, f.BBox, w, ok)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("no features")
			}
			if strings.HasPrefix(l.name, "organizations") && !sawUnlocated {
				t.Errorf("the unlocated organization %d is not among the features", unlocated)
			}
		})
	}
}
