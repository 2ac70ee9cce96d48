package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"

	"gridgis/geo"
	"gridgis/grid"
)

// square is a closed ring around (x, y) with side d degrees, as GeoJSON.
func square(x, y, d float64) string {
	return fmt.Sprintf("[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]", x, y, x+d, y, x+d, y+d, x, y+d, x, y)
}

func feature(props, geomType, coords string) string {
	return fmt.Sprintf(`{"type":"Feature","properties":%s,"geometry":{"type":%q,"coordinates":%s}}`, props, geomType, coords)
}

func collection(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

// twoGrids is two adjacent grids with Chinese attribute names.
var twoGrids = collection(
	feature(`{"网格编码":"G1","网格名称":"一号网格","主导产业":"电子信息"}`, "Polygon", square(113, 34, 0.01)),
	feature(`{"code":"G2","name":"二号网格","industry":"装备制造","网格员":"张三"}`, "MultiPolygon", "["+square(113.01, 34, 0.01)+"]"),
)

// uniformGrids is twoGrids with one set of attribute names, as a DBF
// holds them; the MapInfo writer takes ASCII names only.
var (
	uniformGrids = collection(
		feature(`{"网格编码":"G1","网格名称":"一号网格","主导产业":"电子信息"}`, "Polygon", square(113, 34, 0.01)),
		feature(`{"网格编码":"G2","网格名称":"二号网格","主导产业":"装备制造"}`, "Polygon", square(113.01, 34, 0.01)),
	)
	asciiGrids = collection(
		feature(`{"code":"G1","name":"一号网格","industry":"电子信息"}`, "Polygon", square(113, 34, 0.01)),
		feature(`{"code":"G2","name":"二号网格","industry":"装备制造"}`, "Polygon", square(113.01, 34, 0.01)),
	)
)

func read(t *testing.T, data []byte, opt BoundaryOptions) *BoundaryResult {
	t.Helper()
	res, err := ReadBoundaries(context.Background(), data, opt)
	if err != nil {
		t.Fatalf("ReadBoundaries: %v", err)
	}
	return res
}

func TestReadBoundariesGeoJSON(t *testing.T) {
	res := read(t, twoGrids, BoundaryOptions{})
	if len(res.Problems) != 0 || len(res.Grids) != 2 || res.Format != BoundaryGeoJSON {
		t.Fatalf("got %+v", res)
	}
	g1, g2 := res.Grids[0], res.Grids[1]
	if g1.Feature != 1 || g1.Code != "G1" || g1.Name != "一号网格" || g1.Industry != "电子信息" || len(g1.Geom) != 1 {
		t.Errorf("first grid %+v", g1)
	}
	if g2.Code != "G2" || g2.Industry != "装备制造" || g2.Officer != "张三" {
		t.Errorf("second grid %+v", g2)
	}
}

func TestReadBoundariesCRS(t *testing.T) {
	res := read(t, twoGrids, BoundaryOptions{CRS: geo.GCJ02})
	got := res.Grids[0].Geom[0][0][0]
	want := geo.GCJ02ToWGS84(orb.Point{113, 34})
	if got != want {
		t.Fatalf("first vertex %v, want %v (GCJ-02 → WGS84)", got, want)
	}
}

// TestReadBoundariesProblems: each bad feature is refused by number with
// its reason, and the good one still passes.
func TestReadBoundariesProblems(t *testing.T) {
	good := feature(`{"code":"OK","industry":"电子信息"}`, "Polygon", square(113, 34, 0.01))
	cases := []struct {
		name    string
		feature string
		field   string
		reason  string
	}{
		{"unclosed ring", feature(`{"code":"A","industry":"x"}`, "Polygon", "[[[113,34],[113.1,34],[113.1,34.1],[113,34.1]]]"), "geometry", "未闭合"},
		{"ring under 4 positions", feature(`{"code":"A","industry":"x"}`, "Polygon", "[[[113,34],[113.1,34],[113,34]]]"), "geometry", "只有 3 个点"},
		{"longitude out of range", feature(`{"code":"A","industry":"x"}`, "Polygon", square(190, 34, 1)), "geometry", "超出经度"},
		{"latitude out of range", feature(`{"code":"A","industry":"x"}`, "Polygon", square(113, 95, 1)), "geometry", "超出经度"},
		{"number too large", feature(`{"code":"A","industry":"x"}`, "Polygon", "[[[1e400,34],[113.1,34],[113.1,34.1],[1e400,34]]]"), "geometry", "无法读取"},
		{"point", feature(`{"code":"A","industry":"x"}`, "Point", "[113,34]"), "geometry", "Polygon 或 MultiPolygon"},
		{"no geometry", `{"type":"Feature","properties":{"code":"A","industry":"x"},"geometry":null}`, "geometry", "缺少几何"},
		{"no code", feature(`{"name":"x","industry":"x"}`, "Polygon", square(113, 34, 0.01)), "code", "缺少网格编码"},
		{"bad code", feature(`{"code":"网格 1","industry":"x"}`, "Polygon", square(113, 34, 0.01)), "code", "只能由字母"},
		{"duplicate code", feature(`{"code":"OK","industry":"x"}`, "Polygon", square(113.02, 34, 0.01)), "code", "与第 1 个要素重复"},
		{"no industry", feature(`{"code":"A"}`, "Polygon", square(113, 34, 0.01)), "industry", "缺少行业"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := read(t, collection(good, c.feature), BoundaryOptions{})
			if len(res.Grids) != 1 || res.Grids[0].Code != "OK" {
				t.Errorf("grids %+v, want the good one", res.Grids)
			}
			if len(res.Problems) != 1 {
				t.Fatalf("problems %+v, want one", res.Problems)
			}
			p := res.Problems[0]
			if p.Feature != 2 || p.Field != c.field || !strings.Contains(p.Reason, c.reason) {
				t.Errorf("problem %+v, want feature 2, field %s, reason with %q", p, c.field, c.reason)
			}
		})
	}
}

