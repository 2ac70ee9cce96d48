package postgis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"gridgis/grid/postgis/pgtest"
)

// TRUNCATE of assignment, contact or request resets what org_activity
// kept of it, and of organization empties both tables: every listing
// still reads as the live query's.
func TestOrgFeatureTruncate(t *testing.T) {
	db := pgtest.Fresh(t, testDSN)
	z := newDriftZone(t, db)
	for range 20 {
		z.write(t)
	}
	z.check(t, "the writes")
	count := func(cond string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM org_activity WHERE `+cond).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct{ table, kept string }{
		{"contact", "contact_max IS NOT NULL OR visit_max IS NOT NULL"},
		{"request", "open_requests <> 0"},
		{"assignment", "liaison_id IS NOT NULL OR pinned"},
	} {
		if count(c.kept) == 0 {
			t.Fatalf("no organization with a %s before the TRUNCATE: the test tests nothing", c.table)
		}
		z.exec(t, `TRUNCATE `+c.table+` CASCADE`)
		if n := count(c.kept); n != 0 {
			t.Errorf("TRUNCATE %s left %d organizations with its values", c.table, n)
		}
		z.check(t, "TRUNCATE "+c.table)
	}
	z.exec(t, `INSERT INTO contact (org_id, kind, at) SELECT id, 'visit', now() FROM organization LIMIT 3`)
	z.exec(t, `TRUNCATE organization CASCADE`)
	var n int
	if err := db.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM org_feature) + (SELECT count(*) FROM org_activity)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("TRUNCATE organization left %d rows in org_feature and org_activity", n)
	}
}

// An organization writer and the writers of its contacts, requests and
// liaison do not wait for each other: with an UPDATE of an organization
// uncommitted (a register import holds its rows for minutes), a contact,
// a request and a new assignment of that organization commit within a
// lock timeout of a second. Before org_activity they waited on the
// organization's org_feature row.
func TestOrgFeatureNoWaitOnOrgWriter(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	zoneID, _ := rebalanceZone(t, db, newTestClock())
	var org, liaison int64
	if err := db.Pool.QueryRow(ctx, `SELECT a.org_id, (SELECT l.id FROM liaison l WHERE l.zone_id = $1 AND l.active
  AND l.id <> a.liaison_id ORDER BY l.id LIMIT 1)
FROM assignment a JOIN organization o ON o.id = a.org_id
WHERE o.zone_id = $1 AND o.active AND a.valid_to IS NULL ORDER BY a.org_id LIMIT 1`, zoneID).Scan(&org, &liaison); err != nil {
		t.Fatal(err)
	}
	orgTx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer orgTx.Rollback(context.Background())
	if _, err := orgTx.Exec(ctx, `UPDATE organization SET employees = employees + 1 WHERE id = $1`, org); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	for _, w := range []struct {
		name, sql string
		args      []any
	}{
		{"lock timeout", `SET LOCAL lock_timeout = '1s'`, nil},
		{"contact", `INSERT INTO contact (org_id, kind, at) VALUES ($1, 'visit', now())`, []any{org}},
		{"request", `INSERT INTO request (zone_id, org_id, title, category, reported_at, response_due_at, due_at)
SELECT zone_id, id, '并发测试诉求', 'ordinary', now(), now() + interval '1 day', now() + interval '5 days'
FROM organization WHERE id = $1`, []any{org}},
		{"end of the assignment", `UPDATE assignment SET valid_to = now() WHERE org_id = $1 AND valid_to IS NULL`, []any{org}},
		{"new assignment", `INSERT INTO assignment (org_id, liaison_id, valid_from, cause) VALUES ($1, $2, now(), 'manual')`,
			[]any{org, liaison}},
	} {
		if _, err := tx.Exec(ctx, w.sql, w.args...); err != nil {
			t.Fatalf("%s while organization %d's update is open: %v", w.name, org, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := orgTx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var got int64
	var open int
	if err := db.Pool.QueryRow(ctx, `SELECT liaison_id, open_requests FROM org_activity WHERE id = $1`, org).Scan(&got, &open); err != nil {
		t.Fatal(err)
	}
	if got != liaison || open == 0 {
		t.Errorf("org_activity of %d: liaison %d, %d open requests; want liaison %d and a request", org, got, open, liaison)
	}
}

// The latest contact stays exact when an older contact is inserted while
// another transaction deletes the latest, in either order: the second
// waits for the first's lock on the org_activity row, then sees its
// contact. (Before, an insert that did not raise the latest took no lock,
// and the delete's recount missed the uncommitted older contact: a NULL
// latest with a contact there.)
func TestOrgFeatureContactRace(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	zoneID, _ := rebalanceZone(t, db, newTestClock())
	older, latest := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	insert := `INSERT INTO contact (org_id, kind, at) VALUES ($1, 'contact', $2)`
	remove := `DELETE FROM contact WHERE org_id = $1 AND at = $2`
	for i, order := range []struct{ first, second string }{{"insert", "delete"}, {"delete", "insert"}} {
		var org int64
		if err := db.Pool.QueryRow(ctx, `SELECT id FROM organization WHERE zone_id = $1 AND active ORDER BY id OFFSET $2 LIMIT 1`,
			zoneID, i).Scan(&org); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `DELETE FROM contact WHERE org_id = $1`, org); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, insert, org, latest); err != nil {
			t.Fatal(err)
		}
		stmt := map[string]struct {
			sql string
			at  time.Time
		}{"insert": {insert, older}, "delete": {remove, latest}}
		first, err := db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.Exec(ctx, stmt[order.first].sql, org, stmt[order.first].at); err != nil {
			t.Fatal(err)
		}
		second, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pid uint32
		if err := second.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := second.Exec(ctx, stmt[order.second].sql, org, stmt[order.second].at)
			done <- err
		}()
		// Commit the first once the second waits for it (or has finished,
		// as it did before the fix).
		waitForLockOrDone(t, db.Pool, pid, done)
		if err := first.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("%s then %s: %v", order.first, order.second, err)
		}
		second.Release()
		var stored, live *time.Time
		if err := db.Pool.QueryRow(ctx, `SELECT (SELECT contact_max FROM org_activity WHERE id = $1),
  (SELECT max(at) FROM contact WHERE org_id = $1 AND kind = 'contact')`, org).Scan(&stored, &live); err != nil {
			t.Fatal(err)
		}
		if live == nil || !live.Equal(older) || stored == nil || !stored.Equal(*live) {
			t.Errorf("%s then %s: contact_max %v, the live latest %v (want %v)", order.first, order.second, stored, live, older)
		}
	}
}

// waitForLockOrDone waits up to five seconds for backend pid to wait on
// a lock, or for done to have a result (which it puts back).
func waitForLockOrDone(t *testing.T, pool *pgxpool.Pool, pid uint32, done chan error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- err
			return
		default:
		}
		var waiting bool
		if err := pool.QueryRow(t.Context(), `SELECT coalesce(bool_or(wait_event_type = 'Lock'), false) FROM pg_stat_activity
WHERE pid = $1`, pid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal(errors.New("the second statement neither waited nor finished in 5 s"))
}
