package ingest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gridgis/geo"
	"gridgis/grid"
)

func wantCapErr(t *testing.T, err error, name string) {
	t.Helper()
	var ce *CapError
	if !errors.As(err, &ce) || ce.Cap != name {
		t.Fatalf("got %v, want cap %s", err, name)
	}
}

// TestGeoJSONBoundariesStreamed: 20 MiB of empty features are refused at
// the features cap having read little more than the cap's worth (review 2
// finding 1: the whole array was unmarshalled first, GBs for 99 MiB).
func TestGeoJSONBoundariesStreamed(t *testing.T) {
	n := (20 << 20) / 3
	data := []byte(`{"type":"FeatureCollection","features":[` + strings.Repeat(`{},`, n-1) + `{}]}`)
	var err error
	alloc := allocated(func() {
		_, err = ReadBoundaries(context.Background(), data, BoundaryOptions{Limits: BoundaryLimits{Features: 1000}})
	})
	wantCapErr(t, err, CapFeatures)
	if alloc > uint64(len(data))/4 {
		t.Errorf("allocated %d bytes for a %d-byte file", alloc, len(data))
	}
	// A lone Feature is still a file of one feature.
	res := read(t, []byte(feature(`{"code":"G1","industry":"x"}`, "Polygon", square(113, 34, 0.01))), BoundaryOptions{})
	if len(res.Grids) != 1 || res.Features != 1 {
		t.Errorf("a lone Feature: %+v", res)
	}
}

// TestKMLVerticesCountedBeforeTheRing: a Placemark of millions of "1,1"
// tuples is refused at the vertex cap without building its fields and
// its ring (review 2: 99 MiB took 2 GB).
func TestKMLVerticesCountedBeforeTheRing(t *testing.T) {
	coords := strings.Repeat("1,1 ", (8<<20)/4)
	data := []byte(`<kml><Placemark><name>G1</name><Polygon><outerBoundaryIs><LinearRing><coordinates>` + coords +
		`</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`)
	var err error
	alloc := allocated(func() {
		_, err = ReadBoundaries(context.Background(), data, BoundaryOptions{Limits: BoundaryLimits{Vertices: 1000}})
	})
	wantCapErr(t, err, CapVertices)
	if alloc > uint64(len(data)) {
		t.Errorf("allocated %d bytes for a %d-byte file", alloc, len(data))
	}
}

// TestOGROutputStreamed: ogr2ogr's output is read as it comes: 20 MiB of
// empty features stop at the features cap (a stand-in ogr2ogr).
func TestOGROutputStreamed(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "ogr2ogr")
	script := "#!/bin/sh\nprintf '{\"type\":\"FeatureCollection\",\"features\":['\nyes '{},' | head -c 20971520\nprintf '{}]}'\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var err error
	alloc := allocated(func() {
		_, err = ReadBoundaries(context.Background(), []byte("SQLite format 3\x00"), BoundaryOptions{OGR2OGR: fake,
			Limits: BoundaryLimits{Features: 1000}})
	})
	wantCapErr(t, err, CapFeatures)
	if alloc > 4<<20 {
		t.Errorf("allocated %d bytes for 20 MiB of output", alloc)
	}
}

// TestShapefileWithoutPrj: projected coordinates without their .prj are
// named as such, not "第 1 个面没有环" (GDAL's RFC 7946 output clipped
// them away).
func TestShapefileWithoutPrj(t *testing.T) {
	requireOGR(t)
	files := ogrFixture(t, uniformGrids, t.TempDir(), "grids.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8",
		"-s_srs", "EPSG:4326", "-t_srs", "EPSG:4547")
	res := read(t, zipFiles(t, files, func(f string) bool { return strings.HasSuffix(f, ".prj") }), BoundaryOptions{})
	if len(res.Problems) != 2 {
		t.Fatalf("problems %+v, want one per grid", res.Problems)
	}
	for _, p := range res.Problems {
		if p.Field != "geometry" || !strings.Contains(p.Reason, "不是经纬度：文件缺少 .prj（坐标系），请连同 .prj 一起打包") {
			t.Errorf("problem %+v does not name the missing .prj", p)
		}
	}
}

// TestProjectedPrjRefusesGCJ02: a .prj in a projected system (here
// CGCS2000 Gauss-Krüger) cannot hold GCJ-02 or BD-09 coordinates; the
// offset is refused by its field, not applied to shift every grid.
func TestProjectedPrjRefusesGCJ02(t *testing.T) {
	requireOGR(t)
	files := ogrFixture(t, uniformGrids, t.TempDir(), "grids.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8",
		"-s_srs", "EPSG:4326", "-t_srs", "EPSG:4547")
	data := zipFiles(t, files, nil)
	checkTwoGrids(t, read(t, data, BoundaryOptions{}), 1e-6)
	for _, crs := range []geo.CRS{geo.GCJ02, geo.BD09} {
		_, err := ReadBoundaries(context.Background(), data, BoundaryOptions{CRS: crs})
		var ge *grid.Error
		if !errors.As(err, &ge) || ge.Field != "crs" || !strings.Contains(ge.Message, ".prj") {
			t.Errorf("%s with a projected .prj: %v, want refused with field crs", crs, err)
		}
	}
}