func TestReadBoundariesVertexCaps(t *testing.T) {
	ring := make([]string, 0, 102)
	for i := range 101 {
		a := 2 * math.Pi * float64(i) / 101
		ring = append(ring, fmt.Sprintf("[%g,%g]", 113+0.01*math.Cos(a), 34+0.01*math.Sin(a)))
	}
	ring = append(ring, ring[0])
	many := collection(feature(`{"code":"A","industry":"x"}`, "Polygon", "[["+strings.Join(ring, ",")+"]]"))

	res := read(t, many, BoundaryOptions{Limits: BoundaryLimits{FeatureVertices: 100}})
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, "feature_vertices") || res.Problems[0].Feature != 1 {
		t.Errorf("feature over the vertex cap: %+v", res.Problems)
	}
	if res := read(t, many, BoundaryOptions{Limits: BoundaryLimits{FeatureVertices: 102}}); len(res.Problems) != 0 {
		t.Errorf("feature at the vertex cap: %+v", res.Problems)
	}
	_, err := ReadBoundaries(context.Background(), collection(strings.Repeat(feature(`{"code":"A","industry":"x"}`, "Polygon", square(113, 34, 0.01))+",", 3)+
		feature(`{"code":"B","industry":"x"}`, "Polygon", square(113, 34, 0.01))), BoundaryOptions{Limits: BoundaryLimits{Vertices: 15}})
	var ce *CapError
	if !errors.As(err, &ce) || ce.Cap != CapVertices {
		t.Errorf("file over the total vertex cap: %v", err)
	}
	_, err = ReadBoundaries(context.Background(), twoGrids, BoundaryOptions{Limits: BoundaryLimits{Features: 1}})
	if !errors.As(err, &ce) || ce.Cap != CapFeatures {
		t.Errorf("file over the feature cap: %v", err)
	}
}

const kmlDoc = `<?xml version="1.0" encoding="%s"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>网格</name>
<Placemark><name>一号网格</name>
  <ExtendedData><Data name="网格编码"><value>G1</value></Data><Data name="行业"><value>电子信息</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>113,34,0 113.01,34,0 113.01,34.01,0 113,34.01,0 113,34,0</coordinates></LinearRing></outerBoundaryIs>
  <innerBoundaryIs><LinearRing><coordinates>113.002,34.002 113.004,34.002 113.004,34.004 113.002,34.002</coordinates></LinearRing></innerBoundaryIs></Polygon>
</Placemark>
<Placemark><name>二号网格</name>
  <ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="code">G2</SimpleData><SimpleData name="industry">装备制造</SimpleData></SchemaData></ExtendedData>
  <MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>113.01,34 113.02,34 113.02,34.01 113.01,34.01 113.01,34</coordinates></LinearRing></outerBoundaryIs></Polygon>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>113.03,34 113.04,34 113.04,34.01 113.03,34</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry>
</Placemark>
<Placemark><name>坏</name><ExtendedData><Data name="code"><value>G3</value></Data><Data name="industry"><value>x</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>113,34 NaN,34 113.01,34.01 113,34</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark>
</Folder></Document></kml>`

