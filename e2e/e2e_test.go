package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

var testDSN string

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, "e2e", &testDSN)) }

// need fails under CI=true, and skips elsewhere, when a tool the test
// drives is missing.
func need(t *testing.T, what, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if _, err := exec.LookPath(path); err == nil {
		return
	}
	msg := what + " not found at " + path + " (run `make test`, which installs and builds it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// browserLogins are the demo users the browser test signs in as, with the
// passwords serveDemo gives them.
var browserLogins = map[string]string{"admin": "e2e-admin-Passw0rd", "officer-g01": "e2e-officer-Passw0rd"}

// serveDemo loads the demo zone into this package's database and serves it
// with the built map app on a free loopback port.
func serveDemo(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	ds := demo.Generate(demo.Options{Now: time.Now(), Scale: 1})
	// Real argon2id hashes only for the users the browser signs in as; the
	// other ~40 get one that matches no password.
	hash := func(username string) (string, error) {
		if pw, ok := browserLogins[username]; ok {
			return grid.HashPassword(pw)
		}
		return "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", nil
	}
	if err := db.LoadDataset(ctx, ds, hash); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	web, _ := filepath.Abs("../frontend/dist")
	srv := server.New(server.Config{WebDir: web}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// TestMapInBrowser opens the map app in Chromium and checks that the six
// grids and the organizations are drawn, with Chinese labels, no failed
// request and no console error (frontend/e2e/map.e2e.mjs).
func TestMapInBrowser(t *testing.T) {
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	url := serveDemo(t)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/map.e2e.mjs")
	cmd.Dir = "../frontend"
	cmd.Env = append(os.Environ(), "GRIDGIS_URL="+url,
		"E2E_ADMIN_USER=admin", "E2E_ADMIN_PASSWORD="+browserLogins["admin"],
		"E2E_OFFICER_USER=officer-g01", "E2E_OFFICER_PASSWORD="+browserLogins["officer-g01"])
	out, err := cmd.CombinedOutput()
	t.Logf("map.e2e.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
