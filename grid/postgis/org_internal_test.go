package postgis

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgis/geo"
	"gridgis/grid"
)

func TestOrgWhere(t *testing.T) {
	zone, gridID := int64(3), int64(7)
	kind := grid.KindSocial
	tests := []struct {
		name     string
		f        grid.OrgFilter
		wantSQL  string
		wantArgs []any
	}{
		{"no filter", grid.OrgFilter{}, "WHERE o.active", nil},
		{"zone and cursor", grid.OrgFilter{ZoneID: &zone, AfterID: 42},
			"WHERE o.active AND o.zone_id = $1 AND o.id > $2", []any{zone, int64(42)}},
		{"bbox", grid.OrgFilter{BBox: &geo.BBox{MinLon: 1, MinLat: 2, MaxLon: 3, MaxLat: 4}},
			"WHERE o.active AND o.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)", []any{1.0, 2.0, 3.0, 4.0}},
		{"grid and kind", grid.OrgFilter{GridID: &gridID, Kind: &kind},
			"WHERE o.active AND o.grid_id = $1 AND o.kind = $2", []any{gridID, "social"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sql, args := orgWhere(tt.f)
			if sql != tt.wantSQL {
				t.Errorf("SQL = %q, want %q", sql, tt.wantSQL)
			}
			if diff := cmp.Diff(tt.wantArgs, args); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}
