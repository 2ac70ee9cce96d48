package postgis_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// tiling is cols × rows grids that tile the box x0–x1 × y0–y1 exactly:
// a lattice with its inner nodes jittered, each edge between two nodes
// densified to perEdge segments and, inside the box, wiggled smoothly
// off its chord. Neighbours share each edge's very coordinates, so there
// is neither gap nor overlap; the box's own sides stay straight.
func tiling(rng *rand.Rand, cols, rows, perEdge int, x0, y0, x1, y1 float64) []orb.MultiPolygon {
	w, h := (x1-x0)/float64(cols), (y1-y0)/float64(rows)
	node := make([][]orb.Point, cols+1)
	for i := range node {
		node[i] = make([]orb.Point, rows+1)
		for j := range node[i] {
			p := orb.Point{x0 + float64(i)*w, y0 + float64(j)*h}
			if i > 0 && i < cols {
				p[0] += (rng.Float64() - 0.5) * 0.3 * w
			}
			if j > 0 && j < rows {
				p[1] += (rng.Float64() - 0.5) * 0.3 * h
			}
			node[i][j] = p
		}
	}
	amp := 0.1 * min(w, h)
	// edge is a's and b's edge from a to b, without b.
	edge := func(a, b orb.Point, wiggle bool) []orb.Point {
		var coef [12]float64
		var phase [12]float64
		for k := range coef {
			coef[k] = (rng.Float64() - 0.5) / float64(k+1)
			phase[k] = rng.Float64() * 2 * math.Pi
		}
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		nx, ny := -dy/l, dx/l
		pts := make([]orb.Point, perEdge)
		for s := range perEdge {
			t := float64(s) / float64(perEdge)
			off := 0.0
			if wiggle && s > 0 {
				for k := range coef {
					off += coef[k] * math.Sin(float64(k+1)*3*math.Pi*t+phase[k])
				}
				off *= amp * math.Sin(math.Pi*t) // zero at both nodes
			}
			pts[s] = orb.Point{a[0] + t*dx + off*nx, a[1] + t*dy + off*ny}
		}
		return pts
	}
	horiz := make([][][]orb.Point, cols) // [i][j]: node (i,j) → (i+1,j)
	for i := range horiz {
		horiz[i] = make([][]orb.Point, rows+1)
		for j := range horiz[i] {
			horiz[i][j] = edge(node[i][j], node[i+1][j], j > 0 && j < rows)
		}
	}
	vert := make([][][]orb.Point, cols+1) // [i][j]: node (i,j) → (i,j+1)
	for i := range vert {
		vert[i] = make([][]orb.Point, rows)
		for j := range vert[i] {
			vert[i][j] = edge(node[i][j], node[i][j+1], i > 0 && i < cols)
		}
	}
	// backward is e walked from its far node: the neighbour's very points.
	backward := func(e []orb.Point, end orb.Point) []orb.Point {
		out := []orb.Point{end}
		for k := len(e) - 1; k > 0; k-- {
			out = append(out, e[k])
		}
		return out
	}
	var cells []orb.MultiPolygon
	for j := range rows {
		for i := range cols {
			var ring orb.Ring
			ring = append(ring, horiz[i][j]...)
			ring = append(ring, vert[i+1][j]...)
			ring = append(ring, backward(horiz[i][j+1], node[i+1][j+1])...)
			ring = append(ring, backward(vert[i][j], node[i][j+1])...)
			ring = append(ring, ring[0])
			cells = append(cells, orb.MultiPolygon{{ring}})
		}
	}
	return cells
}

