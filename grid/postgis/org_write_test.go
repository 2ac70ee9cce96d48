package postgis_test

import (
	"context"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// Unlocated organizations have no grid until placed, retired ones keep
// their last grid, and both stay out of the map's default listings; the
// bulk rule still moves the active, located ones.
func TestUnlocatedAndRetiredOrganizations(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	box := func(x0, x1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, 20}, {x1, 20}, {x1, 21}, {x0, 21}, {x0, 20}}}}
	}
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "retire-test", Name: "退出测试区", Boundary: box(20, 22)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "A", Name: "甲", Industry: "新材料", Geom: box(20, 21)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "B", Name: "乙", Industry: "新能源", Geom: box(21, 22)})
	if err != nil {
		t.Fatal(err)
	}
	org := func(n int, industry string, at *orb.Point) grid.Org {
		o := grid.Org{ZoneID: zone.ID, Name: "退出测试企业", USCC: testUSCC(930000 + n), Kind: grid.KindEnterprise,
			Industry: industry, PartyOrg: grid.PartyNone, Unlocated: at == nil}
		if at != nil {
			o.Location = *at
		}
		o, err := db.CreateOrg(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	located := org(1, "物流", &orb.Point{20.5, 20.5})
	unlocated := org(2, "新材料", nil)
	retired := org(3, "物流", &orb.Point{20.6, 20.5})
	if _, err := db.AssignGrids(ctx, zone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RetireOrg(ctx, grid.Scope{All: true}, grid.Actor{}, retired.ID,
		grid.Retirement{Kind: grid.StatusMovedOut, Date: "2025-11-30", Version: 2}); err != nil {
		t.Fatal(err)
	}
	// 物流 gets a grid of its own: the active one follows it, the retired one stays.
	if _, err := db.Pool.Exec(ctx, `UPDATE grid SET industry = '物流' WHERE id = $1`, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignGrids(ctx, zone.ID); err != nil {
		t.Fatal(err)
	}
	gridOf := func(id int64) (int64, string) {
		var g *int64
		var r *string
		if err := db.Pool.QueryRow(ctx, `SELECT grid_id, grid_reason FROM organization WHERE id = $1`, id).Scan(&g, &r); err != nil {
			t.Fatal(err)
		}
		if g == nil {
			return 0, ""
		}
		return *g, *r
	}
	for _, tt := range []struct {
		name   string
		id     int64
		grid   int64
		reason string
	}{
		{"active, located", located.ID, b.ID, "industry"},
		{"unlocated", unlocated.ID, 0, ""},
		{"retired", retired.ID, a.ID, "territory"},
	} {
		if g, r := gridOf(tt.id); g != tt.grid || r != tt.reason {
			t.Errorf("%s: grid %d (%s), want %d (%s)", tt.name, g, r, tt.grid, tt.reason)
		}
	}

	listed := func(f grid.OrgFilter) []int64 {
		f.Scope, f.ZoneID = grid.Scope{All: true}, &zone.ID
		var ids []int64
		if err := db.EachOrgFeature(ctx, f, func(ft grid.Feature) error {
			ids = append(ids, ft.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		n, err := db.CountOrgs(ctx, f)
		if err != nil || n != int64(len(ids)) {
			t.Errorf("%+v: count %d (%v), listed %d", f, n, err, len(ids))
		}
		return ids
	}
	no := false
	for _, tt := range []struct {
		name string
		f    grid.OrgFilter
		want []int64
	}{
		{"the map", grid.OrgFilter{}, []int64{located.ID}},
		{"待定位", grid.OrgFilter{Located: &no}, []int64{unlocated.ID}},
		{"retired", grid.OrgFilter{Status: "retired"}, []int64{retired.ID}},
		{"all, located", grid.OrgFilter{Status: "all"}, []int64{located.ID, retired.ID}},
		{"one unlocated by id", grid.OrgFilter{ID: &unlocated.ID}, []int64{unlocated.ID}},
	} {
		if got := listed(tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}

	// The grid officers see the zone's unlocated organizations without a
	// grid, to place them, and may place them only in their grids: this
	// one's industry (新材料) is A's wherever it stands.
	officerA, officerB := grid.Scope{GridIDs: []int64{a.ID}}, grid.Scope{GridIDs: []int64{b.ID}}
	for _, s := range []grid.Scope{officerA, officerB} {
		var seen []int64
		if err := db.EachOrgFeature(ctx, grid.OrgFilter{Scope: s, Located: &no}, func(ft grid.Feature) error {
			seen = append(seen, ft.ID)
			return nil
		}); err != nil || !slices.Equal(seen, []int64{unlocated.ID}) {
			t.Errorf("officer %v's 待定位: %v (%v)", s.GridIDs, seen, err)
		}
	}
	place := grid.OrgPatch{Version: 1, Geometry: []byte(`{"type":"Point","coordinates":[21.5,20.5]}`)}
	if _, err := db.UpdateOrg(ctx, officerB, grid.Actor{}, unlocated.ID, place); grid.ErrorCode(err) != grid.EForbidden {
		t.Errorf("officer of B placed it in A: %v", err)
	}
	if _, err := db.UpdateOrg(ctx, officerA, grid.Actor{}, unlocated.ID, place); err != nil {
		t.Fatalf("place: %v", err)
	}
	if g, r := gridOf(unlocated.ID); g != a.ID || r != "industry" {
		t.Errorf("placed: grid %d (%s), want %d (industry)", g, r, a.ID)
	}
}
