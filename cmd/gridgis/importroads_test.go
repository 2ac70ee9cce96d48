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
)

// `gridgis import roads`: a dry run prints the counts by kind and each
// refused feature with its position and writes nothing; the import
// loads; --replace replaces; a file with nothing in the zone fails.
func TestImportRoadsCommand(t *testing.T) {
	dsn, db := importDB(t)
	ctx := context.Background()
	cfg := Config{DatabaseURL: dsn}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, cfg, args, strings.NewReader(""), &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
		return out.String(), err
	}
	count := func() int {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM base_feature`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	roads := write("道路.geojson", `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"道路名称":"科技大道","等级":"主干路"},"geometry":{"type":"LineString","coordinates":[[113.01,33.05],[113.19,33.05]]}},
{"type":"Feature","properties":{"name":"创新路","fclass":"tertiary"},"geometry":{"type":"LineString","coordinates":[[113.1,33.01],[113.1,33.09]]}},
{"type":"Feature","properties":{"名称":"科创广场"},"geometry":{"type":"Point","coordinates":[113.05,33.06]}},
{"type":"Feature","properties":{"name":"远方路"},"geometry":{"type":"LineString","coordinates":[[116.4,39.9],[116.5,39.9]]}},
{"type":"Feature","properties":{"name":"一个点的路"},"geometry":{"type":"LineString","coordinates":[[113.1,33.05]]}}]}`)

	out, err := cli("import", "roads", roads, "--dry-run")
	for _, want := range []string{"格式 geojson，要素 5 个", "可导入：道路（线） 2 个，地名（点） 1 个，水系绿地（面） 0 个", "拒绝 2 个要素",
		"第 4 个要素（远方路） [116.400000, 39.900000]：在园区外", "第 5 个要素（一个点的路） [113.100000, 33.050000]：线只有 1 个点", "试运行"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q: %v\n%s", want, err, out)
		}
	}
	if err != nil || count() != 0 {
		t.Fatalf("dry run: %v, %d features written", err, count())
	}
	if out, err = cli("import", "roads", "--zone", "cli-import", roads); err != nil || !strings.Contains(out, "导入完成") || count() != 3 {
		t.Fatalf("import: %v, %d features\n%s", err, count(), out)
	}
	if out, err = cli("import", "roads", roads, "--replace"); err != nil || !strings.Contains(out, "已删除原有底图要素 3 个") || count() != 3 {
		t.Fatalf("--replace: %v, %d features\n%s", err, count(), out)
	}
	far := write("远.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"远方路"},
"geometry":{"type":"LineString","coordinates":[[116.4,39.9],[116.5,39.9]]}}]}`)
	if out, err = cli("import", "roads", far, "--replace"); err == nil || !strings.Contains(out, "没有可导入的要素") || count() != 3 {
		t.Errorf("nothing in the zone: %v, %d features\n%s", err, count(), out)
	}
	if _, err = cli("import", "roads", roads, "--crs", "mars"); err == nil || !strings.Contains(err.Error(), "--crs") {
		t.Errorf("--crs mars: %v", err)
	}
	if _, err = cli("import", "roads"); err == nil || !strings.Contains(err.Error(), "import roads FILE") {
		t.Errorf("no file: %v", err)
	}
}
