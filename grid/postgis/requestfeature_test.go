package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// requestFilters are the request listings read from the projection: the
// map's (open requests) and the API's filters on them.
func (z *driftZone) requestFilters(t *testing.T) map[string]grid.RequestFilter {
	all := grid.Scope{All: true}
	open, reported, assigned := grid.StatusOpen, grid.StatusReported, grid.StatusAssigned
	yes, no := true, false
	b := z.box
	mid := geo.BBox{MinLon: b.MinLon + (b.MaxLon-b.MinLon)/4, MinLat: b.MinLat + (b.MaxLat-b.MinLat)/4,
		MaxLon: b.MaxLon - (b.MaxLon-b.MinLon)/4, MaxLat: b.MaxLat - (b.MaxLat-b.MinLat)/4}
	g := z.grids[0]
	fs := map[string]grid.RequestFilter{
		"the map":           {Scope: grid.Scope{All: true, ZoneID: z.zoneID}, Status: &open},
		"page 2":            {Scope: all, Status: &open, AfterID: z.pick(z.ids(t, `SELECT id FROM request WHERE zone_id = $1`)), Limit: 7},
		"reported":          {Scope: all, Status: &reported},
		"assigned in bbox":  {Scope: all, Status: &assigned, BBox: &mid},
		"open in bbox":      {Scope: all, Status: &open, BBox: &mid},
		"overdue":           {Scope: all, Overdue: &yes},
		"open, not overdue": {Scope: all, Status: &open, Overdue: &no},
		"open of a grid":    {Scope: all, Status: &open, GridID: &g},
		"officer":           {Scope: grid.Scope{ZoneID: z.zoneID, GridIDs: z.grids[:2]}, Status: &open},
	}
	for _, l := range z.liaisons[:4] {
		fs[fmt.Sprintf("liaison %d", l)] = grid.RequestFilter{Scope: grid.Scope{ZoneID: z.zoneID, LiaisonID: l}, Status: &open}
	}
	// A liaison handed a request about an organization that is not theirs.
	if l := z.ids(t, `SELECT r.liaison_id FROM request r
LEFT JOIN assignment a ON a.org_id = r.org_id AND a.valid_to IS NULL
WHERE r.zone_id = $1 AND r.status NOT IN ('verified', 'rejected') AND r.liaison_id IS NOT NULL
  AND a.liaison_id IS DISTINCT FROM r.liaison_id ORDER BY r.id LIMIT 1`); len(l) > 0 {
		fs["liaison handed a request"] = grid.RequestFilter{Scope: grid.Scope{ZoneID: z.zoneID, LiaisonID: l[0]}, Status: &open}
	}
	return fs
}

// checkRequests compares every request listing read from the projection
// with the live query's, row by row, the Features as parsed JSON and as
// bytes, and the projection's count with the live listing's length.
func (z *driftZone) checkRequests(t *testing.T, after string) {
	t.Helper()
	ctx := context.Background()
	type row struct {
		ID      int64
		BBox    geo.BBox
		Feature any
		Text    string
	}
	read := func(each func(context.Context, grid.RequestFilter, grid.FeatureFunc) error, f grid.RequestFilter) []row {
		var out []row
		if err := each(ctx, f, func(ft grid.Feature) error {
			r := row{ID: ft.ID, BBox: ft.BBox, Text: string(ft.JSON)}
			if err := json.Unmarshal(ft.JSON, &r.Feature); err != nil {
				return fmt.Errorf("feature %d: %w: %s", ft.ID, err, ft.JSON)
			}
			out = append(out, r)
			return nil
		}); err != nil {
			t.Fatalf("after %s: %v", after, err)
		}
		return out
	}
	var listed int
	for name, f := range z.requestFilters(t) {
		if sql := z.db.RequestFeatureQuery(f); !strings.Contains(sql, "FROM request_feature") {
			t.Fatalf("%s is not read from the projection: %.300s", name, sql)
		}
		got, want := read(z.db.EachRequestFeature, f), read(z.db.EachRequestFeatureLive, f)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("after %s, %s: the projection drifted from the live query (-live +projection):\n%s", after, name, diff)
		}
		if name == "the map" {
			listed = len(got)
		}
		whole := f
		whole.AfterID, whole.Limit = 0, 0
		if n, err := z.db.CountRequests(ctx, f); err != nil || n != int64(len(read(z.db.EachRequestFeatureLive, whole))) {
			t.Fatalf("after %s, %s: counted %d (%v), the live query lists %d", after, name, n, err, len(read(z.db.EachRequestFeatureLive, whole)))
		}
	}
	if listed < 5 {
		t.Fatalf("after %s: only %d open requests on the map", after, listed)
	}
}

