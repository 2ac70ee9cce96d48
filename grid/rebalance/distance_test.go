package rebalance

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// BenchmarkDistance times the solver's pair distance, orb/geo.Distance
// with each point's half-latitude sine and cosine computed once
// ("precomputed"), against orb/geo.Distance called on the two points
// ("orb"), which takes a cosine per pair: the solver prices every
// candidate pair of a zone.
func BenchmarkDistance(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	points := make([]orb.Point, 1024)
	earth := make([]earthPoint, len(points))
	for i := range points {
		points[i] = at(rng.Float64()*8000, rng.Float64()*5000)
		earth[i] = newEarthPoint(points[i])
	}
	b.Run("precomputed", func(b *testing.B) {
		sink, i := 0.0, 0
		for b.Loop() {
			sink += earth[i%1024].distance(earth[(i*7+1)%1024])
			i++
		}
		_ = sink
	})
	b.Run("orb", func(b *testing.B) {
		sink, i := 0.0, 0
		for b.Loop() {
			sink += orbgeo.Distance(points[i%1024], points[(i*7+1)%1024])
			i++
		}
		_ = sink
	})
}
