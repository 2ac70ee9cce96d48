package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// hugePolygon is one Polygon of about size bytes of positions.
func hugePolygon(size int) string {
	var b strings.Builder
	b.WriteString("[[")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "[113.%06d,34.%06d],", i%1000000, i%1000000)
	}
	b.WriteString("[113.000000,34.000000]]]")
	return b.String()
}

// TestGeoJSONOneHugeFeatureRefusedAsItStreams: one feature of 20 MiB is
// refused at the vertex cap having held about the cap's worth, plain, as
// a lone Feature and zipped (review 3 blocker 2: the feature was read
// whole, then unmarshalled: a 43 MB zip took 3.76 GB).
func TestGeoJSONOneHugeFeatureRefusedAsItStreams(t *testing.T) {
	coords := hugePolygon(20 << 20)
	props := `{"code":"G1","industry":"x"}`
	fc := collection(feature(props, "Polygon", coords))
	lone := []byte(feature(props, "Polygon", coords))
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, err := zw.Create("grids.geojson")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(fc)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	// 10,000 positions of 24 bytes are about 240 KB.
	lim := BoundaryLimits{Vertices: 10_000, FeatureVertices: 1000}
	for name, data := range map[string][]byte{"collection": fc, "lone": lone, "zip": zipped.Bytes()} {
		t.Run(name, func(t *testing.T) {
			var err error
			alloc := allocated(func() {
				_, err = ReadBoundaries(context.Background(), data, BoundaryOptions{Limits: lim})
			})
			wantCapErr(t, err, CapVertices)
			t.Logf("%s: %d bytes allocated", name, alloc)
			if alloc > 4<<20 {
				t.Errorf("allocated %d bytes for a feature of %d bytes", alloc, len(fc))
			}
		})
	}
}

// TestGeoJSONGuardCountsPositionsOnly: rings, polygons, strings and
// property arrays of text are not positions; a file at the cap passes.
func TestGeoJSONGuardCountsPositionsOnly(t *testing.T) {
	data := collection(
		feature(`{"code":"G1","industry":"x","tags":["[1,2]","[3"],"note":"[[[[1,1]"}`, "Polygon", square(113, 34, 0.01)),
		feature(`{"code":"G2","industry":"x"}`, "MultiPolygon", "["+square(113.01, 34, 0.01)+"]"),
	)
	res := read(t, data, BoundaryOptions{Limits: BoundaryLimits{Vertices: 10, Features: 2}})
	if len(res.Grids) != 2 || len(res.Problems) != 0 {
		t.Fatalf("10 positions under a cap of 10: %+v", res)
	}
	_, err := ReadBoundaries(context.Background(), data, BoundaryOptions{Limits: BoundaryLimits{Vertices: 9, Features: 2}})
	wantCapErr(t, err, CapVertices)
}

// TestGeoJSONSeq: a GeoJSONSeq file (RFC 8142, "GeoJSON Newline
// Delimited"), with or without RS separators, is read feature by feature
// (review 3 finding 8: it read as its first feature only).
func TestGeoJSONSeq(t *testing.T) {
	f := func(n int) string {
		return feature(fmt.Sprintf(`{"code":"G%d","industry":"x"}`, n), "Polygon", square(113+float64(n)/100, 34, 0.01))
	}
	for name, data := range map[string]string{
		"lines": f(1) + "\n" + f(2) + "\n" + f(3) + "\n",
		"rs":    "\x1e" + f(1) + "\n\x1e" + f(2) + "\n\x1e" + f(3) + "\n",
		"bom":   "\xef\xbb\xbf" + f(1) + "\r\n" + f(2) + "\r\n" + f(3),
	} {
		t.Run(name, func(t *testing.T) {
			res := read(t, []byte(data), BoundaryOptions{Filename: "grids.geojsonl"})
			if res.Features != 3 || len(res.Grids) != 3 || res.Grids[2].Code != "G3" {
				t.Fatalf("%d features, grids %+v, problems %+v", res.Features, res.Grids, res.Problems)
			}
		})
	}
	// Its caps are the collection's.
	_, err := ReadBoundaries(context.Background(), []byte(f(1)+"\n"+f(2)+"\n"+f(3)), BoundaryOptions{Limits: BoundaryLimits{Features: 2}})
	wantCapErr(t, err, CapFeatures)
	_, err = ReadBoundaries(context.Background(), []byte(f(1)+"\n"+f(2)+"\n"+f(3)), BoundaryOptions{Limits: BoundaryLimits{Vertices: 14}})
	wantCapErr(t, err, CapVertices)
}

