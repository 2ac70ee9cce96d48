package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// box is the rectangle x0–x1 × y0–y1 (degrees) as a MultiPolygon.
func box(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// gridZone is a zone 113.00–113.02 E × 34.00–34.01 N with two grids split
// at 113.01: A (电子信息) and B (装备制造); ten 物流 organizations (no grid
// of their industry: placed by territory) at 113.0005 + i·0.002; liaison
// LA of A carries the five in A, LB of B the five in B.
type gridZone struct {
	zone         grid.Zone
	gridA, gridB int64
	orgs         []grid.Org
	la, lb       int64
}

func newGridZone(t *testing.T, db *postgis.DB, code string) gridZone {
	t.Helper()
	ctx := context.Background()
	var z gridZone
	var err error
	z.zone, err = db.CreateZone(ctx, grid.Zone{Code: code, Name: "边界导入测试区", Boundary: box(113, 34, 113.02, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.CreateGrid(ctx, grid.Grid{ZoneID: z.zone.ID, Code: "A", Name: "甲网格", Industry: "电子信息", Officer: "王五", Geom: box(113, 34, 113.01, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateGrid(ctx, grid.Grid{ZoneID: z.zone.ID, Code: "B", Name: "乙网格", Industry: "装备制造", Geom: box(113.01, 34, 113.02, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	z.gridA, z.gridB = a.ID, b.ID
	for i := range 10 {
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: fmt.Sprintf("物流企业%02d", i),
			USCC: testUSCC(int(z.zone.ID)*1000 + 700000 + i), Kind: grid.KindEnterprise, Industry: "物流",
			PartyOrg: grid.PartyNone, Location: orb.Point{113.0005 + float64(i)*0.002, 34.005}})
		if err != nil {
			t.Fatal(err)
		}
		z.orgs = append(z.orgs, o)
	}
	if _, err := db.AssignGrids(ctx, z.zone.ID); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		id   *int64
		grid int64
		orgs []grid.Org
	}{{&z.la, z.gridA, z.orgs[:5]}, {&z.lb, z.gridB, z.orgs[5:]}} {
		if err := db.Pool.QueryRow(ctx, `
INSERT INTO liaison (zone_id, name, grid_id, base) VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint(113.01, 34.005), 4326))
RETURNING id`, z.zone.ID, fmt.Sprintf("联络员%d", l.grid), l.grid).Scan(l.id); err != nil {
			t.Fatal(err)
		}
		for _, o := range l.orgs {
			if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, valid_from, cause) VALUES ($1, $2, now() - interval '1 day', 'rule')`,
				o.ID, *l.id); err != nil {
				t.Fatal(err)
			}
		}
	}
	return z
}

// orgGrids is each organization's grid code.
func orgGrids(t *testing.T, db *postgis.DB, zoneID int64) map[string]string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
SELECT o.name, coalesce(g.code, '') FROM organization o LEFT JOIN grid g ON g.id = o.grid_id WHERE o.zone_id = $1`, zoneID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, c string
		if err := rows.Scan(&n, &c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

// gridState is the zone's grids as code → WKT, to see that nothing changed.
func gridState(t *testing.T, db *postgis.DB, zoneID int64) string {
	t.Helper()
	var s string
	if err := db.Pool.QueryRow(context.Background(), `
SELECT coalesce(string_agg(code || ' ' || name || ' ' || industry || ' ' || ST_AsText(geom), '; ' ORDER BY code), '')
FROM grid WHERE zone_id = $1`, zoneID).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func boundary(feature int, code, industry string, g orb.MultiPolygon) grid.GridBoundary {
	return grid.GridBoundary{Feature: feature, Code: code, Name: code + "网格", Industry: industry, Geom: g}
}

// TestImportGridsPreviewThenCommit: moving the A|B line east to 113.015
// puts the three B organizations west of it into A. The preview says so,
// and that LB's load falls to 2 (under 5) as their assignments end, and
// changes nothing; the real import does what the preview said and audits
// each move.
func TestImportGridsPreviewThenCommit(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-move")
	before := orgGrids(t, db, z.zone.ID)
	state := gridState(t, db, z.zone.ID)
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.015, 34.01)),
		boundary(2, "B", "装备制造", box(113.015, 34, 113.02, 34.01)),
	}

	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written || len(rep.Problems) != 0 || rep.Updated != 2 || rep.Moved != 3 || rep.LiaisonsEnded != 3 {
		t.Fatalf("preview %+v", rep)
	}
	if len(rep.Changes) != 2 || !rep.Changes[0].ShapeChanged || rep.Changes[0].Code != "A" || math.Round(rep.Changes[0].AreaToM2/1e4) != 154 {
		t.Errorf("changes %+v, want A's and B's shapes, A 102 → 154 ha", rep.Changes)
	}
	for _, m := range rep.Moves {
		if m.FromGrid != "B" || m.ToGrid != "A" || m.Reason != "territory" || !m.LiaisonEnded {
			t.Errorf("move %+v, want B → A by territory, its liaison ended", m)
		}
	}
	if len(rep.Loads) != 1 || rep.Loads[0].LiaisonID != z.lb || rep.Loads[0].Before != 5 || rep.Loads[0].After != 2 || rep.Loads[0].Min != 5 {
		t.Errorf("loads %+v, want LB 5 → 2 (min 5)", rep.Loads)
	}
	if got := gridState(t, db, z.zone.ID); got != state {
		t.Errorf("the preview changed the grids:\n%s\nwas\n%s", got, state)
	}
	if got := orgGrids(t, db, z.zone.ID); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("the preview moved organizations: %v, was %v", got, before)
	}

	rep, err = db.ImportGrids(ctx, grid.Actor{}, 42, z.zone.ID, file, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Written || rep.Moved != 3 || rep.Updated != 2 {
		t.Fatalf("import %+v", rep)
	}
	after := orgGrids(t, db, z.zone.ID)
	for i, o := range z.orgs {
		want := "A"
		if o.Location[0] > 113.015 {
			want = "B"
		}
		if after[o.Name] != want {
			t.Errorf("organization %d at %v in grid %q, want %s", i, o.Location, after[o.Name], want)
		}
	}
	var load int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM assignment WHERE liaison_id = $1 AND valid_to IS NULL`, z.lb).Scan(&load)
	if load != 2 {
		t.Errorf("LB carries %d, want 2", load)
	}
	rows, err := db.Pool.Query(ctx, `SELECT detail FROM audit_log WHERE action = 'org_regrid' AND (detail->>'job_id')::bigint = 42`)
	if err != nil {
		t.Fatal(err)
	}
	var audits []map[string]any
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		var d map[string]any
		json.Unmarshal(b, &d)
		audits = append(audits, d)
	}
	rows.Close()
	if len(audits) != 3 {
		t.Fatalf("%d org_regrid audit rows, want 3", len(audits))
	}
	for _, d := range audits {
		from, to := d["from"].(map[string]any), d["to"].(map[string]any)
		if from["code"] != "B" || to["code"] != "A" || d["liaison_ended"] != float64(z.lb) {
			t.Errorf("audit %v, want B → A with LB's assignment ended", d)
		}
	}
	var n int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'grid_import' AND target = $1`, fmt.Sprintf("zone:%d", z.zone.ID)).Scan(&n)
	if n != 1 {
		t.Errorf("%d grid_import audit rows, want 1", n)
	}
	// The same file again changes nothing.
	rep, err = db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, "")
	if err != nil || rep.Unchanged != 2 || rep.Moved != 0 || rep.Updated != 0 {
		t.Errorf("re-import: %+v, %v", rep, err)
	}
}

// TestImportGridsRefusals: each check refuses its file with the feature,
// the reason and where, and nothing is written.
func TestImportGridsRefusals(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-refuse")
	state := gridState(t, db, z.zone.ID)
	// m2 is the area of a box in square metres on the sphere.
	m2 := func(x0, y0, x1, y1 float64) float64 { return orbgeo.Area(box(x0, y0, x1, y1)) }
	bowtie := orb.MultiPolygon{{{{113.01, 34}, {113.02, 34.01}, {113.02, 34}, {113.01, 34.01}, {113.01, 34}}}}
	cases := []struct {
		name    string
		file    []grid.GridBoundary
		feature int
		reason  string
		point   *orb.Point
		area    float64
	}{
		{name: "self-intersection", file: []grid.GridBoundary{
			boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01)), boundary(2, "B", "装备制造", bowtie)},
			feature: 2, reason: "自相交", point: &orb.Point{113.015, 34.005}},
		{name: "overlap", file: []grid.GridBoundary{
			boundary(1, "A", "电子信息", box(113, 34, 113.012, 34.01)), boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01))},
			feature: 1, reason: "与第 2 个要素（B）重叠", area: m2(113.01, 34, 113.012, 34.01)},
		{name: "gap", file: []grid.GridBoundary{
			boundary(1, "A", "电子信息", box(113, 34, 113.009, 34.01)), boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01))},
			feature: 0, reason: "空隙", area: m2(113.009, 34, 113.01, 34.01)},
		{name: "outside the zone", file: []grid.GridBoundary{
			boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01)), boundary(2, "B", "装备制造", box(113.01, 34, 113.03, 34.01))},
			feature: 2, reason: "园区边界之外", point: &orb.Point{113.025, 34.005}, area: m2(113.02, 34, 113.03, 34.01)},
		{name: "far outside the zone", file: []grid.GridBoundary{
			boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01)), boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01)),
			boundary(3, "C", "物流", box(116.3, 39.9, 116.31, 39.91))},
			feature: 3, reason: "园区边界之外", point: &orb.Point{116.305, 39.905}, area: m2(116.3, 39.9, 116.31, 39.91)},
		{name: "grid left out with a liaison", file: []grid.GridBoundary{
			boundary(1, "A", "电子信息", box(113, 34, 113.02, 34.01))},
			feature: 0, reason: "现有网格 B（乙网格）不在文件中，但仍有联络员 1 名"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, write := range []bool{false, true} {
				rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, c.file, write, "")
				if err != nil {
					t.Fatal(err)
				}
				if rep.Written || len(rep.Problems) != 1 || rep.ProblemCount != 1 {
					t.Fatalf("report %+v, want one problem and nothing written", rep)
				}
				p := rep.Problems[0]
				if p.Feature != c.feature || !strings.Contains(p.Reason, c.reason) {
					t.Errorf("problem %+v, want feature %d with %q", p, c.feature, c.reason)
				}
				if c.point != nil && (p.Point == nil || math.Abs(p.Point[0]-c.point[0]) > 1e-9 || math.Abs(p.Point[1]-c.point[1]) > 1e-9) {
					t.Errorf("problem at %v, want %v", p.Point, c.point)
				}
				if c.area > 0 && math.Abs(p.AreaM2-c.area)/c.area > 0.01 {
					t.Errorf("area %.1f m², want about %.1f", p.AreaM2, c.area)
				}
				if got := gridState(t, db, z.zone.ID); got != state {
					t.Fatalf("refused file changed the grids:\n%s", got)
				}
			}
		})
	}
}

