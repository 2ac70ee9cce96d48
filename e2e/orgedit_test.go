package e2e_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gridgis/grid"
)

// TestOrgEditInBrowser has an officer register an organization by clicking
// the map, drag it to a new spot, deregister it and place one registered
// without coordinates, at desktop and phone sizes, and an admin set a grid
// by hand and back (frontend/e2e/orgedit.e2e.mjs); then checks the history
// the server kept.
func TestOrgEditInBrowser(t *testing.T) {
	url, db := serveForBrowser(t)
	ctx := context.Background()

	// An organization imported without coordinates, in the officer's zone.
	var zoneID int64
	if err := db.Pool.QueryRow(ctx, `SELECT zone_id FROM app_user WHERE username = 'officer-g01'`).Scan(&zoneID); err != nil {
		t.Fatal(err)
	}
	body := "91410400MAD" + time.Now().Format("150405")
	check, _ := grid.USCCCheckChar(body)
	unlocated, err := db.CreateOrg(ctx, grid.Org{ZoneID: zoneID, Name: "端到端待定位企业", USCC: body + string(check),
		Kind: grid.KindEnterprise, Industry: "端到端测试行业", Employees: 8, PartyOrg: grid.PartyNone, Unlocated: true})
	if err != nil {
		t.Fatal(err)
	}

	runBrowserScript(t, url, "orgedit.e2e.mjs", 6*time.Minute,
		append(logins("officer-g01", "admin"), "E2E_UNLOCATED_ID="+strconv.FormatInt(unlocated.ID, 10))...)

	// Every change is in the audit log, by the officer; nothing was deleted.
	var creates, updates, retires int
	if err := db.Pool.QueryRow(ctx, `SELECT
  count(*) FILTER (WHERE a.action = 'org_create'), count(*) FILTER (WHERE a.action = 'org_update'),
  count(*) FILTER (WHERE a.action = 'org_retire')
FROM audit_log a JOIN app_user u ON u.id = a.actor_id WHERE u.username = 'officer-g01'`).Scan(&creates, &updates, &retires); err != nil {
		t.Fatal(err)
	}
	if creates != 1 || updates != 3 || retires != 1 {
		t.Errorf("audit: %d created, %d updated, %d retired; want 1, 3 (move, edit, placement), 1", creates, updates, retires)
	}
	var retired int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM organization WHERE zone_id = $1 AND status = 'deregistered'
  AND NOT active AND retired_at IS NOT NULL`, zoneID).Scan(&retired); err != nil || retired != 1 {
		t.Errorf("%d deregistered organizations kept (%v), want 1", retired, err)
	}
}
