package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// TestImportGridRuleAgreesWithAssignGrids: the register import places new
// organizations by its own form of the rule (one covering probe, the
// reason from which question answered), and re-places the ones it moves;
// the straightforward rule (AssignGrids) must find nothing to change
// afterwards — on a wiggly tiling, for points at its vertices, on and a
// hair off its edges, outside every grid, and of industries with and
// without grids. Every written row has its audit row naming its file row,
// and an update's audit holds what the organization held before.
func TestImportGridRuleAgreesWithAssignGrids(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	x0, y0, x1, y1 := 113.0, 35.0, 113.03, 35.02
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "import-rule", Name: "导入规则比对区", Boundary: box(x0, y0, x1, y1)})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	industries := []string{"电子信息", "装备制造", "新材料", "商贸", "文旅"} // the last two have no grid
	cells := tiling(rng, 3, 2, 40, x0, y0, x1, y1)
	for k, c := range cells {
		if _, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: fmt.Sprintf("R%02d", k),
			Name: fmt.Sprintf("比对网格%d", k), Industry: industries[(k*2)%3], Geom: c}); err != nil {
			t.Fatal(err)
		}
	}
	var points []orb.Point
	for _, c := range cells {
		ring := c[0][0]
		for k := 0; k+1 < len(ring); k += 7 {
			a, b := ring[k], ring[k+1]
			mid := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
			nx, ny := -(b[1] - a[1]), b[0]-a[0]
			points = append(points, a, mid, orb.Point{mid[0] + nx*1e-6, mid[1] + ny*1e-6})
		}
	}
	for range 300 {
		points = append(points, orb.Point{x0 - 0.005 + rng.Float64()*(x1-x0+0.01), y0 - 0.005 + rng.Float64()*(y1-y0+0.01)})
	}
	row := func(k int, p orb.Point, industry string) grid.ImportRow {
		r := grid.ImportRow{Row: k + 2, Located: k%17 != 0, Given: grid.AttrEmployees | grid.AttrAddress,
			Org: grid.Org{Name: fmt.Sprintf("规则企业%04d", k), USCC: testUSCC(5000000 + k), Industry: industry,
				Employees: 10 + k, Address: fmt.Sprintf("第%d号", k)}}
		if r.Located {
			r.Org.Location = p
		}
		return r
	}
	first := make([]grid.ImportRow, len(points))
	for k, p := range points {
		first[k] = row(k, p, industries[k%len(industries)])
	}
	// The second file moves every third organization to another point,
	// and gives every fifth another industry; the rest are as they were.
	second := slices.Clone(first)
	for k := range second {
		p, industry := points[k], first[k].Org.Industry
		if k%3 == 0 {
			p = points[(k*7+5)%len(points)]
		}
		if k%5 == 0 {
			industry = industries[(k/5)%len(industries)]
		}
		second[k] = row(k, p, industry)
		second[k].Located = true
		second[k].Org.Location = p
	}

	type held struct {
		Name, Industry, Address string
		Employees               int
		Lng, Lat                *float64
		GridID                  *int64
		GridReason              *string
	}
	stored := func() map[int64]held {
		rows, err := db.Pool.Query(ctx, `SELECT id, name, industry, address, employees, ST_X(geom), ST_Y(geom), grid_id, grid_reason
FROM organization WHERE zone_id = $1`, zone.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]held{}
		for rows.Next() {
			var id int64
			var h held
			if err := rows.Scan(&id, &h.Name, &h.Industry, &h.Address, &h.Employees, &h.Lng, &h.Lat, &h.GridID, &h.GridReason); err != nil {
				t.Fatal(err)
			}
			out[id] = h
		}
		return out
	}

	var before map[int64]held
	for i, file := range [][]grid.ImportRow{first, second} {
		out, err := db.ImportOrgs(ctx, grid.Actor{}, grid.ImportWrite{JobID: int64(900 + i), ZoneID: zone.ID}, slices.Values(file), nil)
		if err != nil || !out.Written || out.RefusedCount > 0 {
			t.Fatalf("import %d: %v %+v", i, err, out)
		}
		if i == 1 && (out.Updated == 0 || out.Regridded == 0 || out.Unchanged == 0) {
			t.Errorf("second import %+v: want some updated, regridded and unchanged", out.ImportCounts)
		}
		if changed, err := db.AssignGrids(ctx, zone.ID); err != nil || changed != 0 {
			t.Errorf("import %d: the straightforward rule changes %d organizations after it (%v)", i, changed, err)
		}
		reasons := map[string]int{}
		for _, h := range stored() {
			if h.GridReason != nil {
				reasons[*h.GridReason]++
			}
		}
		for _, r := range []string{"industry", "territory", "nearest"} {
			if reasons[r] == 0 {
				t.Errorf("import %d: no organization placed by reason %s: the test misses that question", i, r)
			}
		}

		// Each written organization's audit row names its file row (and,
		// for an update, holds what it held before).
		rows, err := db.Pool.Query(ctx, `SELECT a.action, o.id, o.uscc, a.detail
FROM audit_log a JOIN organization o ON a.target = 'organization:' || o.id
WHERE (a.detail->>'job_id')::bigint = $1 AND a.action IN ('org_import_insert', 'org_import_update')`, 900+i)
		if err != nil {
			t.Fatal(err)
		}
		rowOf := map[string]int{}
		for _, r := range file {
			rowOf[r.Org.USCC] = r.Row
		}
		audited := 0
		for rows.Next() {
			var action, uscc string
			var id int64
			var detail struct {
				Row    int             `json:"row"`
				Before json.RawMessage `json:"before"`
			}
			var raw []byte
			if err := rows.Scan(&action, &id, &uscc, &raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &detail); err != nil {
				t.Fatal(err)
			}
			audited++
			if detail.Row != rowOf[uscc] {
				t.Errorf("import %d: %s of %s names row %d, want %d", i, action, uscc, detail.Row, rowOf[uscc])
			}
			if action != "org_import_update" {
				continue
			}
			var b struct {
				Name, Industry, Address string
				Employees               int
				Lng, Lat                *float64
				GridID                  *int64  `json:"grid_id"`
				GridReason              *string `json:"grid_reason"`
				Keys                    map[string]any
			}
			if err := json.Unmarshal(detail.Before, &b); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(detail.Before, &b.Keys); err != nil {
				t.Fatal(err)
			}
			got := held{b.Name, b.Industry, b.Address, b.Employees, b.Lng, b.Lat, b.GridID, b.GridReason}
			if want := before[id]; fmt.Sprint(deref(got)) != fmt.Sprint(deref(want)) {
				t.Errorf("import %d: update of %s holds before %v, want %v", i, uscc, deref(got), deref(want))
			}
			if len(b.Keys) != 13 {
				t.Errorf("import %d: before has keys %v, want the 13 attributes", i, b.Keys)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if want := int(out.Inserted + out.Updated); audited != want {
			t.Errorf("import %d: %d audit rows, want %d", i, audited, want)
		}
		before = stored()
	}
}

// deref spells out a stored organization's pointers, for comparing.
func deref(h any) string {
	b, _ := json.Marshal(h)
	return string(b)
}

// TestUSCCValidAgreesWithGoOnManyCodes: the SQL check of credit codes,
// which every imported organization passes, agrees with grid.ValidUSCC,
// which the reader checks rows with — on valid codes,
// on each with one character changed to each of a few others, and on
// codes of other lengths and letters.
func TestUSCCValidAgreesWithGoOnManyCodes(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	rng := rand.New(rand.NewPCG(19, 31))
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZa-中 "
	var codes []string
	for n := range 300 {
		valid := testUSCC(rng.IntN(10_000_000))
		if n%3 == 0 { // other letters in the free positions
			body := []byte(valid[:17])
			for i := 8; i < 17; i++ {
				body[i] = "0123456789ABCDEFGHJKLMNPQRTUWXY"[rng.IntN(31)]
			}
			c, _ := grid.USCCCheckChar(string(body))
			valid = string(body) + string(c)
		}
		codes = append(codes, valid, valid[:17], valid+"0", "")
		for range 4 {
			b := []rune(valid)
			b[rng.IntN(len(b))] = []rune(chars)[rng.IntN(len([]rune(chars)))]
			codes = append(codes, string(b))
		}
	}
	var sqlOK []*bool
	if err := db.Pool.QueryRow(ctx, `SELECT array_agg(uscc_valid(c) ORDER BY i) FROM unnest($1::text[]) WITH ORDINALITY AS u(c, i)`,
		codes).Scan(&sqlOK); err != nil {
		t.Fatal(err)
	}
	valid := 0
	for i, code := range codes {
		goOK := grid.ValidUSCC(code)
		if sqlOK[i] == nil || *sqlOK[i] != goOK {
			t.Errorf("%q: Go says %v, SQL says %v", code, goOK, sqlOK[i])
		}
		if goOK {
			valid++
		}
	}
	var null *bool
	if err := db.Pool.QueryRow(ctx, `SELECT uscc_valid(NULL)`).Scan(&null); err != nil || null != nil {
		t.Errorf("uscc_valid(NULL) = %v (%v), want NULL", null, err)
	}
	if valid < 300 || valid == len(codes) {
		t.Errorf("%d of %d codes valid: the test misses one side", valid, len(codes))
	}
}
