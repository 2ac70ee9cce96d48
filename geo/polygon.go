package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// CoversPoint reports whether p lies in mp or on its boundary (as PostGIS's
// ST_Covers): boundary points count, points in a hole do not.
func CoversPoint(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if polygonCovers(poly, p) {
			return true
		}
	}
	return false
}

func polygonCovers(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	if onRing(poly[0], p) {
		return true
	}
	if !ringContains(poly[0], p) {
		return false
	}
	for _, hole := range poly[1:] {
		if onRing(hole, p) {
			return true
		}
		if ringContains(hole, p) {
			return false
		}
	}
	return true
}

// ringContains is the even-odd crossing test; boundary points are handled
// by onRing before it is called.
func ringContains(r orb.Ring, p orb.Point) bool {
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

func onRing(r orb.Ring, p orb.Point) bool {
	for i := 1; i < len(r); i++ {
		if onSegment(r[i-1], r[i], p) {
			return true
		}
	}
	return false
}

// onSegment reports whether p lies exactly on segment ab.
func onSegment(a, b, p orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	if cross != 0 {
		return false
	}
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// PlanarDistance is the Cartesian distance, in coordinate units, from p to
// mp: zero when mp covers p. It matches PostGIS's ST_Distance on
// geometries, so Go and SQL rank "nearest" the same way.
func PlanarDistance(mp orb.MultiPolygon, p orb.Point) float64 {
	if CoversPoint(mp, p) {
		return 0
	}
	best := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := 1; i < len(r); i++ {
				best = math.Min(best, segmentDistance(r[i-1], r[i], p))
			}
		}
	}
	return best
}

func segmentDistance(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	}
	return math.Hypot(p[0]-(a[0]+t*dx), p[1]-(a[1]+t*dy))
}

// RingIsCCW reports whether a closed ring turns counter-clockwise (positive
// signed area), as RFC 7946 requires of exterior rings.
func RingIsCCW(r orb.Ring) bool {
	return signedArea(r) > 0
}

func signedArea(r orb.Ring) float64 {
	sum := 0.0
	for i := 1; i < len(r); i++ {
		sum += r[i-1][0]*r[i][1] - r[i][0]*r[i-1][1]
	}
	return sum / 2
}
