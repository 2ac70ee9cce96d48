package e2e_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/server"
)

// TestScreens signs in as each role (admin, planner, officer, liaison) at
// desktop and phone sizes and saves a screenshot of every view it reaches
// to docs/screenshots, which the README shows (frontend/e2e/screens.e2e.mjs).
// A view that cannot be reached fails the test.
func TestScreens(t *testing.T) {
	_, db := serveForBrowser(t)
	// The pictures show the map as `make run` serves it: with no basemap
	// configured, on the zone's own streets (not the other tests' tiles).
	url := serveWith(t, db, server.Config{})
	ctx := context.Background()

	// An open request in officer-g01's grid for their 待办 and request
	// panel: the demo's requests of G01 are all closed.
	officer := grid.User{Role: grid.RoleOfficer}
	if err := db.Pool.QueryRow(ctx, `SELECT u.id, u.zone_id, array_agg(ug.grid_id) FROM app_user u
JOIN user_grid ug ON ug.user_id = u.id WHERE u.username = 'officer-g01' GROUP BY u.id`).Scan(
		&officer.ID, &officer.ZoneID, &officer.GridIDs); err != nil {
		t.Fatal(err)
	}
	var org int64
	if err := db.Pool.QueryRow(ctx, `SELECT min(id) FROM organization WHERE grid_id = ANY($1) AND active AND geom IS NOT NULL`,
		officer.GridIDs).Scan(&org); err != nil {
		t.Fatal(err)
	}
	n := grid.NewRequest{OrgID: org, Category: grid.CategoryOrdinary, Title: "厂区道路照明改造协调"}
	if err := n.Normalize(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateRequest(ctx, officer, "", n); err != nil {
		t.Fatal(err)
	}

	// A liaison with open requests in their 待办 and organizations to search.
	var liaison string
	if err := db.Pool.QueryRow(ctx, `SELECT u.username FROM app_user u
JOIN assignment a ON a.liaison_id = u.liaison_id AND a.valid_to IS NULL
JOIN request r ON r.org_id = a.org_id AND r.status NOT IN ('verified', 'rejected')
WHERE u.role = 'liaison' AND NOT u.disabled
GROUP BY u.username ORDER BY count(DISTINCT r.id) DESC, u.username LIMIT 1`).Scan(&liaison); err != nil {
		t.Fatalf("no demo liaison with an open request: %v", err)
	}
	dir, err := filepath.Abs("../docs/screenshots")
	if err != nil {
		t.Fatal(err)
	}
	env := append(append(logins("admin", "planner", "officer-g01"), liaisonLogin(liaison)...), "SCREENS_DIR="+dir)
	runBrowserScript(t, url, "screens.e2e.mjs", 15*time.Minute, env...)
}