// The request projection never drifts: after random writes through the
// store's methods, the bulk paths, the SLA escalation and plain SQL,
// every listing of open requests read from it is the live query's, byte
// for byte, and the rows the triggers kept are a rebuild's.
func TestRequestFeatureNoDrift(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	z := newDriftZone(t, db)
	// More open requests than the demo's few, on located organizations.
	orgs := z.ids(t, `SELECT id FROM organization WHERE zone_id = $1 AND active AND geom IS NOT NULL`)
	for i := range 30 {
		n := grid.NewRequest{OrgID: z.pick(orgs), Category: grid.CategoryOrdinary, Title: fmt.Sprintf("投影测试诉求 \"%d\"", i)}
		if _, _, err := db.CreateRequest(ctx, z.admin, "", n); err != nil {
			t.Fatal(err)
		}
	}
	z.checkRequests(t, "the seed")
	kinds := map[string]int{}
	for batch := range 9 {
		var done []string
		for range 25 {
			done = append(done, z.write(t))
		}
		if _, err := db.EscalateRequests(ctx); err != nil {
			t.Fatal(err)
		}
		done = append(done, "escalate", z.bulk(t, batch%3))
		for _, op := range done {
			kinds[op]++
		}
		z.checkRequests(t, fmt.Sprintf("batch %d (%v)", batch, done))
		if batch%2 == 0 { // reads are the same before and after a fold
			if _, err := db.FoldTiles(ctx); err != nil {
				t.Fatal(err)
			}
			z.checkRequests(t, fmt.Sprintf("batch %d and a fold", batch))
		}
	}
	for _, op := range []string{"request", "transition", "request edit", "update", "delete", "import", "regrid", "rebalance"} {
		if kinds[op] == 0 {
			t.Errorf("no %q write was made: %v", op, kinds)
		}
	}

	// After a fold, what the triggers kept is a rebuild's, and every
	// organization with open requests has its row.
	if _, err := db.FoldTiles(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, sql := range []string{`DROP TABLE IF EXISTS kept_requests, kept_orgs`,
		`CREATE TEMP TABLE kept_requests AS SELECT * FROM request_feature`,
		`CREATE TEMP TABLE kept_orgs AS SELECT * FROM request_org`, `SELECT map_rebuild_request_feature()`} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	for kept, table := range map[string]string{"kept_requests": "request_feature", "kept_orgs": "request_org"} {
		var n, differ int
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM `+kept+`), count(*) FROM (
  (SELECT * FROM `+kept+` EXCEPT SELECT * FROM `+table+`)
  UNION ALL (SELECT * FROM `+table+` EXCEPT SELECT * FROM `+kept+`)) d`).Scan(&n, &differ); err != nil {
			t.Fatal(err)
		}
		if differ != 0 || n == 0 {
			t.Errorf("%s: %d of %d rows kept by the triggers and the fold differ from a rebuild", table, differ, n)
		}
	}
}

// Closed requests are not in the projection: those listings, and every
// status at once, are read live.
func TestRequestFeatureClosedLive(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	verified := grid.StatusVerified
	no := false
	for name, f := range map[string]grid.RequestFilter{
		"every status": {Scope: grid.Scope{All: true}},
		"verified":     {Scope: grid.Scope{All: true}, Status: &verified},
		"not overdue":  {Scope: grid.Scope{All: true}, Overdue: &no},
	} {
		if sql := db.RequestFeatureQuery(f); strings.Contains(sql, "request_feature") {
			t.Errorf("%s is read from the projection: %.200s", name, sql)
		}
	}
}

// The projection holds under concurrent writes of a request and its
// organization, and neither waits for the other (a register import holds
// its organizations for minutes): a filing, a request's change and the
// fold go through while an organization's UPDATE is uncommitted, and a
// rename while a request's change is; every read before and after the
// commits and the folds is the live query's.
func TestRequestFeatureConcurrentWrites(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	z := newDriftZone(t, db)
	orgs := z.ids(t, `SELECT id FROM organization o WHERE zone_id = $1 AND active AND geom IS NOT NULL
  AND NOT EXISTS (SELECT FROM request r WHERE r.org_id = o.id AND r.status NOT IN ('verified', 'rejected')) ORDER BY id`)
	type execer interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}
	file := func(org int64) func() error {
		return func() error {
			_, _, err := db.CreateRequest(ctx, z.admin, "", grid.NewRequest{OrgID: org, Category: grid.CategoryOrdinary, Title: "并发诉求"})
			return err
		}
	}
	rename := func(q execer, org int64, name string) error {
		_, err := q.Exec(ctx, `UPDATE organization SET name = $2, version = version + 1 WHERE id = $1`, org, name)
		return err
	}
	retitle := func(q execer, org int64, title string) error {
		_, err := q.Exec(ctx, `UPDATE request SET title = $2, version = version + 1
WHERE id = (SELECT max(id) FROM request WHERE org_id = $1)`, org, title)
		return err
	}
	fold := func() error {
		_, err := db.FoldTiles(ctx)
		return err
	}
	// first holds its write uncommitted while second runs, which must not
	// wait for it; reads are checked before and after first commits, and
	// after a fold.
	race := func(name string, first func(pgx.Tx) error, second ...func() error) {
		t.Helper()
		tx, err := db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := first(tx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, w := range second {
			done := make(chan error, 1)
			go func() { done <- w() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("%s, write %d: %v", name, i, err)
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("%s: write %d waits for the uncommitted one", name, i)
			}
		}
		z.checkRequests(t, name+", before the commit")
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		z.checkRequests(t, name)
		if err := fold(); err != nil {
			t.Fatal(err)
		}
		z.checkRequests(t, name+", folded")
	}
	a, b, c := orgs[0], orgs[1], orgs[2]
	if err := file(a)(); err != nil { // a has a request_org row after the fold; b and c none
		t.Fatal(err)
	}
	if err := fold(); err != nil {
		t.Fatal(err)
	}
	race("filings and a fold during renames", func(tx pgx.Tx) error {
		if err := rename(tx, a, "并发改名一"); err != nil {
			return err
		}
		return rename(tx, b, "并发改名二")
	}, file(a), file(b), fold, file(b))
	race("a rename during a request's change", func(tx pgx.Tx) error { return retitle(tx, a, "并发改题一") },
		func() error { return rename(db.Pool, a, "并发改名三") })
	race("a request's change and a filing during a rename", func(tx pgx.Tx) error { return rename(tx, a, "并发改名四") },
		func() error { return retitle(db.Pool, a, "并发改题二") }, file(c), fold)
	race("a fold during a filing", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO request (zone_id, org_id, title, category, reported_at, response_due_at, due_at)
SELECT zone_id, id, '并发测试诉求', 'ordinary', now(), now() + interval '1 day', now() + interval '5 days'
FROM organization WHERE id = $1`, orgs[3])
		return err
	}, fold, func() error { return rename(db.Pool, orgs[3], "并发改名五") })
}

