package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// The hand-written geometry geo had before it called orb and go-geom
// (issue 12.7), kept here as the reference the library-backed functions
// must agree with on random inputs.

func oldCoversPoint(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if oldPolygonCovers(poly, p) {
			return true
		}
	}
	return false
}

func oldPolygonCovers(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	if oldOnRing(poly[0], p) {
		return true
	}
	if !oldRingContains(poly[0], p) {
		return false
	}
	for _, hole := range poly[1:] {
		if oldOnRing(hole, p) {
			return true
		}
		if oldRingContains(hole, p) {
			return false
		}
	}
	return true
}

func oldRingContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	return in
}

func oldOnRing(r orb.Ring, p orb.Point) bool {
	for i := 1; i < len(r); i++ {
		if oldOnSegment(r[i-1], r[i], p) {
			return true
		}
	}
	return false
}

func oldOnSegment(a, b, p orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	if cross != 0 {
		return false
	}
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

func oldPlanarDistance(mp orb.MultiPolygon, p orb.Point) float64 {
	if oldCoversPoint(mp, p) {
		return 0
	}
	best := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := 1; i < len(r); i++ {
				best = math.Min(best, oldSegmentDistance(r[i-1], r[i], p))
			}
		}
	}
	return best
}

func oldSegmentDistance(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	}
	return math.Hypot(p[0]-(a[0]+t*dx), p[1]-(a[1]+t*dy))
}

func oldSignedArea(r orb.Ring) float64 {
	sum := 0.0
	for i := 1; i < len(r); i++ {
		sum += r[i-1][0]*r[i][1] - r[i][0]*r[i-1][1]
	}
	return sum / 2
}

func oldSmallDistance(dLon, dLat, lat float64) float64 {
	const rad = math.Pi / 180
	return 6371008.8 * rad * math.Hypot(dLat, dLon*math.Cos(lat*rad))
}

// starRing is a simple closed ring of n vertices around c, turning
// counter-clockwise (clockwise when cw): one vertex in the middle half of
// each of n equal sectors, at a radius between rMin and rMax, so no two
// are close and an edge passes no nearer c than rMin·cos(270°/n), over
// 0.7·rMin from six vertices on: room for a hole around c. snap rounds
// every coordinate to a multiple of it (0 keeps them as drawn).
func starRing(rng *rand.Rand, c orb.Point, n int, rMin, rMax, snap float64, cw bool) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		a := (float64(i) + 0.25 + 0.5*rng.Float64()) * 2 * math.Pi / float64(n)
		if cw {
			a = -a
		}
		d := rMin + rng.Float64()*(rMax-rMin)
		p := orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)}
		if snap > 0 {
			p = orb.Point{math.Round(p[0]/snap) * snap, math.Round(p[1]/snap) * snap}
		}
		r = append(r, p)
	}
	return append(r, r[0])
}

// randomGrid is a multipolygon like a zone's grid near (113.3°E, 33.75°N):
// one or two parts of a few dozen vertices, some with a hole.
func randomGrid(rng *rand.Rand) orb.MultiPolygon {
	var mp orb.MultiPolygon
	for part := range 1 + rng.IntN(2) {
		c := orb.Point{113.3 + 0.05*float64(part), 33.75 + rng.Float64()*0.01}
		poly := orb.Polygon{starRing(rng, c, 8+rng.IntN(40), 0.012, 0.02, 0, false)}
		if rng.IntN(2) == 0 {
			poly = append(poly, starRing(rng, c, 3+rng.IntN(8), 0.002, 0.006, 0, true))
		}
		mp = append(mp, poly)
	}
	return mp
}

// latticeGrid is a polygon with a hole on the integer lattice, and
// latticePoint a point on the half-integer lattice around it: arithmetic
// on them is exact, so many points lie exactly on an edge or a vertex,
// of the shell or of the hole, and both implementations decide them
// without rounding.
func latticeGrid(rng *rand.Rand) orb.MultiPolygon {
	c := orb.Point{float64(rng.IntN(5)), float64(rng.IntN(5))}
	shell := starRing(rng, c, 6+rng.IntN(9), 12, 20, 1, false)
	hole := starRing(rng, c, 3+rng.IntN(4), 4, 6, 1, true)
	return orb.MultiPolygon{{shell, hole}}
}

