package server_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid/ingest"
	"gridgis/server"
)

// BenchmarkImportOrgs imports a register of 100,000 new organizations
// (GRIDGIS_BENCH_IMPORT_ROWS sets another size, e.g. 1000000) into the
// import test zone: reading and checking the CSV, COPY into the staging
// table, the upsert, the grid rule and the audit, in one transaction;
// then the same file again, which changes nothing. It reports rows per
// second of each, and the import's time over the floor measured in the
// same run: COPY of the same rows, already parsed, into a bare table.
//
//	go test -run '^$' -bench ImportOrgs -benchtime 1x ./server/
func BenchmarkImportOrgs(b *testing.B) {
	rows := 100_000
	if v, err := strconv.Atoi(os.Getenv("GRIDGIS_BENCH_IMPORT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	z := setupImportBench(b)
	ctx := context.Background()
	target, err := z.db.ImportTarget(ctx, z.zone.Code)
	if err != nil {
		b.Fatal(err)
	}
	var insertSecs, againSecs, copySecs float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		file := benchRegister(rows, 1_000_000+i*rows)
		// A million rows of ten columns pass the default 100 MiB cap.
		in := server.OrgImport{File: file, Target: target, Read: ingest.ReadOptions{Limits: ingest.Limits{Bytes: int64(len(file))}}}
		b.StartTimer()
		start := time.Now()
		rep, err := server.ImportOrgs(ctx, z.db, in, nil)
		if err != nil || len(rep.Errors) > 0 || rep.Inserted != int64(rows) {
			b.Fatalf("import: %v, %d inserted, errors %+v", err, rep.Inserted, rep.Errors[:min(len(rep.Errors), 3)])
		}
		insertSecs += time.Since(start).Seconds()
		start = time.Now()
		rep, err = server.ImportOrgs(ctx, z.db, in, nil)
		if err != nil || rep.Unchanged != int64(rows) {
			b.Fatalf("again: %v, %+v", err, rep.ImportCounts)
		}
		againSecs += time.Since(start).Seconds()
		b.StopTimer()
		copySecs += bareCopySeconds(b, z, file)
		b.StartTimer()
	}
	n := float64(b.N) * float64(rows)
	b.ReportMetric(n/insertSecs, "inserted_rows/s")
	b.ReportMetric(n/againSecs, "unchanged_rows/s")
	b.ReportMetric(insertSecs/copySecs, "x_bare_copy")
}

// bareCopySeconds times COPY of file's rows, parsed beforehand, into an
// unindexed table of the staging columns: the least an import can take.
func bareCopySeconds(b *testing.B, z *importZone, file []byte) float64 {
	ctx := context.Background()
	lines := strings.Split(strings.TrimSpace(string(file)), "\n")[1:]
	rows := make([][]any, len(lines))
	for i, line := range lines {
		c := strings.Split(line, ",")
		lng, _ := strconv.ParseFloat(c[2], 64)
		lat, _ := strconv.ParseFloat(c[3], 64)
		emp, _ := strconv.Atoi(c[7])
		members, _ := strconv.Atoi(c[8])
		rows[i] = []any{int32(i + 2), c[0], c[1], "enterprise", c[5], int32(emp), int32(members), c[9], false, false, c[4], lng, lat}
	}
	conn, err := z.db.Pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS bare_copy (row_num integer, name text, uscc text,
  kind text, industry text, employees integer, party_members integer, party_org text, high_tech boolean,
  specialized boolean, address text, lng double precision, lat double precision); TRUNCATE bare_copy`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"bare_copy"}, []string{"row_num", "name", "uscc", "kind", "industry",
		"employees", "party_members", "party_org", "high_tech", "specialized", "address", "lng", "lat"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	return time.Since(start).Seconds()
}

func setupImportBench(b *testing.B) *importZone {
	b.Helper()
	importOnce.Do(func() { importZ, importErr = buildImportZone() })
	if importErr != nil {
		b.Fatalf("import fixture: %v", importErr)
	}
	return importZ
}

// benchRegister is a UTF-8 CSV of n organizations with credit codes from
// first on, spread over the import test zone.
func benchRegister(n, first int) []byte {
	var sb strings.Builder
	sb.Grow(n * 120)
	sb.WriteString("名称,统一社会信用代码,经度,纬度,地址,行业,类型,从业人员,党员人数,党组织情况\n")
	industries := []string{"新材料", "新能源", "物流", "装备制造"}
	for i := range n {
		fmt.Fprintf(&sb, "压测企业%d有限公司,%s,%.6f,%.6f,高新区第%d号,%s,企业,%d,%d,%s\n", first+i, testUSCC(first+i),
			113.0005+0.199*float64(i%997)/997, 33.0005+0.099*float64(i%991)/991, i, industries[i%4], 10+i%90, i%5,
			map[bool]string{true: "单独组建", false: "无"}[i%5 >= 3])
	}
	return []byte(sb.String())
}
