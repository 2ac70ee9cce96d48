package postgis_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
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
	orgSQL, _, _, err := db.OrgFeatureQuery(f)
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

// Driver errors that say the database is away are EUnavailable; a value
// out of a column's range is EInvalid.
func TestClassify(t *testing.T) {
	proxy := pgtest.NewProxy(t, testDSN)
	db, err := postgis.OpenWith(context.Background(), proxy.DSN, postgis.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	// A connection dropped in the middle of a query, then none at all.
	done := make(chan error, 1)
	go func() {
		_, err := db.Pool.Exec(ctx, "SELECT pg_sleep(30)")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	proxy.Cut()
	if err := <-done; grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("dropped connection: %v", err)
	}
	if err := db.Ping(ctx); grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("refused connection: %v", err)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}

	// statement_timeout and the caller's deadline.
	slow, err := postgis.OpenWith(ctx, testDSN, postgis.Options{MaxConns: 1, StatementTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Pool.Exec(ctx, "SELECT pg_sleep(3)"); grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("statement timeout: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := slow.Pool.Exec(short, "SELECT pg_sleep(3)"); grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("deadline: %v", err)
	}
	// Errors about the query itself stay as they are.
	if _, err := slow.Pool.Exec(ctx, "SELECT no_such_column FROM zone"); grid.ErrorCode(postgis.Classify(err)) != grid.EInternal {
		t.Errorf("bad query classified: %v", err)
	}
	if errors.Is(postgis.Classify(nil), nil) != true {
		t.Error("nil error classified")
	}
}

// OpenWith sets the pool size and every connection's limits.
func TestOpenWithLimits(t *testing.T) {
	ctx := context.Background()
	db, err := postgis.OpenWith(ctx, testDSN, postgis.Options{MaxConns: 3, StatementTimeout: 30 * time.Second,
		IdleInTxTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, want := range map[string]string{"statement_timeout": "30s", "idle_in_transaction_session_timeout": "1min"} {
		var got string
		if err := db.Pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
	if cfg := db.Pool.Config(); cfg.MaxConns != 3 || cfg.ConnConfig.ConnectTimeout != postgis.DefaultConnectTimeout {
		t.Errorf("max conns %d, connect timeout %s", cfg.MaxConns, cfg.ConnConfig.ConnectTimeout)
	}
}
