package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

func TestMetresOutside(t *testing.T) {
	// A square zone at 33° N with a hole.
	zone := orb.MultiPolygon{{
		{{113, 33}, {113.1, 33}, {113.1, 33.1}, {113, 33.1}, {113, 33}},
		{{113.04, 33.04}, {113.06, 33.04}, {113.06, 33.06}, {113.04, 33.06}, {113.04, 33.04}},
	}}
	for _, c := range []struct {
		p    orb.Point
		want float64 // metres; the edge's nearest point is named by near
		near orb.Point
	}{
		{orb.Point{113.05, 33.02}, 0, orb.Point{}},               // inside
		{orb.Point{113.1, 33.05}, 0, orb.Point{}},                // on the edge
		{orb.Point{113.05, 33.05}, -1, orb.Point{113.06, 33.05}}, // in the hole
		{orb.Point{113.106, 33.05}, -1, orb.Point{113.1, 33.05}}, // east, about 560 m
		{orb.Point{113.05, 32.99}, -1, orb.Point{113.05, 33}},    // south, about 1.1 km
		{orb.Point{113.2, 33.2}, -1, orb.Point{113.1, 33.1}},     // north-east of a corner
	} {
		got := MetresOutside(zone, c.p)
		want := c.want
		if want < 0 {
			want = orbgeo.Distance(c.p, c.near)
		}
		if math.Abs(got-want) > 0.005*want+0.01 {
			t.Errorf("%v: %.2f m outside, want %.2f", c.p, got, want)
		}
	}
}
