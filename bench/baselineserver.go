package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gridgis/grid/postgis"
)

// The baseline server: the gridgis binary of baselineCommit, built from
// this repository's history and serving the bench database, so that the
// speed-up counts what today's code path paid in all (HTTP, auth,
// streaming), not only its SQL.

// baselineSchema holds the baseline server's own schema_version: the bench
// database is migrated past what baselineCommit knows, and its tern would
// refuse a version newer than its last migration. The server runs with
// search_path baselineSchema, public, so everything else is public's.
const baselineSchema = "bench_baseline"

// buildBaseline builds the server of baselineCommit into a new temporary
// directory and returns the binary, the number of migrations that commit
// has, and a function removing the directory. It fails, rather than
// falling back to something else, when git, the commit or Go is missing.
func buildBaseline(ctx context.Context) (bin string, migrations int, cleanup func(), err error) {
	for _, tool := range []string{"git", "go", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", 0, nil, fmt.Errorf("the baseline server is built from commit %s with git, tar and Go: %w", baselineCommit, err)
		}
	}
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--verify", baselineCommit+"^{commit}").CombinedOutput(); err != nil {
		return "", 0, nil, fmt.Errorf("the baseline server is built from commit %s, which is not in the history here (%v: %s); "+
			"run the bench from a clone of gridgis that holds it (git fetch --unshallow)", baselineCommit, err, bytes.TrimSpace(out))
	}
	files, err := exec.CommandContext(ctx, "git", "ls-tree", "--name-only", baselineCommit, "migrations/").Output()
	if err != nil {
		return "", 0, nil, fmt.Errorf("list the migrations of %s: %w", baselineCommit, err)
	}
	if migrations, err = countMigrations(string(files)); err != nil {
		return "", 0, nil, fmt.Errorf("the migrations of %s: %w", baselineCommit, err)
	}

	dir, err := os.MkdirTemp("", "gridgis-baseline-*")
	if err != nil {
		return "", 0, nil, err
	}
	cleanup = func() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "bench: remove the baseline build:", err)
		}
	}
	src := filepath.Join(dir, "src")
	tarball := filepath.Join(dir, "src.tar")
	bin = filepath.Join(dir, "gridgis-baseline")
	if err := os.Mkdir(src, 0o755); err != nil {
		cleanup()
		return "", 0, nil, err
	}
	steps := []*exec.Cmd{
		exec.CommandContext(ctx, "git", "archive", "--format=tar", "-o", tarball, baselineCommit),
		exec.CommandContext(ctx, "tar", "-xf", tarball, "-C", src),
		exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gridgis"),
	}
	steps[2].Dir = src
	// The build is the commit's own module alone, whatever the caller's Go
	// environment names.
	steps[2].Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	fmt.Printf("building the baseline server of %s in %s (removed at the end)\n", baselineCommit, dir)
	for _, cmd := range steps {
		if out, err := cmd.CombinedOutput(); err != nil {
			cleanup()
			return "", 0, nil, fmt.Errorf("build the baseline server (%s): %w: %s", strings.Join(cmd.Args, " "), err, bytes.TrimSpace(out))
		}
	}
	return bin, migrations, cleanup, nil
}

// countMigrations is the number of NNN_name.sql files in a listing (one
// path a line), checked to be numbered 1 to that number: the version tern
// reaches with them.
func countMigrations(listing string) (int, error) {
	re := regexp.MustCompile(`^(?:.*/)?(\d+)_[^/]*\.sql$`)
	seen := map[int]bool{}
	for _, line := range strings.Split(listing, "\n") {
		if m := re.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			n, _ := strconv.Atoi(m[1])
			seen[n] = true
		}
	}
	for i := 1; i <= len(seen); i++ {
		if !seen[i] {
			return 0, fmt.Errorf("%d migrations, but none numbered %d", len(seen), i)
		}
	}
	if len(seen) == 0 {
		return 0, errors.New("no migrations")
	}
	return len(seen), nil
}

// prepareBaselineSchema gives the baseline server its schema_version, at
// the version of its last migration, so that its start-up migration has
// nothing to do. dropBaselineSchema removes it.
func prepareBaselineSchema(ctx context.Context, db *postgis.DB, version int) error {
	// The schema's name is a constant: formatting it in is safe.
	for _, q := range []string{
		`CREATE SCHEMA IF NOT EXISTS ` + baselineSchema,
		`CREATE TABLE IF NOT EXISTS ` + baselineSchema + `.schema_version (version integer NOT NULL)`,
		`DELETE FROM ` + baselineSchema + `.schema_version`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("prepare schema %s: %w", baselineSchema, err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO `+baselineSchema+`.schema_version VALUES ($1)`, version); err != nil {
		return fmt.Errorf("prepare schema %s: %w", baselineSchema, err)
	}
	return nil
}

func dropBaselineSchema(ctx context.Context, db *postgis.DB) error {
	_, err := db.Pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+baselineSchema+` CASCADE`)
	return err
}

// withSearchPath is the connection string dsn with the session's
// search_path set to path, in either of its forms (key=value or URL). A
// dsn that sets options already is refused rather than overridden.
func withSearchPath(dsn, path string) (string, error) {
	opt := "-csearch_path=" + path
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		if q.Has("options") {
			return "", errors.New("the bench database's URL sets options: the baseline server needs its own search_path")
		}
		q.Set("options", opt)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if regexp.MustCompile(`(^|\s)options\s*=`).MatchString(dsn) {
		return "", errors.New("the bench database's connection string sets options: the baseline server needs its own search_path")
	}
	return dsn + " options='" + opt + "'", nil
}

// startBaseline builds the baseline server, gives it its schema_version
// and starts it on the bench database. stop ends the server, drops the
// schema and removes the build: call it even after an error.
func startBaseline(ctx context.Context, db *postgis.DB, dbURL string) (srv *server, stop func(), err error) {
	var undo []func()
	stop = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	bin, version, cleanup, err := buildBaseline(ctx)
	if err != nil {
		return nil, stop, err
	}
	undo = append(undo, cleanup)
	dsn, err := withSearchPath(dbURL, baselineSchema+",public")
	if err != nil {
		return nil, stop, err
	}
	undo = append(undo, func() {
		// The run's context may be cancelled (Ctrl-C): drop it anyway.
		if err := dropBaselineSchema(context.WithoutCancel(ctx), db); err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop schema %s: %v\n", baselineSchema, err)
		}
	})
	if err := prepareBaselineSchema(ctx, db, version); err != nil {
		return nil, stop, err
	}
	// As the current server: no caps on expensive requests (startServer);
	// baselineCommit has no tile cache.
	if srv, err = startServer(ctx, bin, dsn); err != nil {
		return nil, stop, fmt.Errorf("the baseline server: %w", err)
	}
	undo = append(undo, srv.stop)
	return srv, stop, nil
}

// featureCount is the number of features in a FeatureCollection's body.
func featureCount(body []byte) (int, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		return 0, err
	}
	if fc.Type != "FeatureCollection" {
		return 0, fmt.Errorf("type %q, not a FeatureCollection", fc.Type)
	}
	return len(fc.Features), nil
}
