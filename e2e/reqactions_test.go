package e2e_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gridgis/grid"
)

// TestReassignAndRemindInBrowser has the officer of G01 hand an overdue
// request to another liaison of their grid with a reason (改派), then to
// its unit alone, and chase
// another (催办) from the 待办 list, at desktop and phone sizes, while the
// chased liaison's map shows the reminder live
// (frontend/e2e/reqactions.e2e.mjs); then checks what the server kept.
func TestReassignAndRemindInBrowser(t *testing.T) {
	url, db := serveForBrowser(t)
	ctx := context.Background()

	// Two requests the officer assigned to liaisons of G01 who can sign
	// in, made overdue: the demo's requests of G01 are closed or new.
	officer := grid.User{Role: grid.RoleOfficer}
	if err := db.Pool.QueryRow(ctx, `SELECT u.id, u.zone_id, array_agg(ug.grid_id) FROM app_user u
JOIN user_grid ug ON ug.user_id = u.id WHERE u.username = 'officer-g01' GROUP BY u.id`).Scan(
		&officer.ID, &officer.ZoneID, &officer.GridIDs); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT DISTINCT ON (a.liaison_id) o.id, a.liaison_id, u.username
FROM organization o
JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
JOIN app_user u ON u.liaison_id = a.liaison_id AND u.role = 'liaison' AND NOT u.disabled
WHERE o.grid_id = ANY($1) AND o.active AND o.geom IS NOT NULL
ORDER BY a.liaison_id, o.id LIMIT 2`, officer.GridIDs)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	var chased string
	for i, title := 0, []string{"端到端改派：厂房消防验收", "端到端催办：员工子女入学"}; rows.Next(); i++ {
		var org, liaisonID int64
		if err := rows.Scan(&org, &liaisonID, &chased); err != nil {
			t.Fatal(err)
		}
		n := grid.NewRequest{OrgID: org, Category: grid.CategoryOrdinary, Title: title[i]}
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
	if err := rows.Err(); err != nil || len(ids) < 2 {
		t.Fatalf("%d organizations of G01 with liaisons who sign in (%v), want 2", len(ids), err)
	}
	// With the red card already raised: the SLA clock raising it during the
	// run would replace the liaison's 催办 notice by a 督办 one.
	if _, err := db.Pool.Exec(ctx, `UPDATE request SET reported_at = now() - interval '10 days',
  response_due_at = now() - interval '9 days', due_at = now() - interval '3 days',
  assigned_at = now() - interval '9 days 12 hours', supervision = 'red'
WHERE id = ANY($1)`, ids); err != nil {
		t.Fatal(err)
	}

	env := append(logins("officer-g01"), liaisonLogin(chased)...)
	runBrowserScript(t, url, "reqactions.e2e.mjs", 6*time.Minute, append(env,
		"E2E_REASSIGN_ID="+strconv.FormatInt(ids[0], 10), "E2E_REMIND_ID="+strconv.FormatInt(ids[1], 10))...)

	// The server kept two 改派 (the second to the unit alone) with their
	// reasons, the first overdue, two 催办, and audited each.
	var reason string
	var overdue bool
	var liaison *int64
	var reminders, reassigns, remindAudits int
	if err := db.Pool.QueryRow(ctx, `SELECT
  (SELECT note FROM request_event WHERE request_id = $1 AND action = 'reassign' ORDER BY id DESC LIMIT 1),
  (SELECT (data->>'overdue')::boolean FROM request_event WHERE request_id = $1 AND action = 'reassign' ORDER BY id LIMIT 1),
  (SELECT liaison_id FROM request WHERE id = $1),
  (SELECT reminders FROM request WHERE id = $2),
  (SELECT count(*) FROM audit_log a JOIN app_user u ON u.id = a.actor_id
     WHERE u.username = 'officer-g01' AND a.action = 'request_reassign' AND a.target = 'request:' || $1::bigint),
  (SELECT count(*) FROM audit_log a JOIN app_user u ON u.id = a.actor_id
     WHERE u.username = 'officer-g01' AND a.action = 'request_remind' AND a.target = 'request:' || $2::bigint)`,
		ids[0], ids[1]).Scan(&reason, &overdue, &liaison, &reminders, &reassigns, &remindAudits); err != nil {
		t.Fatal(err)
	}
	if reason == "" || !overdue || liaison != nil || reminders != 2 || reassigns != 2 || remindAudits != 2 {
		t.Errorf("reason %q, overdue %v, liaison %v, %d reminders, %d reassign and %d remind audit rows; want a reason, true, none, 2, 2, 2",
			reason, overdue, liaison, reminders, reassigns, remindAudits)
	}
}
