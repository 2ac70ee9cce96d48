package postgis_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridgis/geo"
	"gridgis/grid/postgis/pgtest"
)

// TestCoversPointMatchesPostGIS: geo.CoversPoint is ST_Covers and
// geo.PlanarDistance is ST_Distance, on a multipolygon with a hole, at
// every point of a half-unit lattice over it (on shell and hole edges and
// vertices, in the hole, outside) and at random points. orb's own
// planar.MultiPolygonContains would fail here: it leaves out the hole's
// edges, which ST_Covers counts.
func TestCoversPointMatchesPostGIS(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	mp := orb.MultiPolygon{
		{
			{{0, 0}, {10, 0}, {12, 6}, {6, 11}, {-2, 7}, {0, 0}},
			{{3, 2}, {4, 6}, {8, 5}, {7, 2}, {3, 2}},
		},
		{{{14, 0}, {18, 0}, {18, 4}, {14, 4}, {14, 0}}},
	}
	var points []orb.Point
	for x := -3.0; x <= 19; x += 0.5 {
		for y := -2.0; y <= 12; y += 0.5 {
			points = append(points, orb.Point{x, y})
		}
	}
	rng := rand.New(rand.NewPCG(12, 7))
	for range 300 {
		points = append(points, orb.Point{rng.Float64()*22 - 3, rng.Float64()*14 - 2})
	}
	g, err := wkb.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	xs, ys := make([]float64, len(points)), make([]float64, len(points))
	for i, p := range points {
		xs[i], ys[i] = p[0], p[1]
	}
	rows, err := db.Pool.Query(ctx, `SELECT ST_Covers(s.g, ST_MakePoint(u.x, u.y)), ST_Distance(s.g, ST_MakePoint(u.x, u.y))
FROM (SELECT ST_GeomFromWKB($1) AS g) s, unnest($2::float8[], $3::float8[]) WITH ORDINALITY AS u(x, y, i) ORDER BY u.i`, g, xs, ys)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i, boundary := 0, 0
	for ; rows.Next(); i++ {
		var covers bool
		var dist float64
		if err := rows.Scan(&covers, &dist); err != nil {
			t.Fatal(err)
		}
		p := points[i]
		if got := geo.CoversPoint(mp, p); got != covers {
			t.Errorf("CoversPoint(%v) = %v, ST_Covers %v", p, got, covers)
		}
		if got := geo.PlanarDistance(mp, p); math.Abs(got-dist) > 1e-12*max(1, dist) {
			t.Errorf("PlanarDistance(%v) = %v, ST_Distance %v", p, got, dist)
		}
		if covers && geo.PlanarDistance(orb.MultiPolygon{{mp[0][1]}}, p) == 0 {
			boundary++ // in the hole's polygon yet covered: on its edge
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(points) {
		t.Fatalf("%d rows for %d points", i, len(points))
	}
	if boundary < 10 {
		t.Fatal("no point on a hole's edge: the test lost its edge case")
	}
}