func TestReadBoundariesKML(t *testing.T) {
	utf8Doc := []byte(fmt.Sprintf(kmlDoc, "UTF-8"))
	gbkDoc, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(fmt.Sprintf(kmlDoc, "GBK")))
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{"utf-8": utf8Doc, "gbk": gbkDoc} {
		t.Run(name, func(t *testing.T) {
			res := read(t, doc, BoundaryOptions{Filename: "grids.kml"})
			if len(res.Grids) != 2 || res.Features != 3 {
				t.Fatalf("grids %+v of %d features", res.Grids, res.Features)
			}
			g1, g2 := res.Grids[0], res.Grids[1]
			if g1.Code != "G1" || g1.Name != "一号网格" || g1.Industry != "电子信息" || len(g1.Geom[0]) != 2 {
				t.Errorf("first grid %+v", g1)
			}
			if g2.Code != "G2" || g2.Industry != "装备制造" || len(g2.Geom) != 2 {
				t.Errorf("second grid %+v", g2)
			}
			if len(res.Problems) != 1 || res.Problems[0].Feature != 3 || !strings.Contains(res.Problems[0].Reason, "非有限坐标") {
				t.Errorf("problems %+v, want feature 3's NaN", res.Problems)
			}
		})
	}
}

// TestKMLRingSpacedCommas: "lng, lat" (a space after the comma, as some
// tools write) is the same tuple as "lng,lat".
func TestKMLRingSpacedCommas(t *testing.T) {
	for _, text := range []string{"113, 34 113.01 ,34,0 113.01 , 34.01 113,34", "\n 113,\t34  113.01,34 113.01,34.01 113,34 "} {
		r, reason := kmlRing([]byte(text))
		want := orb.Ring{{113, 34}, {113.01, 34}, {113.01, 34.01}, {113, 34}}
		if reason != "" || fmt.Sprint(r) != fmt.Sprint(want) {
			t.Errorf("%q: %v %q, want %v", text, r, reason, want)
		}
	}
}

// requireOGR finds ogr2ogr; under CI its absence fails the test.
func requireOGR(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ogr2ogr is required under CI (Debian gdal-bin): %v", err)
		}
		t.Skipf("ogr2ogr not installed: %v", err)
	}
}

// ogrFixture converts twoGrids with ogr2ogr into dir and returns the
// written files.
func ogrFixture(t *testing.T, src []byte, dir, out string, args ...string) []string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.geojson")
	if err := os.WriteFile(in, src, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ogr2ogr", append(append(args, filepath.Join(dir, out)), in)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, filepath.Join(dir, e.Name()))
	}
	return files
}

