package geo

import (
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// Web Mercator (EPSG:3857) and the XYZ tile scheme: at zoom z the world is
// 2^z × 2^z square tiles, x counting east from 180°W and y counting south
// from about 85.05°N, as ST_TileEnvelope and every web map number them.
const (
	// MaxTileZoom is the deepest zoom level served.
	MaxTileZoom = 20
	// MercatorMax is half the width of the Web Mercator world, in metres.
	MercatorMax = 20037508.342789244
	// MaxMercatorLat is the latitude where the Mercator square ends.
	MaxMercatorLat = 85.0511287798066
	// TileExtent is the size of a tile in vector tile (MVT) coordinates.
	TileExtent = 4096
)

// Tile is one XYZ map tile.
type Tile struct {
	Z, X, Y int
}

// TileCoordError says which tile coordinate (z, x or y) is bad and why.
type TileCoordError struct {
	Coord  string
	Reason string
}

func (e *TileCoordError) Error() string { return e.Coord + ": " + e.Reason }

// ParseTile reads a tile's z, x and y from their decimal strings (path
// segments), checking them as Validate does. A bad coordinate is a
// *TileCoordError naming it.
func ParseTile(z, x, y string) (Tile, error) {
	var v [3]int
	for i, s := range []string{z, x, y} {
		name := [3]string{"z", "x", "y"}[i]
		n, err := parseTileInt(s)
		if err != nil {
			return Tile{}, &TileCoordError{name, err.Error()}
		}
		v[i] = n
	}
	t := Tile{Z: v[0], X: v[1], Y: v[2]}
	return t, t.Validate()
}

// parseTileInt accepts only plain decimal digits: no sign, no spaces.
func parseTileInt(s string) (int, error) {
	if s == "" || len(s) > 8 {
		return 0, fmt.Errorf("must be a non-negative integer")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("must be a non-negative integer")
		}
	}
	return strconv.Atoi(s)
}

// Validate checks that z lies in 0..MaxTileZoom and x and y in 0..2^z-1,
// returning a *TileCoordError naming the first bad coordinate.
func (t Tile) Validate() error {
	if t.Z < 0 || t.Z > MaxTileZoom {
		return &TileCoordError{"z", fmt.Sprintf("must be from 0 to %d", MaxTileZoom)}
	}
	last := 1<<t.Z - 1
	if t.X < 0 || t.X > last {
		return &TileCoordError{"x", fmt.Sprintf("must be from 0 to %d at zoom %d", last, t.Z)}
	}
	if t.Y < 0 || t.Y > last {
		return &TileCoordError{"y", fmt.Sprintf("must be from 0 to %d at zoom %d", last, t.Z)}
	}
	return nil
}

// String formats t as z/x/y.
func (t Tile) String() string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

// Size is the width (and height) of the tile in Web Mercator metres.
func (t Tile) Size() float64 { return 2 * MercatorMax / float64(int64(1)<<t.Z) }

// PixelSize is the width of one of n cells across the tile, in Web
// Mercator metres: PixelSize(256) is a screen pixel of a 256-pixel tile,
// PixelSize(TileExtent) one vector tile coordinate unit.
func (t Tile) PixelSize(n int) float64 { return t.Size() / float64(n) }

// MercatorBound is the tile's extent in Web Mercator metres, the same
// envelope as PostGIS's ST_TileEnvelope(z, x, y).
func (t Tile) MercatorBound() orb.Bound {
	size := t.Size()
	minX := -MercatorMax + float64(t.X)*size
	maxY := MercatorMax - float64(t.Y)*size
	return orb.Bound{Min: orb.Point{minX, maxY - size}, Max: orb.Point{minX + size, maxY}}
}

// Bound is the tile's extent in longitude and latitude (degrees).
func (t Tile) Bound() orb.Bound {
	m := t.MercatorBound()
	return orb.Bound{Min: MercatorToLonLat(m.Min), Max: MercatorToLonLat(m.Max)}
}

// BBox is the tile's extent as a BBox, grown by margin tile widths on
// every side (0 for the tile itself) and kept within the Mercator world.
func (t Tile) BBox(margin float64) BBox {
	m := t.MercatorBound()
	grow := margin * t.Size()
	clamp := func(v float64) float64 { return math.Max(-MercatorMax, math.Min(MercatorMax, v)) }
	lo := MercatorToLonLat(orb.Point{clamp(m.Min[0] - grow), clamp(m.Min[1] - grow)})
	hi := MercatorToLonLat(orb.Point{clamp(m.Max[0] + grow), clamp(m.Max[1] + grow)})
	return BBox{MinLon: lo[0], MinLat: lo[1], MaxLon: hi[0], MaxLat: hi[1]}
}

// TileAt is the tile of zoom z that holds the point p (lon, lat), with
// latitudes beyond the Mercator square clamped to its edge.
func TileAt(p orb.Point, z int) Tile {
	m := LonLatToMercator(p)
	n := int64(1) << z
	size := 2 * MercatorMax / float64(n)
	cell := func(v float64) int {
		i := int64(math.Floor(v / size))
		return int(max(0, min(n-1, i)))
	}
	return Tile{Z: z, X: cell(m[0] + MercatorMax), Y: cell(MercatorMax - m[1])}
}

// LonLatToMercator projects a WGS84 point to Web Mercator metres, clamping
// latitudes beyond ±MaxMercatorLat. The operations follow the SQL of the
// tile queries (grid/postgis), so both round alike.
func LonLatToMercator(p orb.Point) orb.Point {
	lat := math.Max(-MaxMercatorLat, math.Min(MaxMercatorLat, p[1]))
	x := p[0] * (MercatorMax / 180)
	y := math.Log(math.Tan((90+lat)*(math.Pi/180)/2)) * (MercatorMax / math.Pi)
	return orb.Point{x, y}
}

// WorldUnit is the index of the tile unit (1/TileExtent of a tile's
// width) that holds p (lon, lat), counted over the whole world at zoom z:
// x east from 180°W, y south from the top of the Mercator square. Unit
// x/TileExtent is the tile, x%TileExtent the unit within it. Edges are
// half-open, so every point is in exactly one unit; the tile queries'
// aggregation cells are runs of units.
func WorldUnit(p orb.Point, z int) (x, y int64) {
	m := LonLatToMercator(p)
	unit := Tile{Z: z}.PixelSize(TileExtent)
	return int64(math.Floor((m[0] + MercatorMax) / unit)), int64(math.Floor((MercatorMax - m[1]) / unit))
}

// MercatorToLonLat is the inverse of LonLatToMercator.
func MercatorToLonLat(p orb.Point) orb.Point {
	lon := p[0] * 180 / MercatorMax
	lat := math.Atan(math.Sinh(p[1]*math.Pi/MercatorMax)) * 180 / math.Pi
	return orb.Point{lon, lat}
}
