package postgis_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
)

// loopZone is a small zone for the request loop: two grids with an
// organization each, a liaison covering the first, a unit, and users.
type loopZone struct {
	db                *postgis.DB
	orgA, orgB        int64 // in grids A and B
	liaisonID, unitID int64
	admin, officerA   grid.User
	officerB, liaison grid.User
	clock             *testClock
}

var (
	loopOnce sync.Once
	loop     *loopZone
)

func newLoopZone(t *testing.T) *loopZone {
	t.Helper()
	loopOnce.Do(func() {
		lz, err := buildLoopZone(context.Background())
		if err != nil {
			t.Errorf("loop zone: %v", err)
			return
		}
		loop = lz
	})
	if loop == nil {
		t.Fatal("loop zone set-up failed")
	}
	return loop
}

func buildLoopZone(ctx context.Context) (*loopZone, error) {
	db, err := postgis.Open(ctx, testDSN)
	if err != nil {
		return nil, err
	}
	lz := &loopZone{db: db, clock: &testClock{now: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}}
	db.Now = lz.clock.Now
	square := func(x float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, 0}, {x + 1, 0}, {x + 1, 1}, {x, 1}, {x, 0}}}}
	}
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "loop-test", Name: "闭环测试区",
		Boundary: orb.MultiPolygon{{{{10, 0}, {12, 0}, {12, 1}, {10, 1}, {10, 0}}}}})
	if err != nil {
		return nil, err
	}
	var orgs []int64
	for i, code := range []string{"LA", "LB"} {
		g, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: code, Name: code + "网格", Industry: "行业" + code,
			Geom: square(10 + float64(i))})
		if err != nil {
			return nil, err
		}
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: "闭环测试" + code + "公司", USCC: testUSCC(810000 + i),
			Kind: grid.KindEnterprise, Industry: "行业" + code, PartyOrg: grid.PartyNone, Location: orb.Point{10.5 + float64(i), 0.5}})
		if err != nil {
			return nil, err
		}
		if _, err := db.Pool.Exec(ctx, `UPDATE organization SET grid_id = $1, grid_reason = 'industry' WHERE id = $2`, g.ID, o.ID); err != nil {
			return nil, err
		}
		orgs = append(orgs, o.ID)
	}
	lz.orgA, lz.orgB = orgs[0], orgs[1]
	err = db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
SELECT $1, '闭环联络员', grid_id, geom FROM organization WHERE id = $2 RETURNING id`, zone.ID, lz.orgA).Scan(&lz.liaisonID)
	if err != nil {
		return nil, err
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause) VALUES ($1, $2, 'rule')`, lz.orgA, lz.liaisonID); err != nil {
		return nil, err
	}
	if err := db.Pool.QueryRow(ctx, `INSERT INTO unit (zone_id, name, kind) VALUES ($1, '供电公司', 'service') RETURNING id`,
		zone.ID).Scan(&lz.unitID); err != nil {
		return nil, err
	}
	for _, u := range []struct {
		into  *grid.User
		user  grid.User
		grids []string
	}{
		{&lz.admin, grid.User{Username: "loop-admin", Role: grid.RoleAdmin}, nil},
		{&lz.officerA, grid.User{Username: "loop-officer-a", Role: grid.RoleOfficer}, []string{"LA"}},
		{&lz.officerB, grid.User{Username: "loop-officer-b", Role: grid.RoleOfficer}, []string{"LB"}},
		{&lz.liaison, grid.User{Username: "loop-liaison", Role: grid.RoleLiaison, LiaisonID: lz.liaisonID}, nil},
	} {
		u.user.ZoneID = zone.ID
		if *u.into, err = db.CreateUser(ctx, u.user, "$argon2id$v=19$m=65536,t=1,p=4$bm90dXNlZA$bm90dXNlZA", u.grids); err != nil {
			return nil, err
		}
	}
	return lz, nil
}

func report(t *testing.T, lz *loopZone, by grid.User, key string, n grid.NewRequest) grid.Request {
	t.Helper()
	if err := n.Normalize(); err != nil {
		t.Fatal(err)
	}
	r, _, err := lz.db.CreateRequest(context.Background(), by, key, n)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	return r.Request
}

func step(t *testing.T, lz *loopZone, by grid.User, id int64, tr grid.Transition) grid.RequestDetail {
	t.Helper()
	d, err := lz.db.TransitionRequest(context.Background(), by, id, tr)
	if err != nil {
		t.Fatalf("%s: %v", tr.Action, err)
	}
	return d
}