func zipFiles(t *testing.T, files []string, skip func(string) bool) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		if skip != nil && skip(f) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create("网格/" + filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func checkTwoGrids(t *testing.T, res *BoundaryResult, tolerance float64) {
	t.Helper()
	if len(res.Problems) != 0 || len(res.Grids) != 2 {
		t.Fatalf("problems %+v, grids %d", res.Problems, len(res.Grids))
	}
	g1 := res.Grids[0]
	if g1.Code != "G1" || g1.Name != "一号网格" || g1.Industry != "电子信息" {
		t.Errorf("first grid %+v: Chinese attributes misread", g1)
	}
	got := g1.Geom[0][0]
	b := got.Bound()
	if math.Abs(b.Min[0]-113) > tolerance || math.Abs(b.Min[1]-34) > tolerance || math.Abs(b.Max[0]-113.01) > tolerance {
		t.Errorf("first grid's bounds %v, want 113,34 – 113.01,34.01", b)
	}
}

// TestReadBoundariesShapefile: a zipped Shapefile whose DBF is GBK without
// a .cpg (as Chinese desktop GIS writes it), one with a .cpg saying UTF-8,
// and one in Web Mercator whose .prj must be honoured.
func TestReadBoundariesShapefile(t *testing.T) {
	requireOGR(t)
	t.Run("gbk without cpg", func(t *testing.T) {
		dir := t.TempDir()
		files := ogrFixture(t, uniformGrids, dir, "grids.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936")
		data := zipFiles(t, files, func(f string) bool { return strings.HasSuffix(f, ".cpg") })
		dbf, _ := os.ReadFile(filepath.Join(dir, "grids.dbf"))
		if !bytes.Contains(dbf, mustGBK(t, "一号网格")) {
			t.Fatal("fixture: the DBF is not GBK")
		}
		res := read(t, data, BoundaryOptions{Filename: "grids.zip"})
		checkTwoGrids(t, res, 1e-9)
		if res.Format != "shapefile" {
			t.Errorf("format %q", res.Format)
		}
	})
	t.Run("utf-8 with cpg", func(t *testing.T) {
		dir := t.TempDir()
		files := ogrFixture(t, uniformGrids, dir, "grids.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8")
		checkTwoGrids(t, read(t, zipFiles(t, files, nil), BoundaryOptions{}), 1e-9)
	})
	t.Run("prj in web mercator", func(t *testing.T) {
		dir := t.TempDir()
		files := ogrFixture(t, uniformGrids, dir, "grids.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8",
			"-s_srs", "EPSG:4326", "-t_srs", "EPSG:3857")
		res := read(t, zipFiles(t, files, nil), BoundaryOptions{})
		checkTwoGrids(t, res, 1e-6)
	})
	// A .prj cannot name GCJ-02 (it has no EPSG code): a Shapefile
	// digitized on Amap says WGS84. ?crs= names that offset, after GDAL
	// has taken the .prj's system to longitude and latitude.
	t.Run("prj and crs", func(t *testing.T) {
		files := ogrFixture(t, uniformGrids, t.TempDir(), "grids.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8",
			"-s_srs", "EPSG:4326", "-t_srs", "EPSG:3857")
		plain := read(t, zipFiles(t, files, nil), BoundaryOptions{})
		res := read(t, zipFiles(t, files, nil), BoundaryOptions{CRS: geo.GCJ02})
		got, want := res.Grids[0].Geom[0][0][0], geo.GCJ02ToWGS84(plain.Grids[0].Geom[0][0][0])
		if math.Abs(got[0]-want[0]) > 1e-9 || math.Abs(got[1]-want[1]) > 1e-9 {
			t.Errorf("first vertex %v, want %v (.prj, then GCJ-02 → WGS84)", got, want)
		}
	})
}

func mustGBK(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadBoundariesGeoPackageAndTAB(t *testing.T) {
	requireOGR(t)
	t.Run("gpkg", func(t *testing.T) {
		dir := t.TempDir()
		ogrFixture(t, uniformGrids, dir, "grids.gpkg", "-f", "GPKG")
		data, err := os.ReadFile(filepath.Join(dir, "grids.gpkg"))
		if err != nil {
			t.Fatal(err)
		}
		res := read(t, data, BoundaryOptions{})
		checkTwoGrids(t, res, 1e-9)
		if res.Format != BoundaryGPKG {
			t.Errorf("format %q", res.Format)
		}
	})
	t.Run("mapinfo tab", func(t *testing.T) {
		dir := t.TempDir()
		files := ogrFixture(t, asciiGrids, dir, "grids.tab", "-f", "MapInfo File", "-lco", "ENCODING=CP936")
		res := read(t, zipFiles(t, files, nil), BoundaryOptions{Filename: "grids.zip"})
		checkTwoGrids(t, res, 1e-6)
		if res.Format != "mapinfo" {
			t.Errorf("format %q", res.Format)
		}
	})
	t.Run("two datasets", func(t *testing.T) {
		files := ogrFixture(t, uniformGrids, t.TempDir(), "grids.gpkg", "-f", "GPKG")
		files = append(files, ogrFixture(t, uniformGrids, t.TempDir(), "grids.kml", "-f", "KML")...)
		_, err := ReadBoundaries(context.Background(), zipFiles(t, files, nil), BoundaryOptions{})
		if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "恰有一个") {
			t.Errorf("a zip with two datasets: %v", err)
		}
	})
}

// TestReadBoundariesZipBomb: an entry that inflates past its header's
// claim is cut off there (archive/zip checks it) and refused; one that
// declares more than the cap, or a thousandfold ratio, is refused from
// its header before anything inflates.
func TestReadBoundariesZipBomb(t *testing.T) {
	zeros := make([]byte, 8<<20)
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestCompression)
	fw.Write(zeros)
	fw.Close()

	var lying bytes.Buffer
	zw := zip.NewWriter(&lying)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "grids.dbf", Method: zip.Deflate,
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: 1000})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
	zw.Close()
	_, err = ReadBoundaries(context.Background(), lying.Bytes(), BoundaryOptions{})
	if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "无法解压") {
		t.Errorf("a zip lying about its size: %v, want it refused as corrupt", err)
	}

	var honest bytes.Buffer
	zw = zip.NewWriter(&honest)
	w, _ = zw.Create("grids.shp")
	w.Write(zeros)
	zw.Close()
	_, err = ReadBoundaries(context.Background(), honest.Bytes(), BoundaryOptions{Limits: BoundaryLimits{Unzipped: 1 << 20}})
	var ce *CapError
	if !errors.As(err, &ce) || ce.Cap != CapUnzipped {
		t.Errorf("8 MiB under a 1 MiB cap: %v, want cap %s", err, CapUnzipped)
	}
	_, err = ReadBoundaries(context.Background(), honest.Bytes(), BoundaryOptions{})
	if !errors.As(err, &ce) || ce.Cap != CapRatio {
		t.Errorf("a thousandfold entry: %v, want cap %s", err, CapRatio)
	}

	var many bytes.Buffer
	zw = zip.NewWriter(&many)
	for i := range 70 {
		w, _ := zw.Create(fmt.Sprintf("f%d.dbf", i))
		w.Write([]byte("x"))
	}
	zw.Close()
	_, err = ReadBoundaries(context.Background(), many.Bytes(), BoundaryOptions{})
	if !errors.As(err, &ce) || ce.Cap != CapZipEntries {
		t.Errorf("70 entries: %v, want cap %s", err, CapZipEntries)
	}
}

