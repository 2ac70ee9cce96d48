package postgis_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gridgis/grid"
)

// liaisonIn adds an active liaison based at organization orgID's point, in
// its grid.
func liaisonIn(t *testing.T, lz *loopZone, orgID int64, name string) int64 {
	t.Helper()
	var id int64
	if err := lz.db.Pool.QueryRow(context.Background(), `INSERT INTO liaison (zone_id, name, grid_id, base)
SELECT zone_id, $2, grid_id, geom FROM organization WHERE id = $1 RETURNING id`, orgID, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// reminders is the 催办 count of group key in q's answer.
func reminders(t *testing.T, lz *loopZone, q grid.StatsQuery, key int64) int64 {
	t.Helper()
	s, err := lz.db.Stats(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range s.Groups {
		if g.Key == strconv.FormatInt(key, 10) {
			return g.Reminders
		}
	}
	return 0
}

// 改派 and 催办 as an officer takes them on an assigned request: refused to
// a liaison, outside the officer's grids, on a stale version, to a liaison
// of another grid and on a closed request; recorded in the history, the
// audit log and the live stream (to the old and the new assignee), and
// counted for appraisal against whoever was chased.
func TestReassignAndRemind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lz := newLoopZone(t)
	second := liaisonIn(t, lz, lz.orgA, "改派接手联络员")
	outside := liaisonIn(t, lz, lz.orgB, "外网格联络员")
	var gridA int64
	if err := lz.db.Pool.QueryRow(ctx, `SELECT grid_id FROM organization WHERE id = $1`, lz.orgA).Scan(&gridA); err != nil {
		t.Fatal(err)
	}
	now := lz.clock.Now()
	byLiaison := grid.StatsQuery{Scope: lz.admin.Scope(), From: now.AddDate(-1, 0, 0), To: now.AddDate(0, 0, 1), By: grid.StatsByLiaison}
	byGrid := byLiaison
	byGrid.By = grid.StatsByGrid
	before := [3]int64{reminders(t, lz, byLiaison, lz.liaisonID), reminders(t, lz, byLiaison, second), reminders(t, lz, byGrid, gridA)}

	r := report(t, lz, lz.officerA, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: "超期待改派"})
	step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID})

	// 交办 once: a second is a conflict and writes no second entry.
	if _, err := lz.db.TransitionRequest(ctx, lz.officerA, r.ID,
		grid.Transition{Action: grid.ActionAssign, Version: 2, LiaisonID: &second}); errCode(err) != grid.EConflict {
		t.Errorf("second assign: %v, want a conflict", err)
	}
	// 催办 counts against whoever has the request then.
	d, err := lz.db.RemindRequest(ctx, lz.officerA, grid.Actor{UserID: lz.officerA.ID}, r.ID, grid.Reminder{Version: 2, Note: "请尽快联系企业"})
	if err != nil || d.Reminders != 1 || d.Version != 3 || d.Status != grid.StatusAssigned {
		t.Fatalf("remind: %v %+v", err, d.Request)
	}

	who := grid.Actor{UserID: lz.officerA.ID, ClientAddr: "192.0.2.7"}
	move := grid.Reassignment{Version: 3, LiaisonID: &second, Reason: "原联络员长期出差"}
	refused := []struct {
		name string
		by   grid.User
		a    grid.Reassignment
		want string
	}{
		{"liaison", lz.liaison, move, grid.EForbidden},
		{"officer of another grid", lz.officerB, move, grid.ENotFound},
		{"stale version", lz.officerA, grid.Reassignment{Version: 2, LiaisonID: &second, Reason: "原联络员长期出差"}, grid.EConflict},
		{"liaison of another grid", lz.officerA, grid.Reassignment{Version: 3, LiaisonID: &outside, Reason: "原联络员长期出差"}, grid.EInvalid},
		{"no reason", lz.officerA, grid.Reassignment{Version: 3, LiaisonID: &second}, grid.EInvalid},
	}
	for _, tt := range refused {
		if _, err := lz.db.ReassignRequest(ctx, tt.by, who, r.ID, tt.a); errCode(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	if _, err := lz.db.RemindRequest(ctx, lz.liaison, who, r.ID, grid.Reminder{Version: 3}); errCode(err) != grid.EForbidden {
		t.Errorf("liaison reminded: %v", err)
	}
	if _, err := lz.db.RemindRequest(ctx, lz.officerB, who, r.ID, grid.Reminder{Version: 3}); errCode(err) != grid.ENotFound {
		t.Errorf("officer of another grid reminded: %v", err)
	}

	events := make(chan grid.Event, 64)
	connected := make(chan struct{}, 1)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		_ = lz.db.ListenEvents(lctx, func() { connected <- struct{}{} }, func(e grid.Event) { events <- e })
	}()
	<-connected

	d, err = lz.db.ReassignRequest(ctx, lz.officerA, who, r.ID, move)
	if err != nil {
		t.Fatal(err)
	}
	if d.LiaisonID != second || d.Version != 4 || d.Status != grid.StatusAssigned || d.AssignedAt == nil {
		t.Errorf("after reassign: %+v", d.Request)
	}
	last := d.Events[len(d.Events)-1]
	if last.Action != "reassign" || last.Note != "原联络员长期出差" || last.ActorID != lz.officerA.ID || last.ActorName == "" ||
		last.Data["from_liaison_id"] != float64(lz.liaisonID) || last.Data["liaison_id"] != float64(second) {
		t.Errorf("reassign history entry %+v", last)
	}
	e := nextEvent(t, ctx, events, r.ID)
	if e.Action != "reassign" || e.LiaisonID != second || e.PrevLiaisonID != lz.liaisonID {
		t.Errorf("live event %+v", e)
	}
	if !lz.liaison.Scope().Sees(e) || !lz.officerA.Scope().Sees(e) || lz.officerB.Scope().Sees(e) ||
		!(grid.Scope{LiaisonID: second}).Sees(e) {
		t.Errorf("who learns of %+v", e)
	}

	d, err = lz.db.RemindRequest(ctx, lz.officerA, who, r.ID, grid.Reminder{Version: 4})
	if err != nil || d.Reminders != 2 || d.Events[len(d.Events)-1].Action != "remind" {
		t.Fatalf("second remind: %v %+v", err, d.Request)
	}
	if e := nextEvent(t, ctx, events, r.ID); e.Action != "remind" || e.LiaisonID != second || !(grid.Scope{LiaisonID: second}).Sees(e) {
		t.Errorf("remind live event %+v", e)
	}
	found, err := lz.db.FindRequest(ctx, lz.admin.Scope(), r.ID)
	if err != nil || found.Reminders != 2 || found.Version != 5 {
		t.Errorf("read back: %v %+v", err, found.Request)
	}

	var assigns, audits int
	target := "request:" + strconv.FormatInt(r.ID, 10)
	if err := lz.db.Pool.QueryRow(ctx, `SELECT
  (SELECT count(*) FROM request_event WHERE request_id = $1 AND action = 'assign'),
  (SELECT count(*) FROM audit_log WHERE target = $3 AND actor_id = $2
     AND action IN ('request_reassign', 'request_remind'))`, r.ID, lz.officerA.ID, target).Scan(&assigns, &audits); err != nil {
		t.Fatal(err)
	}
	if assigns != 1 || audits != 3 {
		t.Errorf("%d assign events (want 1), %d audit rows (want 3: two reminders, one reassignment)", assigns, audits)
	}
	var addr, reason string
	if err := lz.db.Pool.QueryRow(ctx, `SELECT client_addr, detail->>'note' FROM audit_log
WHERE target = $1 AND action = 'request_reassign'`, target).Scan(&addr, &reason); err != nil || addr != "192.0.2.7" || reason != "原联络员长期出差" {
		t.Errorf("reassign audit row: %v %q %q", err, addr, reason)
	}

	// Appraisal: the first reminder stays with the liaison chased then.
	after := [3]int64{reminders(t, lz, byLiaison, lz.liaisonID), reminders(t, lz, byLiaison, second), reminders(t, lz, byGrid, gridA)}
	if after[0]-before[0] != 1 || after[1]-before[1] != 1 || after[2]-before[2] != 2 {
		t.Errorf("reminders counted %v → %v, want +1 for each liaison and +2 for the grid", before, after)
	}

	// A closed request is neither handed on nor chased.
	closed := report(t, lz, lz.officerA, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: "已不予受理"})
	step(t, lz, lz.officerA, closed.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID})
	step(t, lz, lz.officerA, closed.ID, grid.Transition{Action: grid.ActionReject, Version: 2, Note: "企业已撤回"})
	if _, err := lz.db.ReassignRequest(ctx, lz.officerA, who, closed.ID,
		grid.Reassignment{Version: 3, LiaisonID: &second, Reason: "换人"}); errCode(err) != grid.EConflict {
		t.Errorf("reassigned a closed request: %v", err)
	}
	if _, err := lz.db.RemindRequest(ctx, lz.officerA, who, closed.ID, grid.Reminder{Version: 3}); errCode(err) != grid.EConflict {
		t.Errorf("reminded on a closed request: %v", err)
	}
	var version int
	if err := lz.db.Pool.QueryRow(ctx, `SELECT version FROM request WHERE id = $1`, closed.ID).Scan(&version); err != nil || version != 3 {
		t.Errorf("refused steps changed the closed request: version %d %v", version, err)
	}
}