// TestGeoJSONTrailingContent: anything but white space after a
// FeatureCollection, or junk after a Feature, refuses the file.
func TestGeoJSONTrailingContent(t *testing.T) {
	fc := string(twoGrids)
	read(t, []byte(fc+" \n\t\r\n"), BoundaryOptions{})
	for name, data := range map[string]string{
		"junk":        fc + " xyz",
		"two":         fc + "\n" + fc,
		"feature":     fc + "\n" + feature(`{"code":"G9","industry":"x"}`, "Polygon", square(113, 34, 0.01)),
		"lone + junk": feature(`{"code":"G9","industry":"x"}`, "Polygon", square(113, 34, 0.01)) + "}",
		"bracket":     fc + "]",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadBoundaries(context.Background(), []byte(data), BoundaryOptions{})
			if err == nil || !strings.Contains(err.Error(), "之后") {
				t.Fatalf("got %v, want a refusal of what follows", err)
			}
		})
	}
}

// TestBoundaryOutline: a zone's outline needs no grid code or industry
// (review 3 finding 9: a Shapefile outline needed placeholder columns).
func TestBoundaryOutline(t *testing.T) {
	data := collection(
		feature(`{"name":"外轮廓"}`, "Polygon", square(113, 34, 0.01)),
		feature(`null`, "Polygon", square(113.01, 34, 0.01)),
		// Codes that mean nothing here: twice, or not a grid code.
		feature(`{"code":"1"}`, "Polygon", square(113.02, 34, 0.01)),
		feature(`{"code":"1"}`, "Polygon", square(113.03, 34, 0.01)),
		feature(`{"code":"一 区"}`, "Polygon", square(113.04, 34, 0.01)),
	)
	res := read(t, data, BoundaryOptions{Outline: true})
	if len(res.Grids) != 5 || len(res.Problems) != 0 {
		t.Fatalf("outline: grids %+v, problems %+v", res.Grids, res.Problems)
	}
	// The geometry is still checked.
	res = read(t, collection(feature(`{}`, "Point", "[113,34]")), BoundaryOptions{Outline: true})
	if len(res.Problems) != 1 || res.Problems[0].Field != "geometry" {
		t.Fatalf("a Point outline: %+v", res.Problems)
	}
	// Grids still need both.
	res = read(t, data, BoundaryOptions{})
	if len(res.Grids) != 0 || len(res.Problems) != 9 {
		t.Fatalf("grids without code and industry: %+v", res.Problems)
	}
}

// TestBoundaryOutlineShapefile: a projected Shapefile outline with only
// a name column, as a GIS desk sends it, reads as an outline.
func TestBoundaryOutlineShapefile(t *testing.T) {
	requireOGR(t)
	dir := t.TempDir()
	src := collection(feature(`{"name":"外轮廓"}`, "Polygon", square(113, 34, 0.05)))
	files := ogrFixture(t, src, dir, "outline.shp", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-t_srs", "EPSG:4547")
	data := zipFiles(t, files, nil)
	res := read(t, data, BoundaryOptions{Filename: "outline.zip", Outline: true})
	if len(res.Grids) != 1 || len(res.Problems) != 0 {
		t.Fatalf("outline: grids %+v, problems %+v", res.Grids, res.Problems)
	}
	if p := res.Grids[0].Geom[0][0][0]; p[0] < 112.99 || p[0] > 113.06 || p[1] < 33.99 || p[1] > 34.06 {
		t.Errorf("reprojected to %v", p)
	}
}

// TestGeoJSONSeqInZip: GDAL names a GeoJSONSeq .geojsonl or .geojsons;
// zipped, it is the zip's dataset.
func TestGeoJSONSeqInZip(t *testing.T) {
	seq := feature(`{"code":"G1","industry":"x"}`, "Polygon", square(113, 34, 0.01)) + "\n" +
		feature(`{"code":"G2","industry":"x"}`, "Polygon", square(113.01, 34, 0.01)) + "\n"
	for _, name := range []string{"grids.geojsonl", "grids.geojsons"} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create(name)
		w.Write([]byte(seq))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		res := read(t, b.Bytes(), BoundaryOptions{Filename: "grids.zip"})
		if len(res.Grids) != 2 || res.Format != BoundaryGeoJSON {
			t.Errorf("%s: format %s, grids %+v, problems %+v", name, res.Format, res.Grids, res.Problems)
		}
	}
}
