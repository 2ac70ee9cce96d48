package postgis_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/ingest"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// roadsFile is a GeoJSON base layer for the zone box(113, 34, 113.02,
// 34.01), in crs: a 主干路, a 支路, a place, a lake, and four features
// to refuse — a point without a name, a feature without geometry, a
// collection, and a road 100 km away.
func roadsFile(crs geo.CRS) []byte {
	pt := func(lon, lat float64) string {
		p := geo.FromWGS84(crs, orb.Point{lon, lat})
		return fmt.Sprintf("[%.9f,%.9f]", p[0], p[1])
	}
	features := []string{
		`{"type":"Feature","properties":{"NAME":"科技大道","fclass":"primary"},"geometry":{"type":"LineString","coordinates":[` + pt(113.001, 34.005) + `,` + pt(113.019, 34.005) + `]}}`,
		`{"type":"Feature","properties":{"道路名称":"创新路","等级":"支路"},"geometry":{"type":"LineString","coordinates":[` + pt(113.01, 34.001) + `,` + pt(113.01, 34.009) + `]}}`,
		`{"type":"Feature","properties":{"名称":"科创广场"},"geometry":{"type":"Point","coordinates":` + pt(113.014, 34.007) + `}}`,
		`{"type":"Feature","properties":{"name":"翠湖","natural":"water"},"geometry":{"type":"Polygon","coordinates":[[` +
			pt(113.012, 34.002) + `,` + pt(113.015, 34.002) + `,` + pt(113.015, 34.004) + `,` + pt(113.012, 34.002) + `]]}}`,
		`{"type":"Feature","properties":{"class":"place"},"geometry":{"type":"Point","coordinates":` + pt(113.006, 34.006) + `}}`,
		`{"type":"Feature","properties":{"name":"无几何"},"geometry":null}`,
		`{"type":"Feature","properties":{"name":"集合"},"geometry":{"type":"GeometryCollection","geometries":[]}}`,
		`{"type":"Feature","properties":{"name":"远方路"},"geometry":{"type":"LineString","coordinates":[` + pt(114, 35) + `,` + pt(114.01, 35) + `]}}`,
	}
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",\n") + `]}`)
}

