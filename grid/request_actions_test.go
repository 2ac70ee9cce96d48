package grid

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReassign(t *testing.T) {
	officer := User{ID: 1, Role: RoleOfficer}
	l, u := int64(9), int64(4)
	r := requestAt(StatusInProgress)
	r.UnitID = 3
	next, ev, err := r.Reassign(Reassignment{Version: 3, LiaisonID: &l, Reason: " 原联络员出差 "}, officer, t0)
	if err != nil {
		t.Fatal(err)
	}
	if next.Status != StatusInProgress || next.Version != 4 || next.LiaisonID != 9 || next.UnitID != 3 || next.AssignedAt != r.AssignedAt {
		t.Errorf("after reassign: %+v", next)
	}
	if ev.Action != "reassign" || ev.From != StatusInProgress || ev.To != StatusInProgress || ev.Note != "原联络员出差" || ev.ActorID != 1 {
		t.Errorf("event %+v", ev)
	}
	want := map[string]any{"liaison_id": int64(9), "unit_id": int64(3), "from_liaison_id": int64(7), "from_unit_id": int64(3)}
	for k, v := range want {
		if ev.Data[k] != v {
			t.Errorf("event data %s = %v, want %v", k, ev.Data[k], v)
		}
	}
	if ev.Data["overdue"] != false {
		t.Errorf("handed over before the deadline: overdue = %v, want false", ev.Data["overdue"])
	}
	// The unit alone may change.
	if next, _, err = next.Reassign(Reassignment{Version: 4, UnitID: &u, Reason: "改由园区服务中心"}, officer, t0); err != nil || next.UnitID != 4 || next.LiaisonID != 9 {
		t.Errorf("unit reassign: %v %+v", err, next)
	}
	// Liaison 0 hands the request to its unit alone (不指定联络员), after
	// the deadline: the event says it was overdue when handed over.
	none := int64(0)
	late := r.DueAt.Add(time.Hour)
	next, ev, err = next.Reassign(Reassignment{Version: 5, LiaisonID: &none, Reason: "由园区服务中心单独办理"}, officer, late)
	if err != nil || next.LiaisonID != 0 || next.UnitID != 4 {
		t.Fatalf("unit alone: %v %+v", err, next)
	}
	if ev.Data["liaison_id"] != nil || ev.Data["from_liaison_id"] != int64(9) || ev.Data["overdue"] != true {
		t.Errorf("unit-alone event data %v", ev.Data)
	}
}

func TestReassignRefused(t *testing.T) {
	officer, liaison := User{ID: 1, Role: RoleOfficer}, User{ID: 2, Role: RoleLiaison, LiaisonID: 7}
	other, same, zero, negative := int64(9), int64(7), int64(0), int64(-1)
	ok := Reassignment{Version: 3, LiaisonID: &other, Reason: "换人办理"}
	tests := []struct {
		name   string
		by     User
		status RequestStatus
		a      Reassignment
		want   string
		field  string
	}{
		{"assigned", officer, StatusAssigned, ok, "", ""},
		{"admin", User{ID: 5, Role: RoleAdmin}, StatusInProgress, ok, "", ""},
		{"liaison may not", liaison, StatusAssigned, ok, EForbidden, ""},
		{"planner may not", User{ID: 3, Role: RolePlanner}, StatusAssigned, ok, EForbidden, ""},
		{"reported: use assign", officer, StatusReported, ok, EConflict, ""},
		{"resolved", officer, StatusResolved, ok, EConflict, ""},
		{"verified", officer, StatusVerified, ok, EConflict, ""},
		{"rejected", officer, StatusRejected, ok, EConflict, ""},
		{"stale", officer, StatusAssigned, Reassignment{Version: 2, LiaisonID: &other, Reason: "换人办理"}, EConflict, ""},
		{"same liaison", officer, StatusAssigned, Reassignment{Version: 3, LiaisonID: &same, Reason: "换人办理"}, EInvalid, "liaison_id"},
		{"nobody", officer, StatusAssigned, Reassignment{Version: 3, Reason: "换人办理"}, EInvalid, "liaison_id"},
		{"negative liaison", officer, StatusAssigned, Reassignment{Version: 3, LiaisonID: &negative, Reason: "换人办理"}, EInvalid, "liaison_id"},
		{"no liaison and no unit left", officer, StatusAssigned, Reassignment{Version: 3, LiaisonID: &zero, Reason: "换人办理"}, EInvalid, "liaison_id"},
		{"unit 0", officer, StatusAssigned, Reassignment{Version: 3, UnitID: &zero, Reason: "换人办理"}, EInvalid, "unit_id"},
		{"no reason", officer, StatusAssigned, Reassignment{Version: 3, LiaisonID: &other, Reason: "  "}, EInvalid, "reason"},
		{"reason too short", officer, StatusAssigned, Reassignment{Version: 3, LiaisonID: &other, Reason: "换"}, EInvalid, "reason"},
		{"reason too long", officer, StatusAssigned, Reassignment{Version: 3, LiaisonID: &other, Reason: strings.Repeat("换", MaxReasonLen+1)}, EInvalid, "reason"},
		{"reason at the limit", officer, StatusAssigned, Reassignment{Version: 3, LiaisonID: &other, Reason: strings.Repeat("换", MaxReasonLen)}, "", ""},
		{"no version", officer, StatusAssigned, Reassignment{LiaisonID: &other, Reason: "换人办理"}, EInvalid, "version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := requestAt(tt.status)
			next, _, err := r.Reassign(tt.a, tt.by, t0)
			if code(err) != tt.want {
				t.Fatalf("got %v, want code %q", err, tt.want)
			}
			if err != nil && (next.Version != r.Version || next.LiaisonID != r.LiaisonID) {
				t.Errorf("refused reassign changed the request: %+v", next)
			}
			if tt.field != "" && err.(*Error).Field != tt.field {
				t.Errorf("field %q, want %q", err.(*Error).Field, tt.field)
			}
		})
	}
}

