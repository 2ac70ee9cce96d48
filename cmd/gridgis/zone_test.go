package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gridgis/grid/postgis/pgtest"
)

// `gridgis zone`: a zone made from an outline with no grid attributes
// takes its grids; a smaller boundary is refused naming the grid left
// out; a larger one lets the grids of the annexed land import; the
// boundary can be taken from the grids; each change is audited.
func TestZoneCommands(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ring := func(x0, x1 string) string {
		return "[[" + x0 + ",33],[" + x1 + ",33],[" + x1 + ",33.1],[" + x0 + ",33.1],[" + x0 + ",33]]"
	}
	kmlPlacemark := func(name, x0, x1, data string) string {
		return `<Placemark><name>` + name + `</name>` + data + `<Polygon><outerBoundaryIs><LinearRing><coordinates>` +
			x0 + `,33 ` + x1 + `,33 ` + x1 + `,33.1 ` + x0 + `,33.1 ` + x0 + `,33</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`
	}
	kml := func(placemarks ...string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>` +
			strings.Join(placemarks, "") + `</Document></kml>`
	}
	grids := func(codes ...string) string {
		var pm []string
		for _, c := range codes {
			x0 := map[string]string{"G01": "113", "G02": "113.1", "G03": "113.2"}[c]
			x1 := map[string]string{"G01": "113.1", "G02": "113.2", "G03": "113.3"}[c]
			pm = append(pm, kmlPlacemark(c+"网格", x0, x1, `<ExtendedData><Data name="编码"><value>`+c+`</value></Data><Data name="行业"><value>新材料</value></Data></ExtendedData>`))
		}
		return write(strings.Join(codes, "")+".kml", kml(pm...))
	}
	cfg := Config{}

	// Two touching polygons with no properties, one of them a bare
	// feature's worth: their union is the zone.
	outline := write("区界.geojson", `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[`+ring("113", "113.1")+`]}},
{"type":"Feature","properties":{"名称":"东区"},"geometry":{"type":"Polygon","coordinates":[`+ring("113.1", "113.2")+`]}}]}`)
	out, err := gridgis(t, cfg, "", "zone", "add", "cli-zone", "命令行园区", "--boundary", outline)
	if err != nil || !strings.Contains(out, "园区已创建：cli-zone 命令行园区") || !strings.Contains(out, "面积 207.1") {
		t.Fatalf("zone add: %v\n%s", err, out)
	}
	if out, err = gridgis(t, cfg, "", "zone", "list"); err != nil || !strings.Contains(out, "cli-zone") || !strings.Contains(out, "命令行园区") {
		t.Errorf("zone list: %v\n%s", err, out)
	}
	if out, err = gridgis(t, cfg, "", "import", "grids", grids("G01", "G02"), "--zone", "cli-zone"); err != nil || !strings.Contains(out, "导入完成") {
		t.Fatalf("import into the new zone: %v\n%s", err, out)
	}

	small := write("小区界.kml", kml(kmlPlacemark("西区", "113", "113.1", "")))
	out, err = gridgis(t, cfg, "", "zone", "boundary", "cli-zone", small)
	if err == nil || !strings.Contains(err.Error(), "1 个网格将超出新区界：G02（G02网格）") {
		t.Errorf("smaller boundary: %v\n%s", err, out)
	}
	if out, err = gridgis(t, cfg, "", "import", "grids", grids("G01", "G02", "G03"), "--zone", "cli-zone"); err == nil {
		t.Errorf("G03 imported outside the zone\n%s", out)
	}
	big := write("扩区.kml", kml(kmlPlacemark("西区", "113", "113.1", ""), kmlPlacemark("东区", "113.1", "113.3", "")))
	out, err = gridgis(t, cfg, "", "zone", "boundary", "cli-zone", big)
	if err != nil || !strings.Contains(out, "面积 207.1") || !strings.Contains(out, "→ 310.7") {
		t.Fatalf("annexation: %v\n%s", err, out)
	}
	if out, err = gridgis(t, cfg, "", "import", "grids", grids("G01", "G02", "G03"), "--zone", "cli-zone"); err != nil || !strings.Contains(out, "新增 1 个") {
		t.Errorf("import of the annexed grid: %v\n%s", err, out)
	}
	if out, err = gridgis(t, cfg, "", "zone", "boundary", "--from-grids", "cli-zone"); err != nil || !strings.Contains(out, "来自 网格的并集") {
		t.Errorf("from grids: %v\n%s", err, out)
	}

	// Shrinking (review 3 blocker 1): the grids alone leave a gap in the
	// zone; with --zone-boundary from-grids the zone becomes their union.
	if out, err = gridgis(t, cfg, "", "import", "grids", grids("G01", "G02"), "--zone", "cli-zone"); err == nil || !strings.Contains(out, "空隙") {
		t.Errorf("shrinking without the zone change: %v\n%s", err, out)
	}
	out, err = gridgis(t, cfg, "", "import", "grids", grids("G01", "G02"), "--zone", "cli-zone", "--zone-boundary", "from-grids", "--dry-run")
	if err != nil || !strings.Contains(out, "区界改为网格的并集：面积 310.7") || !strings.Contains(out, "→ 207.1") || !strings.Contains(out, "删除 1 个") {
		t.Errorf("shrinking preview: %v\n%s", err, out)
	}
	out, err = gridgis(t, cfg, "", "import", "grids", grids("G01", "G02"), "--zone", "cli-zone", "--zone-boundary", "from-grids")
	if err != nil || !strings.Contains(out, "导入完成") {
		t.Fatalf("shrinking: %v\n%s", err, out)
	}
	if _, err = gridgis(t, cfg, "", "import", "grids", grids("G01", "G02"), "--zone", "cli-zone", "--zone-boundary", "grids"); err == nil {
		t.Error("--zone-boundary grids accepted")
	}

	db := pgtest.Open(t, testDSN)
	var created, changed int
	if err := db.Pool.QueryRow(context.Background(), `
