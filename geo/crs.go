package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// CRS names the coordinate system a file's longitudes and latitudes are in,
// as the API's ?crs= and the CLI's --crs spell it. gridgis stores WGS84.
type CRS string

const (
	WGS84    CRS = "wgs84"
	CGCS2000 CRS = "cgcs2000" // China's datum; well under a metre from WGS84, so taken as it
	GCJ02    CRS = "gcj02"    // the offset China requires of public maps: Amap, Tencent
	BD09     CRS = "bd09"     // Baidu's further offset of GCJ-02
)

// ErrUnknownCRS is wrapped by ParseCRS's error for a name it does not know.
var ErrUnknownCRS = errors.New("unknown crs")

// ParseCRS reads one of the four names, ignoring case and surrounding
// space. An empty value is refused too: the caller picks the default.
func ParseCRS(s string) (CRS, error) {
	switch c := CRS(strings.ToLower(strings.TrimSpace(s))); c {
	case WGS84, CGCS2000, GCJ02, BD09:
		return c, nil
	}
	return "", fmt.Errorf("未知坐标系 %q，须为 wgs84、cgcs2000、gcj02 或 bd09 / %w %q: use wgs84, cgcs2000, gcj02 or bd09", s, ErrUnknownCRS, s)
}

// ToWGS84 takes p from c to WGS84, as every importer stores it. The zero
// CRS is WGS84. Any other name panics: CRS values come from ParseCRS.
func ToWGS84(c CRS, p orb.Point) orb.Point {
	switch c {
	case WGS84, CGCS2000, "":
		return p
	case GCJ02:
		return GCJ02ToWGS84(p)
	case BD09:
		return BD09ToWGS84(p)
	}
	panic("geo: unknown CRS " + string(c))
}

// FromWGS84 takes a stored WGS84 point p to c, for exports.
func FromWGS84(c CRS, p orb.Point) orb.Point {
	switch c {
	case WGS84, CGCS2000, "":
		return p
	case GCJ02:
		return WGS84ToGCJ02(p)
	case BD09:
		return WGS84ToBD09(p)
	}
	panic("geo: unknown CRS " + string(c))
}

// The box outside which no offset applies: 72.004–137.8347 E,
// 0.8293–55.8271 N, edges included. It is the test of the widely copied
// original GCJ-02 code (outOfChina) and of gcoord and eviltransform, so
// points near the border convert as Amap's and Baidu's users' tools do.
// It is a rough box: it takes in Korea and parts of Japan and South-East
// Asia, and leaves nothing of China out.
const (
	chinaMinLon, chinaMaxLon = 72.004, 137.8347
	chinaMinLat, chinaMaxLat = 0.8293, 55.8271
)

// inChinaBox is false for NaN, so non-finite points pass through unchanged.
func inChinaBox(p orb.Point) bool {
	return p[0] >= chinaMinLon && p[0] <= chinaMaxLon && p[1] >= chinaMinLat && p[1] <= chinaMaxLat
}

// The published GCJ-02 constants: the Krasovsky 1940 ellipsoid's
// semi-major axis (m) and first eccentricity squared.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
)

// WGS84ToGCJ02 applies the published GCJ-02 offset inside the China box.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !inChinaBox(p) {
		return p
	}
	return gcjShift(p)
}

