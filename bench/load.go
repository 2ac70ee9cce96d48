package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
)

// The load part (issue 14 point 6: a million organizations loaded in
// under 2 minutes): a register of o.loadRows new organizations imported
// with `gridgis import orgs FILE` into a fresh database, and with -seed
// `gridgis seed --demo --scale` into another. The database, beside the
// bench's and named after it, is created and dropped by the bench.

// loadZone is the zone and grids the register is imported into: those of
// the import tests (server/import_test.go).
var loadZone = grid.Zone{Code: "load-bench", Name: "导入压测区",
	Boundary: orb.MultiPolygon{{{{113, 33}, {113.2, 33}, {113.2, 33.1}, {113, 33.1}, {113, 33}}}}}

var loadGrids = []grid.Grid{
	{Code: "G01", Name: "新材料产业网格", Industry: "新材料",
		Geom: orb.MultiPolygon{{{{113, 33}, {113.1, 33}, {113.1, 33.1}, {113, 33.1}, {113, 33}}}}},
	{Code: "G02", Name: "新能源产业网格", Industry: "新能源",
		Geom: orb.MultiPolygon{{{{113.1, 33}, {113.2, 33}, {113.2, 33.1}, {113.1, 33.1}, {113.1, 33}}}}},
}

// measureLoad runs the load part and, with seed, the seed.
func measureLoad(ctx context.Context, o options, load, seed bool) error {
	admin, err := postgis.Open(ctx, o.dbURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	var benchName string
	if err := admin.Pool.QueryRow(ctx, "SELECT current_database()").Scan(&benchName); err != nil {
		return err
	}
	name := benchName + "_load"
	dsn := withDatabase(o.dbURL, name)
	defer func() {
		if err := dropDatabase(context.WithoutCancel(ctx), admin, name); err != nil {
			fmt.Fprintln(os.Stderr, "bench: drop", name+":", err)
		}
	}()

	var lines []string
	if load {
		secs, err := timeImport(ctx, o, admin, name, dsn)
		if err != nil {
			return err
		}
		lines = append(lines, loadLine("import orgs", o.loadRows, secs))
	}
	if seed {
		if err := freshDatabase(ctx, o.bin, admin, name, dsn); err != nil {
			return err
		}
		orgs := int64(o.scale) * 404
		fmt.Printf("\nloading: gridgis seed --demo --scale %d (%s organizations) into %s\n", o.scale, thousands(orgs), name)
		start := time.Now()
		if err := gridgisQuiet(ctx, o.bin, dsn, nil, "seed", "--demo", "--scale", strconv.Itoa(o.scale)); err != nil {
			return err
		}
		lines = append(lines, loadLine("seed --demo", int(orgs), time.Since(start)))
	}
	fmt.Println("\nLoad (a fresh database; the target is for 1,000,000 organizations):")
	for _, l := range lines {
		fmt.Println(l)
	}
	return nil
}

// timeImport makes a fresh database with the zone and its grids, writes
// the register and times the CLI's import of it.
func timeImport(ctx context.Context, o options, admin *postgis.DB, name, dsn string) (time.Duration, error) {
	if err := freshDatabase(ctx, o.bin, admin, name, dsn); err != nil {
		return 0, err
	}
	db, err := postgis.Open(ctx, dsn)
	if err != nil {
		return 0, err
	}
	z, err := db.CreateZone(ctx, loadZone)
	if err == nil {
		for _, g := range loadGrids {
			g.ZoneID = z.ID
			if _, err = db.CreateGrid(ctx, g); err != nil {
				break
			}
		}
	}
	db.Close()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "gridgis-bench-load-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "register.csv")
	if err := os.WriteFile(file, register(o.loadRows, 1_000_000), 0o600); err != nil {
		return 0, err
	}
	fmt.Printf("\nloading: gridgis import orgs (%s new organizations) into %s\n", thousands(int64(o.loadRows)), name)
	start := time.Now()
	if err := gridgisQuiet(ctx, o.bin, dsn, nil, "import", "orgs", file, "--zone", loadZone.Code); err != nil {
		return 0, err
	}
	took := time.Since(start)
	db, err = postgis.Open(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	// The import adds its new organizations to the cluster pyramid itself
	// (migration 022), but an update leaves deltas (migration 019) that
	// the server folds in the background; the map is only as fast as
	// before once they are, so the fold counts as loading.
	start = time.Now()
	folded, err := db.FoldTiles(ctx) // as the server does, in batches
	if err != nil {
		return 0, err
	}
	fold := time.Since(start)
	fmt.Printf("the import took %.1f s, then folding its %s pyramid deltas %.1f s\n", took.Seconds(), thousands(folded), fold.Seconds())
	took += fold
	var n int64
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM organization").Scan(&n); err != nil {
		return 0, err
	}
	if n != int64(o.loadRows) {
		return 0, fmt.Errorf("the import left %d organizations, not %d", n, o.loadRows)
	}
	return took, nil
}

// freshDatabase (re)creates database name and migrates it.
func freshDatabase(ctx context.Context, bin string, admin *postgis.DB, name, dsn string) error {
	if err := dropDatabase(ctx, admin, name); err != nil {
		return err
	}
	if _, err := admin.Pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return err
	}
	return gridgisQuiet(ctx, bin, dsn, nil, "migrate")
}

func dropDatabase(ctx context.Context, admin *postgis.DB, name string) error {
	_, err := admin.Pool.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// loadLine reports loading rows organizations in took, with the verdict
// when rows is the target's size.
func loadLine(what string, rows int, took time.Duration) string {
	s := fmt.Sprintf("%-12s %s organizations in %.1f s (%s rows/s)", what, thousands(int64(rows)), took.Seconds(),
		thousands(int64(float64(rows)/took.Seconds())))
	if rows != loadTargetRows {
		return s + fmt.Sprintf(" (target < %.0f s for %s: not this size)", loadTarget.Seconds(), thousands(int64(loadTargetRows)))
	}
	return s + fmt.Sprintf(" (target < %.0f s): %s", loadTarget.Seconds(), verdict(took < loadTarget))
}

// withDatabase is the connection string dsn pointed at database name, in
// URL or keyword/value form.
func withDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	return dsn + " dbname=" + name // the last dbname counts
}

// register is a UTF-8 CSV of n new organizations with credit codes from
// first on, spread over loadZone: the rows of server/import_bench_test.go.
func register(n, first int) []byte {
	var sb strings.Builder
	sb.Grow(n * 130)
	sb.WriteString("名称,统一社会信用代码,经度,纬度,地址,行业,类型,从业人员,党员人数,党组织情况\n")
	industries := []string{"新材料", "新能源", "物流", "装备制造"}
	for i := range n {
		party := "无"
		if i%5 >= 3 {
			party = "单独组建"
		}
		fmt.Fprintf(&sb, "压测企业%d有限公司,%s,%.6f,%.6f,高新区第%d号,%s,企业,%d,%d,%s\n", first+i, uscc(first+i),
			113.0005+0.199*float64(i%997)/997, 33.0005+0.099*float64(i%991)/991, i, industries[i%4], 10+i%90, i%5, party)
	}
	return []byte(sb.String())
}

// uscc is a valid unified social credit code numbered n.
func uscc(n int) string {
	body := fmt.Sprintf("91410400MA%07d", n)
	c, _ := grid.USCCCheckChar(body)
	return body + string(c)
}
