package grid

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// legal is the loop as the design draws it, written out independently of
// requestMoves: status → action → next status.
var legal = map[RequestStatus]map[RequestAction]RequestStatus{
	StatusReported:   {ActionAssign: StatusAssigned, ActionReject: StatusRejected},
	StatusAssigned:   {ActionStart: StatusInProgress, ActionReject: StatusRejected},
	StatusInProgress: {ActionResolve: StatusResolved, ActionReject: StatusRejected},
	StatusResolved:   {ActionVerify: StatusVerified, ActionSendBack: StatusInProgress},
	StatusVerified:   {},
	StatusRejected:   {},
}

// validTransition is a well-formed transition of each action at version 3.
func validTransition(a RequestAction) Transition {
	t := Transition{Action: a, Version: 3, Note: "已处理"}
	switch a {
	case ActionAssign:
		l := int64(7)
		t.LiaisonID = &l
	case ActionVerify:
		s := 4
		t.Satisfaction = &s
	}
	return t
}

func requestAt(s RequestStatus) Request {
	r := Request{ID: 11, Status: s, Version: 3, LiaisonID: 7, ResolvedBy: 99, Category: CategoryOrdinary,
		ReportedAt: t0, ResponseDueAt: t0.Add(ResponseTime), DueAt: t0.Add(OrdinaryResolveTime)}
	if s != StatusReported {
		at := t0.Add(time.Hour)
		r.AssignedAt = &at
	}
	return r
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Every action from every status: the legal ones move to the right status,
// every other one is a conflict that changes nothing.
func TestApplyEveryMove(t *testing.T) {
	officer := User{ID: 1, Role: RoleOfficer}
	for _, s := range RequestStatuses {
		for _, a := range TransitionActions {
			t.Run(string(s)+" "+string(a), func(t *testing.T) {
				r := requestAt(s)
				next, ev, err := r.Apply(validTransition(a), officer, t0.Add(2*time.Hour))
				want, ok := legal[s][a]
				if !ok {
					if code(err) != EConflict {
						t.Fatalf("got %v, want a conflict", err)
					}
					if next.Status != s || next.Version != r.Version {
						t.Errorf("refused move changed the request: %+v", next)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if next.Status != want || next.Version != 4 {
					t.Errorf("status %s version %d, want %s version 4", next.Status, next.Version, want)
				}
				if ev.From != s || ev.To != want || ev.Action != string(a) || ev.ActorID != 1 || ev.RequestID != 11 {
					t.Errorf("event %+v", ev)
				}
			})
		}
	}
}

func TestApplyRoles(t *testing.T) {
	tests := []struct {
		name   string
		by     User
		status RequestStatus
		action RequestAction
		want   string // error code, "" for success
	}{
		{"admin assigns", User{ID: 1, Role: RoleAdmin}, StatusReported, ActionAssign, ""},
		{"officer rejects", User{ID: 1, Role: RoleOfficer}, StatusReported, ActionReject, ""},
		{"liaison may not assign", User{ID: 2, Role: RoleLiaison, LiaisonID: 7}, StatusReported, ActionAssign, EForbidden},
		{"liaison starts their own", User{ID: 2, Role: RoleLiaison, LiaisonID: 7}, StatusAssigned, ActionStart, ""},
		{"liaison resolves their own", User{ID: 2, Role: RoleLiaison, LiaisonID: 7}, StatusInProgress, ActionResolve, ""},
		{"liaison may not start another's", User{ID: 2, Role: RoleLiaison, LiaisonID: 8}, StatusAssigned, ActionStart, EForbidden},
		{"liaison may not verify", User{ID: 2, Role: RoleLiaison, LiaisonID: 7}, StatusResolved, ActionVerify, EForbidden},
		{"liaison may not reject", User{ID: 2, Role: RoleLiaison, LiaisonID: 7}, StatusReported, ActionReject, EForbidden},
		{"planner reads only", User{ID: 3, Role: RolePlanner}, StatusAssigned, ActionStart, EForbidden},
		{"resolver may not verify", User{ID: 99, Role: RoleOfficer}, StatusResolved, ActionVerify, EForbidden},
		{"resolver may send back", User{ID: 99, Role: RoleOfficer}, StatusResolved, ActionSendBack, ""},
		{"another reviewer verifies", User{ID: 98, Role: RoleAdmin}, StatusResolved, ActionVerify, ""},
		{"role is checked before status", User{ID: 3, Role: RolePlanner}, StatusVerified, ActionVerify, EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := requestAt(tt.status).Apply(validTransition(tt.action), tt.by, t0)
			if code(err) != tt.want {
				t.Errorf("got %v, want code %q", err, tt.want)
			}
		})
	}
}

func TestApplyEffects(t *testing.T) {
	now := t0.Add(5 * time.Hour)
	officer, admin := User{ID: 1, Role: RoleOfficer}, User{ID: 5, Role: RoleAdmin}

	r := requestAt(StatusReported)
	r.AssignedAt, r.LiaisonID, r.Supervision = nil, 0, SupervisionYellow
	unit := int64(3)
	r, ev, err := r.Apply(Transition{Action: ActionAssign, Version: 3, UnitID: &unit}, officer, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.UnitID != 3 || r.LiaisonID != 0 || r.AssignedAt == nil || !r.AssignedAt.Equal(now) || r.Supervision != SupervisionNone {
		t.Errorf("after assign: %+v", r)
	}
	if ev.Data["unit_id"] != &unit {
		t.Errorf("assign event data %v", ev.Data)
	}
	// Handing it on (改派) keeps the first response time.
	l := int64(9)
	r, _, err = r.Reassign(Reassignment{Version: 4, LiaisonID: &l, Reason: "原承办人出差"}, officer, now.Add(time.Hour))
	if err != nil || !r.AssignedAt.Equal(now) || r.LiaisonID != 9 || r.UnitID != 3 {
		t.Fatalf("reassign: %v %+v", err, r)
	}
	r, _, _ = r.Apply(Transition{Action: ActionStart, Version: 5}, officer, now)
	r, _, err = r.Apply(Transition{Action: ActionResolve, Version: 6, Note: " 已协调供电公司 "}, officer, now)
	if err != nil || r.Resolution != "已协调供电公司" || r.ResolvedBy != 1 || r.ResolvedAt == nil {
		t.Fatalf("resolve: %v %+v", err, r)
	}
	r, ev, err = r.Apply(Transition{Action: ActionSendBack, Version: 7, Note: "企业反映仍未通电"}, admin, now)
	if err != nil || r.Status != StatusInProgress || r.ReworkCount != 1 || r.ResolvedBy != 0 || r.ResolvedAt != nil {
		t.Fatalf("send back: %v %+v", err, r)
	}
	if ev.Note != "企业反映仍未通电" {
		t.Errorf("send back note %q", ev.Note)
	}
	r, _, _ = r.Apply(Transition{Action: ActionResolve, Version: 8, Note: "已通电"}, officer, now)
	five := 5
	r, ev, err = r.Apply(Transition{Action: ActionVerify, Version: 9, Satisfaction: &five}, admin, now.Add(time.Hour))
	if err != nil || r.Status != StatusVerified || r.Satisfaction != 5 || r.ClosedAt == nil || r.Version != 10 || r.ReworkCount != 1 {
		t.Fatalf("verify: %v %+v", err, r)
	}
	if ev.Data["satisfaction"] != 5 {
		t.Errorf("verify event data %v", ev.Data)
	}

	rej, _, err := requestAt(StatusReported).Apply(Transition{Action: ActionReject, Version: 3, Note: "不属于园区服务范围"}, officer, now)
	if err != nil || rej.Status != StatusRejected || rej.ClosedAt == nil || rej.Resolution != "不属于园区服务范围" {
		t.Fatalf("reject: %v %+v", err, rej)
	}
}

func TestApplyStaleVersion(t *testing.T) {
	tr := validTransition(ActionStart)
	tr.Version = 2
	_, _, err := requestAt(StatusAssigned).Apply(tr, User{ID: 1, Role: RoleAdmin}, t0)
	if code(err) != EConflict || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("got %v, want a conflict naming the current version", err)
	}
}

func TestTransitionValidate(t *testing.T) {
	one, zero, six, neg := 1, 0, 6, int64(-1)
	id := int64(4)
	tests := []struct {
		name  string
		t     Transition
		field string // "" when valid
	}{
		{"no action", Transition{Version: 1}, "action"},
		{"unknown action", Transition{Action: "close", Version: 1}, "action"},
		{"supervise is the clock's", Transition{Action: ActionSupervise, Version: 1}, "action"},
		{"no version", Transition{Action: ActionStart}, "version"},
		{"assign to nobody", Transition{Action: ActionAssign, Version: 1}, "liaison_id"},
		{"assign to a bad liaison", Transition{Action: ActionAssign, Version: 1, LiaisonID: &neg}, "liaison_id"},
		{"assign to a bad unit", Transition{Action: ActionAssign, Version: 1, UnitID: &neg}, "unit_id"},
		{"assign to a unit", Transition{Action: ActionAssign, Version: 1, UnitID: &id}, ""},
		{"liaison on start", Transition{Action: ActionStart, Version: 1, LiaisonID: &id}, "liaison_id"},
		{"unit on resolve", Transition{Action: ActionResolve, Version: 1, Note: "x", UnitID: &id}, "unit_id"},
		{"verify without rating", Transition{Action: ActionVerify, Version: 1}, "satisfaction"},
		{"satisfaction 0", Transition{Action: ActionVerify, Version: 1, Satisfaction: &zero}, "satisfaction"},
		{"satisfaction 6", Transition{Action: ActionVerify, Version: 1, Satisfaction: &six}, "satisfaction"},
		{"satisfaction 1", Transition{Action: ActionVerify, Version: 1, Satisfaction: &one}, ""},
		{"satisfaction on send back", Transition{Action: ActionSendBack, Version: 1, Satisfaction: &one}, "satisfaction"},
		{"reject without reason", Transition{Action: ActionReject, Version: 1, Note: "  "}, "note"},
		{"resolve without note", Transition{Action: ActionResolve, Version: 1}, "note"},
		{"note too long", Transition{Action: ActionStart, Version: 1, Note: strings.Repeat("长", MaxNoteLen+1)}, "note"},
		{"note at the limit", Transition{Action: ActionStart, Version: 1, Note: strings.Repeat("长", MaxNoteLen)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			var e *Error
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("unexpected %v", err)
			case tt.field != "" && (!errors.As(err, &e) || e.Code != EInvalid || e.Field != tt.field):
				t.Errorf("got %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestNewRequestNormalize(t *testing.T) {
	base := NewRequest{OrgID: 1, Category: CategoryOrdinary, Title: "用电增容"}
	tests := []struct {
		name  string
		edit  func(*NewRequest)
		field string
	}{
		{"valid", func(*NewRequest) {}, ""},
		{"no organization", func(n *NewRequest) { n.OrgID = 0 }, "org_id"},
		{"no category", func(n *NewRequest) { n.Category = "" }, "category"},
		{"unknown category", func(n *NewRequest) { n.Category = "urgent" }, "category"},
		{"unknown topic", func(n *NewRequest) { n.Topic = "finance" }, "topic"},
		{"blank title", func(n *NewRequest) { n.Title = " \t" }, "title"},
		{"long title", func(n *NewRequest) { n.Title = strings.Repeat("题", MaxTitleLen+1) }, "title"},
		{"long description", func(n *NewRequest) { n.Description = strings.Repeat("述", MaxDescriptionLen+1) }, "description"},
		{"bad UTF-8", func(n *NewRequest) { n.Description = "\xff" }, "description"},
		{"NUL", func(n *NewRequest) { n.Title = "a\x00b" }, "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := base
			tt.edit(&n)
			err := n.Normalize()
			var e *Error
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("unexpected %v", err)
			case tt.field != "" && (!errors.As(err, &e) || e.Field != tt.field):
				t.Errorf("got %v, want invalid %s", err, tt.field)
			}
		})
	}
	n := base
	if err := n.Normalize(); err != nil || n.Topic != TopicOperations {
		t.Errorf("default topic %q, %v", n.Topic, err)
	}
	m := n
	m.Title = "用电增容 "
	_ = m.Normalize()
	if m.Hash() != n.Hash() {
		t.Error("the same request after trimming hashes differently")
	}
	m.Description = "另一件事"
	if m.Hash() == n.Hash() {
		t.Error("different requests hash the same")
	}
}

func TestValidIdempotencyKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"a": true, "4f1c2d3e-0000-4000-8000-1234567890ab": true, strings.Repeat("k", 255): true,
		"": false, strings.Repeat("k", 256): false, "has space": false, "中文": false,
	} {
		if err := ValidIdempotencyKey(key); (err == nil) != ok {
			t.Errorf("%q: %v", key, err)
		}
	}
}

func TestSLAPolicy(t *testing.T) {
	p := SLAPolicy{Response: 12 * time.Hour, Ordinary: 5 * 24 * time.Hour, Complex: 20 * 24 * time.Hour}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	resp, due := p.Deadlines(CategoryComplex, t0)
	if !resp.Equal(t0.Add(12*time.Hour)) || !due.Equal(t0.Add(20*24*time.Hour)) {
		t.Errorf("complex deadlines %v %v", resp, due)
	}
	if _, due = DefaultSLA.Deadlines(CategoryOrdinary, t0); !due.Equal(t0.Add(7 * 24 * time.Hour)) {
		t.Errorf("ordinary due %v", due)
	}
	if err := (SLAPolicy{Response: time.Hour, Ordinary: time.Hour, Complex: 2 * time.Hour}).Validate(); err == nil {
		t.Error("resolution no longer than the response was accepted")
	}
}

func TestEscalation(t *testing.T) {
	reported := requestAt(StatusReported) // response due at t0+24h, yellow from t0+19.2h
	reported.AssignedAt = nil
	assigned := requestAt(StatusAssigned) // due at t0+7d, yellow from t0+5.6d
	tests := []struct {
		name   string
		r      Request
		card   Supervision
		at     time.Duration
		want   Supervision
		raised bool
	}{
		{"green", reported, SupervisionNone, 19 * time.Hour, SupervisionNone, false},
		{"yellow", reported, SupervisionNone, 20 * time.Hour, SupervisionYellow, true},
		{"yellow again", reported, SupervisionYellow, 21 * time.Hour, SupervisionYellow, false},
		{"red after yellow", reported, SupervisionYellow, 25 * time.Hour, SupervisionRed, true},
		{"straight to red", reported, SupervisionNone, 25 * time.Hour, SupervisionRed, true},
		{"red stays", reported, SupervisionRed, 48 * time.Hour, SupervisionRed, false},
		{"never lowered", assigned, SupervisionRed, time.Hour, SupervisionRed, false},
		{"resolution phase yellow", assigned, SupervisionNone, 6 * 24 * time.Hour, SupervisionYellow, true},
		{"closed", requestAt(StatusVerified), SupervisionNone, 60 * 24 * time.Hour, SupervisionNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.Supervision = tt.card
			got, raised := r.Escalation(t0.Add(tt.at))
			if got != tt.want || raised != tt.raised {
				t.Errorf("got %s %v, want %s %v", got, raised, tt.want, tt.raised)
			}
		})
	}
}

func TestActions(t *testing.T) {
	tests := []struct {
		name   string
		status RequestStatus
		by     User
		want   string
	}{
		{"officer on a new request", StatusReported, User{ID: 1, Role: RoleOfficer}, "assign,reject"},
		{"assignee liaison", StatusAssigned, User{ID: 2, Role: RoleLiaison, LiaisonID: 7}, "start"},
		{"another liaison", StatusAssigned, User{ID: 2, Role: RoleLiaison, LiaisonID: 8}, ""},
		{"reviewer", StatusResolved, User{ID: 1, Role: RoleAdmin}, "verify,send_back"},
		{"the resolver reviews", StatusResolved, User{ID: 99, Role: RoleOfficer}, "send_back"},
		{"planner", StatusInProgress, User{ID: 3, Role: RolePlanner}, ""},
		{"closed", StatusVerified, User{ID: 1, Role: RoleAdmin}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range requestAt(tt.status).Actions(tt.by) {
				got = append(got, string(a))
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
}
