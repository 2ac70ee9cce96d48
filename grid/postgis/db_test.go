package postgis_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
)

// Every pooled connection runs without JIT, unless the connection string
// says otherwise.
func TestOpenSessionSettings(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
		want map[string]string
	}{
		{"defaults", testDSN, map[string]string{"jit": "off", "timezone": "UTC"}},
		{"the URL wins", withParams(testDSN, "jit", "on"), map[string]string{"jit": "on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := postgis.Open(ctx, tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for name, want := range tt.want {
				var got string
				if err := db.Pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// withParams adds keyword/value pairs to a connection string of either
// form.
func withParams(dsn string, kv ...string) string {
	if u, err := url.Parse(dsn); err == nil && strings.HasPrefix(u.Scheme, "postgres") {
		q := u.Query()
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for i := 0; i < len(kv); i += 2 {
		dsn += " " + kv[i] + "=" + kv[i+1]
	}
	return dsn
}

// Map queries run as unnamed statements, planned for their values on
// every run: none is left as a cached prepared statement, which
// PostgreSQL would turn to a generic plan after five runs.
func TestMapQueriesAreNotPrepared(t *testing.T) {
	ctx := context.Background()
	// One connection, so that every run below leaves its traces on it.
	db, err := postgis.Open(ctx, withParams(testDSN, "pool_max_conns", "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := geo.BBox{MinLon: 113, MinLat: 33, MaxLon: 114, MaxLat: 34}
	f := grid.OrgFilter{Scope: grid.Scope{All: true}, BBox: &b, Limit: 10}
	tile := geo.Tile{Z: 10, X: 834, Y: 409}
	orgSQL, _, err := db.OrgFeatureQuery(f)
	if err != nil {
		t.Fatal(err)
	}
	tileSQL, _, err := db.TileQuery(grid.LayerOrganizations, tile, f.Scope)
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		if err := db.EachOrgFeature(ctx, f, func(grid.Feature) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Tile(ctx, grid.LayerOrganizations, tile, f.Scope); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CountOrgs(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var prepared []string
	rows, err := db.Pool.Query(ctx, "SELECT statement FROM pg_prepared_statements")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		prepared = append(prepared, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range prepared {
		for name, sql := range map[string]string{"organizations": orgSQL, "tile": tileSQL, "count": "SELECT count(*) FROM organization o"} {
			if strings.Contains(s, sql) {
				t.Errorf("the %s query is a prepared statement: %.60q", name, s)
			}
		}
	}
	// The check can fail: ordinary queries are prepared.
	if len(prepared) == 0 {
		t.Error("no prepared statements at all: the check above proves nothing")
	}
}
