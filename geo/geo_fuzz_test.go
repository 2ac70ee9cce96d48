package geo

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// FuzzParseBBox: an accepted box is finite, within WGS84 and ordered, and
// reads back from its own String.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"113,33,114,34", "-180,-90,180,90", " 1 , 2 , 3 , 4 ", "114,34,113,33", "NaN,0,1,1",
		"-Inf,0,1,1", "1e308,0,1,1", "1,2,3", "1,2,3,4,5", "", ",,,", "0x1p-2,0,1,1", "1_0,0,20,1", "-0,-0,0,0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			return
		}
		for _, v := range b.Array() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%q: accepted non-finite %v", s, b)
			}
		}
		if b.MinLon < -180 || b.MaxLon > 180 || b.MinLat < -90 || b.MaxLat > 90 || b.MinLon > b.MaxLon || b.MinLat > b.MaxLat {
			t.Fatalf("%q: accepted out-of-range or inverted %v", s, b)
		}
		again, err := ParseBBox(b.String())
		if err != nil || again != b {
			t.Fatalf("%q: String %q reads back as %v, %v", s, b.String(), again, err)
		}
	})
}

// FuzzParseTile: an accepted tile is valid at its zoom and reads back
// from its own coordinates; a refusal names the coordinate.
func FuzzParseTile(f *testing.F) {
	for _, s := range [][3]string{{"0", "0", "0"}, {"20", "1048575", "1048575"}, {"21", "0", "0"}, {"3", "8", "0"},
		{"-1", "0", "0"}, {"99999999999", "0", "0"}, {"1e1", "0", "0"}, {"+1", "0", "0"}, {"", "", ""}, {"٣", "0", "0"},
		{"00000003", "7", "7"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		tile, err := ParseTile(z, x, y)
		if err != nil {
			var ce *TileCoordError
			if !errors.As(err, &ce) || (ce.Coord != "z" && ce.Coord != "x" && ce.Coord != "y") {
				t.Fatalf("%q/%q/%q: error %v names no coordinate", z, x, y, err)
			}
			return
		}
		if tile.Validate() != nil || tile.Z < 0 || tile.Z > MaxTileZoom || tile.X < 0 || tile.Y < 0 ||
			tile.X >= 1<<tile.Z || tile.Y >= 1<<tile.Z {
			t.Fatalf("%q/%q/%q: accepted invalid tile %v", z, x, y, tile)
		}
		again, err := ParseTile(strconv.Itoa(tile.Z), strconv.Itoa(tile.X), strconv.Itoa(tile.Y))
		if err != nil || again != tile {
			t.Fatalf("%v reads back as %v, %v", tile, again, err)
		}
		b := tile.BBox(0)
		if _, err := ParseBBox(b.String()); err != nil {
			t.Fatalf("%v: its box %v does not parse: %v", tile, b, err)
		}
	})
}

// FuzzValidateMultiPolygon decodes GeoJSON geometries as an import would
// and validates them: an accepted multipolygon has closed rings of at
// least four finite WGS84 positions.
func FuzzValidateMultiPolygon(f *testing.F) {
	for _, s := range []string{
		`{"type":"MultiPolygon","coordinates":[[[[113,33],[113.1,33],[113.1,33.1],[113,33.1],[113,33]]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[113,33],[113,33],[113,33],[113,33]]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[1e400,33],[113.1,33],[113.1,33.1],[1e400,33]]]]}`,
		`{"type":"MultiPolygon","coordinates":[]}`,
		`{"type":"MultiPolygon","coordinates":[[[]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1]]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0,5],[181,0],[1,1],[0,0]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := geojson.UnmarshalGeometry(data)
		if err != nil || g == nil || g.Coordinates == nil {
			return
		}
		var mp orb.MultiPolygon
		switch v := g.Geometry().(type) {
		case orb.MultiPolygon:
			mp = v
		case orb.Polygon:
			mp = orb.MultiPolygon{v}
		default:
			return
		}
		if ValidateMultiPolygon(mp) != nil {
			return
		}
		for _, poly := range mp {
			for _, r := range poly {
				if len(r) < 4 || !r.Closed() || signedArea(r) == 0 {
					t.Fatalf("accepted a bad ring %v", r)
				}
				for _, p := range r {
					if ValidatePoint(p) != nil {
						t.Fatalf("accepted a bad point %v", p)
					}
				}
			}
		}
	})
}
