package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/grid/rebalance"
)

// rebalanceNow is the demo's clock; tests run theirs a day later.
var rebalanceNow = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

// rebalanceZone loads a fresh copy of the Scale 1 demo zone (36 liaisons,
// 404 organizations) under its own code and usernames, so that each test
// changes only its own zone, and gives db a clock it can move on. It
// returns the zone's id and the dataset.
func rebalanceZone(t *testing.T, db *postgis.DB, clock *testClock) (int64, *demo.Dataset) {
	t.Helper()
	ds := demo.Generate(demo.Options{Now: rebalanceNow, Scale: 1})
	code := fmt.Sprintf("rb%d", time.Now().UnixNano()%1e12)
	ds.Zone.Code = code
	for i := range ds.Users {
		ds.Users[i].Username = code + "-" + ds.Users[i].Username
	}
	if err := db.LoadDataset(t.Context(), ds.Dataset, seedFakeHash); err != nil {
		t.Fatalf("load the demo zone: %v", err)
	}
	z, err := db.FindZone(t.Context(), code)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = clock.Now
	return z.ID, ds
}

// newTestClock is a settable clock, a day after the demo's.
func newTestClock() *testClock { return &testClock{now: rebalanceNow.Add(24 * time.Hour)} }

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// The input read back from PostGIS is the generated one: the same counts,
// classes, pins and grid names, and the same optimum and metrics (ids are
// shifted by the load, places must survive exactly).
func TestRebalanceInputLoadsTheZone(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, ds := rebalanceZone(t, db, clock)
	want := ds.RebalanceInput()
	got, err := db.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	classes := func(in rebalance.Input) map[rebalance.PriorityClass]int {
		m := map[rebalance.PriorityClass]int{}
		for _, o := range in.Orgs {
			m[o.Class]++
		}
		return m
	}
	pins := func(in rebalance.Input) (n int) {
		for _, c := range in.Current {
			if c.Pinned {
				n++
			}
		}
		return n
	}
	names := func(in rebalance.Input) []string { return slices.Sorted(maps.Values(in.GridNames)) }
	if len(got.Liaisons) != demo.LiaisonsPerScale || len(got.Orgs) != demo.OrgsPerScale {
		t.Errorf("%d liaisons and %d organizations, want %d and %d", len(got.Liaisons), len(got.Orgs),
			demo.LiaisonsPerScale, demo.OrgsPerScale)
	}
	if len(got.Current) != len(want.Current) || pins(got) != pins(want) || pins(got) == 0 {
		t.Errorf("%d assignments (%d pinned), want %d (%d pinned)", len(got.Current), pins(got), len(want.Current), pins(want))
	}
	if diff := cmp.Diff(classes(want), classes(got)); diff != "" {
		t.Errorf("priority classes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(names(want), names(got)); diff != "" {
		t.Errorf("grid names (-want +got):\n%s", diff)
	}
	wantPlan, err := rebalance.Solve(want)
	if err != nil {
		t.Fatal(err)
	}
	gotPlan, err := rebalance.Solve(got)
	if err != nil {
		t.Fatal(err)
	}
	if gotPlan.Objective != wantPlan.Objective || len(gotPlan.Moves) != len(wantPlan.Moves) {
		t.Errorf("plan from the database: %.2f m, %d moves; generated: %.2f m, %d moves",
			gotPlan.Objective, len(gotPlan.Moves), wantPlan.Objective, len(wantPlan.Moves))
	}
	if diff := cmp.Diff(wantPlan.Before, gotPlan.Before); diff != "" {
		t.Errorf("before metrics (-generated +loaded):\n%s", diff)
	}
	again, err := db.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
	if err != nil || again.Fingerprint() != got.Fingerprint() {
		t.Errorf("loading twice: fingerprints differ (err %v)", err)
	}

	// Only active organizations and liaisons count, and only pairs of both.
	var orgID, liaisonID int64
	if err := db.Pool.QueryRow(ctx, `
SELECT a.org_id, a.liaison_id FROM assignment a JOIN organization o ON o.id = a.org_id
WHERE o.zone_id = $1 AND a.valid_to IS NULL AND NOT a.pinned ORDER BY a.org_id LIMIT 1`, zoneID).Scan(&orgID, &liaisonID); err != nil {
		t.Fatal(err)
	}
	load := 0
	for _, c := range got.Current {
		if c.LiaisonID == liaisonID {
			load++
		}
	}
	exec(t, db, `UPDATE organization SET active = false WHERE id = $1`, orgID)
	exec(t, db, `UPDATE liaison SET active = false WHERE id = $1`, liaisonID)
	less, err := db.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(less.Orgs) != len(got.Orgs)-1 || len(less.Liaisons) != len(got.Liaisons)-1 || len(less.Current) != len(got.Current)-load {
		t.Errorf("after deactivating: %d organizations, %d liaisons, %d assignments; want %d, %d, %d",
			len(less.Orgs), len(less.Liaisons), len(less.Current), len(got.Orgs)-1, len(got.Liaisons)-1, len(got.Current)-load)
	}
	if less.Fingerprint() == got.Fingerprint() {
		t.Error("deactivating did not change the fingerprint")
	}
	if _, err := db.RebalanceInput(ctx, zoneID+1000, rebalance.DefaultOptions()); err != nil {
		t.Errorf("an unknown zone: %v, want an empty input", err)
	}
}

func exec(t *testing.T, db *postgis.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Pool.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

var cliActor = grid.Actor{ClientAddr: "cli"}

// A plan is stored as built, read back whole, listed newest first and
// drawn as move lines.
func TestSaveFindListRebalancePlans(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	zoneID, _ := rebalanceZone(t, db, newTestClock())
	saved, in, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	p, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Status != rebalance.PlanDraft || saved.ZoneID != zoneID || saved.Fingerprint != in.Fingerprint() ||
		saved.MoveCount != len(p.Moves) || len(p.Moves) == 0 || saved.Objective != p.Objective || saved.CreatedBy != 0 {
		t.Errorf("saved plan %+v", saved)
	}
	found, err := db.FindRebalancePlan(ctx, saved.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(saved, found); diff != "" {
		t.Errorf("found plan (-saved +found):\n%s", diff)
	}
	if diff := cmp.Diff(p.Moves, found.Moves); diff != "" {
		t.Errorf("moves (-built +found):\n%s", diff)
	}
	if diff := cmp.Diff(p.After, found.After); diff != "" {
		t.Errorf("after metrics (-built +found):\n%s", diff)
	}
	if _, err := db.FindRebalancePlan(ctx, saved.ID+1000); grid.ErrorCode(err) != grid.ENotFound {
		t.Errorf("unknown plan: %v", err)
	}
	if n := auditCount(t, db, "rebalance_plan_create", saved.ID); n != 1 {
		t.Errorf("%d audit rows for the new plan", n)
	}

	t.Run("list", func(t *testing.T) {
		opts := rebalance.DefaultOptions()
		opts.Stability = 500
		second, _, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, opts)
		if err != nil {
			t.Fatal(err)
		}
		plans, err := db.ListRebalancePlans(ctx, rebalance.PlanFilter{ZoneID: &zoneID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(plans) != 2 || plans[0].ID != second.ID || plans[1].ID != saved.ID || plans[0].Moves != nil ||
			plans[0].MoveCount != second.MoveCount || plans[0].Options.Stability != 500 {
			t.Errorf("listed %+v", plans)
		}
		page, err := db.ListRebalancePlans(ctx, rebalance.PlanFilter{ZoneID: &zoneID, BeforeID: second.ID, Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != saved.ID {
			t.Errorf("second page %+v, %v", page, err)
		}
	})

	t.Run("move lines", func(t *testing.T) {
		type feature struct {
			ID       int64 `json:"id"`
			Geometry struct {
				Type        string      `json:"type"`
				Coordinates [][]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				OrgID         int64    `json:"org_id"`
				FromLiaisonID *int64   `json:"from_liaison_id"`
				ToLiaisonID   *int64   `json:"to_liaison_id"`
				Distance      *float64 `json:"distance_m"`
			} `json:"properties"`
		}
		var got []feature
		err := db.EachRebalanceMoveFeature(ctx, saved.ID, rebalance.MoveFilter{}, func(f grid.Feature) error {
			var ft feature
			if err := json.Unmarshal(f.JSON, &ft); err != nil {
				return err
			}
			got = append(got, ft)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(p.Moves) {
			t.Fatalf("%d move lines, want %d", len(got), len(p.Moves))
		}
		for i, f := range got {
			m := p.Moves[i]
			points := 1
			if m.FromLiaisonID != 0 {
				points++
			}
			if m.ToLiaisonID != 0 {
				points++
			}
			id := func(p *int64) int64 {
				if p == nil {
					return 0
				}
				return *p
			}
			if f.ID != m.OrgID || f.Properties.OrgID != m.OrgID || id(f.Properties.FromLiaisonID) != m.FromLiaisonID ||
				id(f.Properties.ToLiaisonID) != m.ToLiaisonID || f.Geometry.Type != "LineString" ||
				len(f.Geometry.Coordinates) != points || (f.Properties.Distance == nil) != (m.ToLiaisonID == 0) {
				t.Errorf("move %+v drawn as %+v", m, f)
			}
		}
		var paged []int64
		err = db.EachRebalanceMoveFeature(ctx, saved.ID, rebalance.MoveFilter{AfterOrgID: p.Moves[0].OrgID, Limit: 2},
			func(f grid.Feature) error { paged = append(paged, f.ID); return nil })
		if err != nil || len(paged) != 2 || paged[0] != p.Moves[1].OrgID {
			t.Errorf("page after the first move: %v, %v", paged, err)
		}
		err = db.EachRebalanceMoveFeature(ctx, saved.ID+1000, rebalance.MoveFilter{}, func(grid.Feature) error { return nil })
		if grid.ErrorCode(err) != grid.ENotFound {
			t.Errorf("moves of an unknown plan: %v", err)
		}
	})
}

func auditCount(t *testing.T, db *postgis.DB, action string, planID int64) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2`,
		action, fmt.Sprintf("rebalance_plan:%d", planID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// assignmentRow is one row of the assignment history.
type assignmentRow struct {
	OrgID, LiaisonID int64
	ValidFrom        time.Time
	ValidTo          *time.Time
	Cause            string
	Pinned           bool
	PlanID           *int64
}

func zoneAssignments(t *testing.T, db *postgis.DB, zoneID int64) []assignmentRow {
	t.Helper()
	rows, err := db.Pool.Query(t.Context(), `
SELECT a.org_id, a.liaison_id, a.valid_from, a.valid_to, a.cause, a.pinned, a.plan_id
FROM assignment a JOIN organization o ON o.id = a.org_id WHERE o.zone_id = $1
ORDER BY a.org_id, a.valid_from`, zoneID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []assignmentRow
	for rows.Next() {
		var r assignmentRow
		if err := rows.Scan(&r.OrgID, &r.LiaisonID, &r.ValidFrom, &r.ValidTo, &r.Cause, &r.Pinned, &r.PlanID); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Applying a plan closes exactly the moved pairs, opens the new ones with
// cause rebalance, keeps every earlier row, and leaves the zone in the
// plan's state: planning again moves nothing. A second apply is refused.
func TestApplyRebalancePlan(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	saved, in, err := rebalance.DraftPlan(ctx, db, grid.Actor{ClientAddr: "cli"}, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	before := zoneAssignments(t, db, zoneID)
	clock.advance(time.Hour)
	applied, err := db.ApplyRebalancePlan(ctx, cliActor, saved.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	if applied.Status != rebalance.PlanApplied || applied.AppliedAt == nil || !applied.AppliedAt.Equal(now) {
		t.Errorf("applied plan %+v", applied)
	}
	after := zoneAssignments(t, db, zoneID)

	moved := map[int64]rebalance.Move{}
	opened := 0
	for _, m := range plan.Moves {
		moved[m.OrgID] = m
		if m.ToLiaisonID != 0 {
			opened++
		}
	}
	if len(after) != len(before)+opened {
		t.Errorf("%d assignment rows after, want %d before + %d opened", len(after), len(before), opened)
	}
	// Every earlier row is still there, closed now only if its
	// organization moved.
	key := func(r assignmentRow) string { return fmt.Sprintf("%d/%d/%s", r.OrgID, r.LiaisonID, r.ValidFrom) }
	afterByKey := map[string]assignmentRow{}
	for _, r := range after {
		afterByKey[key(r)] = r
	}
	for _, b := range before {
		a, ok := afterByKey[key(b)]
		_, isMoved := moved[b.OrgID]
		switch {
		case !ok:
			t.Errorf("assignment %+v was lost", b)
		case b.ValidTo != nil && (a.ValidTo == nil || !a.ValidTo.Equal(*b.ValidTo)):
			t.Errorf("closed assignment %+v changed to %+v", b, a)
		case b.ValidTo == nil && isMoved && (a.ValidTo == nil || !a.ValidTo.Equal(now)):
			t.Errorf("moved organization's assignment %+v not closed now: %+v", b, a)
		case b.ValidTo == nil && !isMoved && a.ValidTo != nil:
			t.Errorf("unmoved organization's assignment %+v closed: %+v", b, a)
		}
	}
	for _, r := range after {
		if !r.ValidFrom.Equal(now) {
			continue
		}
		m, ok := moved[r.OrgID]
		if !ok || m.ToLiaisonID != r.LiaisonID || r.Cause != "rebalance" || r.Pinned || r.PlanID == nil ||
			*r.PlanID != saved.ID || r.ValidTo != nil {
			t.Errorf("opened %+v for move %+v", r, m)
		}
	}
	// The zone is now in the plan's state.
	now2, err := db.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var want []rebalance.Pair
	for _, a := range plan.Assignment {
		if a.LiaisonID != 0 {
			want = append(want, a)
		}
	}
	if diff := cmp.Diff(want, now2.Current); diff != "" {
		t.Errorf("active assignments (-plan +database):\n%s", diff)
	}
	// Each plan may add 10 % to the travel it starts from; with no more,
	// the applied plan is the optimum and nothing moves.
	now2.Options.MaxTravelIncrease = new(0.0)
	again, err := rebalance.Solve(now2)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Moves) != 0 || again.Before.Objective != again.After.Objective {
		t.Errorf("planning again after apply: %d moves", len(again.Moves))
	}
	if diff := cmp.Diff(plan.After.ByClass, again.Before.ByClass); diff != "" {
		t.Errorf("coverage after apply (-plan +database):\n%s", diff)
	}
	if n := auditCount(t, db, "rebalance_plan_apply", saved.ID); n != 1 {
		t.Errorf("%d apply audit rows", n)
	}

	clock.advance(time.Minute)
	if _, err := db.ApplyRebalancePlan(ctx, cliActor, saved.ID); grid.ErrorCode(err) != grid.EConflict {
		t.Errorf("second apply: %v, want a conflict", err)
	}
	if diff := cmp.Diff(after, zoneAssignments(t, db, zoneID)); diff != "" {
		t.Errorf("the second apply changed assignments (-before +after):\n%s", diff)
	}
	if _, err := db.ApplyRebalancePlan(ctx, cliActor, saved.ID+1000); grid.ErrorCode(err) != grid.ENotFound {
		t.Errorf("unknown plan: %v", err)
	}
}

// Any change to what the plan was built from makes apply refuse with a
// conflict, change no assignment, and mark the plan stale.
func TestApplyRefusesChangedBaseData(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	in, err := db.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var free, pinnedOrg rebalance.Pair
	for _, c := range in.Current {
		if c.Pinned && pinnedOrg.OrgID == 0 {
			pinnedOrg = c
		}
		if !c.Pinned && free.OrgID == 0 {
			free = c
		}
	}
	var otherLiaison int64
	for _, l := range in.Liaisons {
		if l.ID != free.LiaisonID {
			otherLiaison = l.ID
			break
		}
	}
	changes := []struct {
		name   string
		change func(t *testing.T)
	}{
		{"manual reassignment", func(t *testing.T) {
			if _, err := db.SetOrgLiaison(ctx, grid.Scope{All: true}, cliActor, free.OrgID,
				grid.LiaisonChange{LiaisonID: &otherLiaison}); err != nil {
				t.Fatal(err)
			}
		}},
		{"unpinned", func(t *testing.T) {
			if _, err := db.SetOrgLiaison(ctx, grid.Scope{All: true}, cliActor, pinnedOrg.OrgID,
				grid.LiaisonChange{LiaisonID: &pinnedOrg.LiaisonID}); err != nil {
				t.Fatal(err)
			}
		}},
		{"new open request", func(t *testing.T) {
			exec(t, db, `
INSERT INTO request (zone_id, org_id, title, category, reported_at, response_due_at, due_at)
SELECT zone_id, id, '厂房消防验收', 'ordinary', $2, $2::timestamptz + interval '1 day', $2::timestamptz + interval '7 days'
FROM organization WHERE id = (SELECT min(o.id) FROM organization o WHERE o.zone_id = $1 AND NOT EXISTS (
  SELECT 1 FROM request r WHERE r.org_id = o.id AND r.status NOT IN ('verified', 'rejected')))`, zoneID, clock.Now())
		}},
		{"liaison capacity", func(t *testing.T) {
			exec(t, db, `UPDATE liaison SET max_load = max_load + 1 WHERE id = $1`, otherLiaison)
		}},
		{"organization moved", func(t *testing.T) {
			exec(t, db, `UPDATE organization SET geom = ST_Translate(geom, 0.001, 0) WHERE id = $1`, free.OrgID)
		}},
		{"organization certified high-tech", func(t *testing.T) {
			exec(t, db, `UPDATE organization SET high_tech = true WHERE id = (
  SELECT min(id) FROM organization WHERE zone_id = $1 AND kind = 'social' AND NOT high_tech)`, zoneID)
		}},
		{"liaison deactivated", func(t *testing.T) {
			exec(t, db, `UPDATE liaison SET active = false WHERE id = (
  SELECT max(id) FROM liaison WHERE zone_id = $1 AND active)`, zoneID)
		}},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			clock.advance(time.Minute)
			saved, _, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, rebalance.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			clock.advance(time.Minute)
			c.change(t)
			before := zoneAssignments(t, db, zoneID)
			clock.advance(time.Minute)
			_, err = db.ApplyRebalancePlan(ctx, cliActor, saved.ID)
			if grid.ErrorCode(err) != grid.EConflict {
				t.Fatalf("apply after the change: %v, want a conflict", err)
			}
			if diff := cmp.Diff(before, zoneAssignments(t, db, zoneID)); diff != "" {
				t.Errorf("a refused apply changed assignments (-before +after):\n%s", diff)
			}
			p, err := db.FindRebalancePlan(ctx, saved.ID)
			if err != nil || p.Status != rebalance.PlanStale {
				t.Errorf("plan after the refusal: %s, %v; want stale", p.Status, err)
			}
			if n := auditCount(t, db, "rebalance_plan_stale", saved.ID); n != 1 {
				t.Errorf("%d stale audit rows", n)
			}
			if _, err := db.ApplyRebalancePlan(ctx, cliActor, saved.ID); grid.ErrorCode(err) != grid.EConflict {
				t.Errorf("applying a stale plan: %v, want a conflict", err)
			}
		})
	}
}

// Of two applies racing, exactly one wins: the same plan twice, or two
// plans built from the same data. The loser changes nothing.
func TestConcurrentApplies(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	// The loser must be refused by the locks (the plan already applied,
	// or stale), not by a constraint halfway through its writes.
	race := func(t *testing.T, loserSays string, ids ...int64) {
		t.Helper()
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, id := range ids {
			wg.Go(func() {
				<-start
				_, err := db.ApplyRebalancePlan(context.Background(), cliActor, id)
				switch grid.ErrorCode(err) {
				case "":
				case grid.EConflict:
					if !strings.Contains(err.Error(), loserSays) {
						t.Errorf("apply %d lost with %v, want it to say %q", id, err, loserSays)
					}
					conflicts.Add(1)
					return
				default:
					if err != nil {
						t.Errorf("apply %d: %v", id, err)
						return
					}
				}
				if err == nil {
					wins.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != int32(len(ids)-1) {
			t.Errorf("%d applies won and %d conflicted, want 1 and %d", wins.Load(), conflicts.Load(), len(ids)-1)
		}
	}
	opened := func(t *testing.T) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM assignment WHERE plan_id IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("the same plan", func(t *testing.T) {
		saved, _, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, rebalance.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		before := opened(t)
		clock.advance(time.Minute)
		race(t, "was applied", saved.ID, saved.ID, saved.ID)
		want := 0
		for _, m := range saved.Moves {
			if m.ToLiaisonID != 0 {
				want++
			}
		}
		if got := opened(t) - before; got != want || want == 0 {
			t.Errorf("%d assignments opened, want the plan's %d once", got, want)
		}
	})
	t.Run("two plans of the same data", func(t *testing.T) {
		// Undo some of the first apply's work so that there is something
		// to plan again.
		in, err := db.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Minute)
		n := 0
		for _, c := range in.Current {
			if !c.Pinned && n < 20 {
				if _, err := db.SetOrgLiaison(ctx, grid.Scope{All: true}, cliActor, c.OrgID, grid.LiaisonChange{}); err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		a, _, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, rebalance.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		opts := rebalance.DefaultOptions()
		opts.Stability = 100
		b, _, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, opts)
		if err != nil {
			t.Fatal(err)
		}
		if a.MoveCount == 0 || b.MoveCount == 0 {
			t.Fatalf("plans with %d and %d moves: nothing to race", a.MoveCount, b.MoveCount)
		}
		clock.advance(time.Minute)
		race(t, "stale", a.ID, b.ID)
	})
}

// The case on the demo zone in PostGIS: the default plan keeps
// every new economic and social organization that has a liaison, brings
// more in, stays within +10 % travel, and says why the rest stay out
// (the travel bound, and liaisons' capacity, which the capacity answer
// counts grid by grid). The tradeoffs survive the round trip.
func TestDemoDefaultPlanKeepsNewEconomicAndSocial(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	zoneID, _ := rebalanceZone(t, db, newTestClock())
	saved, in, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	kind := map[int64]grid.OrgKind{}
	for _, o := range in.Orgs {
		kind[o.ID] = o.Kind
	}
	covered := map[int64]bool{}
	for _, c := range in.Current {
		covered[c.OrgID] = true
	}
	for _, m := range saved.Moves {
		if k := kind[m.OrgID]; k != grid.KindEnterprise && m.FromLiaisonID != 0 && m.ToLiaisonID == 0 {
			t.Errorf("%s organization %d loses its liaison", k, m.OrgID)
		}
		if m.ToLiaisonID != 0 {
			covered[m.OrgID] = true
		}
	}
	b, a := saved.Before, saved.After
	for k, total := range map[grid.OrgKind]int{grid.KindNewEconomic: 85, grid.KindSocial: 19} {
		if b.ByKind[k].Total != total || a.ByKind[k].Covered < b.ByKind[k].Covered {
			t.Errorf("%s: before %+v, after %+v", k, b.ByKind[k], a.ByKind[k])
		}
	}
	tr := saved.Tradeoffs
	if tr == nil || !tr.KeepCoverage || !tr.CoverageKept || !tr.TravelWithinLimit || tr.TravelLimit == nil ||
		a.TotalDistance > *tr.TravelLimit || *tr.TravelLimit > b.TotalDistance*1.1 {
		t.Fatalf("tradeoffs %+v, travel %.0f → %.0f m", tr, b.TotalDistance, a.TotalDistance)
	}
	// Those still out are out for a stated reason.
	if a.ByKind[grid.KindSocial].Covered < 19 || a.ByKind[grid.KindNewEconomic].Covered < 85 {
		if !slices.Contains(tr.Reasons, rebalance.ReasonTravelLimitBinding) || !slices.Contains(tr.Reasons, rebalance.ReasonCapacityShort) ||
			tr.Unbounded == nil {
			t.Errorf("new economic or social organizations left out without a reason: %+v", tr)
		}
	}
	capacity, err := rebalance.Capacity(in)
	if err != nil {
		t.Fatal(err)
	}
	if capacity.Capacity != 36*8 || capacity.Uncoverable != 404-36*8 || tr.Unbounded.Uncovered != capacity.Uncoverable {
		t.Errorf("capacity %d, uncoverable %d; the plan without the travel bound leaves %d out",
			capacity.Capacity, capacity.Uncoverable, tr.Unbounded.Uncovered)
	}
	found, err := db.FindRebalancePlan(ctx, saved.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(saved.Tradeoffs, found.Tradeoffs); diff != "" {
		t.Errorf("tradeoffs (-saved +found):\n%s", diff)
	}
	if diff := cmp.Diff(saved.After, found.After); diff != "" {
		t.Errorf("after (-saved +found):\n%s", diff)
	}
	for _, k := range grid.OrgKinds {
		t.Logf("%-12s before %3d/%3d  after %3d/%3d  without the travel bound %3d", k,
			b.ByKind[k].Covered, b.ByKind[k].Total, a.ByKind[k].Covered, a.ByKind[k].Total, tr.Unbounded.ByKind[k].Covered)
	}
	t.Logf("travel %.1f → %.1f km (limit %.1f km), longest %.2f → %.2f km; kept %d, reassigned %d, dropped %d, added %d",
		b.TotalDistance/1000, a.TotalDistance/1000, *tr.TravelLimit/1000, b.LongestDistance/1000, a.LongestDistance/1000,
		a.Kept, a.Reassigned, a.Dropped, a.Added)
	t.Logf("capacity: %d places for %d organizations, %d more liaisons needed", capacity.Capacity, capacity.Organizations, capacity.LiaisonsNeeded)
	for _, g := range capacity.Grids {
		t.Logf("  %s: %d organizations, %d liaisons (%d places), %d left out %v, %d more liaisons",
			g.GridName, g.Organizations, g.Liaisons, g.Capacity, g.Uncoverable, g.ByKind, g.LiaisonsNeeded)
	}
}