// regridZone is a zone tiled by cols × rows grids of about 4·perEdge
// vertices each, in six industries, and n organizations at random points
// of the zone and a margin around it (some outside every grid), in eight
// industries (two without a grid of their own), none of them placed yet.
// It returns the zone and a second tiling of the same codes (other
// wiggles, two industries swapped) to import.
func regridZone(t testing.TB, db *postgis.DB, seed uint64, cols, rows, perEdge, n int) (grid.Zone, []grid.GridBoundary) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 99))
	x0, y0, x1, y1 := 113.0, 34.0, 113.0+0.01*float64(cols), 34.0+0.01*float64(rows)
	zone, err := db.CreateZone(ctx, grid.Zone{Code: fmt.Sprintf("regrid-%d", seed), Name: "重划网格测试区", Boundary: box(x0, y0, x1, y1)})
	if err != nil {
		t.Fatal(err)
	}
	industries := []string{"电子信息", "装备制造", "新材料", "生物医药", "新能源", "现代物流", "商贸", "文旅"}
	industryOf := func(k int) string { return industries[(k*7+k/5)%6] }
	for k, g := range tiling(rng, cols, rows, perEdge, x0, y0, x1, y1) {
		if _, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: fmt.Sprintf("G%03d", k), Name: fmt.Sprintf("网格%03d", k),
			Industry: industryOf(k), Geom: g}); err != nil {
			t.Fatal(err)
		}
	}
	var file []grid.GridBoundary
	for k, g := range tiling(rng, cols, rows, perEdge, x0, y0, x1, y1) {
		ind := industryOf(k)
		switch ind {
		case industries[0]:
			ind = industries[1]
		case industries[1]:
			ind = industries[0]
		}
		file = append(file, boundary(k+1, fmt.Sprintf("G%03d", k), ind, g))
	}
	uscc, ind := make([]string, n), make([]string, n)
	xs, ys := make([]float64, n), make([]float64, n)
	mx, my := 0.05*(x1-x0), 0.05*(y1-y0)
	for k := range n {
		uscc[k] = testUSCC(2000000 + int(seed%50)*100000 + k)
		ind[k] = industries[rng.IntN(len(industries))]
		xs[k] = x0 - mx + rng.Float64()*(x1-x0+2*mx)
		ys[k] = y0 - my + rng.Float64()*(y1-y0+2*my)
	}
	if _, err := db.Pool.Exec(ctx, `
INSERT INTO organization (zone_id, name, uscc, kind, industry, geom)
SELECT $1, '重划企业' || i, u, 'enterprise', ind, ST_SetSRID(ST_MakePoint(x, y), 4326)
FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[]) WITH ORDINALITY AS r(u, ind, x, y, i)`,
		zone.ID, uscc, ind, xs, ys); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE organization; ANALYZE grid`); err != nil {
		t.Fatal(err)
	}
	return zone, file
}

// benchInt is the environment variable name as a positive integer, or def.
func benchInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// regridBareSQL is the least any placement costs: each organization
// paired with the grids covering it, counted.
const regridBareSQL = `
SELECT count(*) FROM grid g JOIN organization o ON o.zone_id = g.zone_id AND ST_Covers(g.geom, o.geom)
WHERE g.zone_id = $1`

// BenchmarkImportGridsRegrid imports a new tiling of a zone's grids —
// GRIDGIS_BENCH_GRIDS grids (default 50) of GRIDGIS_BENCH_GRID_VERTICES
// vertices (default 5,000) over GRIDGIS_BENCH_GRID_ORGS organizations
// (default 100,000), none placed yet. It logs, measured in this run:
//
//   - bare: the point-in-polygon join of those organizations and grids
//     (regridBareSQL), the least any placement costs;
//
//   - regrid: the import's placement of every organization by
//     行业归口、属地兜底 alone (regridSQL, rolled back), per second and
//     over the bare join, with the time to choose and to store apart;
//
//   - old rule: bestGridSQL's four questions per organization, as the
//     import asked them before, on every k-th organization
//     (GRIDGIS_BENCH_GRID_SAMPLE of them, default 1,000): per second, and
//     the regrid's speed of choosing over it;
//
//   - preview and import: the whole boundary import (read, checks,
//     replace, placement, moves, audit), per second and over the bare join.
//
//     go test ./grid/postgis/ -run '^$' -bench ImportGridsRegrid -benchtime 1x
func BenchmarkImportGridsRegrid(b *testing.B) {
	grids := benchInt("GRIDGIS_BENCH_GRIDS", 50)
	vertices := benchInt("GRIDGIS_BENCH_GRID_VERTICES", 5000)
	n := benchInt("GRIDGIS_BENCH_GRID_ORGS", 100000)
	sample := benchInt("GRIDGIS_BENCH_GRID_SAMPLE", 1000)
	cols := max(1, int(math.Round(math.Sqrt(float64(grids)*2))))
	rows := max(1, grids/cols)
	db := pgtest.Open(b, testDSN)
	ctx := context.Background()
	setup := time.Now()
	zone, file := regridZone(b, db, 1, cols, rows, max(2, vertices/4), n)
	b.Logf("%d grids (%d×%d) of %d vertices, %d organizations: set up in %v",
		cols*rows, cols, rows, vertices, n, time.Since(setup).Round(time.Millisecond))
	perSecond := func(count int, d time.Duration) float64 { return float64(count) / d.Seconds() }

	for b.Loop() {
		start := time.Now()
		var pairs int
		if err := db.Pool.QueryRow(ctx, regridBareSQL, zone.ID).Scan(&pairs); err != nil {
			b.Fatal(err)
		}
		bare := time.Since(start)
		b.Logf("bare point-in-polygon join: %d pairs in %v", pairs, bare.Round(time.Millisecond))

		placed, pick, update, err := db.Regrid(ctx, zone.ID)
		if err != nil {
			b.Fatal(err)
		}
		regrid := pick + update
		b.Logf("regrid: %d organizations placed in %v (%v to choose, %v to store): %.0f organizations/s, %.1f× the bare join",
			placed, regrid.Round(time.Millisecond), pick.Round(time.Millisecond), update.Round(time.Millisecond),
			perSecond(placed, regrid), float64(regrid)/float64(bare))
		b.ReportMetric(perSecond(placed, regrid), "regrid_orgs/s")
		b.ReportMetric(float64(regrid)/float64(bare), "regrid_x_bare")

		start = time.Now()
		var asked int
		if err := db.Pool.QueryRow(ctx, postgis.BestGridCountSQL, zone.ID, max(1, n/sample)).Scan(&asked); err != nil {
			b.Fatal(err)
		}
		old := time.Since(start)
		b.Logf("old rule (bestGridSQL per organization, choosing only): %d organizations in %v: %.0f organizations/s; the regrid chooses %.1f× as fast",
			asked, old.Round(time.Millisecond), perSecond(asked, old), perSecond(placed, pick)/perSecond(asked, old))
		b.ReportMetric(perSecond(asked, old), "old_rule_orgs/s")

		for _, write := range []bool{false, true} {
			start := time.Now()
			rep, err := db.ImportGrids(ctx, grid.Actor{}, 0, zone.ID, file, write, "")
			if err != nil {
				b.Fatal(err)
			}
			if rep.ProblemCount > 0 {
				b.Fatalf("the tiling is refused: %+v", rep.Problems)
			}
			took := time.Since(start)
			what := map[bool]string{false: "preview", true: "import"}[write]
			b.Logf("%s: %d organizations placed (%d moved) in %v: %.0f organizations/s, %.1f× the bare join",
				what, n, rep.Moved, took.Round(time.Millisecond), perSecond(n, took), float64(took)/float64(bare))
			b.ReportMetric(perSecond(n, took), what+"_orgs/s")
			b.ReportMetric(float64(took)/float64(bare), what+"_x_bare")
		}
	}
}
