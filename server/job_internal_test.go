package server

import (
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
