package postgis_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// OrgTotal counts what an unfiltered organization listing streams for each
// scope, those without a grid included: a zone imported before its grid
// boundaries has organizations but no grid counts, and the map app decides
// by this total whether to load them whole.
func TestOrgTotalCountsOrganizationsWithoutAGrid(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	sq := orb.MultiPolygon{{{{20, 20}, {22, 20}, {22, 21}, {20, 21}, {20, 20}}}}
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "org-total", Name: "组织总数测试区", Boundary: sq})
	if err != nil {
		t.Fatal(err)
	}
	g, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "T1", Name: "西区", Industry: "新材料",
		Geom: orb.MultiPolygon{{{{20, 20}, {21, 20}, {21, 21}, {20, 21}, {20, 20}}}}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	add := func(o grid.Org) grid.Org {
		t.Helper()
		n++
		o.ZoneID, o.Name, o.USCC = zone.ID, fmt.Sprintf("总数测试%02d有限公司", n), testUSCC(930000+n)
		o.Industry, o.PartyOrg = "物流", grid.PartyNone
		if o.Kind == "" {
			o.Kind = grid.KindEnterprise
		}
		o, err := db.CreateOrg(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	// Five without a grid (of every kind), two in the grid, one unlocated and one retired: neither on the map.
	for i, k := range []grid.OrgKind{grid.KindEnterprise, grid.KindNewEconomic, grid.KindSocial, grid.KindEnterprise, grid.KindEnterprise} {
		add(grid.Org{Kind: k, Location: orb.Point{21.2 + float64(i)*0.1, 20.5}})
	}
	for i := range 2 {
		add(grid.Org{Location: orb.Point{20.2 + float64(i)*0.1, 20.5}, GridID: g.ID, GridReason: grid.ReasonTerritory})
	}
	add(grid.Org{Unlocated: true})
	gone := add(grid.Org{Location: orb.Point{21.8, 20.8}})
	if _, err := db.Pool.Exec(ctx, `UPDATE organization SET status = 'deregistered', retired_at = now(), active = false WHERE id = $1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	// Read with every change still a pending delta (019), then folded.
	var pending int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM org_cluster_delta`).Scan(&pending); err != nil || pending == 0 {
		t.Fatalf("%d deltas pending (%v): the first reads must see unfolded ones", pending, err)
	}
	checkOrgTotals(t, db, zone.ID, g.ID)
	if _, err := db.Pool.Exec(ctx, `SELECT map_fold_org_cluster()`); err != nil {
		t.Fatal(err)
	}
	checkOrgTotals(t, db, zone.ID, g.ID)
}

func checkOrgTotals(t *testing.T, db *postgis.DB, zoneID, gridID int64) {
	t.Helper()
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		scope grid.Scope
		want  int64
	}{
		{"the zone's admin", grid.Scope{All: true, ZoneID: zoneID}, 7},
		{"the grid's officer", grid.Scope{GridIDs: []int64{gridID}, ZoneID: zoneID}, 2},
		{"another zone's officer", grid.Scope{GridIDs: []int64{gridID}, ZoneID: zoneID + 1000}, 0},
		{"a liaison of none of them", grid.Scope{LiaisonID: 999999, ZoneID: zoneID}, 0},
		{"no scope", grid.Scope{ZoneID: zoneID}, 0},
	} {
		got, err := db.OrgTotal(ctx, tt.scope)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := db.CountOrgs(ctx, grid.OrgFilter{Scope: tt.scope})
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want || got != listed {
			t.Errorf("%s: OrgTotal = %d, want %d (the listing counts %d)", tt.name, got, tt.want, listed)
		}
	}
}
