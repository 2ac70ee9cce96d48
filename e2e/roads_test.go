package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// TestStreetsInBrowser: served without GRIDGIS_BASEMAP (offline), the demo
// map shows the zone's streets, road names and place names from the base
// layer, at desktop and phone sizes (frontend/e2e/roads.e2e.mjs).
func TestStreetsInBrowser(t *testing.T) {
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	db := pgtest.Open(t, testDSN)
	loadOnce.Do(func() { loadErr = loadDemo(context.Background(), db) })
	if loadErr != nil {
		t.Fatalf("load demo: %v", loadErr)
	}
	web, _ := filepath.Abs("../frontend/dist")
	srv := server.New(server.Config{WebDir: web}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	runBrowserScript(t, "http://"+ln.Addr().String(), "roads.e2e.mjs", 4*time.Minute, logins("officer-g01")...)
}
