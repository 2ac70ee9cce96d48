package postgis_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// gridOrgs is the ids of n active located organizations of grid g.
func gridOrgs(t *testing.T, db *postgis.DB, g int64, n int) []int64 {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT id FROM organization
WHERE grid_id = $1 AND active AND geom IS NOT NULL ORDER BY id LIMIT $2`, g, n)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < n {
		t.Fatalf("grid %d has %d located organizations, want %d", g, len(ids), n)
	}
	return ids
}

// begin opens a transaction whose statements give up after a second
// waiting for a lock.
func begin(t *testing.T, db *postgis.DB) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(ctx) })
	if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '1s'`); err != nil {
		t.Fatal(err)
	}
	return tx
}

// mustExec runs one statement in tx and fails the test on any error (a lock
// timeout included).
func mustExec(t *testing.T, tx pgx.Tx, what, sql string, args ...any) {
	t.Helper()
	if _, err := tx.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

const (
	flipKind = `UPDATE organization SET kind = CASE kind WHEN 'social' THEN 'enterprise' ELSE 'social' END WHERE id = $1`
	moveOrg  = `UPDATE organization SET geom = ST_Translate(geom, 0.001, 0.0005) WHERE id = $1`
)

// Writes to different organizations of one grid do not wait for each
// other (the pyramid's triggers only append deltas), nor does a fold wait
// for an open writer, whose deltas a later fold takes in; and two folds
// at once count nothing twice. With the pyramid's rows upserted by the
// writers (migration 016) the second writer timed out on them, and two
// writers of several statements could deadlock.
func TestOrgClusterWritersDoNotWait(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN)
	c := setupClusterZones(t, db)
	for i := 0; i < 80; i++ {
		c.create(t, 0)
	}
	if _, err := db.AssignGrids(ctx, c.zones[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FoldTiles(ctx); err != nil {
		t.Fatal(err)
	}
	g1, g2 := c.grids[0].ID, c.grids[1].ID
	in1, in2 := gridOrgs(t, db, g1, 3), gridOrgs(t, db, g2, 2)
	a, b, e := in1[0], in1[1], in1[2]

	// Writer 1 changes A's kind and moves it, and stays open.
	tx1 := begin(t, db)
	mustExec(t, tx1, "writer 1: kind of A", flipKind, a)
	mustExec(t, tx1, "writer 1: move A", moveOrg, a)
	// Writer 2, in the same grid: another organization's kind, a move,
	// and a new organization there.
	tx2 := begin(t, db)
	mustExec(t, tx2, "writer 2: kind of B", flipKind, b)
	mustExec(t, tx2, "writer 2: move B", moveOrg, b)
	mustExec(t, tx2, "writer 2: new organization", `INSERT INTO organization (zone_id, name, uscc, kind, industry, geom, grid_id, grid_reason)
SELECT zone_id, '并发测试新企业', $2, kind, industry, ST_Translate(geom, 0.0002, 0), grid_id, 'manual' FROM organization WHERE id = $1`,
		b, testUSCC(840001))
	if err := tx2.Commit(ctx); err != nil {
		t.Fatalf("writer 2: commit: %v", err)
	}

	// A fold while writer 1 is open takes writer 2's deltas (B's old and
	// new place twice over, the new one's) without waiting for writer 1.
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	n, err := db.FoldTiles(fctx)
	cancel()
	if err != nil {
		t.Fatalf("fold beside an open writer: %v", err)
	}
	if n == 0 {
		t.Fatal("the fold beside an open writer took no delta")
	}
	c.checkTiles(t, "folded beside an open writer")
	c.checkGridCounts(t, "folded beside an open writer")
	if err := tx1.Commit(ctx); err != nil {
		t.Fatalf("writer 1: commit: %v", err)
	}
	if pendingDeltas(t, db) == 0 {
		t.Fatal("writer 1's deltas are gone before a fold after its commit")
	}
	c.checkTiles(t, "writer 1 committed, not folded")
	c.checkGridCounts(t, "writer 1 committed, not folded")
	if n, err := db.FoldTiles(ctx); err != nil || n == 0 {
		t.Fatalf("fold after writer 1: %d, %v", n, err)
	}
	checkRebuild(t, db, "writer 1 folded")
	c.checkTiles(t, "writer 1 folded")

	// Two transactions of two statements each, over four organizations
	// in two grids, taken in opposite order.
	tx3, tx4 := begin(t, db), begin(t, db)
	mustExec(t, tx3, "writer 3: A in grid 1", flipKind, a)
	mustExec(t, tx4, "writer 4: D in grid 2", flipKind, in2[0])
	mustExec(t, tx3, "writer 3: C in grid 2", flipKind, in2[1])
	mustExec(t, tx4, "writer 4: B in grid 1", moveOrg, b)
	for i, tx := range []pgx.Tx{tx3, tx4} {
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("writer %d: commit: %v", i+3, err)
		}
	}

	// Two folds at once: the first holds the deltas it deleted; the second
	// waits for them, skips them once the first commits, and takes the
	// ones written meanwhile.
	before := pendingDeltas(t, db)
	f1, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer f1.Rollback(ctx)
	var n1, n2 int64
	if err := f1.QueryRow(ctx, `SELECT map_fold_org_cluster()`).Scan(&n1); err != nil {
		t.Fatal(err)
	}
	if n1 != int64(before) {
		t.Fatalf("the first fold took %d deltas of %d", n1, before)
	}
	tx5 := begin(t, db)
	mustExec(t, tx5, "writer 5: E", moveOrg, e)
	if err := tx5.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := db.Pool.QueryRow(ctx, `SELECT map_fold_org_cluster()`).Scan(&n2)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the second fold did not wait for the first: %d, %v", n2, err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := f1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n2 != 2 {
		t.Fatalf("the second fold took %d deltas, want writer 5's 2", n2)
	}
	checkRebuild(t, db, "two folds at once")
	c.checkTiles(t, "two folds at once")
	c.checkGridCounts(t, "two folds at once")
}

// TRUNCATE organization empties the pyramid, the grid counts and the
// deltas; it used to leave ghost clusters.
func TestOrgClusterTruncate(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN)
	c := setupClusterZones(t, db)
	for i := 0; i < 20; i++ {
		c.create(t, i%2)
	}
	if _, err := db.AssignGrids(ctx, c.zones[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FoldTiles(ctx); err != nil {
		t.Fatal(err)
	}
	c.create(t, 0) // one pending delta
	if _, err := db.Pool.Exec(ctx, `TRUNCATE organization CASCADE`); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM org_cluster) + (SELECT count(*) FROM org_grid_count)
  + (SELECT count(*) FROM org_cluster_delta)`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d pyramid rows left after TRUNCATE organization", left)
	}
	c.checkTiles(t, "after TRUNCATE")
}
