package postgis_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// TestRegridMatchesBestGrid: the boundary import places organizations
// through runs of the grids' edges; the straightforward rule
// (AssignGrids: bestGridSQL's four questions on whole boundaries) must
// find nothing to change afterwards — on a random wiggly tiling, for
// organizations at its vertices, on and a hair off its edges, between
// grids of one industry, and outside every grid (some as near to two
// grids as to one).
func TestRegridMatchesBestGrid(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	const cols, rows, perEdge = 4, 3, 150 // runs of 64 segments: a grid's ring is several
	x0, y0, x1, y1 := 113.0, 34.0, 113.04, 34.03
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "regrid-match", Name: "重划比对区", Boundary: box(x0, y0, x1, y1)})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	industries := []string{"电子信息", "装备制造", "新材料", "生物医药", "商贸", "文旅"} // the last two have no grid
	var file []grid.GridBoundary
	var cells []orb.MultiPolygon
	for k, g := range tiling(rng, cols, rows, perEdge, x0, y0, x1, y1) {
		file = append(file, boundary(k+1, fmt.Sprintf("G%02d", k), industries[(k*5)%4], g))
		cells = append(cells, g)
	}

	var points []orb.Point
	for _, c := range cells {
		ring := c[0][0]
		for k := 0; k+1 < len(ring); k += 23 {
			a, b := ring[k], ring[k+1]
			mid := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
			nx, ny := -(b[1] - a[1]), b[0]-a[0]
			points = append(points, a, mid, // a vertex; on (or within rounding of) an edge
				orb.Point{mid[0] + nx*1e-6, mid[1] + ny*1e-6}, orb.Point{mid[0] - nx*1e-6, mid[1] - ny*1e-6})
		}
	}
	// Straight below and above the nodes on the zone's bottom and top
	// sides: as near to the grid on the left as to the one on the right.
	for i := 1; i < cols; i++ {
		bottom := cells[i][0][0][0]
		top := cells[(rows-1)*cols+i][0][0][3*perEdge]
		points = append(points, orb.Point{bottom[0], y0 - 0.002}, orb.Point{top[0], y1 + 0.003})
	}
	for range 800 {
		points = append(points, orb.Point{x0 - 0.01 + rng.Float64()*(x1-x0+0.02), y0 - 0.01 + rng.Float64()*(y1-y0+0.02)})
	}
	// Industries in turn, so that spots alike are placed by industry,
	// territory and distance.
	uscc, ind := make([]string, len(points)), make([]string, len(points))
	xs, ys := make([]float64, len(points)), make([]float64, len(points))
	for k, p := range points {
		uscc[k], ind[k], xs[k], ys[k] = testUSCC(3000000+k), industries[k%len(industries)], p[0], p[1]
	}
	if _, err := db.Pool.Exec(ctx, `
INSERT INTO organization (zone_id, name, uscc, kind, industry, geom)
SELECT $1, '比对企业' || lpad(i::text, 4, '0'), u, 'enterprise', ind, ST_SetSRID(ST_MakePoint(x, y), 4326)
FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[]) WITH ORDINALITY AS r(u, ind, x, y, i)`,
		zone.ID, uscc, ind, xs, ys); err != nil {
		t.Fatal(err)
	}

	defer func(from int) { *postgis.RegridRunsFrom = from }(*postgis.RegridRunsFrom)
	for _, way := range []struct {
		name     string
		runsFrom int
	}{{"runs of edges", 0}, {"one by one", math.MaxInt}} {
		t.Run(way.name, func(t *testing.T) {
			*postgis.RegridRunsFrom = way.runsFrom
			if _, err := db.Pool.Exec(ctx, `UPDATE organization SET grid_id = NULL, grid_reason = NULL WHERE zone_id = $1`, zone.ID); err != nil {
				t.Fatal(err)
			}
			rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, zone.ID, file, true, "")
			if err != nil || rep.ProblemCount > 0 {
				t.Fatalf("import: %v %+v", err, rep.Problems)
			}
			placed := placements(t, db, zone.ID)
			if changed, err := db.AssignGrids(ctx, zone.ID); err != nil || changed != 0 {
				t.Errorf("the straightforward rule changes %d organizations after the import (%v)", changed, err)
			}
			reasons := map[string]int{}
			for name, want := range placements(t, db, zone.ID) {
				if got := placed[name]; got != want {
					t.Errorf("%s: the import placed it in %s, the straightforward rule in %s", name, got, want)
				}
				reasons[want[1]]++
			}
			for _, r := range []string{"industry", "territory", "nearest"} {
				if reasons[r] == 0 {
					t.Errorf("no organization placed by reason %s: the test misses that question", r)
				}
			}
			t.Logf("%d organizations, placed by reason: %v", len(placed), reasons)
		})
	}
}

