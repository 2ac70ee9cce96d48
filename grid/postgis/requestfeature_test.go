package postgis_test

import (
	"context"
	"encoding/json"
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
	for batch := range 12 {
		var done []string
		for range 30 {
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
	}
	for _, op := range []string{"request", "transition", "request edit", "update", "delete", "import", "regrid", "rebalance"} {
		if kinds[op] == 0 {
			t.Errorf("no %q write was made: %v", op, kinds)
		}
	}

	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, sql := range []string{`DROP TABLE IF EXISTS kept_requests`,
		`CREATE TEMP TABLE kept_requests AS SELECT * FROM request_feature`, `SELECT map_rebuild_request_feature()`} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	var kept, differ int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM kept_requests), count(*) FROM (
  (SELECT * FROM kept_requests EXCEPT SELECT * FROM request_feature)
  UNION ALL (SELECT * FROM request_feature EXCEPT SELECT * FROM kept_requests)) d`).Scan(&kept, &differ); err != nil {
		t.Fatal(err)
	}
	if differ != 0 || kept == 0 {
		t.Errorf("%d of %d rows kept by the triggers differ from a rebuild", differ, kept)
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
// organization, in either order: a filing waits for an uncommitted change
// of the organization (an import's or a regrid's plain UPDATE, which the
// foreign key's lock does not wait for) and renders what it committed,
// and an organization's and a request's changes to the same row both
// land, whichever waits for the other.
func TestRequestFeatureConcurrentWrites(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	z := newDriftZone(t, db)
	org := z.pick(z.ids(t, `SELECT id FROM organization WHERE zone_id = $1 AND active AND geom IS NOT NULL`))
	file := func() error {
		_, _, err := db.CreateRequest(ctx, z.admin, "", grid.NewRequest{OrgID: org, Category: grid.CategoryOrdinary, Title: "并发诉求"})
		return err
	}
	if err := file(); err != nil {
		t.Fatal(err)
	}
	var req int64
	if err := db.Pool.QueryRow(ctx, `SELECT max(id) FROM request WHERE org_id = $1`, org).Scan(&req); err != nil {
		t.Fatal(err)
	}
	rename := func(q interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, name string) error {
		_, err := q.Exec(ctx, `UPDATE organization SET name = $2, version = version + 1 WHERE id = $1`, org, name)
		return err
	}
	retitle := func(q interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, title string) error {
		_, err := q.Exec(ctx, `UPDATE request SET title = $2, version = version + 1 WHERE id = $1`, req, title)
		return err
	}
	// first holds its write uncommitted while second starts, which must
	// wait for it; then first commits.
	race := func(name string, first func(pgx.Tx) error, second func() error) {
		t.Helper()
		tx, err := db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := first(tx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		done := make(chan error, 1)
		go func() { done <- second() }()
		select {
		case err := <-done:
			t.Fatalf("%s: the second write did not wait for the first (%v)", name, err)
		case <-time.After(300 * time.Millisecond):
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := <-done; err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		z.checkRequests(t, name)
	}
	race("a filing during a rename", func(tx pgx.Tx) error { return rename(tx, "并发改名一") }, file)
	race("a rename during a request's change", func(tx pgx.Tx) error { return retitle(tx, "并发改题一") },
		func() error { return rename(db.Pool, "并发改名二") })
	race("a request's change during a rename", func(tx pgx.Tx) error { return rename(tx, "并发改名三") },
		func() error { return retitle(db.Pool, "并发改题二") })
}