func errCode(err error) string {
	var e *grid.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestRequestLoop(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	start := lz.clock.Now()
	n := grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryComplex, Title: "厂房用电增容", Description: "需增容至 2000 kVA"}
	r := report(t, lz, lz.officerA, "key-1", n)
	if r.Status != grid.StatusReported || r.Version != 1 || r.ReportedBy != lz.officerA.ID {
		t.Fatalf("reported %+v", r)
	}
	if created, _, err := lz.db.CreateRequest(ctx, lz.officerA, "key-1", n); err != nil || len(created.Events) != 1 ||
		created.Events[0].Action != string(grid.ActionReport) {
		t.Errorf("the report's history: %v %+v", err, created.Events)
	}
	if !r.ResponseDueAt.Equal(start.Add(24*time.Hour)) || !r.DueAt.Equal(start.Add(30*24*time.Hour)) {
		t.Errorf("deadlines %v %v", r.ResponseDueAt, r.DueAt)
	}

	t.Run("idempotency", func(t *testing.T) {
		again, replayed, err := lz.db.CreateRequest(ctx, lz.officerA, "key-1", n)
		if err != nil || !replayed || again.ID != r.ID {
			t.Errorf("retry: %v replayed=%v id %d, want %d", err, replayed, again.ID, r.ID)
		}
		other := n
		other.Title = "另一件事"
		if _, _, err := lz.db.CreateRequest(ctx, lz.officerA, "key-1", other); errCode(err) != grid.EUnprocessable {
			t.Errorf("same key, other body: %v", err)
		}
		// Keys belong to their user.
		mine, replayed, err := lz.db.CreateRequest(ctx, lz.admin, "key-1", n)
		if err != nil || replayed || mine.ID == r.ID {
			t.Errorf("another user's key: %v replayed=%v", err, replayed)
		}
		if _, err := lz.db.Pool.Exec(ctx, `DELETE FROM request WHERE id = $1`, mine.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("scope", func(t *testing.T) {
		if _, _, err := lz.db.CreateRequest(ctx, lz.officerB, "", n); errCode(err) != grid.EInvalid {
			t.Errorf("officer of another grid reported: %v", err)
		}
		if _, err := lz.db.FindRequest(ctx, lz.officerB.Scope(), r.ID); errCode(err) != grid.ENotFound {
			t.Errorf("officer of another grid found it: %v", err)
		}
		if _, err := lz.db.TransitionRequest(ctx, lz.officerB, r.ID, grid.Transition{Action: grid.ActionReject, Version: 1, Note: "x"}); errCode(err) != grid.ENotFound {
			t.Errorf("officer of another grid acted: %v", err)
		}
	})

	t.Run("assignee checks", func(t *testing.T) {
		bad := int64(999999)
		_, err := lz.db.TransitionRequest(ctx, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &bad})
		var e *grid.Error
		if !errors.As(err, &e) || e.Field != "liaison_id" {
			t.Errorf("unknown liaison: %v", err)
		}
		_, err = lz.db.TransitionRequest(ctx, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, UnitID: &bad})
		if !errors.As(err, &e) || e.Field != "unit_id" {
			t.Errorf("unknown unit: %v", err)
		}
	})

	lz.clock.Set(start.Add(3 * time.Hour))
	d := step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID, UnitID: &lz.unitID})
	if d.Status != grid.StatusAssigned || d.LiaisonID != lz.liaisonID || d.UnitID != lz.unitID || d.AssignedAt == nil {
		t.Fatalf("assigned %+v", d.Request)
	}
	step(t, lz, lz.liaison, r.ID, grid.Transition{Action: grid.ActionStart, Version: 2})
	step(t, lz, lz.liaison, r.ID, grid.Transition{Action: grid.ActionResolve, Version: 3, Note: "已协调供电公司"})
	if _, err := lz.db.TransitionRequest(ctx, lz.liaison, r.ID, grid.Transition{Action: grid.ActionSendBack, Version: 4}); errCode(err) != grid.EForbidden {
		t.Errorf("liaison reviewed: %v", err)
	}
	step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionSendBack, Version: 4, Note: "仍未通电"})
	step(t, lz, lz.liaison, r.ID, grid.Transition{Action: grid.ActionResolve, Version: 5, Note: "已通电"})
	five := 5
	lz.clock.Set(start.Add(50 * time.Hour))
	d = step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionVerify, Version: 6, Satisfaction: &five})
	if d.Status != grid.StatusVerified || d.Version != 7 || d.ReworkCount != 1 || d.Satisfaction != 5 ||
		d.ClosedAt == nil || !d.ClosedAt.Equal(start.Add(50*time.Hour)) || d.ResolvedBy != lz.liaison.ID {
		t.Errorf("verified %+v", d.Request)
	}
	var actions []string
	for _, e := range d.Events {
		actions = append(actions, e.Action)
	}
	want := []string{"report", "assign", "start", "resolve", "send_back", "resolve", "verify"}
	if len(actions) != len(want) {
		t.Fatalf("events %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("events %v, want %v", actions, want)
		}
	}
	if d.Events[6].Data["satisfaction"] != float64(5) || d.Events[4].Note != "仍未通电" || d.Events[0].From != "" {
		t.Errorf("event details %+v", d.Events)
	}
	found, err := lz.db.FindRequest(ctx, lz.liaison.Scope(), r.ID)
	if err != nil || found.Version != 7 || len(found.Events) != 7 || found.OrgName != "闭环测试LA公司" {
		t.Errorf("find as liaison: %v %+v", err, found.Request)
	}
	// A closed request moves no further.
	if _, err := lz.db.TransitionRequest(ctx, lz.admin, r.ID, grid.Transition{Action: grid.ActionReject, Version: 7, Note: "x"}); errCode(err) != grid.EConflict {
		t.Errorf("reject after verify: %v", err)
	}
}

