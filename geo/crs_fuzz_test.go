package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// FuzzCRSInverse: for any input the inverses end (a step cap), give finite
// points for finite input and leave points outside the China box alone;
// every GCJ-02 or BD-09 image of a WGS84 point converts back to a point
// whose image is within 1 cm of it, and so does any point well inside the
// box (away from the edges, where some points have no preimage).
func FuzzCRSInverse(f *testing.F) {
	for _, p := range [][2]float64{{116.397428, 39.90923}, {113.625368, 34.7466}, {72.004, 30}, {137.8347, 40},
		{100, 0.8293}, {120, 55.8271}, {72.004, 0.8293}, {137.8347, 55.8271}, {72.0039999, 30}, {0, 0}, {math.Copysign(0, -1), 90},
		{180, -90}, {1e308, 1e308}, {math.NaN(), 30}, {110, math.Inf(1)}, {math.Inf(-1), math.Inf(-1)}, {5e-324, 30}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, lon, lat float64) {
		p := orb.Point{lon, lat}
		finite := !math.IsNaN(lon) && !math.IsNaN(lat) && !math.IsInf(lon, 0) && !math.IsInf(lat, 0)
		for _, c := range []CRS{GCJ02, BD09} {
			q := ToWGS84(c, p)
			if finite && (math.IsNaN(q[0]) || math.IsNaN(q[1]) || math.IsInf(q[0], 0) || math.IsInf(q[1], 0)) {
				t.Fatalf("%s %v: non-finite %v", c, p, q)
			}
			if !inChinaBox(p) && (math.Float64bits(q[0]) != math.Float64bits(lon) || math.Float64bits(q[1]) != math.Float64bits(lat)) {
				t.Fatalf("%s %v outside the box moved to %v", c, p, q)
			}
			const margin = 0.05 // degrees: more than either offset, away from the edges' strip
			if lon > chinaMinLon+margin && lon < chinaMaxLon-margin && lat > chinaMinLat+margin && lat < chinaMaxLat-margin {
				if e := metres(FromWGS84(c, q), p); !(e < roundTripBound) {
					t.Fatalf("%s %v -> %v, whose image is %.3g m away", c, p, q, e)
				}
			}
			if !finite {
				continue
			}
			img := FromWGS84(c, p) // p read as WGS84
			back := ToWGS84(c, img)
			if again := FromWGS84(c, back); again != img {
				if e := metres(again, img); !(e < roundTripBound) {
					t.Fatalf("%s: %v -> %v -> %v -> %v, %.3g m from where it started", c, p, img, back, again, e)
				}
			}
		}
	})
}
