package postgis_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// A job goes queued → running → done, its progress announced to its
// creator as it is stored; a finished job is not changed again; a job
// whose heartbeat stopped is failed, one that beats is not.
func TestJobLifecycle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := pgtest.Open(t, testDSN)
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "job-test", Name: "任务测试区",
		Boundary: orb.MultiPolygon{{{{20, 0}, {21, 0}, {21, 1}, {20, 1}, {20, 0}}}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, grid.User{ZoneID: zone.ID, Username: "job-admin", Role: grid.RoleAdmin}, "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", nil)
	if err != nil {
		t.Fatal(err)
	}

	events := make(chan grid.Event, 64)
	connected := make(chan struct{}, 1)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go db.ListenEvents(lctx, func() { connected <- struct{}{} }, func(e grid.Event) {
		if e.Type == "job" {
			events <- e
		}
	})
	<-connected

	j, err := db.CreateJob(ctx, grid.Job{ZoneID: zone.ID, Kind: grid.JobImportOrgs, CreatedBy: u.ID})
	if err != nil || j.ID == 0 || j.Status != grid.JobQueued || j.StartedAt != nil {
		t.Fatalf("created %+v, %v", j, err)
	}
	j.Status, j.Done, j.Total, j.Errors = grid.JobRunning, 500, 2000, 3
	if err := db.UpdateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if e.ID != j.ID || e.UserID != u.ID || e.Status != "running" || e.Done != 500 || e.Total != 2000 || e.Errors != 3 {
			t.Errorf("event %+v", e)
		}
		if u.Scope().Sees(e) {
			t.Errorf("a scope sees job event %+v: only its creator's stream may", e)
		}
	case <-ctx.Done():
		t.Fatal("no job event")
	}
	got, err := db.FindJob(ctx, j.ID)
	if err != nil || got.Status != grid.JobRunning || got.StartedAt == nil || got.Done != 500 || got.CreatedBy != u.ID {
		t.Errorf("running: %+v, %v", got, err)
	}
	j.Status, j.Done, j.Result = grid.JobDone, 2000, json.RawMessage(`{"inserted": 7}`)
	if err := db.FinishJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, err = db.FindJob(ctx, j.ID)
	if err != nil || got.Status != grid.JobDone || got.FinishedAt == nil || string(got.Result) != `{"inserted": 7}` {
		t.Errorf("done: %+v, %v", got, err)
	}
	if err := db.UpdateJob(ctx, j); grid.ErrorCode(err) != grid.EConflict {
		t.Errorf("update of a finished job: %v, want conflict", err)
	}
	if _, err := db.FindJob(ctx, j.ID+1_000_000); grid.ErrorCode(err) != grid.ENotFound {
		t.Errorf("no such job: %v", err)
	}

	// Two jobs running; one of them last beat longer ago than JobStale.
	// This instance's clock runs two hours ahead of the database's (and of
	// the instance running alive): that must not make alive stale.
	dead, _ := db.CreateJob(ctx, grid.Job{ZoneID: zone.ID, Kind: grid.JobImportOrgs, CreatedBy: u.ID})
	alive, _ := db.CreateJob(ctx, grid.Job{ZoneID: zone.ID, Kind: grid.JobImportOrgs, CreatedBy: u.ID})
	alive.Status = grid.JobRunning
	if err := db.UpdateJob(ctx, alive); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE job SET heartbeat_at = heartbeat_at - make_interval(secs => $2) WHERE id = $1`,
		dead.ID, (grid.JobStale + time.Second).Seconds()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if n, err := db.FailStaleJobs(ctx); err != nil || n < 1 {
		t.Errorf("FailStaleJobs: %d, %v", n, err)
	}
	if got, _ := db.FindJob(ctx, dead.ID); got.Status != grid.JobFailed || got.Error == "" || got.FinishedAt == nil {
		t.Errorf("dead job: %+v", got)
	}
	if got, _ := db.FindJob(ctx, alive.ID); got.Status != grid.JobRunning {
		t.Errorf("live job: %+v", got)
	}
}
