package postgis_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gridgis/grid"
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
