package faulttest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// tableState is a table's row count and a checksum of its rows in a
// stable order; for a sequence, its position.
type tableState struct {
	Rows int64
	Sum  string
}

// snapshot reads the state of every table and sequence of the database,
// listed from the catalog (PostGIS's spatial_ref_sys and the migrations'
// schema_version included).
func snapshot(ctx context.Context, dsn string) (map[string]tableState, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	type rel struct{ Schema, Name, Kind string }
	rels, err := pgx.CollectRows(rows, pgx.RowToStructByPos[rel])
	if err != nil {
		return nil, err
	}
	out := map[string]tableState{}
	for _, r := range rels {
		// Names come from the catalog and are quoted: nothing a client sent.
		name := pgx.Identifier{r.Schema, r.Name}.Sanitize()
		var s tableState
		if r.Kind == "S" {
			err = conn.QueryRow(ctx, `SELECT last_value, is_called::text FROM `+name).Scan(&s.Rows, &s.Sum)
		} else {
			err = conn.QueryRow(ctx, `SELECT count(*), coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')
FROM `+name+` t`).Scan(&s.Rows, &s.Sum)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[r.Kind+" "+name] = s
	}
	return out, nil
}

// tool finds a PostgreSQL client program, or says it is missing.
func tool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if bin, err := binDir(); err == nil {
		if p := filepath.Join(bin, name); fileExists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s (install postgresql-client)", ErrMissing, name)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestBackupRestoreRoundTrip backs up a database holding the demo zone and
// a signed-in session with pg_dump -Fc, restores it into a new database
// with pg_restore as the README says, and checks that every table and
// sequence came back with the same rows, that `gridgis migrate` has
// nothing to do there, and that a server on the restored database answers
// — the session signed in before the backup included.
func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	pgDump, err := tool("pg_dump")
	need(t, err)
	pgRestore, err := tool("pg_restore")
	need(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := gridgisBin(t)
	dir := t.TempDir()
	if err := loadDemo(ctx, testDSN); err != nil {
		t.Fatal(err)
	}
	password := rand.Text()
	if err := AddUser(ctx, bin, testDSN, "backup-admin", password, "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	// A session from before the backup, to use on the restored server.
	srv, err := StartServer(ctx, bin, testDSN, dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := &Recorder{}
	before, err := SignIn(ctx, srv.Base, "backup-admin", password, 30*time.Second, rec)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop(15 * time.Second)

	dump := filepath.Join(dir, "gridgis.dump")
	run := func(name string, args ...string) {
		t.Helper()
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
	}
	// The README's commands. spatial_ref_sys is PostGIS's: the extension
	// brings its rows to the new database.
	run(pgDump, "-Fc", "--exclude-table-data=spatial_ref_sys", "-f", dump, "-d", testDSN)
	restored := createDatabase(t, ctx, "restored")
	run(pgRestore, "--no-owner", "--no-comments", "--exit-on-error", "--single-transaction", "-d", restored, dump)

	want, err := snapshot(ctx, testDSN)
	if err != nil {
		t.Fatal(err)
	}
	got, err := snapshot(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{`r "public"."organization"`, `r "public"."request_event"`, `r "public"."session"`} {
		if want[table].Rows == 0 {
			t.Errorf("the original database has no rows in %s: the round trip proves nothing", table)
		}
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: missing after restore", name)
		} else if g != w {
			t.Errorf("%s: %d rows (checksum %s) after restore, %d rows (%s) before", name, g.Rows, g.Sum, w.Rows, w.Sum)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: appeared after restore", name)
		}
	}
	t.Logf("%d tables and sequences compared", len(want))

	if out, err := Gridgis(ctx, bin, restored, nil, "migrate"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("gridgis migrate on the restored database: %v\n%s", err, out)
	}
	if after, err := snapshot(ctx, restored); err != nil {
		t.Fatal(err)
	} else if after[`r "public"."schema_version"`] != want[`r "public"."schema_version"`] {
		t.Errorf("gridgis migrate changed schema_version of the restored database: %v, was %v",
			after[`r "public"."schema_version"`], want[`r "public"."schema_version"`])
	}

	srv, err = StartServer(ctx, bin, restored, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(15 * time.Second)
	before.base = srv.Base // same cookie, the restored server
	if r := before.Do(ctx, "GET /me", http.MethodGet, "/api/v1/me", nil, ""); r.Status != http.StatusOK {
		t.Errorf("a session from before the backup: GET /api/v1/me on the restored server answered %d %s", r.Status, r.Body)
	}
	c, err := SignIn(ctx, srv.Base, "backup-admin", password, 30*time.Second, rec)
	if err != nil {
		t.Fatalf("sign in on the restored server: %v", err)
	}
	r := c.Do(ctx, "GET /organizations", http.MethodGet, "/api/v1/organizations?limit=10000", nil, "")
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(r.Body, &fc); r.Status != http.StatusOK || err != nil || int64(len(fc.Features)) != want[`r "public"."organization"`].Rows {
		t.Errorf("GET /api/v1/organizations on the restored server: %d, %d features (want %d), %v",
			r.Status, len(fc.Features), want[`r "public"."organization"`].Rows, err)
	}
}

// createDatabase makes an empty database next to this package's test
// database, from template1 as `make run`'s set-up leaves it (PostGIS and
// btree_gist installed), and drops it when the test ends.
func createDatabase(t *testing.T, ctx context.Context, suffix string) string {
	t.Helper()
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		base = postgis.DefaultURL
	}
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("gridgis_test_faulttest_%s_%d", suffix, os.Getpid())
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := pgtest.Drop(ctx, admin, name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		admin.Close(ctx)
	})
	return pgtest.WithDatabase(base, name)
}