// TestSandboxThatCannotMount: when the sandbox starts but cannot lay out
// its mounts (exit 126, "gridgis sandbox:"), the server is at fault, not
// the file (a stand-in that answers as the sandbox's init does).
func TestSandboxThatCannotMount(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "ogr2ogr")
	script := "#!/bin/sh\necho 'gridgis sandbox: make / private: operation not permitted' >&2\nexit 126\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := ReadBoundaries(context.Background(), []byte("SQLite format 3\x00"), BoundaryOptions{OGR2OGR: fake})
	if err == nil || !strings.Contains(err.Error(), "服务器无法隔离运行 GDAL") || strings.Contains(err.Error(), "GDAL 无法读取该文件") {
		t.Errorf("got %v, want the sandbox named", err)
	}
}

// TestKMZFromLIBKML: GDAL's LIBKML driver writes doc.kml with a
// NetworkLink to layers/grids.kml; its Placemarks are the grids.
func TestKMZFromLIBKML(t *testing.T) {
	requireOGR(t)
	dir := t.TempDir()
	ogrFixture(t, uniformGrids, dir, "grids.kmz", "-f", "LIBKML")
	data, err := os.ReadFile(filepath.Join(dir, "grids.kmz"))
	if err != nil {
		t.Fatal(err)
	}
	res := read(t, data, BoundaryOptions{Filename: "grids.kmz"})
	checkTwoGrids(t, res, 1e-9)
	if res.Format != BoundaryKML {
		t.Errorf("format %q", res.Format)
	}
}

// TestAttrPrefixDeterministic: two truncated DBF names that both begin a
// code name ("网格编码" and "网格编号" cut at 10 bytes) give the same
// column every time.
func TestAttrPrefixDeterministic(t *testing.T) {
	attrs := map[string]string{"网格编\xe7": "A", "网格编\xe5": "B", "x1": "1", "x2": "2", "x3": "3"}
	first := attr(attrs, codeNames)
	for range 200 {
		if got := attr(attrs, codeNames); got != first {
			t.Fatalf("attr gave %q, then %q", first, got)
		}
	}
}

// TestClipOneHelper: text quoted back is cut by characters, in valid
// UTF-8.
func TestClipOneHelper(t *testing.T) {
	if got := clip("网格\xff编码", 3); got != "网格\uFFFD…" {
		t.Errorf("clip: %q", got)
	}
	if got := clip("abc", 3); got != "abc" {
		t.Errorf("clip: %q", got)
	}
	_ = bytes.MinRead
}

// TestKMLGuardCountsCoordinatesOnly: the guard counts the tuples of
// coordinates texts, prefixed or with attributes, and not the words of
// a description.
func TestKMLGuardCountsCoordinatesOnly(t *testing.T) {
	ring := "113,34 113.01,34 113.01,34.01 113,34.01 113,34"
	doc := func(desc, coords string) []byte {
		return []byte(`<kml xmlns:kml="http://www.opengis.net/kml/2.2"><Placemark><name>G1</name><description>` + desc +
			`</description><ExtendedData><Data name="code"><value>G1</value></Data><Data name="industry"><value>x</value></Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing>` +
			coords + `</LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`)
	}
	lim := BoundaryLimits{Vertices: 100}
	res, err := ReadBoundaries(context.Background(), doc(strings.Repeat("很多 words ", 1000), "<coordinates>"+ring+"</coordinates>"), BoundaryOptions{Limits: lim})
	if err != nil || len(res.Grids) != 1 {
		t.Fatalf("a long description: %v %+v", err, res)
	}
	many := strings.Repeat("113,34 ", 200)
	for _, tag := range []string{"<coordinates>", `<coordinates id="c">`, "<kml:coordinates>"} {
		end := strings.Replace(strings.Fields(tag)[0], "<", "</", 1)
		if !strings.HasSuffix(end, ">") {
			end += ">"
		}
		_, err := ReadBoundaries(context.Background(), doc("", tag+many+end), BoundaryOptions{Limits: lim})
		wantCapErr(t, err, CapVertices)
	}
}

// TestKMLTuplesAsBefore: the tuple scanner splits a coordinates text as
// the regexp and strings.Fields it replaced did.
func TestKMLTuplesAsBefore(t *testing.T) {
	spaced := regexp.MustCompile(`\s*,\s*`)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("12,, \n\t.")
	for range 20000 {
		b := make([]byte, rng.IntN(16))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		want := strings.Fields(spaced.ReplaceAllString(string(b), ","))
		var got []string
		kmlTuples(b, func(f []byte) bool { got = append(got, string(f)); return true })
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("%q: %q, want %q", b, got, want)
		}
	}
}