func latticePoint(rng *rand.Rand) orb.Point {
	return orb.Point{float64(rng.IntN(100)-46) / 2, float64(rng.IntN(100)-46) / 2}
}

// TestCoversPointMatchesOld: go-geom's ray-crossing locator gives the
// old answer everywhere, on the boundary of shells and holes included.
func TestCoversPointMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 7))
	onBoundary := 0
	for range 300 {
		mp := latticeGrid(rng)
		for range 50 {
			p := latticePoint(rng)
			if got, want := CoversPoint(mp, p), oldCoversPoint(mp, p); got != want {
				t.Fatalf("CoversPoint(%v, %v) = %v, the old code %v", mp, p, got, want)
			}
			if oldOnRing(mp[0][0], p) || oldOnRing(mp[0][1], p) {
				onBoundary++
			}
		}
		for _, r := range mp[0] { // vertices and edge midpoints (exact) of the shell and the hole
			for i := 1; i < len(r); i++ {
				for _, p := range []orb.Point{r[i], {(r[i-1][0] + r[i][0]) / 2, (r[i-1][1] + r[i][1]) / 2}} {
					if !CoversPoint(mp, p) || !oldCoversPoint(mp, p) {
						t.Fatalf("boundary point %v of %v not covered: %v, old %v", p, mp, CoversPoint(mp, p), oldCoversPoint(mp, p))
					}
				}
			}
		}
	}
	if onBoundary < 50 { // 114 with this seed, besides the vertices and midpoints
		t.Fatalf("only %d points on a boundary: the test lost its edge cases", onBoundary)
	}
	for range 300 {
		mp := randomGrid(rng)
		for range 50 {
			p := orb.Point{113.27 + rng.Float64()*0.11, 33.72 + rng.Float64()*0.06}
			if got, want := CoversPoint(mp, p), oldCoversPoint(mp, p); got != want {
				t.Fatalf("CoversPoint(%v, %v) = %v, the old code %v", mp, p, got, want)
			}
		}
	}
}

// TestPlanarDistanceMatchesOld: orb's distance to the boundary is the
// old one to within rounding.
func TestPlanarDistanceMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 8))
	for range 300 {
		mp, lattice := randomGrid(rng), latticeGrid(rng)
		for range 50 {
			for _, c := range []struct {
				mp orb.MultiPolygon
				p  orb.Point
			}{
				{mp, orb.Point{113.2 + rng.Float64()*0.25, 33.65 + rng.Float64()*0.2}},
				{lattice, latticePoint(rng)},
			} {
				got, want := PlanarDistance(c.mp, c.p), oldPlanarDistance(c.mp, c.p)
				if math.Abs(got-want) > 1e-12*max(1, want) || (got == 0) != (want == 0) {
					t.Fatalf("PlanarDistance(%v, %v) = %v, the old code %v", c.mp, c.p, got, want)
				}
			}
		}
	}
}

// TestRingOrientationMatchesOld: the library's signed area has the old
// sign, zero for flat rings included.
func TestRingOrientationMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 9))
	flat := 0
	for i := range 600 {
		c := orb.Point{113.3, 33.75}
		r := starRing(rng, c, 3+rng.IntN(30), 0.001, 0.02, 0, i%2 == 0)
		if i%3 == 0 { // a triangle on a 3 × 3 lattice: often flat
			v := func() orb.Point { return orb.Point{float64(rng.IntN(3) - 1), float64(rng.IntN(3) - 1)} }
			r = orb.Ring{v(), v(), v()}
			r = append(r, r[0])
		}
		want := oldSignedArea(r)
		if want == 0 {
			flat++
		}
		if got := RingIsCCW(r); got != (want > 0) {
			t.Fatalf("RingIsCCW(%v) = %v, old signed area %v", r, got, want)
		}
		// The old sum of raw products (~3,800 at 113°E, for areas of
		// ~1e-4 square degrees) kept only about 7 significant digits;
		// orb's, taken from the first vertex, keeps more.
		if got := signedArea(r); math.Signbit(got) != math.Signbit(want) && got != want ||
			math.Abs(got-want) > 1e-6*math.Abs(want) {
			t.Fatalf("signedArea(%v) = %v, the old code %v", r, got, want)
		}
	}
	if flat == 0 {
		t.Fatal("no flat ring: the test lost its edge case")
	}
}