func readRoads(t *testing.T, data []byte, crs geo.CRS) *ingest.BaseResult {
	t.Helper()
	res, err := ingest.ReadBaseFeatures(context.Background(), data, ingest.BoundaryOptions{CRS: crs, Filename: "roads.geojson"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func baseImport(t *testing.T, db *postgis.DB, zoneID int64, res *ingest.BaseResult, replace, dryRun bool) *grid.BaseImportReport {
	t.Helper()
	rep, err := db.ImportBaseFeatures(context.Background(), grid.BaseImport{ZoneID: zoneID, Features: res.Base,
		Problems: res.Problems, ProblemCount: res.ProblemCount, Replace: replace, DryRun: dryRun})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func baseCount(t *testing.T, db *postgis.DB, zoneID int64) int {
	t.Helper()
	n, err := db.BaseFeatureCount(context.Background(), zoneID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBaseImport: counts by kind, each refused feature with its reason
// and position, a dry run writing nothing, appending, --replace, and a
// file of which nothing can load leaving the layer as it was.
func TestBaseImport(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	ctx := context.Background()
	z, err := db.CreateZone(ctx, grid.Zone{Code: "base-import", Name: "底图导入测试区", Boundary: box(113, 34, 113.02, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	res := readRoads(t, roadsFile(geo.WGS84), geo.WGS84)
	if res.Features != 8 || len(res.Base) != 5 || res.ProblemCount != 3 {
		t.Fatalf("read %d features, %d good, %d problems (%+v); want 8, 5, 3", res.Features, len(res.Base), res.ProblemCount, res.Problems)
	}

	dry := baseImport(t, db, z.ID, res, false, true)
	if n := baseCount(t, db, z.ID); n != 0 {
		t.Fatalf("a dry run wrote %d features", n)
	}
	want := map[grid.BaseKind]int{grid.BaseRoad: 2, grid.BasePlace: 1, grid.BaseArea: 1}
	if fmt.Sprint(dry.Loaded) != fmt.Sprint(want) || !dry.DryRun {
		t.Fatalf("dry run loads %v, want %v", dry.Loaded, want)
	}

	rep := baseImport(t, db, z.ID, res, false, false)
	if fmt.Sprint(rep.Loaded) != fmt.Sprint(want) || rep.ProblemCount != 4 {
		t.Fatalf("loaded %v with %d problems, want %v and 4", rep.Loaded, rep.ProblemCount, want)
	}
	reasons := map[int]string{}
	for _, p := range rep.Problems {
		reasons[p.Feature] = p.Field + ": " + p.Reason
		if p.Feature == 8 && (p.Point == nil || math.Abs(p.Point[0]-114) > 1e-9 || p.Name != "远方路") {
			t.Errorf("the far road's problem %+v does not say where it is", p)
		}
	}
	for n, want := range map[int]string{5: "name: 地名点缺少名称", 6: "geometry: 缺少几何", 7: "GeometryCollection", 8: "在园区外"} {
		if !strings.Contains(reasons[n], want) {
			t.Errorf("feature %d refused with %q, want %q", n, reasons[n], want)
		}
	}
	var name, class, style string
	if err := db.Pool.QueryRow(ctx, `SELECT name, class, style FROM base_feature WHERE zone_id = $1 AND kind = 'road' ORDER BY size DESC LIMIT 1`, z.ID).
		Scan(&name, &class, &style); err != nil {
		t.Fatal(err)
	}
	if name != "科技大道" || class != "primary" || style != grid.StylePrimary {
		t.Errorf("longest road %s %s %s, want 科技大道 primary primary", name, class, style)
	}
	var audited int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'import_base_layer' AND target = $1`,
		fmt.Sprintf("zone:%d", z.ID)).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit rows %d (%v), want 1: the dry run is not audited, the import is", audited, err)
	}

	// Without --replace the features are added; with it they replace.
	baseImport(t, db, z.ID, res, false, false)
	if n := baseCount(t, db, z.ID); n != 8 {
		t.Fatalf("after a second import %d features, want 8", n)
	}
	rep = baseImport(t, db, z.ID, res, true, false)
	if n := baseCount(t, db, z.ID); n != 4 || rep.Removed != 8 {
		t.Fatalf("after --replace %d features (removed %d), want 4 (removed 8)", n, rep.Removed)
	}

	// A file with nothing in the zone loads nothing and deletes nothing,
	// even with --replace.
	far := readRoads(t, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"远"},
"geometry":{"type":"LineString","coordinates":[[100,20],[100.1,20]]}}]}`), geo.WGS84)
	rep = baseImport(t, db, z.ID, far, true, false)
	if n := baseCount(t, db, z.ID); n != 4 || rep.Removed != 0 || len(rep.Loaded) != 0 {
		t.Fatalf("a file wholly outside the zone left %d features (removed %d, loaded %v), want 4 untouched", n, rep.Removed, rep.Loaded)
	}
}

// TestBaseImportGCJ02: a GCJ-02 file lands on WGS84, within a few
// centimetres of where it was drawn.
func TestBaseImportGCJ02(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	ctx := context.Background()
	z, err := db.CreateZone(ctx, grid.Zone{Code: "base-gcj", Name: "火星坐标测试区", Boundary: box(113, 34, 113.02, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	for _, crs := range []geo.CRS{geo.GCJ02, geo.BD09} {
		res := readRoads(t, roadsFile(crs), crs)
		baseImport(t, db, z.ID, res, true, false)
		var lon, lat float64
		if err := db.Pool.QueryRow(ctx, `SELECT ST_X(geom), ST_Y(geom) FROM base_feature WHERE zone_id = $1 AND name = '科创广场'`, z.ID).
			Scan(&lon, &lat); err != nil {
			t.Fatal(err)
		}
		// 1e-6° is about 10 cm; the GCJ-02 offset here is hundreds of metres.
		if math.Abs(lon-113.014) > 1e-6 || math.Abs(lat-34.007) > 1e-6 {
			t.Errorf("%s: 科创广场 stored at %.7f, %.7f, want 113.014, 34.007 (WGS84)", crs, lon, lat)
		}
	}
}

// baseLayers decodes a base tile into its layers by name.
func baseLayers(t *testing.T, db *postgis.DB, tile geo.Tile, scope grid.Scope) map[string]*mvt.Layer {
	t.Helper()
	data, err := db.BaseTile(context.Background(), tile, scope)
	if err != nil {
		t.Fatalf("%v: %v", tile, err)
	}
	out := map[string]*mvt.Layer{}
	if len(data) == 0 {
		return out
	}
	layers, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatalf("%v: not a vector tile: %v", tile, err)
	}
	for _, l := range layers {
		out[l.Name] = l
	}
	return out
}

func names(l *mvt.Layer) []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, f := range l.Features {
		out = append(out, fmt.Sprint(f.Properties["name"]))
	}
	return out
}

// TestBaseTile: a tile over the zone holds its roads, places and areas,
// minor roads only from zoom 13; a tile elsewhere is empty; a user of
// another zone sees none of them.
func TestBaseTile(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	ctx := context.Background()
	z, err := db.CreateZone(ctx, grid.Zone{Code: "base-tile", Name: "底图瓦片测试区", Boundary: box(113, 34, 113.02, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateZone(ctx, grid.Zone{Code: "base-tile-2", Name: "另一园区", Boundary: box(113.03, 34, 113.05, 34.01)})
	if err != nil {
		t.Fatal(err)
	}
	baseImport(t, db, z.ID, readRoads(t, roadsFile(geo.WGS84), geo.WGS84), true, false)

	at := orb.Point{113.01, 34.005}
	own := grid.Scope{All: true, ZoneID: z.ID}
	// Tile 14/13335/6544 spans 113.0054–113.0273 E.
	l := baseLayers(t, db, geo.TileAt(at, 14), own)
	if got := strings.Join(names(l["roads"]), ","); got != "科技大道,创新路" {
		t.Errorf("z14 roads %q, want 科技大道,创新路 (主干路 first)", got)
	}
	if got := names(l["places"]); len(got) != 1 || got[0] != "科创广场" {
		t.Errorf("z14 places %v, want 科创广场", got)
	}
	if got := names(l["areas"]); len(got) != 1 || got[0] != "翠湖" || l["areas"].Features[0].Properties["style"] != grid.StyleWater {
		t.Errorf("z14 areas %v, want 翠湖 drawn as water", got)
	}
	// At zoom 12 the 支路 is left out, the 主干路 stays.
	if got := strings.Join(names(baseLayers(t, db, geo.TileAt(at, 12), own)["roads"]), ","); got != "科技大道" {
		t.Errorf("z12 roads %q, want 科技大道 only", got)
	}
	if got := baseLayers(t, db, geo.TileAt(orb.Point{120, 30}, 15), own); len(got) != 0 {
		t.Errorf("a tile far away holds %v", got)
	}
	if got := baseLayers(t, db, geo.TileAt(at, 14), grid.Scope{All: true, ZoneID: other.ID}); len(got) != 0 {
		t.Errorf("another zone's user sees this zone's base layer: %v", got)
	}
	b, ok, err := db.BaseBounds(ctx, own)
	if err != nil || !ok || b.MinLon < 113 || b.MaxLon > 113.02 {
		t.Errorf("bounds %+v %v %v, want within the zone", b, ok, err)
	}
	if _, ok, _ := db.BaseBounds(ctx, grid.Scope{All: true, ZoneID: other.ID}); ok {
		t.Error("another zone has bounds without a base feature")
	}
	if _, err := db.BaseTile(ctx, geo.Tile{Z: 3, X: 9, Y: 0}, own); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("tile 3/9/0: %v, want invalid", err)
	}
}
