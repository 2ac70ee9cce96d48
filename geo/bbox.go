package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// BBox is a WGS84 bounding box: west, south, east, north in degrees.
type BBox struct {
	MinLon, MinLat, MaxLon, MaxLat float64
}

// ParseBBox reads "minLon,minLat,maxLon,maxLat" (the order of RFC 7946 and
// OGC API – Features). It refuses wrong counts, non-finite numbers, values
// out of range and a minimum above its maximum; the error says which.
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return BBox{}, fmt.Errorf("want 4 comma-separated numbers minLon,minLat,maxLon,maxLat, got %d", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return BBox{}, fmt.Errorf("value %d (%q) is not a finite number", i+1, p)
		}
		v[i] = f
	}
	b := BBox{v[0], v[1], v[2], v[3]}
	switch {
	case b.MinLon < -180 || b.MaxLon > 180:
		return BBox{}, fmt.Errorf("longitudes must lie in [-180, 180]")
	case b.MinLat < -90 || b.MaxLat > 90:
		return BBox{}, fmt.Errorf("latitudes must lie in [-90, 90]")
	case b.MinLon > b.MaxLon:
		return BBox{}, fmt.Errorf("minLon %g is greater than maxLon %g", b.MinLon, b.MaxLon)
	case b.MinLat > b.MaxLat:
		return BBox{}, fmt.Errorf("minLat %g is greater than maxLat %g", b.MinLat, b.MaxLat)
	}
	return b, nil
}

// String formats b as ParseBBox reads it.
func (b BBox) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return f(b.MinLon) + "," + f(b.MinLat) + "," + f(b.MaxLon) + "," + f(b.MaxLat)
}

// Extend returns the smallest box that holds both b and o.
func (b BBox) Extend(o BBox) BBox {
	return BBox{min(b.MinLon, o.MinLon), min(b.MinLat, o.MinLat), max(b.MaxLon, o.MaxLon), max(b.MaxLat, o.MaxLat)}
}

// Array is b as GeoJSON writes a bbox member: [west, south, east, north].
func (b BBox) Array() [4]float64 { return [4]float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat} }