// TestImportGridsInsertsAndRemoves: a new code is inserted, a grid left
// out that nothing holds is removed and its organizations placed anew.
func TestImportGridsInsertsAndRemoves(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-replace")
	// B's liaison moves to A, so nothing holds B.
	if _, err := db.Pool.Exec(ctx, `UPDATE liaison SET grid_id = $1 WHERE id = $2`, z.gridA, z.lb); err != nil {
		t.Fatal(err)
	}
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01)),
		boundary(2, "C", "物流", box(113.01, 34, 113.02, 34.01)),
	}
	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Written || rep.Inserted != 1 || rep.Removed != 1 || rep.Updated+rep.Unchanged != 1 {
		t.Fatalf("report %+v", rep)
	}
	if fmt.Sprint(rep.RemovedCodes) != "[B]" {
		t.Errorf("removed codes %q, want [B]", rep.RemovedCodes)
	}
	// 物流 now has a grid: all ten go to C by industry.
	for name, code := range orgGrids(t, db, z.zone.ID) {
		if code != "C" {
			t.Errorf("%s in %q, want C (行业归口)", name, code)
		}
	}
	if rep.Moved != 10 {
		t.Errorf("moved %d, want 10", rep.Moved)
	}
}

// TestImportGridsIgnoresSlivers: a gap, an overlap or a strip outside
// the zone under
// grid.GridSliverWidth wide (here about 0.4 m along a 1.1 km edge, some
// 400 m²) is digitizing noise, not a mistake.
func TestImportGridsIgnoresSlivers(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-sliver")
	for name, split := range map[string][3]float64{"gap": {113.01 - 4e-6, 113.01, 113.02}, "overlap": {113.01 + 4e-6, 113.01, 113.02},
		"outside the zone": {113.01, 113.01, 113.02 + 4e-6}} {
		file := []grid.GridBoundary{
			boundary(1, "A", "电子信息", box(113, 34, split[0], 34.01)),
			boundary(2, "B", "装备制造", box(split[1], 34, split[2], 34.01)),
		}
		rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) != 0 {
			t.Errorf("%s sliver: problems %+v", name, rep.Problems)
		}
	}
}