// TestSmallDistanceMatchesOld: the inverse's stopping test measures a
// step as the old flat-earth formula did, within the radii's 0.11 %.
func TestSmallDistanceMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 10))
	for range 1000 {
		target := orb.Point{chinaMinLon + rng.Float64()*(chinaMaxLon-chinaMinLon), chinaMinLat + rng.Float64()*(chinaMaxLat-chinaMinLat)}
		step := orb.Point{rng.NormFloat64() * 1e-3, rng.NormFloat64() * 1e-3}
		img := orb.Point{target[0] + step[0], target[1] + step[1]}
		got, want := orbgeo.Distance(img, target), oldSmallDistance(img[0]-target[0], img[1]-target[1], target[1])
		if math.Abs(got-want) > 2e-3*want {
			t.Fatalf("step %v at %v: %v m, the old formula %v m", step, target, got, want)
		}
	}
}

// oldInvert is invert with the old stopping test.
func oldInvert(shift func(orb.Point) orb.Point, target orb.Point) (orb.Point, int) {
	w, best, bestErr := target, target, math.Inf(1)
	for step := 1; step <= maxInverseSteps; step++ {
		img := shift(w)
		dLon, dLat := img[0]-target[0], img[1]-target[1]
		e := oldSmallDistance(dLon, dLat, target[1])
		if e < bestErr {
			best, bestErr = w, e
		}
		if !(e > inverseTolerance) {
			return best, step
		}
		w = orb.Point{w[0] - dLon, w[1] - dLat}
	}
	return best, maxInverseSteps
}

// TestInverseMatchesOld: with orb's distance as the stopping test the
// inverses land where they did, give or take the tolerance.
func TestInverseMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 11))
	same := 0
	for range 500 {
		p := orb.Point{chinaMinLon + rng.Float64()*(chinaMaxLon-chinaMinLon), chinaMinLat + rng.Float64()*(chinaMaxLat-chinaMinLat)}
		for _, shift := range []func(orb.Point) orb.Point{gcjShift, bdShift} {
			got, _ := invert(shift, p)
			want, _ := oldInvert(shift, p)
			if got == want {
				same++
			} else if d := orbgeo.Distance(got, want); d > 2*inverseTolerance {
				t.Fatalf("inverse of %v: %v, the old stopping test %v: %.3g m apart", p, got, want, d)
			}
		}
	}
	t.Logf("%d of 1000 inverses identical to the bit", same)
}

// BenchmarkCoversPoint and BenchmarkPlanarDistance time the library-backed
// functions ("lib") against the old code ("hand") on grid-like
// multipolygons, as grid.AssignGrid calls them for each grid per
// organization.
func BenchmarkCoversPoint(b *testing.B) {
	benchPolygons(b, func(mp orb.MultiPolygon, p orb.Point) float64 {
		if CoversPoint(mp, p) {
			return 1
		}
		return 0
	}, func(mp orb.MultiPolygon, p orb.Point) float64 {
		if oldCoversPoint(mp, p) {
			return 1
		}
		return 0
	})
}

func BenchmarkPlanarDistance(b *testing.B) {
	benchPolygons(b, PlanarDistance, oldPlanarDistance)
}

func benchPolygons(b *testing.B, lib, hand func(orb.MultiPolygon, orb.Point) float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	grids := make([]orb.MultiPolygon, 64)
	for i := range grids {
		grids[i] = randomGrid(rng)
	}
	points := make([]orb.Point, 1024)
	for i := range points {
		points[i] = orb.Point{113.27 + rng.Float64()*0.11, 33.72 + rng.Float64()*0.06}
	}
	for _, c := range []struct {
		name string
		f    func(orb.MultiPolygon, orb.Point) float64
	}{{"lib", lib}, {"hand", hand}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			sink, i := 0.0, 0
			for b.Loop() {
				sink += c.f(grids[i%len(grids)], points[i%len(points)])
				i++
			}
			_ = sink
		})
	}
}
