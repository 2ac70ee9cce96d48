package faulttest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid/postgis"
)

// TestIntegrityFindsEachFault plants in a database holding the demo zone
// one fault of each kind CheckIntegrity looks for, and checks that it
// finds each exactly once — and nothing before they were planted.
func TestIntegrityFindsEachFault(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dsn := createDatabase(t, ctx, "integrity")
	if err := postgis.Migrate(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	if err := loadDemo(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	l := NewLedger()
	if in, err := CheckIntegrity(ctx, dsn, l); err != nil || len(in.Findings) > 0 {
		t.Fatalf("the demo zone, before any fault: %v\n%s", err, in.Report(5))
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var orgID, demoRequest int64
	if err := conn.QueryRow(ctx, `SELECT min(id) FROM organization`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT min(id) FROM request`).Scan(&demoRequest); err != nil {
		t.Fatal(err)
	}
	contact := func(key string) {
		exec(`INSERT INTO contact (org_id, kind, at, note) VALUES ($1, 'contact', now(), $2)`, orgID, key)
	}
	// lost: acknowledged, never stored.
	l.add(Write{Kind: KindContact, Key: l.key(KindContact), OrgID: orgID, Acked: true, Status: 201})
	// duplicated: a retry stored it again.
	dup := l.key(KindContact)
	contact(dup)
	contact(dup)
	l.add(Write{Kind: KindContact, Key: dup, OrgID: orgID, Acked: true, Status: 201, Attempts: 2, LostAnswer: true})
	// unacknowledged: stored, but the retry was refused.
	kept := l.key(KindContact)
	contact(kept)
	l.add(Write{Kind: KindContact, Key: kept, OrgID: orgID, Status: 409, Attempts: 2, LostAnswer: true})
	// extra_event: a request of the run with a step nobody acknowledged.
	key := l.key(KindRequest)
	var id int64
	if err := conn.QueryRow(ctx, `INSERT INTO request (zone_id, org_id, title, category, status, reported_at,
  response_due_at, due_at, idempotency_key, version)
SELECT zone_id, id, 'planted', 'ordinary', 'assigned', now(), now() + interval '1 day', now() + interval '7 days', $2, 2
FROM organization WHERE id = $1 RETURNING id`, orgID, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO request_event (request_id, at, action, to_status) VALUES ($1, now() - interval '1 minute', 'report', 'reported')`, id)
	exec(`INSERT INTO request_event (request_id, at, action, from_status, to_status, note) VALUES ($1, now(), 'assign', 'reported', 'assigned', 'stray')`, id)
	l.add(Write{Kind: KindRequest, Key: key, OrgID: orgID, RequestID: id, Acked: true, Status: 201})
	// half_done: a version that does not count the steps.
	exec(`UPDATE request SET version = version + 1 WHERE id = $1`, demoRequest)

	in, err := CheckIntegrity(ctx, dsn, l)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"lost", "duplicated", "unacknowledged", "extra_event", "half_done"} {
		if n := in.Count(kind); n != 1 {
			t.Errorf("%d %s findings, want 1", n, kind)
		}
	}
	if len(in.Findings) != 5 {
		t.Errorf("%d findings, want 5:\n%s", len(in.Findings), in.Report(10))
	}
}
