package server_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridgis/grid/ingest"
	"gridgis/server"
)

// BenchmarkImportOrgs imports a register of 100,000 new organizations
// (GRIDGIS_BENCH_IMPORT_ROWS sets another size, e.g. 1000000) into the
// import test zone: reading and checking the CSV, COPY into the staging
// table, the upsert, the grid rule and the audit, in one transaction;
// then the same file again, which changes nothing. It reports rows per
// second of each.
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
	var insertSecs, againSecs float64
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
	}
	n := float64(b.N) * float64(rows)
	b.ReportMetric(n/insertSecs, "inserted_rows/s")
	b.ReportMetric(n/againSecs, "unchanged_rows/s")
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
