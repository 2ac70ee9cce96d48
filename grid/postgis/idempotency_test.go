package postgis_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

func claimCtx(z *contactZone, key string) (context.Context, *grid.IdempotencyClaim) {
	c := &grid.IdempotencyClaim{UserID: z.userID, Key: key, Fingerprint: []byte("fp-" + key), Method: "POST", Path: "/x"}
	return grid.WithIdempotencyClaim(context.Background(), c), c
}

// The claim commits with the write and only with it: of concurrent
// writes with one key exactly one happens, the rest find the key taken;
// a write that fails leaves the key free.
func TestIdempotencyClaimCommitsWithTheWrite(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	z := setupContactZone(t, db, "idem-claim", 2, [2][]int{{0}, nil})
	who := grid.Actor{UserID: z.userID}
	contact := grid.Contact{OrgID: z.orgs[0].ID, Kind: grid.ContactCall, At: time.Now().Add(-time.Hour), Note: "幂等并发"}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, _ := claimCtx(z, "same-key")
			_, errs[i] = db.CreateContact(ctx, grid.Scope{All: true}, who, contact)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, grid.ErrIdempotencyKeyTaken):
			t.Errorf("concurrent write: %v, want success or the key taken", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d writes succeeded, want 1", ok)
	}
	if got := countRows(t, db, `SELECT count(*) FROM contact WHERE note = '幂等并发'`); got != 1 {
		t.Errorf("%d contacts written, want 1", got)
	}

	// A failed write (organization out of scope) takes no key.
	ctx, claim := claimCtx(z, "failed-write")
	if _, err := db.CreateContact(ctx, grid.Scope{LiaisonID: -1}, who, contact); err == nil {
		t.Fatal("write out of scope succeeded")
	}
	if _, found, err := db.FindIdempotent(context.Background(), z.userID, "failed-write"); err != nil || found || claim.Committed() {
		t.Errorf("failed write left its key: found=%v committed=%v %v", found, claim.Committed(), err)
	}

	// The answer is saved after the write and read back; an expired key
	// is free again.
	ctx, claim = claimCtx(z, "answered")
	if _, err := db.CreateContact(ctx, grid.Scope{All: true}, who, contact); err != nil || !claim.Committed() {
		t.Fatalf("write: %v committed=%v", err, claim.Committed())
	}
	saved := grid.IdempotentResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"id":1}`), Kept: true}
	if err := db.SaveIdempotentResponse(context.Background(), claim, saved); err != nil {
		t.Fatal(err)
	}
	got, found, err := db.FindIdempotent(context.Background(), z.userID, "answered")
	if err != nil || !found || got.Status != 201 || string(got.Body) != `{"id":1}` || !got.Kept || string(got.Fingerprint) != "fp-answered" {
		t.Errorf("saved answer: %v %v %+v", err, found, got)
	}
	if _, err := db.Pool.Exec(context.Background(), `UPDATE idempotency_key SET created_at = created_at - interval '25 hours'
WHERE key = 'answered'`); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := db.FindIdempotent(context.Background(), z.userID, "answered"); found {
		t.Error("an expired key is still found")
	}
	ctx, claim = claimCtx(z, "answered")
	if _, err := db.CreateContact(ctx, grid.Scope{All: true}, who, contact); err != nil || !claim.Committed() {
		t.Errorf("write with an expired key: %v", err)
	}
	if n, err := db.ForgetIdempotent(context.Background(), time.Now().Add(time.Hour)); err != nil || n < 2 {
		t.Errorf("forget: %d %v", n, err)
	}
}

// Driver errors that say the database is away are EUnavailable; a value
// out of a column's range is EInvalid.
func TestClassify(t *testing.T) {
	proxy := pgtest.NewProxy(t, testDSN)
	db, err := postgis.OpenWith(context.Background(), proxy.DSN, postgis.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	// A connection dropped in the middle of a query, then none at all.
	done := make(chan error, 1)
	go func() {
		_, err := db.Pool.Exec(ctx, "SELECT pg_sleep(30)")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	proxy.Cut()
	if err := <-done; grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("dropped connection: %v", err)
	}
	if err := db.Ping(ctx); grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("refused connection: %v", err)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}

	// statement_timeout and the caller's deadline.
	slow, err := postgis.OpenWith(ctx, testDSN, postgis.Options{MaxConns: 1, StatementTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Pool.Exec(ctx, "SELECT pg_sleep(3)"); grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("statement timeout: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := slow.Pool.Exec(short, "SELECT pg_sleep(3)"); grid.ErrorCode(postgis.Classify(err)) != grid.EUnavailable {
		t.Errorf("deadline: %v", err)
	}
	// Errors about the query itself stay as they are.
	if _, err := slow.Pool.Exec(ctx, "SELECT no_such_column FROM zone"); grid.ErrorCode(postgis.Classify(err)) != grid.EInternal {
		t.Errorf("bad query classified: %v", err)
	}
	if errors.Is(postgis.Classify(nil), nil) != true {
		t.Error("nil error classified")
	}
}

// OpenWith sets the pool size and every connection's limits.
func TestOpenWithLimits(t *testing.T) {
	ctx := context.Background()
	db, err := postgis.OpenWith(ctx, testDSN, postgis.Options{MaxConns: 3, StatementTimeout: 30 * time.Second,
		IdleInTxTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, want := range map[string]string{"statement_timeout": "30s", "idle_in_transaction_session_timeout": "1min"} {
		var got string
		if err := db.Pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
	if cfg := db.Pool.Config(); cfg.MaxConns != 3 || cfg.ConnConfig.ConnectTimeout != postgis.DefaultConnectTimeout {
		t.Errorf("max conns %d, connect timeout %s", cfg.MaxConns, cfg.ConnConfig.ConnectTimeout)
	}
}