// TestReadBoundariesOGROutputCap: GDAL's output past its cap stops the
// conversion with the cap named.
func TestReadBoundariesOGROutputCap(t *testing.T) {
	requireOGR(t)
	dir := t.TempDir()
	ogrFixture(t, uniformGrids, dir, "grids.gpkg", "-f", "GPKG")
	data, _ := os.ReadFile(filepath.Join(dir, "grids.gpkg"))
	_, err := ReadBoundaries(context.Background(), data, BoundaryOptions{Limits: BoundaryLimits{OGROutput: 100}})
	var ce *CapError
	if !errors.As(err, &ce) || ce.Cap != CapOGROutput {
		t.Errorf("got %v, want cap %s", err, CapOGROutput)
	}
}

// TestReadBoundariesOGRTimeout: a conversion that does not end is killed
// at OGRTime and named as the cap (a stand-in ogr2ogr that sleeps).
func TestReadBoundariesOGRTimeout(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "ogr2ogr")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nsleep 3600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := ReadBoundaries(context.Background(), []byte("SQLite format 3\x00"), BoundaryOptions{OGR2OGR: fake,
		Limits: BoundaryLimits{OGRTime: 200 * time.Millisecond}})
	var ce *CapError
	if !errors.As(err, &ce) || ce.Cap != CapOGRTime {
		t.Errorf("got %v, want cap %s", err, CapOGRTime)
	}
}

// TestReadBoundariesRefusesDisguisedVRT: a GDAL virtual dataset named as
// a GeoPackage or a Shapefile (it could make GDAL read any local file or
// URL) is refused before GDAL sees it.
func TestReadBoundariesRefusesDisguisedVRT(t *testing.T) {
	vrt := []byte(`<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>`)
	for _, name := range []string{"grids.gpkg", "grids.shp", "grids.tab"} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create(name)
		w.Write(vrt)
		zw.Close()
		_, err := ReadBoundaries(context.Background(), b.Bytes(), BoundaryOptions{})
		if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "不是有效的") {
			t.Errorf("%s holding a VRT: %v", name, err)
		}
	}
	// The message names the upload, not the name it is stored under.
	_, err := ReadBoundaries(context.Background(), vrt, BoundaryOptions{Format: BoundaryGPKG, Filename: "园区网格.gpkg"})
	if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "园区网格.gpkg 不是有效的") {
		t.Errorf("a VRT sent as a GeoPackage: %v", err)
	}
}