SELECT count(*) FILTER (WHERE action = 'zone_create'), count(*) FILTER (WHERE action = 'zone_boundary')
FROM audit_log WHERE target = (SELECT 'zone:' || id FROM zone WHERE code = 'cli-zone')`).Scan(&created, &changed); err != nil ||
		created != 1 || changed != 3 {
		t.Errorf("audit rows: %d zone_create, %d zone_boundary, %v", created, changed, err)
	}

	// With several zones a new user names theirs, and their grids are
	// that zone's (review 3 finding 4).
	withPw := Config{Password: "a-long-enough-pw"}
	other := write("他区.geojson", `{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[`+ring("114", "114.1")+`]}}`)
	if out, err := gridgis(t, cfg, "", "zone", "add", "cli-zone-2", "另一园区", "--boundary", other); err != nil {
		t.Fatalf("second zone: %v\n%s", err, out)
	}
	if _, err := gridgis(t, withPw, "", "user", "add", "cli-off", "--role", "officer", "--grid", "G01"); err == nil ||
		!strings.Contains(err.Error(), "有多个园区") {
		t.Errorf("user add without --zone among several zones: %v", err)
	}
	if out, err := gridgis(t, withPw, "", "user", "add", "cli-off", "--role", "officer", "--grid", "G01", "--zone", "cli-zone"); err != nil {
		t.Fatalf("user add --zone: %v\n%s", err, out)
	}
	if _, err := gridgis(t, withPw, "", "user", "add", "cli-adm", "--role", "admin", "--zone", "no-such-zone"); err == nil {
		t.Error("user add with an unknown zone accepted")
	}
	var userZone, gridZone string
	if err := db.Pool.QueryRow(context.Background(), `SELECT z.code, gz.code FROM app_user u JOIN zone z ON z.id = u.zone_id
JOIN user_grid ug ON ug.user_id = u.id JOIN grid g ON g.id = ug.grid_id JOIN zone gz ON gz.id = g.zone_id
WHERE u.username = 'cli-off'`).Scan(&userZone, &gridZone); err != nil || userZone != "cli-zone" || gridZone != "cli-zone" {
		t.Errorf("cli-off: zone %q, grid of zone %q, %v", userZone, gridZone, err)
	}

	for _, args := range [][]string{{"zone"}, {"zone", "boundary", "cli-zone"}, {"zone", "add", "x", "名"},
		{"zone", "boundary", "cli-zone", big, "--from-grids"}} {
		if _, err := gridgis(t, cfg, "", args...); err == nil || !strings.Contains(err.Error(), "usage: gridgis zone") {
			t.Errorf("%q: %v, want the usage", args, err)
		}
	}
	if _, err := gridgis(t, cfg, "", "zone", "boundary", "no-such-zone", "--from-grids"); err == nil {
		t.Error("unknown zone accepted")
	}
}

// A zone's outline needs no grid attributes: a bare GeoJSON geometry, a
// KML Placemark whose own code is not a grid code; a Shapefile or bad
// geometry is refused with the reader's reason.
func TestReadZoneFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	parts, err := readZoneFile(ctx, write("a.json", `{"type":"MultiPolygon","coordinates":[[[[113,33],[113.1,33],[113.1,33.1],[113,33.1],[113,33]]]]}`), "wgs84", "")
	if err != nil || len(parts) != 1 || len(parts[0]) != 1 {
		t.Errorf("bare geometry: %v, %v", parts, err)
	}
	kml := `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
<Placemark><name>` + strings.Repeat("长", 120) + `</name><ExtendedData><Data name="code"><value>区 界 1</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>113,33 113.1,33 113.1,33.1 113,33.1 113,33</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>东</name><Polygon><outerBoundaryIs><LinearRing><coordinates>113.1,33 113.2,33 113.2,33.1 113.1,33.1 113.1,33</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder></Document></kml>`
	if parts, err = readZoneFile(ctx, write("a.kml", kml), "gcj02", ""); err != nil || len(parts) != 2 || parts[0][0][0][0][0] == 113 {
		t.Errorf("KML (GCJ-02): %v, %v", parts, err)
	}
	if _, err = readZoneFile(ctx, write("b.geojson", `{"type":"Polygon","coordinates":[[[113,33],[113.1,33],[113.1,33.1],[113,33.1]]]}`), "wgs84", ""); err == nil ||
		!strings.Contains(err.Error(), "第 1 个要素：外环未闭合") {
		t.Errorf("an open ring: %v", err)
	}
	if _, err = readZoneFile(ctx, write("c.geojson", `{}`), "wgs84", ""); err == nil {
		t.Error("empty object accepted")
	}
}
