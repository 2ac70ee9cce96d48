package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"golang.org/x/text/encoding/simplifiedchinese"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// importDB is a database of its own with one zone of two grids: the
// other CLI tests expect the demo zone alone.
func importDB(t *testing.T) (string, *postgis.DB) {
	t.Helper()
	ctx := context.Background()
	admin := pgtest.Open(t, testDSN)
	name := fmt.Sprintf("gridgis_test_cliimport_%d", os.Getpid())
	if _, err := admin.Pool.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Pool.Exec(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Pool.Exec(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) })
	dsn := pgtest.WithDatabase(testDSN, name)
	if err := postgis.Migrate(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	db := pgtest.Open(t, dsn)
	z, err := db.CreateZone(ctx, grid.Zone{Code: "cli-import", Name: "命令行导入区",
		Boundary: orb.MultiPolygon{{{{113, 33}, {113.2, 33}, {113.2, 33.1}, {113, 33.1}, {113, 33}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []grid.Grid{
		{Code: "G01", Name: "新材料产业网格", Industry: "新材料", Geom: orb.MultiPolygon{{{{113, 33}, {113.1, 33}, {113.1, 33.1}, {113, 33.1}, {113, 33}}}}},
		{Code: "G02", Name: "新能源产业网格", Industry: "新能源", Geom: orb.MultiPolygon{{{{113.1, 33}, {113.2, 33}, {113.2, 33.1}, {113.1, 33.1}, {113.1, 33}}}}},
	} {
		g.ZoneID = z.ID
		if _, err := db.CreateGrid(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	return dsn, db
}

func uscc(n int) string {
	body := fmt.Sprintf("91410400MA%07d", n)
	c, _ := grid.USCCCheckChar(body)
	return body + string(c)
}

// A dry run of a GBK register with GCJ-02 coordinates and a bad credit
// code prints the row's problem in Chinese, exits with an error and
// writes nothing; the fixed file imports with progress lines; again, it
// changes nothing.
func TestImportOrgsCommand(t *testing.T) {
	dsn, db := importDB(t)
	cfg := Config{DatabaseURL: dsn}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), cfg, args, strings.NewReader(""), &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
		return out.String(), err
	}
	dir := t.TempDir()
	write := func(name string, codes ...string) string {
		var b strings.Builder
		b.WriteString("名称,统一社会信用代码,经度,纬度,行业\n")
		for i, code := range codes {
			p := geo.WGS84ToGCJ02(orb.Point{113.02 + 0.05*float64(i), 33.05})
			fmt.Fprintf(&b, "命令行测试%d有限公司,%s,%.8f,%.8f,物流\n", i, code, p[0], p[1])
		}
		gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, gbk, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := uscc(900002)
	bad = bad[:17] + map[bool]string{true: "1", false: "0"}[bad[17] == '0']
	badFile := write("名录-有误.csv", uscc(900001), bad)
	count := func() int {
		var n int
		if err := db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM organization`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	out, err := cli("import", "orgs", badFile, "--crs", "gcj02", "--dry-run", "--encoding", "gbk")
	if err == nil || !strings.Contains(out, "第 3 行  统一社会信用代码：") || !strings.Contains(out, "校验位错误") ||
		!strings.Contains(out, "试运行") {
		t.Errorf("dry run of a bad file: %v\n%s", err, out)
	}
	if out, err := cli("import", "orgs", "--crs", "gcj02", badFile); err == nil || count() != 0 {
		t.Errorf("import of a bad file: %v, %d organizations\n%s", err, count(), out)
	}

	good := write("名录.csv", uscc(900001), uscc(900003))
	out, err = cli("import", "orgs", good, "--crs=gcj02", "--zone", "cli-import")
	if err != nil || !strings.Contains(out, "导入完成：新增 2 家，更新 0 家，未变 0 家") || count() != 2 {
		t.Fatalf("import: %v, %d organizations\n%s", err, count(), out)
	}
	// Not a terminal: a plain line per 10 %, ending with the writing done.
	if !strings.Contains(out, "检查 2/2 行（50%）") || !strings.Contains(out, "写入 2/2 行（100%）") {
		t.Errorf("progress lines:\n%s", out)
	}
	var lng, lat float64
	if err := db.Pool.QueryRow(t.Context(), `SELECT ST_X(geom), ST_Y(geom) FROM organization WHERE uscc = $1`, uscc(900001)).
		Scan(&lng, &lat); err != nil {
		t.Fatal(err)
	}
	if d := orbgeo.Distance(orb.Point{113.02, 33.05}, orb.Point{lng, lat}); d > 1 {
		t.Errorf("stored %.3f m from the truth", d)
	}
	out, err = cli("import", "orgs", good, "--crs", "gcj02")
	if err != nil || !strings.Contains(out, "新增 0 家，更新 0 家，未变 2 家") {
		t.Errorf("again: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"import"}, {"import", "grids"}, {"import", "orgs"}, {"import", "orgs", good, "--crs", "tokyo"}} {
		if _, err := cli(args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestImportLimitsFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if l, err := importLimitsFromEnv(env(nil)); err != nil || l != (importLimits{}) {
		t.Errorf("defaults: %+v, %v", l, err)
	}
	l, err := importLimitsFromEnv(env(map[string]string{"GRIDGIS_IMPORT_MAX_BYTES": "209715200", "GRIDGIS_IMPORT_TIMEOUT": "1h",
		"GRIDGIS_IMPORT_JOBS": "3"}))
	if err != nil || l.MaxBytes != 200<<20 || l.Timeout != time.Hour || l.Jobs != 3 {
		t.Errorf("set: %+v, %v", l, err)
	}
	for _, bad := range []map[string]string{{"GRIDGIS_IMPORT_MAX_BYTES": "10"}, {"GRIDGIS_IMPORT_MAX_BYTES": "lots"},
		{"GRIDGIS_IMPORT_TIMEOUT": "5s"}, {"GRIDGIS_IMPORT_TIMEOUT": "forever"}, {"GRIDGIS_IMPORT_JOBS": "0"},
		{"GRIDGIS_IMPORT_JOBS": "many"}} {
		if _, err := importLimitsFromEnv(env(bad)); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