// TestImportGridsRetiredKeepAGrid: removing a grid places its retired
// organizations in the grid the rule gives their place, as it does the
// active ones; their history keeps a grid (review finding 4: they were
// left with none).
func TestImportGridsRetiredKeepAGrid(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-retired")
	if _, err := db.Pool.Exec(ctx, `UPDATE liaison SET grid_id = $1 WHERE id = $2`, z.gridA, z.lb); err != nil {
		t.Fatal(err)
	}
	retired := z.orgs[9] // in B
	if _, err := db.Pool.Exec(ctx, `
UPDATE organization SET status = 'moved_out', retired_at = current_date, active = false WHERE id = $1`, retired.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE assignment SET valid_to = now() WHERE org_id = $1 AND valid_to IS NULL`, retired.ID); err != nil {
		t.Fatal(err)
	}
	file := []grid.GridBoundary{boundary(1, "A", "电子信息", box(113, 34, 113.02, 34.01))}
	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Written || rep.Removed != 1 {
		t.Fatalf("report %+v", rep)
	}
	for name, code := range orgGrids(t, db, z.zone.ID) {
		if code != "A" {
			t.Errorf("%s in %q, want A (属地兜底)", name, code)
		}
	}
	var reason string
	db.Pool.QueryRow(ctx, `SELECT coalesce(grid_reason, '') FROM organization WHERE id = $1`, retired.ID).Scan(&reason)
	if reason != "territory" {
		t.Errorf("retired organization's reason %q, want territory", reason)
	}
}

// TestImportGridsUnchangedWithinRounding: the zone's grids read back from
// its own GeoJSON (coordinates to 1e-6°, rings turned counter-clockwise)
// are unchanged, not "updated" (review finding 9).
func TestImportGridsUnchangedWithinRounding(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-rounding")
	a := box(113, 34, 113.01, 34.01)
	a[0][0][1] = orb.Point{113.01 + 3e-8, 34 - 2e-8} // under the 1e-6° an export keeps
	a[0][0].Reverse()
	file := []grid.GridBoundary{boundary(1, "A", "电子信息", a), boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01))}
	file[0].Name, file[1].Name = "甲网格", "乙网格"
	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated != 0 || rep.Unchanged != 2 {
		t.Errorf("report %+v, want both unchanged (A as drawn, B as stored)", rep)
	}
}

// TestImportGridsAuditsEachGrid: each grid the import creates, changes or
// removes is audited with what it was (name, industry, geometry), so a
// wrong file can be undone from the log (review finding 6).
func TestImportGridsAuditsEachGrid(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-audit")
	if _, err := db.Pool.Exec(ctx, `UPDATE liaison SET grid_id = $1 WHERE id = $2`, z.gridA, z.lb); err != nil {
		t.Fatal(err)
	}
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01)),  // renamed A网格
		boundary(2, "C", "物流", box(113.01, 34, 113.02, 34.01)), // new; B removed
	}
	if _, err := db.ImportGrids(ctx, grid.Actor{}, 77, z.zone.ID, file, true, ""); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `
SELECT action, detail->>'code', coalesce(detail->'old'->>'name', ''), coalesce(detail->'old'->'geom'->>'type', '')
FROM audit_log WHERE (detail->>'job_id')::bigint = 77 AND action LIKE 'grid\_%' AND action <> 'grid_import'
ORDER BY detail->>'code'`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var action, code, oldName, oldGeom string
		if err := rows.Scan(&action, &code, &oldName, &oldGeom); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{action, code, oldName, oldGeom}, " "))
	}
	rows.Close()
	want := []string{"grid_update A 甲网格 MultiPolygon", "grid_delete B 乙网格 MultiPolygon", "grid_create C  "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("grid audit rows %q, want %q", got, want)
	}
}

// TestImportGridsCommitsWhatWasPreviewed: a preview gives a key of the
// file and the zone's grids; a commit with it goes through, one whose
// file or grids changed since is refused and writes nothing (review
// finding 7).
func TestImportGridsCommitsWhatWasPreviewed(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-previewkey")
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.015, 34.01)),
		boundary(2, "B", "装备制造", box(113.015, 34, 113.02, 34.01)),
	}
	pre, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
	if err != nil || pre.PreviewKey == "" {
		t.Fatalf("preview %+v, %v: want a key", pre, err)
	}
	other := slices.Clone(file)
	other[1].Industry = "物流"
	state := gridState(t, db, z.zone.ID)
	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, other, true, pre.PreviewKey)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written || len(rep.Problems) != 1 || rep.Problems[0].Field != "preview" || !strings.Contains(rep.Problems[0].Reason, "重新预览") {
		t.Fatalf("another file with the preview's key: %+v", rep)
	}
	if got := gridState(t, db, z.zone.ID); got != state {
		t.Fatalf("the refused commit changed the grids:\n%s", got)
	}
	// Another import changes the zone's grids after the preview.
	if _, err := db.Pool.Exec(ctx, `UPDATE grid SET name = '甲网格（改）', updated_at = now() WHERE id = $1`, z.gridA); err != nil {
		t.Fatal(err)
	}
	if rep, err = db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, pre.PreviewKey); err != nil || rep.Written {
		t.Fatalf("the grids changed since the preview: %+v, %v", rep, err)
	}
	pre, err = db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep, err = db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, pre.PreviewKey); err != nil || !rep.Written {
		t.Fatalf("commit of what was previewed: %+v, %v", rep, err)
	}
}

// TestImportGridsPreviewLocksNothing: a preview works on copies of the
// zone's grids and organizations, so an officer's edit that holds an
// organization's row does not stop it (nor would it stop the edit; review
// finding 3: the preview's UPDATEs locked both for its whole run).
func TestImportGridsPreviewLocksNothing(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-nolock")
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.015, 34.01)),
		boundary(2, "B", "装备制造", box(113.015, 34, 113.02, 34.01)),
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// The edit holds an organization the preview moves (B → A), and grid B.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM organization WHERE id = $1 FOR UPDATE`, z.orgs[5].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM grid WHERE id = $1 FOR UPDATE`, z.gridB); err != nil {
		t.Fatal(err)
	}
	// A preview that waited on those rows would wait for ever: the bound
	// only turns that wait into a failure.
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	rep, err := db.ImportGrids(wait, grid.Actor{}, 0, z.zone.ID, file, false, "")
	if err != nil {
		t.Fatalf("preview while an edit holds rows: %v", err)
	}
	if rep.Moved != 3 || rep.Updated != 2 || rep.Written {
		t.Errorf("preview %+v", rep)
	}
	// The copies are gone with the preview's transaction.
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM organization WHERE zone_id = $1`, z.zone.ID).Scan(&n); err != nil || n != 10 {
		t.Errorf("organizations %d, %v", n, err)
	}
}

