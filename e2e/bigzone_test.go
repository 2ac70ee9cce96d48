package e2e_test

import (
	"context"
	"testing"
	"time"

	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// TestLargeZoneInBrowser serves the demo zone (404 organizations) as a
// large one, GRIDGIS_MAP_TILES_ABOVE=50, and checks in Chromium, for an
// admin at desktop size and an officer on a phone, that the map app does
// not load the whole organization list: it draws clusters from the
// organization tiles, zooms in on a tapped cluster, and loads the
// organizations in view by bbox once few enough, with a working popup
// (frontend/e2e/bigzone.e2e.mjs; screenshots in frontend/e2e/out).
func TestLargeZoneInBrowser(t *testing.T) {
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	url := serveLargeDemo(t, 50)
	runBrowserScript(t, url, "bigzone.e2e.mjs", 6*time.Minute, logins("admin", "officer-g01")...)
}

// serveLargeDemo serves the demo zone as serveDemo does, with
// server.Config.MapTilesAbove (GRIDGIS_MAP_TILES_ABOVE) set to above.
func serveLargeDemo(t *testing.T, above int) string {
	t.Helper()
	db := pgtest.Open(t, testDSN)
	loadOnce.Do(func() { loadErr = loadDemo(context.Background(), db) })
	if loadErr != nil {
		t.Fatalf("load demo: %v", loadErr)
	}
	return serveWith(t, db, server.Config{MapTilesAbove: above})
}