// Fifty transitions from one version at once: exactly one wins, the rest
// are conflicts, and exactly one event row is written.
func TestConcurrentTransitions(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	r := report(t, lz, lz.officerA, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: "并发测试"})
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			by := lz.officerA
			if i%2 == 1 {
				by = lz.admin
			}
			_, errs[i] = lz.db.TransitionRequest(ctx, by, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID})
		}()
	}
	close(ready)
	wg.Wait()
	var won, conflicts int
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errCode(err) == grid.EConflict:
			conflicts++
		default:
			t.Errorf("unexpected %v", err)
		}
	}
	var events, version int
	if err := lz.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM request_event WHERE request_id = $1 AND action = 'assign'),
  (SELECT version FROM request WHERE id = $1)`, r.ID).Scan(&events, &version); err != nil {
		t.Fatal(err)
	}
	if won != 1 || conflicts != n-1 || events != 1 || version != 2 {
		t.Errorf("%d won, %d conflicts, %d assign events, version %d; want 1, %d, 1, 2", won, conflicts, events, version, n-1)
	}
}

// EscalateRequests raises each card once, agrees with
// grid.Request.Escalation, and concurrent runs do not double it.
func TestEscalateRequests(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	base := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	lz.clock.Set(base)
	t.Cleanup(func() { lz.clock.Set(base) })
	rng := rand.New(rand.NewPCG(7, 11))
	cards := []grid.Supervision{grid.SupervisionNone, grid.SupervisionYellow, grid.SupervisionRed}
	type probe struct {
		r    grid.Request
		want grid.Supervision
		up   bool
	}
	now := base.Add(40 * 24 * time.Hour)
	var probes []probe
	for i := range 120 {
		r := report(t, lz, lz.admin, "", grid.NewRequest{OrgID: lz.orgB, Category: grid.RequestCategories[i%2], Title: "督办测试"})
		r.ReportedAt = base.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
		r.ResponseDueAt, r.DueAt = grid.DefaultSLA.Deadlines(r.Category, r.ReportedAt)
		r.Status = grid.RequestStatuses[rng.IntN(len(grid.RequestStatuses))]
		r.Supervision = cards[rng.IntN(3)]
		if _, err := lz.db.Pool.Exec(ctx, `UPDATE request SET status = $2, reported_at = $3, response_due_at = $4, due_at = $5,
  supervision = $6, satisfaction = CASE WHEN $2::text = 'verified' THEN 4 END,
  closed_at = CASE WHEN $2::text IN ('verified', 'rejected') THEN $3::timestamptz END
