package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gridgis/grid"
)

// fuzzBoundaryLimits keep a fuzzed input small and quick.
var fuzzBoundaryLimits = BoundaryLimits{Bytes: 1 << 20, Features: 200, FeatureVertices: 2000, Vertices: 20_000,
	ZipEntries: 16, Unzipped: 4 << 20, OGROutput: 4 << 20, OGRTime: 10 * time.Second}

// checkBoundaryResult holds for any input: the error is a cap or an
// invalid-input *grid.Error; every grid passed its checks (a code of the
// allowed form, once; a name and an industry; closed rings of at least
// four finite positions in range); every problem names a feature of the
// file, a field and a reason in valid UTF-8.
func checkBoundaryResult(t *testing.T, res *BoundaryResult, err error) {
	t.Helper()
	if err != nil {
		var ce *CapError
		var ge *grid.Error
		if !errors.As(err, &ce) && !(errors.As(err, &ge) && ge.Code == grid.EInvalid) {
			t.Fatalf("error %T %v is neither a cap nor invalid input", err, err)
		}
		if !utf8.ValidString(err.Error()) {
			t.Fatalf("error message is not UTF-8: %q", err.Error())
		}
		return
	}
	if len(res.Grids)+countFeatures(res.Problems) != res.Features {
		t.Fatalf("%d grids and %d refused features of %d", len(res.Grids), countFeatures(res.Problems), res.Features)
	}
	codes := map[string]bool{}
	for _, g := range res.Grids {
		if !gridCode.MatchString(g.Code) || codes[g.Code] || g.Name == "" || g.Industry == "" {
			t.Fatalf("grid %d kept: %+v", g.Feature, g)
		}
		codes[g.Code] = true
		if len(g.Geom) == 0 {
			t.Fatalf("grid %d without a polygon", g.Feature)
		}
		for _, p := range g.Geom {
			for _, r := range p {
				if len(r) < 4 || !r.Closed() {
					t.Fatalf("grid %d kept with ring %v", g.Feature, r)
				}
				for _, pt := range r {
					if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) || math.Abs(pt[0]) > 180 || math.Abs(pt[1]) > 90 {
						t.Fatalf("grid %d kept with position %v", g.Feature, pt)
					}
				}
			}
		}
	}
	for _, p := range res.Problems {
		if p.Feature < 1 || p.Feature > res.Features || p.Field == "" || p.Reason == "" || !utf8.ValidString(p.Reason) {
			t.Fatalf("problem %+v of %d features", p, res.Features)
		}
	}
}

func countFeatures(problems []grid.GridProblem) int {
	seen := map[int]bool{}
	for _, p := range problems {
		seen[p.Feature] = true
	}
	return len(seen)
}

// FuzzBoundaryGeoJSON reads any bytes as a GeoJSON boundary file.
func FuzzBoundaryGeoJSON(f *testing.F) {
	for _, s := range [][]byte{twoGrids, uniformGrids,
		collection(feature(`{"code":"A","industry":"x"}`, "Polygon", "[[[113,34],[113.1,34],[113.1,34.1],[113,34.1]]]")),
		collection(feature(`{"code":"A","industry":"x"}`, "MultiPolygon", "[[[[1e400,34],[1,2],[3,4],[1e400,34]]]]")),
		[]byte(`{"type":"Feature","properties":null,"geometry":{"type":"GeometryCollection","geometries":[]}}`),
		[]byte(`{"type":"FeatureCollection","features":[null,1,"x",[],{}]}`), []byte(`[`), []byte(""),
		// GeoJSONSeq, with RS separators, and content after a collection.
		[]byte("\x1e" + feature(`{"code":"A","industry":"x"}`, "Polygon", square(113, 34, 0.01)) + "\n\x1e" +
			feature(`{"code":"B","industry":"x","t":[1,2]}`, "Polygon", square(113.01, 34, 0.01)) + "\n"),
		append(collection(), " {} x"...),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadBoundaries(context.Background(), b, BoundaryOptions{Format: BoundaryGeoJSON, Limits: fuzzBoundaryLimits})
		checkBoundaryResult(t, res, err)
	})
}

// FuzzBoundaryKML reads any bytes as a KML boundary file.
func FuzzBoundaryKML(f *testing.F) {
	f.Add([]byte(fmt.Sprintf(kmlDoc, "UTF-8")))
	f.Add([]byte(fmt.Sprintf(kmlDoc, "GBK")))
	for _, s := range []string{
		`<kml><Placemark><Point><coordinates>113,34</coordinates></Point></Placemark></kml>`,
		`<kml><Placemark><MultiGeometry><MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>1,2 3,4 5,6 1,2</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry></MultiGeometry></Placemark></kml>`,
		`<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>1e999,2 Inf,4 ,, 1,2,3,4</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`,
		`<?xml version="1.0" encoding="latin1"?><kml/>`, `<`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadBoundaries(context.Background(), b, BoundaryOptions{Format: BoundaryKML, Limits: fuzzBoundaryLimits})
		checkBoundaryResult(t, res, err)
	})
}

// FuzzBoundaryShapefile reads any .shp, .shx and .dbf, zipped together
// here (mutations of a zip rarely get past its checksums), through GDAL.
// The seed corpus in testdata/fuzz/FuzzBoundaryShapefile holds the two
// grids of uniformGrids as ogr2ogr writes them with a GBK DBF.
func FuzzBoundaryShapefile(f *testing.F) {
	requireOGR(f)
	f.Add([]byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, shp, shx, dbf []byte) {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for name, data := range map[string][]byte{"grids.shp": shp, "grids.shx": shx, "grids.dbf": dbf} {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		res, err := ReadBoundaries(context.Background(), b.Bytes(), BoundaryOptions{Format: BoundaryZip, Limits: fuzzBoundaryLimits})
		checkBoundaryResult(t, res, err)
	})
}

// The Shapefile fuzz seed is what it says: two grids with GBK attributes
// and no .cpg, read as GBK.
func TestShapefileFuzzSeedReads(t *testing.T) {
	requireOGR(t)
	b, err := os.ReadFile("testdata/fuzz/FuzzBoundaryShapefile/seed-two-grids-gbk")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	for i, ext := range []string{"shp", "shx", "dbf"} {
		data, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[i], "[]byte("), ")"))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create("grids." + ext)
		w.Write([]byte(data))
	}
	zw.Close()
	checkTwoGrids(t, read(t, zipped.Bytes(), BoundaryOptions{}), 1e-9)
}
