package server

import (
	"fmt"
	"strings"
	"testing"

	"gridgis/grid"
)

// TestSpilledFeatures: features spilled past memory into the temporary
// file read back whole and in order, whatever their layout.
func TestSpilledFeatures(t *testing.T) {
	for _, n := range []int{0, 3, 2000} { // 2000 features of ~300 bytes pass sendWhole
		spill := &spillWriter{}
		err := spillFeatures(spill, func(fn grid.FeatureFunc) error {
			for i := range n {
				js := fmt.Sprintf("{\"id\": %d,\n \"properties\": {\"name\": \"企业%d\\n第二行\", \"pad\": %q}}", i, i, strings.Repeat("x", 200))
				if err := fn(grid.Feature{ID: int64(i), JSON: []byte(js)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if (spill.file != nil) != (n == 2000) {
			t.Errorf("%d features: in a file %v", n, spill.file != nil)
		}
		i := 0
		err = eachSpilled(spill, func(f grid.Feature) error {
			if want := fmt.Sprintf("{\"id\": %d,", i); string(f.JSON[:len(want)]) != want {
				t.Errorf("feature %d is %.20s", i, f.JSON)
			}
			i++
			return nil
		})
		if err != nil || i != n {
			t.Errorf("%d features read back, want %d (%v)", i, n, err)
		}
		spill.Close()
	}
}

// BenchmarkSpillFeatures spills 100,000 organization-sized features (as
// the register's query does) and reads them back.
func BenchmarkSpillFeatures(b *testing.B) {
	const n = 100_000
	js := []byte(`{"type" : "Feature", "id" : 1, "geometry" : {"type":"Point","coordinates":[117.123457,36.654321]}, "properties" : {"name" : "红领智能装备科技有限公司", "uscc" : "91370100MA3C5LRX4K", "kind" : "enterprise", "industry" : "高端装备", "employees" : 120, "party_members" : 5, "party_org" : "standalone", "high_tech" : true, "specialized" : false, "address" : "济南市高新区舜华路 1 号", "zone_id" : 1, "grid_id" : 3, "grid_reason" : "industry", "version" : 1, "liaison_id" : 7, "pinned" : false, "last_contact_at" : "2025-06-01T09:30:00+08:00", "last_visit_at" : null, "contact_overdue" : false, "visit_overdue" : true, "open_requests" : 0}}`)
	for b.Loop() {
		spill := &spillWriter{}
		if err := spillFeatures(spill, func(fn grid.FeatureFunc) error {
			for range n {
				if err := fn(grid.Feature{JSON: js}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if err := eachSpilled(spill, func(grid.Feature) error { return nil }); err != nil {
			b.Fatal(err)
		}
		spill.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(len(js)+1)*n, "bytes/spill")
}
