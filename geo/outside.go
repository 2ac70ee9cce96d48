package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"
)

// metresPerDegree is a degree of latitude on the mean Earth, in metres.
const metresPerDegree = 6371008.8 * math.Pi / 180

// MetresOutside is how far p lies outside mp, in metres: 0 when mp covers
// p. It measures on the plane tangent at p, exact to well under a percent
// within tens of kilometres, which is what telling a point across the
// road from one in another city needs.
func MetresOutside(mp orb.MultiPolygon, p orb.Point) float64 {
	if CoversPoint(mp, p) {
		return 0
	}
	k := math.Cos(p.Lat() * math.Pi / 180)
	local := project.MultiPolygon(mp.Clone(), func(q orb.Point) orb.Point {
		return orb.Point{(q[0] - p[0]) * k * metresPerDegree, (q[1] - p[1]) * metresPerDegree}
	})
	return planar.DistanceFrom(local, orb.Point{})
}
