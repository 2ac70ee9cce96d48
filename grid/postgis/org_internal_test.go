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
	all := grid.Scope{All: true}
	tests := []struct {
		name     string
		f        grid.OrgFilter
		wantSQL  string
		wantArgs []any
	}{
		{"zero scope sees nothing", grid.OrgFilter{}, "WHERE o.active AND false", nil},
		{"zone and cursor", grid.OrgFilter{Scope: all, ZoneID: &zone, AfterID: 42},
			"WHERE o.active AND true AND o.zone_id = $1 AND o.id > $2", []any{zone, int64(42)}},
		{"bbox", grid.OrgFilter{Scope: all, BBox: &geo.BBox{MinLon: 1, MinLat: 2, MaxLon: 3, MaxLat: 4}},
			"WHERE o.active AND true AND o.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)" +
				" AND CASE WHEN ST_X(o.geom) BETWEEN $1 AND $3 THEN ST_Y(o.geom) BETWEEN $2 AND $4 ELSE false END", []any{1.0, 2.0, 3.0, 4.0}},
		{"grid and kind", grid.OrgFilter{Scope: all, GridID: &gridID, Kind: &kind},
			"WHERE o.active AND true AND o.grid_id = $1 AND o.kind = $2", []any{gridID, grid.KindSocial}},
		{"officer scope and id", grid.OrgFilter{Scope: grid.Scope{GridIDs: []int64{2, 5}}, ID: &zone},
			"WHERE o.active AND o.grid_id = ANY($1) AND o.id = $2", []any{[]int64{2, 5}, zone}},
		{"text search", grid.OrgFilter{Scope: all, Query: ptr("平顶山")},
			"WHERE o.active AND true AND (strpos(o.name, $1) > 0 OR left(o.uscc, length($1)) = upper($1))", []any{"平顶山"}},
		{"liaison scope", grid.OrgFilter{Scope: grid.Scope{LiaisonID: 9}},
			"WHERE o.active AND a.liaison_id = $1", []any{int64(9)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := orgWhereAt(tt.f)
			sql, args := w.String(), w.args
			if sql != tt.wantSQL {
				t.Errorf("SQL = %q, want %q", sql, tt.wantSQL)
			}
			if diff := cmp.Diff(tt.wantArgs, args); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