// hostileGPKG builds a GeoPackage whose one layer is a view over a
// Spatialite VirtualText table reading secret: each line of the file
// becomes a feature's code (the reviewer's finding 1).
func hostileGPKG(t *testing.T, secret string) []byte {
	t.Helper()
	dir := t.TempDir()
	ogrFixture(t, uniformGrids, dir, "h.gpkg", "-f", "GPKG", "-nln", "base")
	gpkg := filepath.Join(dir, "h.gpkg")
	for _, sql := range []string{
		fmt.Sprintf("CREATE VIRTUAL TABLE leak USING VirtualText('%s', 'UTF-8', 0, POINT, NONE, ':')", secret),
		"CREATE VIEW grids AS SELECT b.fid + l.ROWID * 1000 AS fid, b.geom AS geom, l.COL001 AS code, 'x' AS industry FROM base b, leak l",
		"DELETE FROM gpkg_contents",
		"DELETE FROM gpkg_geometry_columns",
		"INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('grids', 'features', 'grids', 4326)",
		"INSERT INTO gpkg_geometry_columns VALUES ('grids', 'geom', 'POLYGON', 4326, 0, 0)",
		// An attributes entry stops GDAL listing the unregistered tables
		// (base, leak) as layers of their own: the view is the one layer.
		"INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('nosuch', 'attributes', 'nosuch')",
	} {
		if b, err := exec.Command("ogrinfo", gpkg, "-sql", sql).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", sql, err, b)
		}
	}
	// The view does read the file outside gridgis: the fixture is hostile.
	b, err := exec.Command("ogr2ogr", "-f", "CSV", "/vsistdout/", gpkg).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "s3cret-line") && !strings.Contains(string(b), "root") {
		t.Fatalf("the fixture does not leak (spatialite missing?): %v\n%s", err, b)
	}
	data, err := os.ReadFile(gpkg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReadBoundariesGPKGCannotReadFiles: a GeoPackage made to read a file
// of the server's (/etc/passwd, or one beside the upload's directory)
// gets none of it into the result: GDAL runs where only its own files
// and the upload are visible.
func TestReadBoundariesGPKGCannotReadFiles(t *testing.T) {
	requireOGR(t)
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cret-line:x\nsecond-s3cret:y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{secret, "/etc/passwd"} {
		t.Run(file, func(t *testing.T) {
			res, err := ReadBoundaries(context.Background(), hostileGPKG(t, file), BoundaryOptions{Filename: "grids.gpkg"})
			got := fmt.Sprintf("%v %+v", err, res)
			for _, leak := range []string{"s3cret", "root", "daemon", "nologin"} {
				if strings.Contains(got, leak) {
					t.Fatalf("the file leaked (%q): %s", leak, clip(got, 2000))
				}
			}
			if err == nil && len(res.Grids) > 0 {
				t.Errorf("grids read from a hostile view: %+v", res.Grids)
			}
		})
	}
}

// TestProblemCodeClipped: a feature's code quoted in its problems is at
// most 50 characters, however long the attribute.
func TestProblemCodeClipped(t *testing.T) {
	long := strings.Repeat("很长的编码", 40)
	res := read(t, collection(feature(`{"code":"`+long+`","industry":"x"}`, "Polygon", square(116.3, 39.9, 0.01))), BoundaryOptions{})
	if len(res.Problems) == 0 {
		t.Fatal("no problem for a 200-character code")
	}
	for _, p := range res.Problems {
		if n := utf8.RuneCountInString(p.Code); n > 51 {
			t.Errorf("problem code of %d characters: %+v", n, p)
		}
	}
}

// TestOGRSandbox: what ogr2ogr runs as sees neither the server's files
// (/etc/passwd, a file beside the job's directory) nor a writable /usr,
// and is not root in the host's eyes (a stand-in ogr2ogr that tries).
func TestOGRSandbox(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "ogr2ogr")
	script := "#!/bin/sh\n" +
		"for f in /etc/passwd " + secret + "; do cat \"$f\" >&2 2>/dev/null || echo \"hidden $f\" >&2; done\n" +
		"touch /usr/sandbox-probe 2>/dev/null && echo wrote-usr >&2\n" +
		"ls /work | grep -q grids.gpkg && echo sees-upload >&2\n" +
		"exit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := ReadBoundaries(context.Background(), []byte("SQLite format 3\x00"), BoundaryOptions{OGR2OGR: fake})
	got := fmt.Sprint(err)
	for _, want := range []string{"hidden /etc/passwd", "hidden " + secret, "sees-upload"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %s", want, got)
		}
	}
	for _, leak := range []string{"root:", "s3cret\n", "wrote-usr"} {
		if strings.Contains(got, leak) {
			t.Errorf("sandbox let %q through: %s", leak, got)
		}
	}
	os.Remove("/usr/sandbox-probe")
}