// An organization written at REPEATABLE READ never leaves its request_org
// row stale: a fold that adds the row after the writer's snapshot makes
// the write fail to serialize (review 14d, finding 1), and a write
// without such a race lands in the row.
func TestRequestFeatureRepeatableReadWriter(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	z := newDriftZone(t, db)
	orgs := z.ids(t, `SELECT id FROM organization o WHERE zone_id = $1 AND active AND geom IS NOT NULL
  AND NOT EXISTS (SELECT FROM request r WHERE r.org_id = o.id) ORDER BY id`)
	a, b := orgs[0], orgs[1]
	rename := func(tx pgx.Tx, org int64, name string) error {
		_, err := tx.Exec(ctx, `UPDATE organization SET name = $2, version = version + 1 WHERE id = $1`, org, name)
		return err
	}
	// The race: the writer's snapshot predates the filing and the fold.
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM organization WHERE id = $1`, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateRequest(ctx, z.admin, "", grid.NewRequest{OrgID: a, Category: grid.CategoryOrdinary, Title: "快照诉求"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FoldTiles(ctx); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := rename(tx, a, "快照改名"); !errors.As(err, &pgErr) || pgErr.Code != "40001" {
		t.Fatalf("a rename racing the fold at REPEATABLE READ: %v, want a serialization failure", err)
	}
	tx.Rollback(ctx)
	z.checkRequests(t, "after the failed rename")
	// Without the race the write lands, and an organization without open
	// requests gets a row that the fold drops again.
	tx, err = db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := rename(tx, a, "快照改名二"); err != nil {
		t.Fatal(err)
	}
	if err := rename(tx, b, "快照改名三"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	z.checkRequests(t, "after a rename at REPEATABLE READ")
	if _, err := db.FoldTiles(ctx); err != nil {
		t.Fatal(err)
	}
	z.checkRequests(t, "folded")
	var extra int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM request_org WHERE org_id = $1`, b).Scan(&extra); err != nil {
		t.Fatal(err)
	}
	if extra != 0 {
		t.Fatalf("the fold left organization %d's row, which has no open requests", b)
	}
}
