package geo

import (
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/xy"
	"github.com/twpayne/go-geom/xy/location"
)

// CoversPoint reports whether p lies in mp or on its boundary (as PostGIS's
// ST_Covers): boundary points count, those of holes too; points inside a
// hole do not. go-geom's locator (JTS's ray-crossing counter, with an
// exact orientation test) tells the boundary from the interior; orb's
// planar.MultiPolygonContains cannot, and counts a point on a hole's edge
// as outside.
func CoversPoint(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if polygonCovers(poly, p) {
			return true
		}
	}
	return false
}

func polygonCovers(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 || locate(poly[0], p) == location.Exterior {
		return false
	}
	for _, hole := range poly[1:] {
		if locate(hole, p) == location.Interior {
			return false
		}
	}
	return true
}

// locate places p inside, on or outside ring r.
func locate(r orb.Ring, p orb.Point) location.Type {
	if len(r) == 0 {
		return location.Exterior
	}
	// An orb.Ring's points are [2]float64 laid end to end: the very flat
	// XY coordinates go-geom reads, viewed without a copy.
	flat := unsafe.Slice(&r[0][0], 2*len(r))
	return xy.LocatePointInRing(geom.XY, p[:], flat)
}

// PlanarDistance is the Cartesian distance, in coordinate units, from p to
// mp: zero when mp covers p. It matches PostGIS's ST_Distance on
// geometries, so Go and SQL rank "nearest" the same way.
func PlanarDistance(mp orb.MultiPolygon, p orb.Point) float64 {
	if CoversPoint(mp, p) {
		return 0
	}
	return planar.DistanceFrom(mp, p)
}

// RingIsCCW reports whether a closed ring turns counter-clockwise (positive
// signed area), as RFC 7946 requires of exterior rings.
func RingIsCCW(r orb.Ring) bool {
	return signedArea(r) > 0
}

// signedArea is a closed ring's planar area, positive when it turns
// counter-clockwise.
func signedArea(r orb.Ring) float64 { return planar.Area(r) }
