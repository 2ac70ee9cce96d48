package ingest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// baseRoads is a small base layer: a named 主干路, an unnamed OSM
// residential road, a place, a park, and three features to refuse.
var baseRoads = collection(
	feature(`{"道路名称":"科技大道","道路等级":"主干路"}`, "LineString", "[[113,34.005],[113.02,34.005]]"),
	feature(`{"highway":"residential"}`, "MultiLineString", "[[[113.01,34],[113.01,34.01]],[[113.011,34],[113.011,34.01]]]"),
	feature(`{"NAME":"科创广场","fclass":"square"}`, "Point", "[113.005,34.007]"),
	feature(`{"name":"翠湖公园","landuse":"park"}`, "Polygon", square(113.012, 34.002, 0.002)),
	feature(`{"name":"断头路"}`, "LineString", "[[113,34]]"),
	feature(`{"name":"远方"}`, "Point", "[200,34]"),
	feature(`{"name":"环"}`, "Polygon", "[[[113,34],[113.1,34],[113.1,34.1],[113,34.1]]]"),
)

func readBase(t *testing.T, data []byte, opt BoundaryOptions) *BaseResult {
	t.Helper()
	res, err := ReadBaseFeatures(context.Background(), data, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkBaseResult(t, res, nil)
	return res
}

// TestReadBaseFeaturesGeoJSON: kinds by geometry, names and classes from
// the common columns, styles from the classes, and each refused feature
// with its reason.
func TestReadBaseFeaturesGeoJSON(t *testing.T) {
	res := readBase(t, baseRoads, BoundaryOptions{Filename: "roads.geojson"})
	var got []string
	for _, b := range res.Base {
		got = append(got, fmt.Sprintf("%d %s %s %s %s", b.Feature, b.Kind, b.Name, b.Class, b.Style))
	}
	want := []string{"1 road 科技大道 主干路 primary", "2 road  residential minor", "3 place 科创广场 square place", "4 area 翠湖公园 park green"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("features\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	reasons := map[int]string{}
	for _, p := range res.Problems {
		reasons[p.Feature] = p.Reason
	}
	for n, want := range map[int]string{5: "至少需要 2 个", 6: "超出经度", 7: "未闭合"} {
		if !strings.Contains(reasons[n], want) {
			t.Errorf("feature %d: %q, want %q", n, reasons[n], want)
		}
	}
	if res.ProblemCount != 3 {
		t.Errorf("problem count %d, want 3", res.ProblemCount)
	}
}

// kmlRoads has a road, a place, a polygon and a Placemark mixing a line
// and a point (refused: one feature, one kind).
const kmlRoads = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
<Placemark><name>创新路</name><ExtendedData><Data name="等级"><value>次干路</value></Data></ExtendedData>
  <LineString><coordinates>113,34 113.01,34.001 113.02,34.002</coordinates></LineString></Placemark>
<Placemark><name>科创广场</name><Point><coordinates>113.005,34.007,0</coordinates></Point></Placemark>
<Placemark><name>清溪河</name><ExtendedData><Data name="type"><value>河流</value></Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing>
  <coordinates>113,34 113.01,34 113.01,34.001 113,34</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>混合</name><MultiGeometry><LineString><coordinates>113,34 113.01,34</coordinates></LineString>
  <Point><coordinates>113,34</coordinates></Point></MultiGeometry></Placemark>
</Folder></Document></kml>`

// TestReadBaseFeaturesKML: the KML reader keeps lines and points for the
// base layer (a grid import still refuses them).
func TestReadBaseFeaturesKML(t *testing.T) {
	res := readBase(t, []byte(kmlRoads), BoundaryOptions{})
	if res.Format != BoundaryKML || len(res.Base) != 3 || res.ProblemCount != 1 {
		t.Fatalf("format %s, %d features, problems %+v", res.Format, len(res.Base), res.Problems)
	}
	road, place, river := res.Base[0], res.Base[1], res.Base[2]
	if road.Kind != grid.BaseRoad || road.Name != "创新路" || road.Style != grid.StyleSecondary {
		t.Errorf("road %+v", road)
	}
	if place.Kind != grid.BasePlace || place.Name != "科创广场" {
		t.Errorf("place %+v", place)
	}
	if river.Kind != grid.BaseArea || river.Style != grid.StyleWater {
		t.Errorf("river %+v", river)
	}
	if p := res.Problems[0]; p.Feature != 4 || !strings.Contains(p.Reason, "GeometryCollection") {
		t.Errorf("mixed Placemark: %+v", p)
	}
	// The same file as grids: lines and points are still refused.
	grids, err := ReadBoundaries(context.Background(), []byte(kmlRoads), BoundaryOptions{Outline: true})
	if err != nil || len(grids.Grids) != 1 {
		t.Fatalf("as grids: %v, %+v", err, grids)
	}
}

// TestReadBaseFeaturesShapefile: a zipped line Shapefile with a GBK DBF
// (no .cpg) goes through the sandboxed ogr2ogr.
func TestReadBaseFeaturesShapefile(t *testing.T) {
	requireOGR(t)
	lines := collection(
		feature(`{"名称":"科技大道","等级":"主干路"}`, "LineString", "[[113,34.005],[113.02,34.005]]"),
		feature(`{"名称":"创新路","等级":"支路"}`, "LineString", "[[113.01,34],[113.01,34.01]]"))
	files := ogrFixture(t, lines, t.TempDir(), "roads.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936")
	res := readBase(t, zipFiles(t, files, func(f string) bool { return strings.HasSuffix(f, ".cpg") }), BoundaryOptions{Filename: "roads.zip"})
	if res.Format != "shapefile" || len(res.Base) != 2 {
		t.Fatalf("format %s, features %+v, problems %+v", res.Format, res.Base, res.Problems)
	}
	if b := res.Base[0]; b.Name != "科技大道" || b.Style != grid.StylePrimary || b.Kind != grid.BaseRoad {
		t.Errorf("first road %+v: the GBK attributes are misread", b)
	}
	if b := res.Base[1]; b.Name != "创新路" || b.Style != grid.StyleMinor {
		t.Errorf("second road %+v", b)
	}
}

// checkBaseResult holds for any input: the error is a cap or invalid
// input; every feature kept is drawable (a kind matching its geometry,
// finite positions in range, a place with a name, names valid UTF-8 of
// at most 101 characters); every problem names a feature of the file.
func checkBaseResult(t *testing.T, res *BaseResult, err error) {
	t.Helper()
	if err != nil {
		var ce *CapError
		var ge *grid.Error
		if !errors.As(err, &ce) && !(errors.As(err, &ge) && ge.Code == grid.EInvalid) {
			t.Fatalf("error %T %v is neither a cap nor invalid input", err, err)
		}
		return
	}
	if len(res.Base)+res.ProblemCount != res.Features {
		t.Fatalf("%d features and %d problems of %d", len(res.Base), res.ProblemCount, res.Features)
	}
	for _, b := range res.Base {
		ok := false
		switch b.Geom.GeoJSONType() {
		case "LineString", "MultiLineString":
			ok = b.Kind == grid.BaseRoad
		case "Point", "MultiPoint":
			ok = b.Kind == grid.BasePlace && b.Name != ""
		case "Polygon", "MultiPolygon":
			ok = b.Kind == grid.BaseArea
		}
		if !ok || b.Style == "" || !utf8.ValidString(b.Name) || utf8.RuneCountInString(b.Name) > 101 || !utf8.ValidString(b.Class) {
			t.Fatalf("feature %d kept: %+v", b.Feature, b)
		}
		grid.EachPoint(b.Geom, func(p orb.Point) {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
				t.Fatalf("feature %d kept with position %v", b.Feature, p)
			}
		})
	}
	for _, p := range res.Problems {
		if p.Feature < 1 || p.Feature > res.Features || p.Reason == "" || !utf8.ValidString(p.Reason) {
			t.Fatalf("problem %+v of %d features", p, res.Features)
		}
	}
}

// FuzzBaseGeoJSON and FuzzBaseKML read any bytes as a base layer file.
func FuzzBaseGeoJSON(f *testing.F) {
	f.Add(baseRoads)
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":1e400},"geometry":{"type":"MultiPoint","coordinates":[]}}]}`))
	f.Add([]byte(`{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[1e400,2],[3,4]]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadBaseFeatures(context.Background(), b, BoundaryOptions{Format: BoundaryGeoJSON, Limits: fuzzBoundaryLimits})
		checkBaseResult(t, res, err)
	})
}

func FuzzBaseKML(f *testing.F) {
	f.Add([]byte(kmlRoads))
	f.Add([]byte(`<kml><Placemark><Point><coordinates>113,34 114,35</coordinates></Point></Placemark></kml>`))
	f.Add([]byte(`<kml><Placemark><name>x</name><LineString><coordinates>NaN,1 2,3</coordinates></LineString></Placemark></kml>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadBaseFeatures(context.Background(), b, BoundaryOptions{Format: BoundaryKML, Limits: fuzzBoundaryLimits})
		checkBaseResult(t, res, err)
	})
}