func TestRemind(t *testing.T) {
	officer := User{ID: 1, Role: RoleOfficer}
	r := requestAt(StatusAssigned)
	next, ev, err := r.Remind(Reminder{Version: 3, Note: " 请今日内回复 "}, officer, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if next.Status != StatusAssigned || next.Version != 4 || next.Reminders != 1 {
		t.Errorf("after remind: %+v", next)
	}
	if ev.Action != "remind" || ev.Note != "请今日内回复" || ev.Data["liaison_id"] != int64(7) || ev.Data["count"] != 1 || ev.From != ev.To {
		t.Errorf("event %+v", ev)
	}
	if next, _, err = next.Remind(Reminder{Version: 4}, officer, t0); err != nil || next.Reminders != 2 {
		t.Errorf("second remind without a note: %v %+v", err, next)
	}
	for _, tt := range []struct {
		name string
		by   User
		s    RequestStatus
		m    Reminder
		want string
	}{
		{"liaison may not", User{ID: 2, Role: RoleLiaison, LiaisonID: 7}, StatusAssigned, Reminder{Version: 3}, EForbidden},
		{"planner may not", User{ID: 3, Role: RolePlanner}, StatusInProgress, Reminder{Version: 3}, EForbidden},
		{"not yet assigned", officer, StatusReported, Reminder{Version: 3}, EConflict},
		{"resolved", officer, StatusResolved, Reminder{Version: 3}, EConflict},
		{"closed", officer, StatusVerified, Reminder{Version: 3}, EConflict},
		{"stale", officer, StatusInProgress, Reminder{Version: 1}, EConflict},
		{"note too long", officer, StatusInProgress, Reminder{Version: 3, Note: strings.Repeat("催", MaxReminderLen+1)}, EInvalid},
		{"being worked", officer, StatusInProgress, Reminder{Version: 3, Note: strings.Repeat("催", MaxReminderLen)}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := requestAt(tt.s).Remind(tt.m, tt.by, t0); code(err) != tt.want {
				t.Errorf("got %v, want code %q", err, tt.want)
			}
		})
	}
}

// What a client is offered: 交办 only before assignment, then 改派 and 催办.
func TestActionsOffered(t *testing.T) {
	officer, liaison := User{ID: 1, Role: RoleOfficer}, User{ID: 2, Role: RoleLiaison, LiaisonID: 7}
	tests := []struct {
		by   User
		s    RequestStatus
		want []RequestAction
	}{
		{officer, StatusReported, []RequestAction{ActionAssign, ActionReject}},
		{officer, StatusAssigned, []RequestAction{ActionStart, ActionReject, ActionReassign, ActionRemind}},
		{officer, StatusInProgress, []RequestAction{ActionResolve, ActionReject, ActionReassign, ActionRemind}},
		{officer, StatusVerified, []RequestAction{}},
		{liaison, StatusAssigned, []RequestAction{ActionStart}},
	}
	for _, tt := range tests {
		if got := requestAt(tt.s).Actions(tt.by); !slices.Equal(got, tt.want) {
			t.Errorf("%s at %s: %v, want %v", tt.by.Role, tt.s, got, tt.want)
		}
	}
}