// nextEvent is the next live event about request id.
func nextEvent(t *testing.T, ctx context.Context, events <-chan grid.Event, id int64) grid.Event {
	t.Helper()
	for {
		select {
		case e := <-events:
			if e.Type == "request" && e.ID == id {
				return e
			}
		case <-ctx.Done():
			t.Fatal("no live event")
		}
	}
}

// group is the group key of q's answer (zero when absent).
func group(t *testing.T, lz *loopZone, q grid.StatsQuery, key int64) grid.StatsGroup {
	t.Helper()
	s, err := lz.db.Stats(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range s.Groups {
		if g.Key == strconv.FormatInt(key, 10) {
			return g
		}
	}
	return grid.StatsGroup{}
}

// 改派 keeps the deadline, and a late finish counts against whoever held
// the request when the deadline passed: the event records 接手时已超期,
// and 按期办结率 by liaison follows it. A request handed on in time counts
// for the one who takes it.
func TestReassignKeepsLatenessWithTheHolder(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	base := time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)
	lz.clock.Set(base)
	t.Cleanup(func() { lz.clock.Set(base) })
	first := liaisonIn(t, lz, lz.orgA, "超期前联络员")
	taker := liaisonIn(t, lz, lz.orgA, "超期后接手联络员")
	who := grid.Actor{UserID: lz.officerA.ID}

	handOn := func(title string, after time.Duration) (grid.RequestDetail, grid.RequestEvent) {
		lz.clock.Set(base)
		r := report(t, lz, lz.officerA, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: title})
		step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &first})
		lz.clock.Set(base.Add(after))
		d, err := lz.db.ReassignRequest(ctx, lz.officerA, who, r.ID, grid.Reassignment{Version: 2, LiaisonID: &taker, Reason: "原联络员调岗"})
		if err != nil {
			t.Fatal(err)
		}
		if !d.DueAt.Equal(r.DueAt) {
			t.Errorf("改派 moved the deadline %v → %v", r.DueAt, d.DueAt)
		}
		step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionStart, Version: 3})
		step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionResolve, Version: 4, Note: "已办结"})
		step(t, lz, lz.admin, r.ID, grid.Transition{Action: grid.ActionVerify, Version: 5, Satisfaction: ptr(5)})
		return d, d.Events[len(d.Events)-1]
	}
	_, late := handOn("超期后改派", 8*24*time.Hour) // due after 7 days: finished late by the taker
	_, early := handOn("期限内改派", 24*time.Hour)  // finished on time by the taker
	lz.clock.Set(base.Add(9 * 24 * time.Hour))
	if late.Data["overdue"] != true || early.Data["overdue"] != false {
		t.Errorf("接手时已超期: late %v, early %v", late.Data, early.Data)
	}

	q := grid.StatsQuery{Scope: lz.admin.Scope(), From: base.Add(-time.Hour), To: base.Add(10 * 24 * time.Hour), By: grid.StatsByLiaison}
	if g := group(t, lz, q, first).OnTimeRate; g.Numerator != 0 || g.Denominator != 1 {
		t.Errorf("the liaison who let the deadline pass: on time %+v, want 0 of 1", g)
	}
	if g := group(t, lz, q, taker).OnTimeRate; g.Numerator != 1 || g.Denominator != 1 {
		t.Errorf("the liaison who took it over: on time %+v, want 1 of 1 (the late one is not theirs)", g)
	}
	// The first liaison sees the late one in their own KPIs.
	own := q
	own.Scope = grid.Scope{LiaisonID: first}
	if g := group(t, lz, own, first).OnTimeRate; g.Numerator != 0 || g.Denominator != 1 {
		t.Errorf("in the first liaison's own KPIs: on time %+v, want 0 of 1", g)
	}
}