// placements is each organization's grid code and reason, by name.
func placements(t *testing.T, db *postgis.DB, zoneID int64) map[string][2]string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
SELECT o.name, coalesce(g.code, ''), coalesce(o.grid_reason, '')
FROM organization o LEFT JOIN grid g ON g.id = o.grid_id WHERE o.zone_id = $1`, zoneID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var name, code, reason string
		if err := rows.Scan(&name, &code, &reason); err != nil {
			t.Fatal(err)
		}
		out[name] = [2]string{code, reason}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGridEdgesMeasureAsTheBoundary: for a point a grid does not cover,
// the nearest of the grid's runs of edges is exactly as far as
// ST_Distance to the whole grid — the equality the import's placement
// rests on — on a wiggly tiling, with a hole in one grid.
func TestGridEdgesMeasureAsTheBoundary(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	x0, y0, x1, y1 := 113.0, 34.0, 113.03, 34.02
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "grid-edge", Name: "边线测试区", Boundary: box(x0, y0, x1, y1)})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 13))
	for k, g := range tiling(rng, 3, 2, 100, x0, y0, x1, y1) {
		if k == 0 { // a hole, away from the wiggles
			g[0] = append(g[0], orb.Ring{{113.002, 34.002}, {113.002, 34.004}, {113.004, 34.004}, {113.004, 34.002}, {113.002, 34.002}})
		}
		if _, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: fmt.Sprintf("E%d", k), Name: "边线网格", Industry: "电子信息", Geom: g}); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, sql := range postgis.GridEdgeSQL {
		var args []any
		if strings.Contains(sql, "$1") {
			args = []any{zone.ID}
		}
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(ctx, `SELECT setseed(0.42)`); err != nil {
		t.Fatal(err)
	}
	var pairs, differ int
	var example string
	if err := tx.QueryRow(ctx, `
WITH p AS (
  SELECT ST_SetSRID(ST_MakePoint($2 - 0.005 + random() * ($4 - $2 + 0.01), $3 - 0.005 + random() * ($5 - $3 + 0.01)), 4326) AS geom
  FROM generate_series(1, 3000)
  UNION ALL SELECT ST_SetSRID(ST_MakePoint(113.003, 34.003), 4326)),
m AS (
  SELECT g.code, ST_AsText(p.geom) AS at, ST_Distance(g.geom, p.geom) AS whole,
    (SELECT min(e.geom <-> p.geom) FROM grid_edge e WHERE e.grid_id = g.id) AS runs
  FROM grid g CROSS JOIN p
  WHERE g.zone_id = $1 AND NOT ST_Covers(g.geom, p.geom))
SELECT count(*), count(*) FILTER (WHERE whole <> runs),
  coalesce(min(code || ' ' || at || ': ' || whole || ' vs ' || runs) FILTER (WHERE whole <> runs), '')
FROM m`, zone.ID, x0, y0, x1, y1).Scan(&pairs, &differ, &example); err != nil {
		t.Fatal(err)
	}
	if differ > 0 {
		t.Errorf("%d of %d distances differ, e.g. %s", differ, pairs, example)
	}
	if pairs < 10000 {
		t.Errorf("only %d point–grid pairs measured", pairs)
	}
}