WHERE id = $1`, r.ID, r.Status, r.ReportedAt, r.ResponseDueAt, r.DueAt, r.Supervision); err != nil {
			t.Fatal(err)
		}
		want, up := r.Escalation(now)
		probes = append(probes, probe{r, want, up})
	}
	lz.clock.Set(now)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if counts[i], err = lz.db.EscalateRequests(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	raised := 0
	for _, p := range probes {
		var got grid.Supervision
		var events int
		if err := lz.db.Pool.QueryRow(ctx, `SELECT supervision,
  (SELECT count(*) FROM request_event WHERE request_id = r.id AND action = 'supervise') FROM request r WHERE id = $1`,
			p.r.ID).Scan(&got, &events); err != nil {
			t.Fatal(err)
		}
		wantEvents := 0
		if p.up {
			wantEvents, raised = 1, raised+1
		}
		if got != p.want || events != wantEvents {
			t.Errorf("%s reported %s card %s: SQL %s with %d events, Go %s with %d", p.r.Status, p.r.ReportedAt,
				p.r.Supervision, got, events, p.want, wantEvents)
		}
	}
	// Other tests' open requests in the zone may be raised too; every card
	// raised is one event.
	var written int
	if err := lz.db.Pool.QueryRow(ctx, `SELECT count(*) FROM request_event WHERE action = 'supervise' AND at = $1`, now).Scan(&written); err != nil {
		t.Fatal(err)
	}
	if total := counts[0] + counts[1] + counts[2] + counts[3]; total != written || raised == 0 || written < raised {
		t.Errorf("runs raised %v cards, %d events written, %d expected among the probes", counts, written, raised)
	}
	// Reading and escalating again raises nothing new.
	if n, err := lz.db.EscalateRequests(ctx); err != nil || n != 0 {
		t.Errorf("second run raised %d: %v", n, err)
	}
}

func supervisionOf(t *testing.T, lz *loopZone, id int64) (grid.Supervision, int) {
	t.Helper()
	var s grid.Supervision
	var n int
	if err := lz.db.Pool.QueryRow(context.Background(), `SELECT supervision,
  (SELECT count(*) FROM request_event WHERE request_id = r.id AND action = 'supervise') FROM request r WHERE id = $1`,
		id).Scan(&s, &n); err != nil {
		t.Fatal(err)
	}
	return s, n
}

// openAt is a second store on the test database with its own clock.
func openAt(t *testing.T, now func() time.Time) *postgis.DB {
	t.Helper()
	db, err := postgis.Open(context.Background(), testDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	db.Now = now
	return db
}

// An escalation run while a step is between its read and its update
// neither is lost nor raises the card twice.
func TestEscalationDuringTransition(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	base := time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC)
	lz.clock.Set(base)
	t.Cleanup(func() { lz.clock.Set(base) })
	r := report(t, lz, lz.admin, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: "督办竞态"})
	d := step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID})
	later := base.Add(6 * 24 * time.Hour) // the last 20 % of the week: yellow
	clock := openAt(t, func() time.Time { return later })
	escalated := make(chan error, 1)
	fired := false
	// The step reads the clock after reading the request: the SLA clock
	// runs right then, on another connection.
	racer := openAt(t, func() time.Time {
		if !fired {
			fired = true
			go func() { _, err := clock.EscalateRequests(ctx); escalated <- err }()
			time.Sleep(300 * time.Millisecond)
		}
		return later
	})
	if _, err := racer.TransitionRequest(ctx, lz.liaison, r.ID, grid.Transition{Action: grid.ActionStart, Version: d.Version}); err != nil {
		t.Fatal(err)
	}
	if err := <-escalated; err != nil {
		t.Fatal(err)
	}
	if _, err := clock.EscalateRequests(ctx); err != nil {
		t.Fatal(err)
	}
	if s, n := supervisionOf(t, lz, r.ID); s != grid.SupervisionYellow || n != 1 {
		t.Errorf("card %s raised %d times, want yellow once", s, n)
	}
}

// An escalation waiting on a request that is being assigned judges it as
// assigned: the response phase's red card is not put on a request with a
// week left to resolve it.
func TestEscalationJudgesTheRowAsUpdated(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	base := time.Date(2027, 2, 1, 8, 0, 0, 0, time.UTC)
	lz.clock.Set(base)
	t.Cleanup(func() { lz.clock.Set(base) })
	r := report(t, lz, lz.admin, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: "督办阶段"})
	later := base.Add(25 * time.Hour) // the response is overdue
	clock := openAt(t, func() time.Time { return later })
	tx, err := lz.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// What an assignment's UPDATE does, held open while the clock runs.
	if _, err := tx.Exec(ctx, `UPDATE request SET status = 'assigned', liaison_id = $2, assigned_at = $3,
  supervision = 'none', version = version + 1 WHERE id = $1`, r.ID, lz.liaisonID, later); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := clock.EscalateRequests(ctx); done <- err }()
	time.Sleep(300 * time.Millisecond)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s, n := supervisionOf(t, lz, r.ID); s != grid.SupervisionNone || n != 0 {
		t.Errorf("assigned request got card %s (%d events)", s, n)
	}
}

// Officers hand requests only to the liaisons of their own grids.
func TestAssignWithinOfficersGrids(t *testing.T) {
	lz := newLoopZone(t)
	r := report(t, lz, lz.officerB, "", grid.NewRequest{OrgID: lz.orgB, Category: grid.CategoryOrdinary, Title: "跨网格交办"})
	_, err := lz.db.TransitionRequest(context.Background(), lz.officerB, r.ID,
		grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID})
	var e *grid.Error
	if !errors.As(err, &e) || e.Field != "liaison_id" {
		t.Errorf("officer of LB assigned LA's liaison: %v", err)
	}
	if _, err := lz.db.TransitionRequest(context.Background(), lz.admin, r.ID,
		grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID}); err != nil {
		t.Errorf("admin may hand it to any liaison of the zone: %v", err)
	}
}
