package geo

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// roundTripBound is what importers promise: the forward image of an
// inverse lies within 1 cm of the point it came from.
const roundTripBound = 0.01 // m

// forwardTolerance: our forward formulas against gcoord's. Both compute the
// same expressions in float64; only the order of a few operations and the
// libm behind sin/cos/atan2 differ. The largest difference measured is
// 2.8e-14°, one ulp of a longitude near 138°. 1e-12° (0.1 µm) leaves room
// for another Node's libm and still catches WGS84's eccentricity used in
// place of Krasovsky's (up to ~1e-9° off, which a 1e-9° bound would miss
// at most points); a wrong term or constant is off by far more.
const forwardTolerance = 1e-12 // degrees

type gcoordVector struct {
	Kind     string     `json:"kind"`
	In       orb.Point  `json:"in"`
	WGS84GCJ *orb.Point `json:"wgs84_gcj02"`
	WGS84BD  *orb.Point `json:"wgs84_bd09"`
	GCJWGS84 *orb.Point `json:"gcj02_wgs84"`
	GCJBD    *orb.Point `json:"gcj02_bd09"`
	BDWGS84  *orb.Point `json:"bd09_wgs84"`
	BDGCJ    *orb.Point `json:"bd09_gcj02"`
}

// loadGCoord reads the vectors geo/testdata/gcoord/gen.mjs made with the
// npm package gcoord 1.0.7 (the command is in that script's header).
func loadGCoord(t *testing.T) []gcoordVector {
	t.Helper()
	b, err := os.ReadFile("testdata/gcoord/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		GCoord string         `json:"gcoord"`
		Points []gcoordVector `json:"points"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.GCoord != "1.0.7" || len(f.Points) < 300 {
		t.Fatalf("fixture: gcoord %q with %d points, want 1.0.7 and a few hundred", f.GCoord, len(f.Points))
	}
	return f.Points
}

func degreeDiff(a, b orb.Point) float64 { return math.Max(math.Abs(a[0]-b[0]), math.Abs(a[1]-b[1])) }

func metres(a, b orb.Point) float64 { return orbgeo.Distance(a, b) }

// TestForwardMatchesGCoord: WGS84→GCJ-02, GCJ-02→BD-09 and WGS84→BD-09
// agree with gcoord wherever both apply the offset; outside the box ours
// leaves points alone (gcoord's BD-09 step does not, see GCJ02ToBD09).
func TestForwardMatchesGCoord(t *testing.T) {
	var worst float64
	var compared, bdOutside int
	for _, v := range loadGCoord(t) {
		p := v.In
		check := func(name string, ours orb.Point, theirs *orb.Point) {
			t.Helper()
			if theirs == nil {
				t.Fatalf("%s %v: gcoord gave no forward result", name, p)
			}
			d := degreeDiff(ours, *theirs)
			worst = max(worst, d)
			compared++
			if d > forwardTolerance {
				t.Errorf("%s %v (%s): ours %v, gcoord %v, %.3g° apart", name, p, v.Kind, ours, *theirs, d)
			}
		}
		gcj := WGS84ToGCJ02(p)
		check("wgs84→gcj02", gcj, v.WGS84GCJ)
		if !inChinaBox(p) && gcj != p {
			t.Errorf("wgs84→gcj02 %v outside the box moved to %v", p, gcj)
		}
		if inChinaBox(p) {
			check("gcj02→bd09", GCJ02ToBD09(p), v.GCJBD)
		} else if GCJ02ToBD09(p) != p {
			t.Errorf("gcj02→bd09 %v outside the box moved to %v", p, GCJ02ToBD09(p))
		}
		if inChinaBox(gcj) {
			check("wgs84→bd09", WGS84ToBD09(p), v.WGS84BD)
		} else {
			bdOutside++ // WGS84 point by the edge (or outside) whose GCJ-02 image is outside
			if WGS84ToBD09(p) != gcj {
				t.Errorf("wgs84→bd09 %v: GCJ-02 %v is outside the box but moved on to %v", p, gcj, WGS84ToBD09(p))
			}
		}
	}
	t.Logf("forward: %d results compared with gcoord, largest difference %.3g°; %d GCJ-02 points outside the box left unshifted to BD-09 (gcoord shifts them)",
		compared, worst, bdOutside)
}

// TestInverseRoundTrip: every inverse's forward image lies within 1 cm of
// its input, for the fixture's points read as GCJ-02 and as BD-09; points
// outside the box come back unchanged. By the box's edges, where some
// points have no preimage, the answer is the formulas' preimage.
func TestInverseRoundTrip(t *testing.T) {
	type direction struct {
		name                      string
		inverse, forward, formula func(orb.Point) orb.Point
	}
	var worst float64
	var roundTrips, edge int
	for _, v := range loadGCoord(t) {
		p := v.In
		for _, d := range []direction{
			{"gcj02→wgs84", GCJ02ToWGS84, WGS84ToGCJ02, gcjShift},
			{"bd09→gcj02", BD09ToGCJ02, GCJ02ToBD09, bdShift},
			{"bd09→wgs84", BD09ToWGS84, WGS84ToBD09, func(p orb.Point) orb.Point { return bdShift(gcjShift(p)) }},
		} {
			q := d.inverse(p)
			if !inChinaBox(p) {
				if q != p {
					t.Errorf("%s %v outside the box moved to %v", d.name, p, q)
				}
				continue
			}
			if e := metres(d.forward(q), p); e < roundTripBound {
				worst = max(worst, e)
				roundTrips++
			} else if e := metres(d.formula(q), p); e < roundTripBound && v.Kind != "grid" && v.Kind != "random" && v.Kind != "city" {
				edge++
			} else {
				t.Errorf("%s %v (%s) = %v, whose image is %.3g m from the input", d.name, p, v.Kind, q, metres(d.forward(q), p))
			}
		}
	}
	t.Logf("inverse: %d round trips, largest %.3g m; %d at the box's edges have no preimage", roundTrips, worst, edge)
}

// TestInverseMatchesGCoord compares our inverses with gcoord's. gcoord's
// GCJ-02→WGS84 iterates only to 1e-6° and its BD-09→GCJ-02 is the
// one-step formula, so they are off by their own residual (how far their
// answer's forward image lands from the input); ours must then be within
// that residual plus our 1 cm of theirs. The residuals are logged.
func TestInverseMatchesGCoord(t *testing.T) {
	type direction struct {
		name             string
		inverse, forward func(orb.Point) orb.Point
		theirs           func(gcoordVector) *orb.Point
	}
	dirs := []direction{
		{"gcj02→wgs84", GCJ02ToWGS84, WGS84ToGCJ02, func(v gcoordVector) *orb.Point { return v.GCJWGS84 }},
		{"bd09→gcj02", BD09ToGCJ02, GCJ02ToBD09, func(v gcoordVector) *orb.Point { return v.BDGCJ }},
		{"bd09→wgs84", BD09ToWGS84, WGS84ToBD09, func(v gcoordVector) *orb.Point { return v.BDWGS84 }},
	}
	for _, d := range dirs {
		var worstResidual, worstApart float64
		var compared, hung int
		for _, v := range loadGCoord(t) {
			p := v.In
			theirs := d.theirs(v)
			if theirs == nil {
				hung++ // gcoord's loop never ended here; gen.mjs stopped it
				continue
			}
			ours := d.inverse(p)
			if !inChinaBox(p) || metres(d.forward(ours), p) >= roundTripBound {
				continue // outside, or an edge point without preimage: TestInverseRoundTrip
			}
			residual := metres(d.forward(*theirs), p)
			apart := metres(ours, *theirs)
			worstResidual, worstApart = max(worstResidual, residual), max(worstApart, apart)
			compared++
			if apart > 1.1*(residual+roundTripBound) {
				t.Errorf("%s %v: ours %v, gcoord %v, %.3g m apart; gcoord's residual is %.3g m", d.name, p, ours, *theirs, apart, residual)
			}
		}
		t.Logf("%s: %d compared, gcoord's residual up to %.3g m, ours and gcoord's up to %.3g m apart; gcoord did not terminate at %d",
			d.name, compared, worstResidual, worstApart, hung)
	}
}

// TestInverseSteps: the iteration converges in a few steps everywhere in
// the box, well under its cap.
func TestInverseSteps(t *testing.T) {
	most := 0
	for lon := chinaMinLon; lon <= chinaMaxLon; lon += 0.37 {
		for lat := chinaMinLat; lat <= chinaMaxLat; lat += 0.29 {
			p := orb.Point{lon, lat}
			_, n1 := invert(gcjShift, p)
			_, n2 := invert(bdShift, p)
			most = max(most, n1, n2)
		}
	}
	if most >= maxInverseSteps {
		t.Fatalf("an inverse needed %d steps, the cap", most)
	}
	t.Logf("at most %d steps (cap %d)", most, maxInverseSteps)
}

func TestParseCRS(t *testing.T) {
	for in, want := range map[string]CRS{"wgs84": WGS84, "cgcs2000": CGCS2000, "gcj02": GCJ02, "bd09": BD09, " GCJ02 ": GCJ02, "BD09": BD09} {
		if got, err := ParseCRS(in); err != nil || got != want {
			t.Errorf("ParseCRS(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "epsg:4326", "gcj-02", "bd09mc", "wgs84 x"} {
		if _, err := ParseCRS(in); !errors.Is(err, ErrUnknownCRS) {
			t.Errorf("ParseCRS(%q): error %v, want ErrUnknownCRS", in, err)
		}
	}
}

// TestToFromWGS84: the conveniences pick the right transform; WGS84,
// CGCS2000 and the zero CRS leave points alone.
func TestToFromWGS84(t *testing.T) {
	beijing := orb.Point{116.397428, 39.90923}
	for _, c := range []CRS{WGS84, CGCS2000, ""} {
		if ToWGS84(c, beijing) != beijing || FromWGS84(c, beijing) != beijing {
			t.Errorf("%q moved a point", c)
		}
	}
	if FromWGS84(GCJ02, beijing) != WGS84ToGCJ02(beijing) || FromWGS84(BD09, beijing) != WGS84ToBD09(beijing) {
		t.Error("FromWGS84 picked the wrong transform")
	}
	for _, c := range []CRS{GCJ02, BD09} {
		shifted := FromWGS84(c, beijing)
		if e := metres(shifted, beijing); e < 100 || e > 2000 {
			t.Errorf("%s shift of Beijing is %.0f m, expected hundreds", c, e)
		}
		if e := metres(ToWGS84(c, shifted), beijing); e > roundTripBound {
			t.Errorf("%s: Beijing comes back %.3g m off", c, e)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown CRS did not panic")
		}
	}()
	ToWGS84("mars", beijing)
}

func BenchmarkCRS(b *testing.B) {
	p := orb.Point{113.625368, 34.7466}
	g, bd := WGS84ToGCJ02(p), WGS84ToBD09(p)
	for _, c := range []struct {
		name string
		f    func(orb.Point) orb.Point
		in   orb.Point
	}{
		{"WGS84ToGCJ02", WGS84ToGCJ02, p},
		{"GCJ02ToBD09", GCJ02ToBD09, g},
		{"WGS84ToBD09", WGS84ToBD09, p},
		{"GCJ02ToWGS84", GCJ02ToWGS84, g},
		{"BD09ToGCJ02", BD09ToGCJ02, bd},
		{"BD09ToWGS84", BD09ToWGS84, bd},
	} {
		b.Run(c.name, func(b *testing.B) {
			var sink orb.Point
			for b.Loop() {
				sink = c.f(c.in)
			}
			_ = sink
		})
	}
}

// TestInverseAtBoxEdges: WGS84 points on, and a few ulps either side of,
// each edge of the box convert to GCJ-02 and BD-09 and back to a point
// whose image is within 1 cm. (Without snapIntoBox the inverse of a point
// on the edge lands a hair outside, where no offset applies: ~500 m off.)
func TestInverseAtBoxEdges(t *testing.T) {
	var points []orb.Point
	for _, at := range []float64{5, 20, 30.5, 45, 55} {
		for _, edge := range []float64{chinaMinLon, chinaMaxLon} {
			for _, d := range []float64{-1e-9, -1e-12, 0, 1e-12, 1e-9} {
				points = append(points, orb.Point{edge + d, at}, orb.Point{math.Nextafter(edge, 0), at}, orb.Point{math.Nextafter(edge, 200), at})
			}
		}
	}
	for _, at := range []float64{73, 90, 105.5, 120, 137} {
		for _, edge := range []float64{chinaMinLat, chinaMaxLat} {
			for _, d := range []float64{-1e-9, -1e-12, 0, 1e-12, 1e-9} {
				points = append(points, orb.Point{at, edge + d}, orb.Point{at, math.Nextafter(edge, 0)}, orb.Point{at, math.Nextafter(edge, 90)})
			}
		}
	}
	for _, c := range []CRS{GCJ02, BD09} {
		for _, w := range points {
			img := FromWGS84(c, w)
			back := ToWGS84(c, img)
			if e := metres(FromWGS84(c, back), img); e > roundTripBound {
				t.Errorf("%s: %v -> %v -> %v, whose image is %.3g m off", c, w, img, back, e)
			}
		}
	}
}