// TestImportGridsKeepsNamesTheFileLacks: a file without a name column
// (the reader names each grid by its code) keeps the stored names; a new
// grid takes its code as name (review 2, finding 4: every grid was
// renamed to its code).
func TestImportGridsKeepsNamesTheFileLacks(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-noname")
	if _, err := db.Pool.Exec(ctx, `UPDATE liaison SET grid_id = $1 WHERE id = $2`, z.gridA, z.lb); err != nil {
		t.Fatal(err)
	}
	nameless := func(b grid.GridBoundary) grid.GridBoundary {
		b.Name, b.NameDefaulted = b.Code, true
		return b
	}
	file := []grid.GridBoundary{
		nameless(boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01))),
		nameless(boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01))),
	}
	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated != 0 || rep.Unchanged != 2 {
		t.Errorf("report %+v, want both unchanged", rep)
	}
	file[1] = nameless(boundary(2, "C", "物流", box(113.01, 34, 113.02, 34.01)))
	file[0].Industry = "新一代电子信息"
	if rep, err = db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, ""); err != nil || rep.Updated != 1 || rep.Inserted != 1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	var changes []string
	for _, c := range rep.Changes {
		changes = append(changes, fmt.Sprintf("%s %s %s→%s %s→%s %.0f→%.0f %v", c.Action, c.Code, c.NameFrom, c.NameTo,
			c.IndustryFrom, c.IndustryTo, c.AreaFromM2/1e4, c.AreaToM2/1e4, c.ShapeChanged))
	}
	// Each grid is about 102 ha (0.01° × 0.01° at 34° N).
	want := []string{"update A 甲网格→甲网格 电子信息→新一代电子信息 102→102 false", "remove B 乙网格→ 装备制造→ 102→0 false",
		"insert C →C →物流 0→102 false"}
	if fmt.Sprint(changes) != fmt.Sprint(want) {
		t.Errorf("changes %q, want %q", changes, want)
	}
	state := gridState(t, db, z.zone.ID)
	if !strings.HasPrefix(state, "A 甲网格 新一代电子信息 ") || !strings.Contains(state, "; C C 物流 ") {
		t.Errorf("grids %s: want A named 甲网格 still, C named by its code", state)
	}
}