// 改派 to a unit alone (liaison 0, 不指定联络员): allowed, audited and in
// the history; refused when it would leave neither liaison nor unit.
func TestReassignToUnitAlone(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	who := grid.Actor{UserID: lz.officerA.ID, ClientAddr: "192.0.2.9"}
	r := report(t, lz, lz.officerA, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: "改由单位办理"})
	step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &lz.liaisonID})
	none := int64(0)
	if _, err := lz.db.ReassignRequest(ctx, lz.officerA, who, r.ID,
		grid.Reassignment{Version: 2, LiaisonID: &none, Reason: "无人办理"}); errCode(err) != grid.EInvalid {
		t.Errorf("left with nobody: %v, want invalid", err)
	}
	d, err := lz.db.ReassignRequest(ctx, lz.officerA, who, r.ID,
		grid.Reassignment{Version: 2, LiaisonID: &none, UnitID: &lz.unitID, Reason: "改由供电公司办理"})
	if err != nil {
		t.Fatal(err)
	}
	if d.LiaisonID != 0 || d.UnitID != lz.unitID || d.Version != 3 {
		t.Errorf("after 改派 to the unit alone: %+v", d.Request)
	}
	last := d.Events[len(d.Events)-1]
	if last.Action != "reassign" || last.Data["liaison_id"] != nil || last.Data["from_liaison_id"] != float64(lz.liaisonID) {
		t.Errorf("history entry %+v", last)
	}
	var liaison *int64
	var detail string
	if err := lz.db.Pool.QueryRow(ctx, `SELECT liaison_id, (SELECT detail::text FROM audit_log
WHERE target = $2 AND action = 'request_reassign')
FROM request WHERE id = $1`, r.ID, "request:"+strconv.FormatInt(r.ID, 10)).Scan(&liaison, &detail); err != nil || liaison != nil || detail == "" {
		t.Errorf("stored liaison %v, audit %q, %v", liaison, detail, err)
	}
}

