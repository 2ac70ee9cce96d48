package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func TestParseTile(t *testing.T) {
	tests := []struct {
		z, x, y   string
		want      Tile
		wantCoord string
	}{
		{"0", "0", "0", Tile{0, 0, 0}, ""},
		{"14", "13346", "6468", Tile{14, 13346, 6468}, ""},
		{"20", "1048575", "1048575", Tile{20, 1048575, 1048575}, ""},
		{"21", "0", "0", Tile{}, "z"},
		{"-1", "0", "0", Tile{}, "z"},
		{"", "0", "0", Tile{}, "z"},
		{"1.5", "0", "0", Tile{}, "z"},
		{"+1", "0", "0", Tile{}, "z"},
		{"99999999999999999999", "0", "0", Tile{}, "z"},
		{"0", "1", "0", Tile{}, "x"},
		{"1", "2", "0", Tile{}, "x"},
		{"1", "-1", "0", Tile{}, "x"},
		{"1", " 1", "0", Tile{}, "x"},
		{"1", "1", "2", Tile{}, "y"},
		{"3", "7", "abc", Tile{}, "y"},
		{"20", "0", "1048576", Tile{}, "y"},
	}
	for _, tt := range tests {
		got, err := ParseTile(tt.z, tt.x, tt.y)
		if tt.wantCoord != "" {
			var ce *TileCoordError
			if !errors.As(err, &ce) || ce.Coord != tt.wantCoord {
				t.Errorf("ParseTile(%q, %q, %q) error = %v, want one about %s", tt.z, tt.x, tt.y, err, tt.wantCoord)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseTile(%q, %q, %q) = %v, %v; want %v", tt.z, tt.x, tt.y, got, err, tt.want)
		}
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestTileBounds(t *testing.T) {
	// The whole world at z0.
	w := Tile{0, 0, 0}.MercatorBound()
	if w.Min != (orb.Point{-MercatorMax, -MercatorMax}) || w.Max != (orb.Point{MercatorMax, MercatorMax}) {
		t.Errorf("z0 Mercator bound = %v", w)
	}
	if b := (Tile{0, 0, 0}).Bound(); !near(b.Min[0], -180, 1e-9) || !near(b.Max[1], MaxMercatorLat, 1e-9) {
		t.Errorf("z0 bound = %v", b)
	}
	// The north-west quarter at z1 ends at the equator and the meridian.
	if b := (Tile{1, 0, 0}).Bound(); !near(b.Max[0], 0, 1e-9) || !near(b.Min[1], 0, 1e-9) {
		t.Errorf("z1 0/0 bound = %v", b)
	}
	// Against orb's maptile, around the demo zone and at the extremes.
	for _, tile := range []Tile{{1, 1, 0}, {10, 834, 410}, {14, 13346, 6468}, {20, 854127, 414057}, {20, 0, 1048575}} {
		want := maptile.New(uint32(tile.X), uint32(tile.Y), maptile.Zoom(tile.Z)).Bound()
		got := tile.Bound()
		for i, pair := range [][2]float64{{got.Min[0], want.Min[0]}, {got.Min[1], want.Min[1]}, {got.Max[0], want.Max[0]}, {got.Max[1], want.Max[1]}} {
			if !near(pair[0], pair[1], 1e-9) {
				t.Errorf("%v bound value %d = %.12f, maptile says %.12f", tile, i, pair[0], pair[1])
			}
		}
		if b := tile.BBox(0); !near(b.MinLon, got.Min[0], 1e-12) || !near(b.MaxLat, got.Max[1], 1e-12) {
			t.Errorf("%v BBox(0) = %v, want %v", tile, b, got)
		}
	}
}

func TestTileAtRoundTrip(t *testing.T) {
	p := orb.Point{113.30, 33.75}
	for z := 0; z <= MaxTileZoom; z++ {
		tile := TileAt(p, z)
		if err := tile.Validate(); err != nil {
			t.Fatalf("TileAt(z%d) = %v: %v", z, tile, err)
		}
		want := maptile.At(p, maptile.Zoom(z))
		if tile.X != int(want.X) || tile.Y != int(want.Y) {
			t.Errorf("TileAt(z%d) = %v, maptile says %d/%d", z, tile, want.X, want.Y)
		}
		if b := tile.Bound(); !b.Contains(p) {
			t.Errorf("tile %v bound %v does not hold %v", tile, b, p)
		}
	}
	// Beyond the Mercator square: clamped into the edge tiles.
	if got := TileAt(orb.Point{180, 89}, 3); got != (Tile{3, 7, 0}) {
		t.Errorf("TileAt(180, 89) = %v, want 3/7/0", got)
	}
	if got := TileAt(orb.Point{-180, -89}, 3); got != (Tile{3, 0, 7}) {
		t.Errorf("TileAt(-180, -89) = %v, want 3/0/7", got)
	}
	back := MercatorToLonLat(LonLatToMercator(p))
	if !near(back[0], p[0], 1e-9) || !near(back[1], p[1], 1e-9) {
		t.Errorf("projection round trip %v → %v", p, back)
	}
}

func TestTileSizes(t *testing.T) {
	if got := (Tile{0, 0, 0}).Size(); !near(got, 2*MercatorMax, 1e-6) {
		t.Errorf("z0 size %f", got)
	}
	tile := Tile{12, 1, 1}
	if got, want := tile.PixelSize(256), 2*MercatorMax/4096/256; !near(got, want, 1e-9) {
		t.Errorf("z12 pixel %f, want %f", got, want)
	}
	// A margin of a quarter tile grows the box on every side, within the world.
	inner, outer := tile.BBox(0), tile.BBox(0.25)
	if !(outer.MinLon < inner.MinLon && outer.MaxLon > inner.MaxLon && outer.MinLat < inner.MinLat && outer.MaxLat > inner.MaxLat) {
		t.Errorf("BBox(0.25) = %v does not surround %v", outer, inner)
	}
	if w := (Tile{0, 0, 0}).BBox(1); w.MinLon != -180 || w.MaxLon != 180 || !near(w.MaxLat, MaxMercatorLat, 1e-9) {
		t.Errorf("z0 BBox(1) = %v, want the Mercator world", w)
	}
}

func TestWorldUnit(t *testing.T) {
	p := orb.Point{113.30, 33.75}
	for _, z := range []int{0, 5, 12, 15} {
		ux, uy := WorldUnit(p, z)
		tile := TileAt(p, z)
		if ux/TileExtent != int64(tile.X) || uy/TileExtent != int64(tile.Y) {
			t.Errorf("z%d: unit %d/%d is not in tile %v", z, ux, uy, tile)
		}
	}
	// A unit's north-west corner is in that unit; a hair west or north of it is not.
	tile := Tile{12, 3337, 1639}
	b := tile.MercatorBound()
	corner := MercatorToLonLat(orb.Point{b.Min[0] + 10*tile.PixelSize(TileExtent), b.Max[1]})
	ux, uy := WorldUnit(orb.Point{corner[0] + 1e-9, corner[1] - 1e-9}, 12)
	if ux != int64(tile.X)*TileExtent+10 || uy != int64(tile.Y)*TileExtent {
		t.Errorf("unit at corner = %d/%d, want %d/%d", ux, uy, int64(tile.X)*TileExtent+10, int64(tile.Y)*TileExtent)
	}
	ux, uy = WorldUnit(orb.Point{corner[0] - 1e-9, corner[1] + 1e-9}, 12)
	if ux != int64(tile.X)*TileExtent+9 || uy != int64(tile.Y)*TileExtent-1 {
		t.Errorf("unit beside corner = %d/%d, want one west and one north", ux, uy)
	}
}