// gcjShift is the GCJ-02 offset without the box test.
func gcjShift(p orb.Point) orb.Point {
	lon, lat := p[0], p[1]
	x, y := lon-105, lat-35
	dLat := -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	dLat += (20*math.Sin(y*math.Pi) + 40*math.Sin(y/3*math.Pi)) * 2 / 3
	dLat += (160*math.Sin(y/12*math.Pi) + 320*math.Sin(y*math.Pi/30)) * 2 / 3
	dLon := 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLon += (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	dLon += (20*math.Sin(x*math.Pi) + 40*math.Sin(x/3*math.Pi)) * 2 / 3
	dLon += (150*math.Sin(x/12*math.Pi) + 300*math.Sin(x/30*math.Pi)) * 2 / 3

	radLat := lat / 180 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = dLat * 180 / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = dLon * 180 / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{lon + dLon, lat + dLat}
}

// xPi is the published BD-09 constant, π·3000/180.
const xPi = math.Pi * 3000 / 180

// GCJ02ToBD09 applies Baidu's published rotation and shift inside the
// China box. (gcoord applies it everywhere; the issue keeps points
// outside China unshifted, so we test the box here too.)
func GCJ02ToBD09(p orb.Point) orb.Point {
	if !inChinaBox(p) {
		return p
	}
	return bdShift(p)
}

func bdShift(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*xPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// WGS84ToBD09 is GCJ02ToBD09 after WGS84ToGCJ02.
func WGS84ToBD09(p orb.Point) orb.Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }

// GCJ02ToWGS84 finds the WGS84 point whose GCJ-02 image is p, to within
// inverseTolerance. A p outside the box is its own image and comes back
// unchanged. A p inside the box whose preimage would lie just outside it
// (a strip at most a few hundred metres wide along the box's edges, which
// no exact preimage reaches) gets the formula's preimage all the same.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !inChinaBox(p) {
		return p
	}
	w, _ := invert(gcjShift, p)
	return snapIntoBox(w)
}

// BD09ToGCJ02 is GCJ02ToWGS84's counterpart for Baidu's offset. The
// common one-step formula is off by up to 0.2 m; this one iterates.
func BD09ToGCJ02(p orb.Point) orb.Point {
	if !inChinaBox(p) {
		return p
	}
	g, _ := invert(bdShift, p)
	return snapIntoBox(g)
}

// BD09ToWGS84 undoes both offsets, each to within inverseTolerance, so
// the whole is within about twice that. A BD-09 image inside the box has
// its GCJ-02 and WGS84 preimages inside it too, so the box is tested once.
func BD09ToWGS84(p orb.Point) orb.Point {
	if !inChinaBox(p) {
		return p
	}
	g, _ := invert(bdShift, p)
	w, _ := invert(gcjShift, g)
	return snapIntoBox(w)
}

// snapIntoBox moves a preimage that the iteration left a hair outside the
// box (its exact value on the edge) back onto the edge, where the forward
// formula applies to it again. 1e-8° is about 1 mm, ten times the
// iteration's tolerance; farther out, there is no preimage to find.
func snapIntoBox(p orb.Point) orb.Point {
	const hair = 1e-8
	if p[0] >= chinaMinLon-hair && p[0] <= chinaMaxLon+hair && p[1] >= chinaMinLat-hair && p[1] <= chinaMaxLat+hair {
		p[0] = min(max(p[0], chinaMinLon), chinaMaxLon)
		p[1] = min(max(p[1], chinaMinLat), chinaMaxLat)
	}
	return p
}

// inverseTolerance (m) is where an inverse stops: a hundredth of the 1 cm
// that importers promise, and far above float64 rounding (~3e-9 m at
// 138° E). maxInverseSteps caps the work; 5 suffice across the box
// (TestInverseSteps).
const (
	inverseTolerance = 1e-4
	maxInverseSteps  = 16
)

// invert solves shift(w) = target by fixed-point iteration:
// w ← w − (shift(w) − target). Across the box an offset changes by at
// most ~0.7% (GCJ-02) or ~2.3% (BD-09) of a step in position, so each
// step cuts the error over forty-fold and Newton's method would buy
// nothing. It returns the best point found and the number of steps taken.
func invert(shift func(orb.Point) orb.Point, target orb.Point) (orb.Point, int) {
	w, best, bestErr := target, target, math.Inf(1)
	for step := 1; step <= maxInverseSteps; step++ {
		img := shift(w)
		dLon, dLat := img[0]-target[0], img[1]-target[1]
		e := orbgeo.Distance(img, target) // metres; flat-earth, exact at this scale
		if e < bestErr {
			best, bestErr = w, e
		}
		if !(e > inverseTolerance) { // NaN stops too
			return best, step
		}
		w = orb.Point{w[0] - dLon, w[1] - dLat}
	}
	return best, maxInverseSteps
}