// Reminders count in the period they were made, not the request's report
// month, and a liaison's own KPIs keep the reminders made to them on a
// request that was later handed away.
func TestRemindersCountWhenMade(t *testing.T) {
	ctx := context.Background()
	lz := newLoopZone(t)
	base := time.Date(2027, 3, 30, 9, 0, 0, 0, time.UTC)
	lz.clock.Set(base)
	t.Cleanup(func() { lz.clock.Set(base) })
	chased := liaisonIn(t, lz, lz.orgA, "被催办联络员")
	taker := liaisonIn(t, lz, lz.orgA, "催办后接手联络员")
	who := grid.Actor{UserID: lz.officerA.ID}
	r := report(t, lz, lz.officerA, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryComplex, Title: "跨月催办"})
	step(t, lz, lz.officerA, r.ID, grid.Transition{Action: grid.ActionAssign, Version: 1, LiaisonID: &chased})
	remindAt := base.Add(5 * 24 * time.Hour) // the next month
	lz.clock.Set(remindAt)
	if _, err := lz.db.RemindRequest(ctx, lz.officerA, who, r.ID, grid.Reminder{Version: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := lz.db.ReassignRequest(ctx, lz.officerA, who, r.ID,
		grid.Reassignment{Version: 3, LiaisonID: &taker, Reason: "催办无果，改派"}); err != nil {
		t.Fatal(err)
	}
	lz.clock.Set(remindAt.Add(time.Hour))
	all := lz.admin.Scope()
	at := grid.StatsQuery{Scope: all, From: remindAt.Add(-time.Hour), To: remindAt.Add(time.Hour), By: grid.StatsByLiaison}
	reportedIn := grid.StatsQuery{Scope: all, From: base.Add(-time.Hour), To: base.Add(time.Hour), By: grid.StatsByLiaison}
	if n := reminders(t, lz, at, chased); n != 1 {
		t.Errorf("the period of the reminder counts %d, want 1", n)
	}
	if n := reminders(t, lz, reportedIn, chased); n != 0 {
		t.Errorf("the period of the report counts %d, want 0", n)
	}
	own := at
	own.Scope = grid.Scope{LiaisonID: chased}
	if n := reminders(t, lz, own, chased); n != 1 {
		t.Errorf("the chased liaison's own KPIs count %d, want 1", n)
	}
}
