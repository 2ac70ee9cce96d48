package server

import (
	"fmt"
	"strings"
	"testing"

	"gridgis/grid"
)

// A job's progress reaches its creator's streams alone, not even an
// admin's, live or replayed after a reconnection.
func TestJobEventsOnlyToCreator(t *testing.T) {
	h := newHub()
	creator := grid.User{ID: 7, Role: grid.RoleAdmin}
	other := grid.User{ID: 8, Role: grid.RoleAdmin}
	mine, theirs := h.subscribe(creator, ""), h.subscribe(other, "")
	h.publish(grid.Job{ID: 3, CreatedBy: 7, Status: grid.JobRunning, Done: 10, Total: 40}.Event())
	select {
	case m := <-mine.ch:
		if m.event != "job" || string(m.data) == "" {
			t.Errorf("creator got %q %s", m.event, m.data)
		}
	default:
		t.Error("the creator got no job event")
	}
	select {
	case m := <-theirs.ch:
		t.Errorf("another admin got %q %s", m.event, m.data)
	default:
	}
	// Reconnecting with the id before the event replays it to the
	// creator only.
	last := h.epoch + "-0"
	if sub := h.subscribe(other, last); len(sub.ch) != 0 {
		t.Errorf("another admin's replay holds %d events", len(sub.ch))
	}
	if sub := h.subscribe(creator, last); len(sub.ch) != 1 {
		t.Errorf("the creator's replay holds %d events, want 1", len(sub.ch))
	}
}

// A job's many progress events do not push the shared events out of the
// replay history: another user reconnecting still gets what they missed,
// not a resync; the creator gets the job's latest progress.
func TestJobEventsKeepTheSharedHistory(t *testing.T) {
	h := newHub()
	creator := grid.User{ID: 7, Role: grid.RoleAdmin}
	other := grid.User{ID: 8, Role: grid.RoleAdmin}
	last := h.epoch + "-0"
	h.publish(grid.Event{Type: "request", ID: 1, Action: "report", ZoneID: 1})
	for i := range hubHistory + 1 {
		h.publish(grid.Job{ID: 3, CreatedBy: 7, Status: grid.JobRunning, Done: int64(i), Total: 2000}.Event())
	}
	sub := h.subscribe(other, last)
	if len(sub.ch) != 1 {
		t.Fatalf("another admin's replay holds %d events, want the request alone", len(sub.ch))
	}
	if m := <-sub.ch; m.event != "request" {
		t.Errorf("another admin's replay: %q %s", m.event, m.data)
	}
	sub = h.subscribe(creator, last)
	var got []string
	for len(sub.ch) > 0 {
		m := <-sub.ch
		got = append(got, m.event+" "+string(m.data))
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "request") || !strings.HasPrefix(got[1], "job") ||
		!strings.Contains(got[1], fmt.Sprintf(`"done":%d`, hubHistory)) {
		t.Errorf("the creator's replay: %q, want the request and the job's latest progress", got)
	}
}
