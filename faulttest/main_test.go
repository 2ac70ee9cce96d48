package faulttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// testDSN is this package's database on the shared cluster (the backup
// test's); the fault test makes its own cluster.
var testDSN string

// workDir holds the binary built once for every test.
var workDir string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "gridgis-faulttest-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		workDir = dir
		return pgtest.Run(m, "faulttest", &testDSN)
	}())
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// gridgisBin builds the gridgis command once for the package's tests.
func gridgisBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		root, _ := filepath.Abs("..")
		binPath, buildErr = Build(ctx, root, workDir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// need fails under CI=true, and skips elsewhere, when err says that a
// tool the test needs is missing; any other error fails the test.
func need(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	t.Fatal(err)
}

// loadDemo loads the demo zone into the (migrated) database at dsn without
// the CLI: its users get a hash that matches no password, which spares
// the CPU some forty argon2id hashings.
func loadDemo(ctx context.Context, dsn string) error {
	db, err := postgis.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.LoadDataset(ctx, demo.Generate(demo.Options{Now: time.Now(), Scale: 1}).Dataset, func(string) (string, error) {
		return "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", nil
	})
}
