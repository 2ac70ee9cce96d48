package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gridgis/grid/ingest"
	"gridgis/server"
)

// While the rows of a GeoJSON (or XLSX) file are not known, progress has
// no total: a growing one would show the bar full all along.
func TestImportProgressWithoutKnownTotal(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	target, err := z.db.ImportTarget(ctx, z.zone.Code)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 2500 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":{"type":"Point","coordinates":[113.05,33.05]},"properties":{"名称":"进度%d有限公司","统一社会信用代码":"%s","行业":"物流"}}`, i, testUSCC(810000+i))
	}
	b.WriteString("]}")
	in := server.OrgImport{File: []byte(b.String()), Target: target, DryRun: true, Read: ingest.ReadOptions{Format: ingest.GeoJSON}}
	var seen []server.ImportProgress
	rep, err := server.ImportOrgs(ctx, z.db, in, func(p server.ImportProgress) { seen = append(seen, p) })
	if err != nil || rep.Total != 2500 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if len(seen) < 3 {
		t.Fatalf("progress %+v", seen)
	}
	// Until the check has read every row; then each row is checked and
	// written (a dry run's writes are rolled back).
	checked := 0
	for _, p := range seen {
		if p.Phase == "check" && p.Done < 2500 && p.Total != 0 {
			t.Errorf("progress while reading %+v, want total 0", p)
		}
		if p.Phase == "check" && p.Done == 2500 && p.Total == 5000 {
			checked++
		}
	}
	if checked == 0 {
		t.Errorf("no progress once the rows were read: %+v", seen)
	}
	// The write phase moves on while the statements run, not only while
	// the rows are copied.
	writing := map[int]bool{}
	for _, p := range seen {
		if p.Phase == "write" && p.Done > 2500 && p.Done < 5000 {
			writing[p.Done] = true
		}
	}
	if len(writing) < 3 {
		t.Errorf("write progress %v: want at least 3 steps between 2500 and 5000", seen)
	}
	if last := seen[len(seen)-1]; last.Phase != "write" || last.Total != 5000 || last.Done != 5000 {
		t.Errorf("last progress %+v", last)
	}
}
