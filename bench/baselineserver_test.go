package main

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestWithSearchPath(t *testing.T) {
	for _, dsn := range []string{
		"host=/var/run/postgresql dbname=gridgis_bench",
		"postgres://u:p@localhost:5432/gridgis_bench?sslmode=disable",
		"postgresql://localhost/gridgis_bench",
	} {
		got, err := withSearchPath(dsn, "bench_baseline,public")
		if err != nil {
			t.Fatalf("withSearchPath(%q): %v", dsn, err)
		}
		// What the server's driver makes of it: the option reaches the
		// session, the rest of the DSN is kept.
		cfg, err := pgconn.ParseConfig(got)
		if err != nil {
			t.Fatalf("parse %q: %v", got, err)
		}
		if o := cfg.RuntimeParams["options"]; o != "-csearch_path=bench_baseline,public" {
			t.Errorf("%q: options %q", got, o)
		}
		if cfg.Database != "gridgis_bench" {
			t.Errorf("%q: database %q", got, cfg.Database)
		}
	}
	for _, dsn := range []string{
		"host=/var/run/postgresql options='-cwork_mem=64MB'",
		"postgres://localhost/gridgis_bench?options=-cwork_mem%3D64MB",
	} {
		if got, err := withSearchPath(dsn, "x"); err == nil {
			t.Errorf("withSearchPath(%q) = %q, want an error: options already set", dsn, got)
		}
	}
}

func TestCountMigrations(t *testing.T) {
	listing := "migrations/001_schema.sql\nmigrations/002_request_sla.sql\nmigrations/003_perf.sql\nmigrations/doc.go\n"
	if n, err := countMigrations(listing); n != 3 || err != nil {
		t.Errorf("countMigrations = %d, %v; want 3", n, err)
	}
	if n, err := countMigrations("migrations/001_a.sql\nmigrations/003_c.sql\n"); err == nil {
		t.Errorf("a gap: countMigrations = %d, want an error", n)
	}
	if n, err := countMigrations("migrations/doc.go\n"); err == nil {
		t.Errorf("none: countMigrations = %d, want an error", n)
	}
}

func TestCheckBaseline(t *testing.T) {
	bbox := scenario{name: "bbox ~2"}
	base := []byte(`{"type" : "Feature", "id" : 1},{"type" : "Feature", "id" : 2}`)
	padded := `{"type" : "FeatureCollection", "features" : [` + string(base) + `], "next" : null}`
	if err := bbox.checkBaseline([]byte(padded), base); err != nil {
		t.Errorf("same features, padded: %v", err)
	}
	one := `{"type":"FeatureCollection","features":[{"type":"Feature","id":1}]}`
	if err := bbox.checkBaseline([]byte(one), base); err == nil || !strings.Contains(err.Error(), "1 features, its SQL returns 2") {
		t.Errorf("one feature of two: %v", err)
	}
	if err := bbox.checkBaseline([]byte(`{"type":"FeatureCollection","features":[]}`), nil); err == nil {
		t.Error("no features: no error")
	}
	if err := bbox.checkBaseline([]byte(`{"code":"unauthorized"}`), base); err == nil {
		t.Error("not a collection: no error")
	}
	tile := scenario{name: "tile z6", tile: true}
	if err := tile.checkBaseline(nil, []byte{1}); err == nil {
		t.Error("empty tile: no error")
	}
	if err := tile.checkBaseline([]byte{0x1a, 1}, []byte{0x1a, 2}); err != nil {
		t.Errorf("a tile: %v", err)
	}
}
