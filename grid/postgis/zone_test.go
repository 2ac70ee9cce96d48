package postgis_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

func TestFindZone(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	zoneID, ds := rebalanceZone(t, db, newTestClock())
	for _, ref := range []string{ds.Zone.Code, fmt.Sprint(zoneID)} {
		z, err := db.FindZone(ctx, ref)
		if err != nil || z.ID != zoneID || z.Code != ds.Zone.Code || z.Name != ds.Zone.Name {
			t.Errorf("FindZone(%q) = %+v, %v", ref, z, err)
		}
	}
	if _, err := db.FindZone(ctx, "no-such-zone"); grid.ErrorCode(err) != grid.ENotFound {
		t.Errorf("unknown zone: %v, want not found", err)
	}
	// This package's database holds several zones by now.
	if _, err := db.FindZone(ctx, ""); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("no zone named among several: %v, want invalid", err)
	}
}

// rect is the rectangle x0–x1 × y0–y1 (degrees) as a MultiPolygon.
func rect(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// areaM2 is PostGIS's geodesic area of mp.
func areaM2(t *testing.T, db *postgis.DB, mp orb.MultiPolygon) float64 {
	t.Helper()
	b, err := ewkb.Marshal(mp, 4326)
	if err != nil {
		t.Fatal(err)
	}
	var a float64
	if err := db.Pool.QueryRow(t.Context(), `SELECT ST_Area(ST_GeomFromEWKB($1)::geography)`, b).Scan(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// auditDetail is the detail of the last audit row of action on target.
func auditDetail(t *testing.T, db *postgis.DB, action, target string) map[string]any {
	t.Helper()
	var d map[string]any
	if err := db.Pool.QueryRow(t.Context(), `SELECT detail FROM audit_log WHERE action = $1 AND target = $2 ORDER BY id DESC LIMIT 1`,
		action, target).Scan(&d); err != nil {
		t.Fatalf("audit %s %s: %v", action, target, err)
	}
	return d
}

// A zone made from a file's polygons takes their union, is audited, and
// a bad polygon, one outside China or a code taken creates nothing.
func TestAddZone(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Fresh(t, testDSN) // zones may not overlap: none of other tests here
	who := grid.Actor{ClientAddr: "cli"}
	ch, err := db.AddZone(ctx, who, grid.Zone{Code: "zone-add", Name: " 新建园区 "},
		grid.ZoneBoundary{Parts: []orb.MultiPolygon{rect(114, 34, 114.02, 34.01), rect(114.015, 34, 114.03, 34.01)}, Source: "区界.geojson"})
	if err != nil {
		t.Fatal(err)
	}
	want := areaM2(t, db, rect(114, 34, 114.03, 34.01))
	if math.Abs(ch.AreaM2-want) > 1 || ch.Zone.Name != "新建园区" || ch.Hash == "" {
		t.Errorf("AddZone = %+v, want the union's area %.0f m²", ch, want)
	}
	var parts int
	var stored float64
	if err := db.Pool.QueryRow(ctx, `SELECT ST_NumGeometries(boundary), ST_Area(boundary::geography) FROM zone WHERE code = 'zone-add'`).
		Scan(&parts, &stored); err != nil || parts != 1 || math.Abs(stored-want) > 1 {
		t.Errorf("stored boundary: %d parts, %.0f m², %v", parts, stored, err)
	}
	d := auditDetail(t, db, "zone_create", fmt.Sprint("zone:", ch.Zone.ID))
	if d["code"] != "zone-add" || d["source"] != "区界.geojson" || d["wkb_md5"] != ch.Hash {
		t.Errorf("audit detail %v", d)
	}

	bowtie := orb.MultiPolygon{{{{114, 35}, {114.02, 35.01}, {114.02, 35}, {114, 35.005}, {114, 35}}}}
	for name, c := range map[string]struct {
		z    grid.Zone
		b    grid.ZoneBoundary
		code string
		want string
	}{
		"self-intersecting": {grid.Zone{Code: "zone-bad", Name: "坏"}, grid.ZoneBoundary{Parts: []orb.MultiPolygon{rect(114, 35, 114.01, 35.01), bowtie}},
			grid.EInvalid, "第 2 个要素自相交"},
		"outside China": {grid.Zone{Code: "zone-bad", Name: "坏"}, grid.ZoneBoundary{Parts: []orb.MultiPolygon{rect(10, 50, 10.1, 50.1)}},
			grid.EInvalid, "中国范围"},
		"code taken": {grid.Zone{Code: "zone-add", Name: "重复"}, grid.ZoneBoundary{Parts: []orb.MultiPolygon{rect(114, 35, 114.01, 35.01)}},
			grid.EConflict, "已存在"},
		"bad code": {grid.Zone{Code: "Zone Bad", Name: "坏"}, grid.ZoneBoundary{Parts: []orb.MultiPolygon{rect(114, 35, 114.01, 35.01)}},
			grid.EInvalid, "园区编码"},
	} {
		_, err := db.AddZone(ctx, who, c.z, c.b)
		if grid.ErrorCode(err) != c.code || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %s with %q", name, err, c.code, c.want)
		}
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM zone WHERE code IN ('zone-add', 'zone-bad', 'Zone Bad')`).Scan(&n); err != nil || n != 1 {
		t.Errorf("zones after the refusals: %d, %v", n, err)
	}
}

// A boundary that would leave out a grid, or an organization the old
// one covered, is refused naming them and changes nothing; from the
// grids it is their union, audited with the old boundary; and a zone
// that annexes land imports the grids there.
func TestSetZoneBoundary(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Fresh(t, testDSN)
	who := grid.Actor{ClientAddr: "cli"}
	old := rect(115, 34, 115.02, 34.01)
	z, err := db.CreateZone(ctx, grid.Zone{Code: "zone-set", Name: "改区界园区", Boundary: old})
	if err != nil {
		t.Fatal(err)
	}
	// The grids leave 115.015–115.02 uncovered; one organization is there.
	for _, g := range []grid.Grid{
		{ZoneID: z.ID, Code: "A", Name: "甲网格", Industry: "电子信息", Geom: rect(115, 34, 115.01, 34.01)},
		{ZoneID: z.ID, Code: "B", Name: "乙网格", Industry: "装备制造", Geom: rect(115.01, 34, 115.015, 34.01)},
	} {
		if _, err := db.CreateGrid(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	org, err := db.CreateOrg(ctx, grid.Org{ZoneID: z.ID, Name: "网格外物流有限公司", USCC: testUSCC(880001), Kind: grid.KindEnterprise,
		Industry: "物流", PartyOrg: grid.PartyNone, Location: orb.Point{115.0175, 34.005}})
	if err != nil {
		t.Fatal(err)
	}
	hash := func() string {
		var h string
		if err := db.Pool.QueryRow(ctx, `SELECT md5(ST_AsBinary(boundary)) FROM zone WHERE id = $1`, z.ID).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := hash()

	_, err = db.SetZoneBoundary(ctx, who, z.ID, grid.ZoneBoundary{Parts: []orb.MultiPolygon{rect(115, 34, 115.012, 34.01)}})
	if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "1 个网格将超出新区界：B（乙网格）") ||
		!strings.Contains(err.Error(), "1 家企业将落在新区界外，如：网格外物流有限公司") {
		t.Errorf("shrunk past grid B: %v", err)
	}
	_, err = db.SetZoneBoundary(ctx, who, z.ID, grid.ZoneBoundary{FromGrids: true})
	if grid.ErrorCode(err) != grid.EInvalid || strings.Contains(err.Error(), "网格将超出") ||
		!strings.Contains(err.Error(), "1 家企业将落在新区界外") {
		t.Errorf("from grids, leaving the organization out: %v", err)
	}
	if hash() != before {
		t.Fatal("a refused boundary changed the zone")
	}

	// Moved into grid A, the organization no longer holds the boundary.
	if _, err := db.Pool.Exec(ctx, `UPDATE organization SET geom = ST_SetSRID(ST_MakePoint(115.005, 34.005), 4326) WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	ch, err := db.SetZoneBoundary(ctx, who, z.ID, grid.ZoneBoundary{FromGrids: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := areaM2(t, db, rect(115, 34, 115.015, 34.01)); math.Abs(ch.AreaM2-want) > 1 || ch.Grids != 2 || ch.Orgs != 1 ||
		ch.OldHash != before || math.Abs(ch.OldAreaM2-areaM2(t, db, old)) > 1 {
		t.Errorf("from grids: %+v, want %.0f m²", ch, want)
	}
	d := auditDetail(t, db, "zone_boundary", fmt.Sprint("zone:", z.ID))
	oldGeo, _ := d["old_boundary"].(map[string]any)
	if d["source"] != "grids" || d["old_wkb_md5"] != before || d["wkb_md5"] != ch.Hash || oldGeo["type"] != "MultiPolygon" ||
		math.Abs(d["old_area_m2"].(float64)-ch.OldAreaM2) > 1e-6 {
		t.Errorf("audit detail %v", d)
	}

	// Annexing 115.015–115.03: grid C there was outside, now imports.
	grids := []grid.GridBoundary{
		{Feature: 1, Code: "A", Name: "甲网格", Industry: "电子信息", Geom: rect(115, 34, 115.01, 34.01)},
		{Feature: 2, Code: "B", Name: "乙网格", Industry: "装备制造", Geom: rect(115.01, 34, 115.015, 34.01)},
		{Feature: 3, Code: "C", Name: "丙网格", Industry: "物流", Geom: rect(115.015, 34, 115.03, 34.01)},
	}
	rep, err := db.ImportGrids(ctx, who, 0, z.ID, grids, false, "")
	if err != nil || rep.ProblemCount != 1 || rep.Problems[0].Code != "C" {
		t.Errorf("grid C before the annexation: %+v, %v", rep.Problems, err)
	}
	if _, err := db.SetZoneBoundary(ctx, who, z.ID, grid.ZoneBoundary{Parts: []orb.MultiPolygon{rect(115, 34, 115.03, 34.01)}, Source: "扩区.kml"}); err != nil {
		t.Fatal(err)
	}
	if rep, err = db.ImportGrids(ctx, who, 0, z.ID, grids, true, ""); err != nil || rep.ProblemCount != 0 || !rep.Written || rep.Inserted != 1 {
		t.Errorf("grid C after the annexation: %+v, %v", rep, err)
	}
}

// An unknown zone is not found; a zone with no grids has no union.
func TestSetZoneBoundaryNothingToTake(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Fresh(t, testDSN)
	if _, err := db.SetZoneBoundary(ctx, grid.Actor{}, 999_999, grid.ZoneBoundary{FromGrids: true}); grid.ErrorCode(err) != grid.ENotFound {
		t.Errorf("unknown zone: %v", err)
	}
	z, err := db.CreateZone(ctx, grid.Zone{Code: "zone-empty", Name: "空园区", Boundary: rect(116, 34, 116.01, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetZoneBoundary(ctx, grid.Actor{}, z.ID, grid.ZoneBoundary{FromGrids: true}); grid.ErrorCode(err) != grid.EInvalid ||
		!strings.Contains(err.Error(), "还没有网格") {
		t.Errorf("no grids: %v", err)
	}
}

var _ grid.ZoneStore = (*postgis.DB)(nil)

// A boundary change waits for the zone's organization writes under way
// (the shared half of the org-write lock), so none lands outside the new
// boundary between its check and the update (review 3 finding 5).
func TestSetZoneBoundaryWaitsForOrgWrites(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Fresh(t, testDSN)
	z, err := db.CreateZone(ctx, grid.Zone{Code: "zone-lock", Name: "锁园区", Boundary: rect(117, 34, 117.02, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGrid(ctx, grid.Grid{ZoneID: z.ID, Code: "A", Name: "甲网格", Industry: "电子信息", Geom: rect(117, 34, 117.01, 34.01)}); err != nil {
		t.Fatal(err)
	}
	write, err := db.Pool.Begin(ctx) // an organization write under way
	if err != nil {
		t.Fatal(err)
	}
	defer write.Rollback(ctx)
	if _, err := write.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(7013, $1::int)`, z.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.SetZoneBoundary(ctx, grid.Actor{}, z.ID, grid.ZoneBoundary{FromGrids: true})
		done <- err
	}()
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			t.Fatalf("the boundary changed while an organization write held the zone: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory'
			AND classid = 7013 AND objid = $1 AND mode = 'ExclusiveLock' AND NOT granted`, z.ID).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	write.Rollback(ctx)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestCreateUserLiaisonOfTheirZone: a liaison user of one zone must be a
// liaison record of that zone: one of another zone would see nothing
// (review 4 finding 9). Without a zone the user takes the liaison's.
func TestCreateUserLiaisonOfTheirZone(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	a := newGridZone(t, db, "user-liaison-a")
	b, err := db.CreateZone(ctx, grid.Zone{Code: "user-liaison-b", Name: "联络员测试乙区", Boundary: box(114, 34, 114.02, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateUser(ctx, grid.User{ZoneID: b.ID, Username: "cross-liaison", Role: grid.RoleLiaison, LiaisonID: a.la}, noLoginHash, nil)
	if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "liaison") {
		t.Errorf("a liaison of zone a added to zone b: %v, want invalid on liaison", err)
	}
	if _, err := db.CreateUser(ctx, grid.User{ZoneID: a.zone.ID, Username: "own-liaison", Role: grid.RoleLiaison, LiaisonID: a.la}, noLoginHash, nil); err != nil {
		t.Errorf("a liaison of their own zone: %v", err)
	}
	var zone int64
	if _, err := db.CreateUser(ctx, grid.User{Username: "zoneless-liaison", Role: grid.RoleLiaison, LiaisonID: a.lb}, noLoginHash, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(zone_id, 0) FROM app_user WHERE username = 'zoneless-liaison'`).Scan(&zone); err != nil || zone != a.zone.ID {
		t.Errorf("a liaison added without a zone: zone %d, %v; want the liaison's %d", zone, err, a.zone.ID)
	}
}

// TestZonesMayNotOverlap: a zone's boundary, added, set or made from its
// grids, may share an edge with another zone's but not overlap it: both
// zones would accept an organization there (review 4 finding 6).
func TestZonesMayNotOverlap(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN)
	who := grid.Actor{ClientAddr: "cli"}
	one := func(mp orb.MultiPolygon) grid.ZoneBoundary { return grid.ZoneBoundary{Parts: []orb.MultiPolygon{mp}} }
	if _, err := db.AddZone(ctx, who, grid.Zone{Code: "west", Name: "西区"}, one(rect(114, 34, 114.02, 34.01))); err != nil {
		t.Fatal(err)
	}
	_, err := db.AddZone(ctx, who, grid.Zone{Code: "east", Name: "东区"}, one(rect(114.01, 34, 114.04, 34.01)))
	if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "west") {
		t.Errorf("a zone overlapping west added: %v", err)
	}
	east, err := db.AddZone(ctx, who, grid.Zone{Code: "east", Name: "东区"}, one(rect(114.02, 34, 114.04, 34.01)))
	if err != nil {
		t.Fatalf("a zone sharing west's edge: %v", err)
	}
	_, err = db.SetZoneBoundary(ctx, who, east.Zone.ID, one(rect(114.015, 34, 114.04, 34.01)))
	if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "west") {
		t.Errorf("east's boundary moved over west: %v", err)
	}
	file := []grid.GridBoundary{{Feature: 1, Code: "E1", Name: "东一网格", Industry: "物流", Geom: rect(114.015, 34, 114.04, 34.01)}}
	rep, err := db.ImportGridsWith(ctx, who, 0, east.Zone.ID, file, grid.GridImportOptions{ZoneFromGrids: true})
	if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Field != "zone_boundary" || !strings.Contains(rep.Problems[0].Reason, "west") {
		t.Errorf("east's grids over west as its boundary: %+v, %v", rep.Problems, err)
	}
}
