package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridgis/grid/postgis"
)

// Run creates a database named after prefix, migrates it, stores its
// connection string in *dsn, runs the tests and drops the database. Use it
// from TestMain: os.Exit(pgtest.Run(m, "server", &dsn)).
func Run(m *testing.M, prefix string, dsn *string) int {
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		base = postgis.DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: no database at DATABASE_URL (run `make test`, which sets one up): %v\n", err)
		return 1
	}
	// The pid names the run; the random part keeps runs in other
	// containers or checkouts (which may share a pid) apart.
	name := fmt.Sprintf("gridgis_test_%s_%d_%08x", prefix, os.Getpid(), rand.Uint32())
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`"`); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: create database: %v\n", err)
		return 1
	}
	*dsn = WithDatabase(base, name)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := Drop(ctx, admin, name); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: drop database: %v\n", err)
		}
		admin.Close(ctx)
	}()
	if err := postgis.Migrate(ctx, *dsn); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	return m.Run()
}

// Drop drops database name: first without FORCE, which stops an
// autovacuum worker itself (FORCE may not terminate it: it is not our
// role's), then with FORCE for the test's own leftover connections.
func Drop(ctx context.Context, admin interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, name string) error {
	drop := `DROP DATABASE IF EXISTS ` + pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, drop); err == nil {
		return nil
	}
	_, err := admin.Exec(ctx, drop+` WITH (FORCE)`)
	return err
}

// WithDatabase returns the connection string dsn pointed at database name,
// for both URL and keyword/value forms.
func WithDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	return dsn + " dbname=" + name
}

// Open connects to dsn for one test and closes the pool when it ends.
func Open(t testing.TB, dsn string) *postgis.DB {
	t.Helper()
	db, err := postgis.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// Fresh makes a migrated database of its own for one test, beside dsn's,
// and drops it when the test ends: for a test whose data must not meet
// what other tests left in the shared one (zones at the same place).
func Fresh(t testing.TB, dsn string) *postgis.DB {
	t.Helper()
	ctx := context.Background()
	admin, err := postgis.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	defer admin.Close()
	name := fmt.Sprintf("gridgis_fresh_%d_%08x", os.Getpid(), rand.Uint32())
	if _, err := admin.Pool.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := postgis.Open(context.Background(), dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if err := Drop(context.Background(), admin.Pool, name); err != nil {
			t.Error(err)
		}
	})
	fresh := WithDatabase(dsn, name)
	if err := postgis.Migrate(ctx, fresh); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return Open(t, fresh)
}
