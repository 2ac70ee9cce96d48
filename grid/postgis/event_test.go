package postgis_test

import (
	"context"
	"testing"
	"time"

	"gridgis/grid"
)

// The database announces request steps and contacts to a listener, and a
// lost connection ends ListenEvents with an error for the caller to retry.
func TestListenEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lz := newLoopZone(t)
	events := make(chan grid.Event, 16)
	connected := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- lz.db.ListenEvents(ctx, func() { connected <- struct{}{} }, func(e grid.Event) { events <- e })
	}()
	<-connected
	r := report(t, lz, lz.liaison, "", grid.NewRequest{OrgID: lz.orgA, Category: grid.CategoryOrdinary, Title: "实时测试"})
	var e grid.Event
	select {
	case e = <-events:
	case <-ctx.Done():
		t.Fatal("no event")
	}
	var gridA int64
	if err := lz.db.Pool.QueryRow(ctx, `SELECT grid_id FROM organization WHERE id = $1`, lz.orgA).Scan(&gridA); err != nil {
		t.Fatal(err)
	}
	if e.Type != "request" || e.ID != r.ID || e.Action != "report" || e.Status != "reported" ||
		e.OrgID != lz.orgA || e.GridID != gridA || e.OrgLiaisonID != lz.liaisonID {
		t.Errorf("event %+v", e)
	}
	if !lz.liaison.Scope().Sees(e) || lz.officerB.Scope().Sees(e) || !lz.officerA.Scope().Sees(e) {
		t.Errorf("scopes of %+v", e)
	}
	if _, err := lz.db.Pool.Exec(ctx, `INSERT INTO contact (org_id, liaison_id, kind, at) VALUES ($1, $2, 'visit', $3)`,
		lz.orgA, lz.liaisonID, lz.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if e = <-events; e.Type != "contact" || e.Action != "visit" || e.LiaisonID != lz.liaisonID {
		t.Errorf("contact event %+v", e)
	}
	// Drop the listening connection as a database restart would.
	if _, err := lz.db.Pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN gridgis_events'`); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || ctx.Err() != nil {
			t.Errorf("ListenEvents ended with %v", err)
		}
	case <-ctx.Done():
		t.Fatal("ListenEvents did not notice its connection was gone")
	}
}