// TestImportGridsRotatedRingsUnchanged: the same shapes with their rings
// started at another vertex (a desktop GIS's re-save) are unchanged
// (review 2, finding 9).
func TestImportGridsRotatedRingsUnchanged(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-rotated")
	rotate := func(mp orb.MultiPolygon, by int) orb.MultiPolygon {
		r := mp[0][0][:len(mp[0][0])-1]
		r = append(slices.Clone(r[by:]), r[:by]...)
		return orb.MultiPolygon{{append(r, r[0])}}
	}
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", rotate(box(113, 34, 113.01, 34.01), 1)),
		boundary(2, "B", "装备制造", rotate(box(113.01, 34, 113.02, 34.01), 3)),
	}
	file[0].Name, file[1].Name = "甲网格", "乙网格"
	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated != 0 || rep.Unchanged != 2 {
		t.Errorf("report %+v, want both unchanged", rep)
	}
	var audits int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'grid_update' AND detail->>'code' IN ('A', 'B')
  AND target IN ($1, $2)`, fmt.Sprintf("grid:%d", z.gridA), fmt.Sprintf("grid:%d", z.gridB)).Scan(&audits)
	if audits != 0 {
		t.Errorf("%d grid_update audit rows, want none", audits)
	}
}

// TestImportGridsAuditsReasonChanges: an organization that stays in its
// grid for another reason (its industry's grid is renamed away: 行业 →
// 属地) is rewritten, so the preview counts it and the import audits it
// (review 2, finding 14).
func TestImportGridsAuditsReasonChanges(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-reason")
	o, err := db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: "电子企业", USCC: testUSCC(int(z.zone.ID)*1000 + 700050),
		Kind: grid.KindEnterprise, Industry: "电子信息", PartyOrg: grid.PartyNone, Location: orb.Point{113.0031, 34.005}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignGrids(ctx, z.zone.ID); err != nil {
		t.Fatal(err)
	}
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息（改）", box(113, 34, 113.01, 34.01)),
		boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01)),
	}
	pre, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if pre.Moved != 0 || pre.Rereasoned != 1 || len(pre.Moves) != 0 || len(pre.Rereasons) != 1 {
		t.Fatalf("preview %+v, want one reason change, no move", pre)
	}
	if m := pre.Rereasons[0]; m.OrgID != o.ID || m.FromReason != "industry" || m.Reason != "territory" || m.FromGrid != "A" || m.ToGrid != "A" || m.LiaisonEnded {
		t.Errorf("reason change %+v, want A industry → A territory, its liaison kept", m)
	}
	if _, err := db.ImportGrids(ctx, grid.Actor{}, 91, z.zone.ID, file, true, ""); err != nil {
		t.Fatal(err)
	}
	var from, to string
	if err := db.Pool.QueryRow(ctx, `SELECT detail->'from'->>'reason', detail->'to'->>'reason' FROM audit_log
