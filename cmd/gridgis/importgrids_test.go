package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// `gridgis import grids`: a KML whose grids overlap prints the features
// and the area and writes nothing; the fixed file previews the one
// organization that changes grid, then imports it.
func TestImportGridsCommand(t *testing.T) {
	dsn, db := importDB(t)
	ctx := context.Background()
	var zoneID int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM zone WHERE code = 'cli-import'`).Scan(&zoneID); err != nil {
		t.Fatal(err)
	}
	// 物流 has no grid: placed by territory, in G02 at 113.12.
	if _, err := db.CreateOrg(ctx, grid.Org{ZoneID: zoneID, Name: "命令行边界物流有限公司", USCC: uscc(900100),
		Kind: grid.KindEnterprise, Industry: "物流", PartyOrg: grid.PartyNone, Location: orb.Point{113.12, 33.05}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignGrids(ctx, zoneID); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DatabaseURL: dsn}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, cfg, args, strings.NewReader(""), &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
		return out.String(), err
	}
	kml := func(split1, split2 string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>新材料产业网格</name><ExtendedData><Data name="编码"><value>G01</value></Data><Data name="行业"><value>新材料</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>113,33 ` + split1 + `,33 ` + split1 + `,33.1 113,33.1 113,33</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>新能源产业网格</name><ExtendedData><Data name="编码"><value>G02</value></Data><Data name="行业"><value>新能源</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>` + split2 + `,33 113.2,33 113.2,33.1 ` + split2 + `,33.1 ` + split2 + `,33</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>`
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gridOf := func() string {
		var code string
		db.Pool.QueryRow(ctx, `SELECT g.code FROM organization o JOIN grid g ON g.id = o.grid_id WHERE o.uscc = $1`, uscc(900100)).Scan(&code)
		return code
	}

	out, err := cli("import", "grids", write("重叠.kml", kml("113.13", "113.12")))
	if err == nil || !strings.Contains(out, "第 1 个要素（G01）  几何：与第 2 个要素（G02）重叠") || !strings.Contains(out, "平方米") {
		t.Errorf("overlapping grids: %v\n%s", err, out)
	}
	good := write("网格.kml", kml("113.13", "113.13"))
	out, err = cli("import", "grids", good, "--dry-run")
	if err != nil || !strings.Contains(out, "改变网格的企业 1 家") || !strings.Contains(out, "命令行边界物流有限公司") ||
		!strings.Contains(out, "G02 → G01（territory）") || !strings.Contains(out, "试运行") || gridOf() != "G02" {
		t.Errorf("preview: %v, in %s\n%s", err, gridOf(), out)
	}
	out, err = cli("import", "grids", "--zone", "cli-import", good)
	if err != nil || !strings.Contains(out, "导入完成") || gridOf() != "G01" {
		t.Errorf("import: %v, in %s\n%s", err, gridOf(), out)
	}
}
