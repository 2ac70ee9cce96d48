package postgis_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"gridgis/grid"
)

// orgLayerBefore is the organization layer as it was before the overdue
// flags: the last contact and visit only, each a subquery of its own.
const orgLayerBefore = `
SELECT o.id, ST_XMin(o.geom), ST_YMin(o.geom), ST_XMax(o.geom), ST_YMax(o.geom), json_build_object(
  'type', 'Feature', 'id', o.id, 'geometry', ST_AsGeoJSON(o.geom, 6)::json,
  'properties', json_build_object(
    'name', o.name, 'uscc', o.uscc, 'kind', o.kind, 'industry', o.industry,
    'employees', o.employees, 'party_members', o.party_members, 'party_org', o.party_org,
    'high_tech', o.high_tech, 'specialized', o.specialized, 'address', o.address,
    'zone_id', o.zone_id, 'grid_id', o.grid_id, 'grid_reason', o.grid_reason, 'version', o.version,
    'liaison_id', a.liaison_id,
    'last_contact_at', (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'contact'),
    'last_visit_at', (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'visit'),
    'open_requests', (SELECT count(*) FROM request r
                      WHERE r.org_id = o.id AND r.status NOT IN ('verified', 'rejected')))
)::text
FROM organization o
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
WHERE o.active AND true ORDER BY o.id`

// BenchmarkOrgLayer streams the whole organization layer of the demo at
// GRIDGIS_BENCH_SCALE copies (default 10: 4,040 organizations, 15,000
// contacts) three ways: as served, with last contact, last visit and the
// overdue flags; as it was before the flags; and filtered to the
// organizations overdue for a contact. It logs the served layer's time
// over the old one's, measured in this run.
//
//	go test ./grid/postgis/ -run '^$' -bench OrgLayer -benchtime 20x
func BenchmarkOrgLayer(b *testing.B) {
	scale := 10
	if s, err := strconv.Atoi(os.Getenv("GRIDGIS_BENCH_SCALE")); err == nil && s > 0 {
		scale = s
	}
	db := demoDB(b, scale)
	ctx := context.Background()
	all := grid.Scope{All: true}
	overdue := grid.ContactCall
	served := func(f grid.OrgFilter) func() (int, error) {
		return func() (int, error) {
			n := 0
			err := db.EachOrgFeature(ctx, f, func(grid.Feature) error { n++; return nil })
			return n, err
		}
	}
	before := func() (int, error) {
		rows, err := db.Pool.Query(ctx, orgLayerBefore)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id int64
			var x0, y0, x1, y1 float64
			var feature []byte
			if err := rows.Scan(&id, &x0, &y0, &x1, &y1, &feature); err != nil {
				return n, err
			}
			n++
		}
		return n, rows.Err()
	}
	variants := []struct {
		name string
		run  func() (int, error)
	}{
		{"served", served(grid.OrgFilter{Scope: all})},
		{"before-flags", before},
		{"overdue-contact", served(grid.OrgFilter{Scope: all, Overdue: &overdue})},
	}
	// The ratio, from interleaved rounds of the first two.
	var took [2]time.Duration
	for range 5 {
		for i, v := range variants[:2] {
			start := time.Now()
			if _, err := v.run(); err != nil {
				b.Fatal(err)
			}
			took[i] += time.Since(start)
		}
	}
	b.Logf("%d organizations: served layer %.2f× the layer before the flags (%v vs %v over 5 rounds)",
		scale*404, float64(took[0])/float64(took[1]), took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				var err error
				if n, err = v.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "features")
		})
	}
}
