package geo

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// ValidatePoint checks that p is a finite WGS84 longitude/latitude pair.
func ValidatePoint(p orb.Point) error {
	lon, lat := p[0], p[1]
	switch {
	case math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0):
		return errors.New("coordinates must be finite numbers")
	case lon < -180 || lon > 180:
		return fmt.Errorf("longitude %g out of range [-180, 180]", lon)
	case lat < -90 || lat > 90:
		return fmt.Errorf("latitude %g out of range [-90, 90]", lat)
	}
	return nil
}

// ValidateMultiPolygon checks coordinates and ring structure: each ring
// closed with at least four positions and a non-zero area. Topological
// validity (self-intersection) is left to PostGIS's ST_IsValid constraint.
func ValidateMultiPolygon(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return errors.New("empty multipolygon")
	}
	for i, poly := range mp {
		if len(poly) == 0 {
			return fmt.Errorf("polygon %d has no rings", i)
		}
		for j, r := range poly {
			if len(r) < 4 {
				return fmt.Errorf("polygon %d ring %d has %d positions, needs at least 4", i, j, len(r))
			}
			if !r.Closed() {
				return fmt.Errorf("polygon %d ring %d is not closed", i, j)
			}
			for _, p := range r {
				if err := ValidatePoint(p); err != nil {
					return fmt.Errorf("polygon %d ring %d: %w", i, j, err)
				}
			}
			if signedArea(r) == 0 {
				return fmt.Errorf("polygon %d ring %d has zero area", i, j)
			}
		}
	}
	return nil
}
