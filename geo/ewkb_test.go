package geo

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"
)

// TestEWKBBounds: the box read from the bytes is the geometry's bound, for
// every type the store sends, in both byte orders, with and without an
// SRID.
func TestEWKBBounds(t *testing.T) {
	geoms := map[string]orb.Geometry{
		"point":      orb.Point{113.2985, 33.7497},
		"line":       orb.LineString{{113.1, 33.9}, {113.4, 33.6}, {113.2, 33.8}},
		"polygon":    orb.Polygon{{{113, 33}, {114, 33}, {114, 34.5}, {113, 33}}, {{113.2, 33.2}, {113.3, 33.2}, {113.3, 33.3}, {113.2, 33.2}}},
		"multipoint": orb.MultiPoint{{-1.5, 2}, {3, -4.25}},
		"multiline":  orb.MultiLineString{{{0, 0}, {1, 1}}, {{-2, 5}, {0, 0}}},
		"multipolygon": orb.MultiPolygon{
			{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}},
			{{{10, 10}, {12, 10}, {12, 13}, {10, 10}}},
		},
		"collection": orb.Collection{orb.Point{5, 6}, orb.LineString{{-7, 1}, {2, 9}}},
	}
	for name, g := range geoms {
		want := g.Bound()
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			plain, err := wkb.Marshal(g, order)
			if err != nil {
				t.Fatal(err)
			}
			withSRID, err := ewkb.Marshal(g, 4326, order)
			if err != nil {
				t.Fatal(err)
			}
			for form, b := range map[string][]byte{"wkb": plain, "ewkb": withSRID} {
				got, err := EWKBBounds(b)
				if err != nil {
					t.Fatalf("%s %s %v: %v", name, form, order, err)
				}
				if got != (BBox{want.Min[0], want.Min[1], want.Max[0], want.Max[1]}) {
					t.Errorf("%s %s %v: %+v, want %v", name, form, order, got, want)
				}
			}
		}
	}
}

// TestEWKBBoundsDimensions: Z and M coordinates are skipped, in PostGIS's
// flags and in ISO WKB's codes alike.
func TestEWKBBoundsDimensions(t *testing.T) {
	le := binary.LittleEndian
	line := func(typ uint32, srid bool, dims int, pts ...[]float64) []byte {
		b := []byte{1}
		b = le.AppendUint32(b, typ)
		if srid {
			b = le.AppendUint32(b, 4326)
		}
		b = le.AppendUint32(b, uint32(len(pts)))
		for _, p := range pts {
			for i := range dims {
				b = le.AppendUint64(b, math.Float64bits(p[i]))
			}
		}
		return b
	}
	pts := [][]float64{{1, 2, 100, 1000}, {-3, 4, -100, -1000}}
	want := BBox{-3, 2, 1, 4}
	for name, b := range map[string][]byte{
		"ewkb z":   line(wkbLineString|ewkbZ|ewkbSRID, true, 3, pts...),
		"ewkb m":   line(wkbLineString|ewkbM, false, 3, pts...),
		"ewkb zm":  line(wkbLineString|ewkbZ|ewkbM|ewkbSRID, true, 4, pts...),
		"iso z":    line(1002, false, 3, pts...),
		"iso m":    line(2002, false, 3, pts...),
		"iso zm":   line(3002, false, 4, pts...),
		"plain 2d": line(wkbLineString, false, 2, pts...),
		"srid 2d":  line(wkbLineString|ewkbSRID, true, 2, pts...),
		"triangle": append([]byte{1, 17, 0, 0, 0, 1, 0, 0, 0}, line(0, false, 2, append(pts, pts[0])...)[5:]...),
	} {
		got, err := EWKBBounds(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
}

// TestEWKBBoundsRefuses: what has no box, or is not a whole geometry, is
// an error and never a panic.
func TestEWKBBoundsRefuses(t *testing.T) {
	point, err := ewkb.Marshal(orb.Point{1, 2}, 4326)
	if err != nil {
		t.Fatal(err)
	}
	emptyPoint, err := wkb.Marshal(orb.Point{math.NaN(), math.NaN()})
	if err != nil {
		t.Fatal(err)
	}
	emptyLine, err := wkb.Marshal(orb.LineString{})
	if err != nil {
		t.Fatal(err)
	}
	huge := []byte{1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f} // a line of 2^31 points in 4 bytes
	curve := []byte{1, 8, 0, 0, 0, 0, 0, 0, 0}
	nested := []byte{}
	for range maxEWKBDepth + 2 {
		nested = append(nested, 1, 7, 0, 0, 0, 1, 0, 0, 0)
	}
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"nil":            {nil, "end inside"},
		"byte order":     {append([]byte{2}, point[1:]...), "byte order"},
		"cut":            {point[:len(point)-3], "end inside"},
		"trailing":       {append(point, 0), "after the geometry"},
		"empty point":    {emptyPoint, "empty geometry"},
		"empty line":     {emptyLine, "empty geometry"},
		"count too high": {huge, "end inside"},
		"curve":          {curve, "not read here"},
		"nested":         {nested, "nested too deep"},
		"iso 4000":       {[]byte{1, 0xa2, 0x0f, 0, 0, 0, 0, 0, 0}, "geometry type"},
		"z twice":        {[]byte{1, 0xea, 0x03, 0, 0x80, 0, 0, 0, 0}, "geometry type"},
	} {
		_, err := EWKBBounds(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
}

// FuzzEWKBBounds: any bytes give a box or an error, never a panic, and a
// box is never inverted.
func FuzzEWKBBounds(f *testing.F) {
	for _, g := range []orb.Geometry{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}, orb.Collection{orb.Point{5, 6}}} {
		b, err := ewkb.Marshal(g, 4326)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		box, err := EWKBBounds(b)
		if err == nil && (box.MinLon > box.MaxLon || box.MinLat > box.MaxLat) {
			t.Fatalf("inverted box %+v", box)
		}
	})
}
