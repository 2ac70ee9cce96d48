package e2e_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis"
)

// TestPhoneWorkInBrowser is the phone-first work of issue 13 point 5
// (frontend/e2e/phone.e2e.mjs): a liaison of G01 at 390×844 has 待办 with
// the count of their open requests in the top bar, one tap from the list
// and two from a request; a 催办 from the officer arrives live as a toast
// with the whole note that stays, counts as unread on 消息 and in the tab
// title, and opening the message centre clears it; 登记走访 shows its
// confirmation in view; every control the liaison and the officer reach
// on the phone is at least 44×44 px and every field 16 px; the admin's
// top bar clips no control at 1280, 1366 and 1440 px.
func TestPhoneWorkInBrowser(t *testing.T) {
	url, db := serveForBrowser(t)
	ctx := context.Background()

	officer := grid.User{Role: grid.RoleOfficer}
	if err := db.Pool.QueryRow(ctx, `SELECT u.id, u.zone_id, array_agg(ug.grid_id) FROM app_user u
JOIN user_grid ug ON ug.user_id = u.id WHERE u.username = 'officer-g01' GROUP BY u.id`).Scan(
		&officer.ID, &officer.ZoneID, &officer.GridIDs); err != nil {
		t.Fatal(err)
	}
	// A liaison of G01 who signs in, with three organizations of their own.
	var liaisonID int64
	var liaison string
	if err := db.Pool.QueryRow(ctx, `SELECT a.liaison_id, min(u.username) FROM organization o
JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
JOIN app_user u ON u.liaison_id = a.liaison_id AND u.role = 'liaison' AND NOT u.disabled
WHERE o.grid_id = ANY($1) AND o.active AND o.geom IS NOT NULL
GROUP BY a.liaison_id HAVING count(*) >= 3 ORDER BY a.liaison_id LIMIT 1`, officer.GridIDs).Scan(&liaisonID, &liaison); err != nil {
		t.Fatalf("no liaison of G01 with three organizations: %v", err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT o.id FROM organization o
JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL AND a.liaison_id = $1
WHERE o.active AND o.geom IS NOT NULL ORDER BY o.id LIMIT 3`, liaisonID)
	if err != nil {
		t.Fatal(err)
	}
	var orgs []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Three requests handed to the liaison: two overdue (the first to be
	// chased), one in time.
	titles := []string{"端到端手机：厂区门前道路积水整治", "端到端手机：员工通勤班车", "端到端手机：用电增容申请"}
	var ids []int64
	for i, org := range orgs {
		n := grid.NewRequest{OrgID: org, Category: grid.CategoryOrdinary, Title: titles[i]}
		if err := n.Normalize(); err != nil {
			t.Fatal(err)
		}
		r, _, err := db.CreateRequest(ctx, officer, "", n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.TransitionRequest(ctx, officer, r.ID,
			grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &liaisonID}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	// With the red card already raised: the SLA clock raising it during the
	// run would replace the 催办 notice by a 督办 one.
	if _, err := db.Pool.Exec(ctx, `UPDATE request SET reported_at = now() - interval '10 days',
  response_due_at = now() - interval '9 days', due_at = now() - interval '3 days',
  assigned_at = now() - interval '9 days 12 hours', supervision = 'red'
WHERE id = ANY($1)`, ids[:2]); err != nil {
		t.Fatal(err)
	}

	env := append(logins("officer-g01", "admin"), liaisonLogin(liaison)...)
	// The script applies a plan on the phone. The tests after it measure
	// plans against the demo's own pairs (rebalance_test.go): put them back.
	var started time.Time
	if err := db.Pool.QueryRow(ctx, `SELECT now()`).Scan(&started); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { restorePairs(t, db, started) })
	runBrowserScript(t, url, "phone.e2e.mjs", 7*time.Minute, append(env,
		"E2E_REMIND_ID="+strconv.FormatInt(ids[0], 10), "E2E_VISIT_ORG="+strconv.FormatInt(orgs[2], 10))...)

	// The 催办 was recorded once, by the officer.
	var reminders int
	if err := db.Pool.QueryRow(ctx, `SELECT reminders FROM request WHERE id = $1`, ids[0]).Scan(&reminders); err != nil {
		t.Fatal(err)
	}
	if reminders != 1 {
		t.Errorf("the chased request has %d reminders, want 1", reminders)
	}
}

// restorePairs undoes the plans applied since started: their assignments
// are removed and the ones they ended are open again.
func restorePairs(t *testing.T, db *postgis.DB, started time.Time) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, q := range []string{
		`DELETE FROM assignment WHERE plan_id IN (SELECT id FROM rebalance_plan WHERE applied_at >= $1)`,
		`UPDATE assignment a SET valid_to = NULL WHERE a.valid_to >= $1
AND NOT EXISTS (SELECT 1 FROM assignment b WHERE b.org_id = a.org_id AND b.valid_to IS NULL)`,
	} {
		if _, err := tx.Exec(ctx, q, started); err != nil {
			t.Fatalf("restore the demo's pairs: %v", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