WHERE action = 'org_regrid' AND target = $1 AND (detail->>'job_id')::bigint = 91`, fmt.Sprintf("organization:%d", o.ID)).Scan(&from, &to); err != nil {
		t.Fatalf("no org_regrid audit row for the reason change: %v", err)
	}
	if from != "industry" || to != "territory" {
		t.Errorf("audited %s → %s, want industry → territory", from, to)
	}
}

// TestImportGridsPreviewKeyCoversOrganizations: an organization edited, an
// assignment changed, or the zone's boundary, after the preview voids its key: the commit would
// move organizations the clerk never saw (review 2, finding 13).
func TestImportGridsPreviewKeyCoversOrganizations(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-keyorgs")
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.015, 34.01)),
		boundary(2, "B", "装备制造", box(113.015, 34, 113.02, 34.01)),
	}
	for name, change := range map[string]string{
		"organization": `UPDATE organization SET geom = ST_SetSRID(ST_MakePoint(113.0169, 34.005), 4326), version = version + 1 WHERE id = ` + fmt.Sprint(z.orgs[6].ID),
		"assignment":   `UPDATE assignment SET valid_to = now() WHERE valid_to IS NULL AND org_id = ` + fmt.Sprint(z.orgs[7].ID),
		// The gap and outside checks read the boundary (review 4 finding 7):
		// the same outline with more vertices.
		"zone boundary": `UPDATE zone SET boundary = ST_Segmentize(boundary, 0.001) WHERE id = ` + fmt.Sprint(z.zone.ID),
	} {
		pre, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, change); err != nil {
			t.Fatal(err)
		}
		rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, pre.PreviewKey)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Written || len(rep.Problems) != 1 || rep.Problems[0].Field != "preview" {
			t.Errorf("%s changed after the preview: commit %+v, want refused", name, rep)
		}
	}
}

// TestImportGridsHoldsOffOrgWrites: while an import places the zone's
// organizations again, an admin's grid set by hand (or any organization
// write of the zone) is refused with a conflict instead of being
// overwritten by the rule's stale choice; after it, it goes through
// (review 2, finding 2).
func TestImportGridsHoldsOffOrgWrites(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := newGridZone(t, db, "gridimport-race")
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.015, 34.01)),
		boundary(2, "B", "装备制造", box(113.015, 34, 113.02, 34.01)),
	}
	moved := z.orgs[5] // B → A under the new line
	var version int
	db.Pool.QueryRow(ctx, `SELECT version FROM organization WHERE id = $1`, moved.ID).Scan(&version)
	handB := func() error {
		var patch grid.OrgPatch
		if err := json.Unmarshal([]byte(fmt.Sprintf(`{"version":%d,"grid_id":%d}`, version, z.gridB)), &patch); err != nil {
			t.Fatal(err)
		}
		_, err := db.UpdateOrg(ctx, grid.Scope{All: true}, grid.Actor{}, moved.ID, patch)
		return err
	}
	var during error
	restore := postgis.SetBeforeRegridStore(func() { during = handB() })
	rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, true, "")
	restore()
	if err != nil || !rep.Written {
		t.Fatalf("import %+v, %v", rep, err)
	}
	var e *grid.Error
	if !errors.As(during, &e) || e.Code != grid.EConflict || !strings.Contains(e.Message, "正在导入网格") {
		t.Errorf("grid set by hand during the import: %v, want a conflict naming the import", during)
	}
	var code, reason string
	db.Pool.QueryRow(ctx, `SELECT g.code, o.grid_reason FROM organization o JOIN grid g ON g.id = o.grid_id WHERE o.id = $1`, moved.ID).Scan(&code, &reason)
	if during == nil && (code != "B" || reason != "manual") {
		t.Errorf("the hand-set grid was accepted, then overwritten: now %s (%s)", code, reason)
	}
	// Afterwards the same edit goes through (at the version the import left).
	db.Pool.QueryRow(ctx, `SELECT version FROM organization WHERE id = $1`, moved.ID).Scan(&version)
	if err := handB(); err != nil {
		t.Errorf("after the import: %v", err)
	}
}

// A zone can shrink (review 3 blocker 1): its new grids leave its east
// end out, which the plain import refuses as a gap; with ZoneFromGrids the
// same file makes the zone the union of its grids in the same change,
// audited as zone_boundary with the old boundary, and the preview says so
// with the organizations left outside.
func TestImportGridsZoneFromGrids(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN) // other tests' zones lie where this one does: they would overlap
	z := newGridZone(t, db, "gridimport-shrink")
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01)),
		boundary(2, "B", "装备制造", box(113.01, 34, 113.015, 34.01)),
	}
	zoneHash := func() string {
		var h string
		if err := db.Pool.QueryRow(ctx, `SELECT md5(ST_AsBinary(boundary)) FROM zone WHERE id = $1`, z.zone.ID).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before, grids := zoneHash(), gridState(t, db, z.zone.ID)

	plain, err := db.ImportGrids(ctx, grid.Actor{}, 0, z.zone.ID, file, false, "")
	if err != nil || plain.ProblemCount == 0 || !strings.Contains(plain.Problems[0].Reason, "空隙") {
		t.Fatalf("without the zone change: %+v, %v; want a gap", plain.Problems, err)
	}
	opt := grid.GridImportOptions{ZoneFromGrids: true}
	pre, err := db.ImportGridsWith(ctx, grid.Actor{}, 0, z.zone.ID, file, opt)
	if err != nil || pre.ProblemCount != 0 || pre.Zone == nil {
		t.Fatalf("preview: %+v, %v", pre, err)
	}
	if d := pre.Zone; math.Abs(d.AreaFromM2-areaM2(t, db, box(113, 34, 113.02, 34.01))) > 1 ||
		math.Abs(d.AreaToM2-areaM2(t, db, box(113, 34, 113.015, 34.01))) > 1 ||
		d.OrgsOutside != 2 || !slices.Equal(d.OrgsOutsideNames, []string{"物流企业08", "物流企业09"}) {
		t.Errorf("preview's zone change %+v", d)
	}
	if zoneHash() != before || gridState(t, db, z.zone.ID) != grids {
		t.Fatal("the preview changed the zone")
	}
	// A preview without the zone change does not confirm one with it.
	opt.Write, opt.PreviewKey = true, plain.PreviewKey
	if rep, err := db.ImportGridsWith(ctx, grid.Actor{}, 0, z.zone.ID, file, opt); err != nil || rep.Written {
		t.Fatalf("confirmed by the plain preview's key: %+v, %v", rep, err)
	}
	opt.PreviewKey = pre.PreviewKey
	rep, err := db.ImportGridsWith(ctx, grid.Actor{UserID: 0, ClientAddr: "cli"}, 0, z.zone.ID, file, opt)
	if err != nil || !rep.Written || rep.Zone == nil || rep.Updated != 2 || rep.Rereasoned != 2 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	var same bool
	if err := db.Pool.QueryRow(ctx, `SELECT ST_Equals(boundary, ST_MakeEnvelope(113, 34, 113.015, 34.01, 4326)) FROM zone WHERE id = $1`,
		z.zone.ID).Scan(&same); err != nil || !same {
		t.Errorf("zone boundary is not the grids' union: %v", err)
	}
	d := auditDetail(t, db, "zone_boundary", fmt.Sprint("zone:", z.zone.ID))
	if d["source"] != "grid_import" || d["old_wkb_md5"] != before || d["old_boundary"] == nil || d["orgs_left_out"] != float64(2) {
		t.Errorf("audit detail %v", d)
	}
	// The two left outside stay in the zone, in the nearest grid.
	if g := orgGrids(t, db, z.zone.ID); g["物流企业08"] != "B" || g["物流企业09"] != "B" {
		t.Errorf("organizations left outside: %v", g)
	}
}

// A hole the grids leave inside the old boundary is a gap, not land
// ceded: the zone is not made with it.
func TestImportGridsZoneFromGridsRefusesHoles(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN) // other tests' zones lie where this one does: they would overlap
	z := newGridZone(t, db, "gridimport-hole")
	ring := orb.MultiPolygon{{
		{{113, 34}, {113.01, 34}, {113.01, 34.01}, {113, 34.01}, {113, 34}},
		{{113.004, 34.004}, {113.004, 34.006}, {113.006, 34.006}, {113.006, 34.004}, {113.004, 34.004}},
	}}
	file := []grid.GridBoundary{boundary(1, "A", "电子信息", ring), boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01))}
	rep, err := db.ImportGridsWith(ctx, grid.Actor{}, 0, z.zone.ID, file, grid.GridImportOptions{ZoneFromGrids: true, Write: true})
	if err != nil || rep.Written || rep.ProblemCount != 1 || !strings.Contains(rep.Problems[0].Reason, "空隙") || rep.Problems[0].AreaM2 < 30000 {
		t.Errorf("a hole: %+v, %v", rep, err)
	}
}

// TestImportGridsZoneFromGridsLetsRequestsIn: setting the zone's boundary
// from the grids locks the zone's row against other updates only: a
// request filed in the zone meanwhile (its foreign key takes KEY SHARE on
// the row) does not wait for the import, preview or real run (review 4
// finding 8).
func TestImportGridsZoneFromGridsLetsRequestsIn(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN) // other tests' zones lie where this one does: they would overlap
	z := newGridZone(t, db, "gridimport-keyshare")
	file := []grid.GridBoundary{
		boundary(1, "A", "电子信息", box(113, 34, 113.01, 34.01)),
		boundary(2, "B", "装备制造", box(113.01, 34, 113.02, 34.01)),
	}
	held, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx) //nolint:errcheck // read only
	if _, err := held.Exec(ctx, `SELECT 1 FROM zone WHERE id = $1 FOR KEY SHARE`, z.zone.ID); err != nil {
		t.Fatal(err)
	}
	for _, write := range []bool{false, true} {
		// Blocked, the import would wait for the held lock until this
		// deadline; it finishes without waiting at all.
		waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		rep, err := db.ImportGridsWith(waitCtx, grid.Actor{}, 0, z.zone.ID, file, grid.GridImportOptions{ZoneFromGrids: true, Write: write})
		cancel()
		if err != nil || rep.ProblemCount != 0 || rep.Written != write {
			t.Fatalf("write %v while a request holds the zone's key: %+v, %v", write, rep, err)
		}
	}
}
