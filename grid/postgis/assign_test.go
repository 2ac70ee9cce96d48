package postgis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// testUSCC makes a valid, unique credit code from n.
func testUSCC(n int) string {
	body := fmt.Sprintf("91410400MA%07d", n)
	c, _ := grid.USCCCheckChar(body)
	return body + string(c)
}

// The bulk SQL rule and grid.AssignGrid must place every organization in
// the same grid for the same reason, boundary points included.
func TestAssignGridsAgreesWithGo(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)

	ringOf := func(pts ...orb.Point) orb.MultiPolygon {
		return orb.MultiPolygon{{append(orb.Ring(pts), pts[0])}}
	}
	// Three grids: two squares sharing the edge x = 1, and a triangle-ish
	// pentagon above them sharing part of y = 1.
	grids := []grid.Grid{
		{Code: "A1", Name: "新材料产业网格", Industry: "新材料", Geom: ringOf(orb.Point{0, 0}, orb.Point{1, 0}, orb.Point{1, 1}, orb.Point{0, 1})},
		{Code: "B2", Name: "新能源产业网格", Industry: "新能源", Geom: ringOf(orb.Point{1, 0}, orb.Point{2, 0}, orb.Point{2, 1}, orb.Point{1, 1})},
		{Code: "C3", Name: "装备制造产业网格", Industry: "装备制造", Geom: ringOf(orb.Point{0.5, 1}, orb.Point{1.5, 1}, orb.Point{1.8, 1.6}, orb.Point{1, 2.1}, orb.Point{0.2, 1.6})},
	}
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "assign-test", Name: "规则测试区",
		Boundary: ringOf(orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{2, 1}, orb.Point{1.5, 1}, orb.Point{1.8, 1.6}, orb.Point{1, 2.1}, orb.Point{0.2, 1.6}, orb.Point{0.5, 1}, orb.Point{0, 1})})
	if err != nil {
		t.Fatal(err)
	}
	for i := range grids {
		grids[i].ZoneID = zone.ID
		if grids[i], err = db.CreateGrid(ctx, grids[i]); err != nil {
			t.Fatal(err)
		}
	}

	points := []orb.Point{
		{1, 0.5}, {1, 1}, {0.5, 1}, {1.5, 1}, {0, 0}, {2, 1}, {1, 0}, // shared edges and corners
		{-0.3, 0.5}, {2.4, 0.2}, {1, -1}, {1, 3}, // outside every grid
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for len(points) < 300 {
		points = append(points, orb.Point{rng.Float64()*3 - 0.5, rng.Float64()*3 - 0.5})
	}
	industries := []string{"新材料", "新能源", "装备制造", "物流", "物流", "物流"}
	orgs := make([]grid.Org, len(points))
	for i, p := range points {
		orgs[i], err = db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: fmt.Sprintf("测试企业%03d", i),
			USCC: testUSCC(500000 + i), Kind: grid.KindEnterprise, Industry: industries[i%len(industries)],
			PartyOrg: grid.PartyNone, Location: p})
		if err != nil {
			t.Fatal(err)
		}
	}

	changed, err := db.AssignGrids(ctx, zone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if changed != int64(len(orgs)) {
		t.Errorf("first run changed %d organizations, want %d", changed, len(orgs))
	}
	if again, _ := db.AssignGrids(ctx, zone.ID); again != 0 {
		t.Errorf("second run changed %d organizations, want 0", again)
	}

	codeOf := map[int64]string{}
	for _, g := range grids {
		codeOf[g.ID] = g.Code
	}
	reasons := map[grid.GridReason]int{}
	for _, o := range orgs {
		var gridID int64
		var reason grid.GridReason
		if err := db.Pool.QueryRow(ctx, "SELECT grid_id, grid_reason FROM organization WHERE id = $1", o.ID).Scan(&gridID, &reason); err != nil {
			t.Fatal(err)
		}
		want, wantReason, _ := grid.AssignGrid(o.Industry, o.Location, grids)
		if codeOf[gridID] != want.Code || reason != wantReason {
			t.Errorf("%s at %v (%s): SQL put it in %s (%s), Go in %s (%s)",
				o.Name, o.Location, o.Industry, codeOf[gridID], reason, want.Code, wantReason)
		}
		reasons[reason]++
	}
	for _, r := range []grid.GridReason{grid.ReasonIndustry, grid.ReasonTerritory, grid.ReasonNearest} {
		if reasons[r] == 0 {
			t.Errorf("no organization placed by reason %s: the test does not cover that branch", r)
		}
	}

	var audits int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'assign_grids' AND target = $1",
		fmt.Sprintf("zone:%d", zone.ID)).Scan(&audits); err != nil || audits != 2 {
		t.Errorf("audit rows = %d (%v), want 2", audits, err)
	}
}

// A manual placement survives the bulk rule.
func TestAssignGridsKeepsManual(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	sq := orb.MultiPolygon{{{{10, 10}, {11, 10}, {11, 11}, {10, 11}, {10, 10}}}}
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "manual-test", Name: "手工测试区", Boundary: sq})
	if err != nil {
		t.Fatal(err)
	}
	g1, _ := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "M1", Name: "甲", Industry: "新材料", Geom: sq})
	g2, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "M2", Name: "乙", Industry: "新能源",
		Geom: orb.MultiPolygon{{{{11, 10}, {12, 10}, {12, 11}, {11, 11}, {11, 10}}}}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: "手工企业", USCC: testUSCC(900001),
		Kind: grid.KindEnterprise, Industry: "新材料", PartyOrg: grid.PartyNone,
		Location: orb.Point{10.5, 10.5}, GridID: g2.ID, GridReason: grid.ReasonManual})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignGrids(ctx, zone.ID); err != nil {
		t.Fatal(err)
	}
	var got int64
	if err := db.Pool.QueryRow(ctx, "SELECT grid_id FROM organization WHERE id = $1", o.ID).Scan(&got); err != nil || got != g2.ID {
		t.Errorf("manual organization moved to grid %d (%v), want %d (not %d)", got, err, g2.ID, g1.ID)
	}
}

var _ grid.MapStore = (*postgis.DB)(nil)
