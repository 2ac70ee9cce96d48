package grid

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// The steps that keep a request where it is in the loop: 改派 hands an
// assigned request to another liaison and/or alliance unit, 催办 records a
// reminder to its assignee. Both are taken by the roles that assign
// requests, within their reach, and are versioned like the transitions.
const (
	ActionReassign RequestAction = "reassign" // 改派
	ActionRemind   RequestAction = "remind"   // 催办
)

// OfferedActions are the actions a client may be offered on a request:
// the transitions, then 改派 and 催办 (which have routes of their own).
var OfferedActions = append(append([]RequestAction{}, TransitionActions...), ActionReassign, ActionRemind)

// Text limits of 改派 and 催办: a reason of a few words to a sentence, a
// short note.
const (
	MinReasonLen   = 2
	MaxReasonLen   = 200
	MaxReminderLen = 200
)

// Reassignment asks to hand an assigned request on (改派). An omitted
// liaison or unit stays as it is, 0 clears it (a unit alone: 不指定联络员);
// at least one is given, the result must differ from the current
// assignees and keep a liaison or a unit.
type Reassignment struct {
	Version   int    `json:"version"`
	LiaisonID *int64 `json:"liaison_id"`
	UnitID    *int64 `json:"unit_id"`
	Reason    string `json:"reason"`
}

// Validate checks a on its own, trimming the reason.
func (a *Reassignment) Validate() error {
	a.Reason = strings.TrimSpace(a.Reason)
	if err := validVersion(a.Version); err != nil {
		return err
	}
	switch {
	case a.LiaisonID == nil && a.UnitID == nil:
		return Invalid("liaison_id", "reassign needs liaison_id, unit_id or both")
	case a.LiaisonID != nil && *a.LiaisonID < 0:
		return Invalid("liaison_id", "must be a liaison's id, or 0 for none")
	case a.UnitID != nil && *a.UnitID < 0:
		return Invalid("unit_id", "must be a unit's id, or 0 for none")
	case a.LiaisonID != nil && a.UnitID != nil && *a.LiaisonID == 0 && *a.UnitID == 0:
		return Invalid("liaison_id", "a request needs a liaison or a unit: choose one")
	case a.Reason == "":
		return Invalid("reason", "required: why the request is handed on")
	case utf8.RuneCountInString(a.Reason) < MinReasonLen:
		return Invalid("reason", "at least %d characters", MinReasonLen)
	}
	return maxText("reason", a.Reason, MaxReasonLen)
}

// Reminder asks to chase a request's assignee (催办), with an optional note.
type Reminder struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

// Validate checks m on its own, trimming the note.
func (m *Reminder) Validate() error {
	m.Note = strings.TrimSpace(m.Note)
	if err := validVersion(m.Version); err != nil {
		return err
	}
	return maxText("note", m.Note, MaxReminderLen)
}

// Reassign hands r on as a asks, by user by at now: the request as it
// becomes (same status, next version) and the event that records who had
// it and who has it now. It refuses bad input or an unchanged assignee
// (EInvalid), a role that may not reassign (EForbidden), and a stale
// version or a request not assigned or being worked (EConflict). The
// caller checks that the new assignees are ones by may choose.
func (r Request) Reassign(a Reassignment, by User, now time.Time) (Request, RequestEvent, error) {
	if err := a.Validate(); err != nil {
		return r, RequestEvent{}, err
	}
	if err := r.allowsAt(ActionReassign, by, a.Version); err != nil {
		return r, RequestEvent{}, err
	}
	next := r
	next.Version++
	if a.LiaisonID != nil {
		next.LiaisonID = *a.LiaisonID
	}
	if a.UnitID != nil {
		next.UnitID = *a.UnitID
	}
	if next.LiaisonID == r.LiaisonID && next.UnitID == r.UnitID {
		field := "liaison_id"
		if a.LiaisonID == nil {
			field = "unit_id"
		}
		return r, RequestEvent{}, Invalid(field, "request %d is already with this liaison and unit: choose another", r.ID)
	}
	if next.LiaisonID == 0 && next.UnitID == 0 {
		field := "liaison_id"
		if a.LiaisonID == nil {
			field = "unit_id"
		}
		return r, RequestEvent{}, Invalid(field, "request %d needs a liaison or a unit: choose one", r.ID)
	}
	// overdue (接手时已超期) tells that the deadline passed with the one
	// who handed it on: appraisal counts a late finish against them.
	data := map[string]any{
		"liaison_id": optionalID(next.LiaisonID), "unit_id": optionalID(next.UnitID),
		"from_liaison_id": optionalID(r.LiaisonID), "from_unit_id": optionalID(r.UnitID),
		"overdue": now.After(r.DueAt),
	}
	return next, RequestEvent{RequestID: r.ID, At: now, ActorID: by.ID, Action: string(ActionReassign),
		From: r.Status, To: r.Status, Note: a.Reason, Data: data}, nil
}

// Remind records a reminder to r's assignee by user by at now: the request
// with one more reminder (next version, same status) and the event naming
// who was chased, which appraisal counts. Refusals as for Reassign.
func (r Request) Remind(m Reminder, by User, now time.Time) (Request, RequestEvent, error) {
	if err := m.Validate(); err != nil {
		return r, RequestEvent{}, err
	}
	if err := r.allowsAt(ActionRemind, by, m.Version); err != nil {
		return r, RequestEvent{}, err
	}
	next := r
	next.Version++
	next.Reminders++
	data := map[string]any{"liaison_id": optionalID(r.LiaisonID), "unit_id": optionalID(r.UnitID), "count": next.Reminders}
	return next, RequestEvent{RequestID: r.ID, At: now, ActorID: by.ID, Action: string(ActionRemind),
		From: r.Status, To: r.Status, Note: m.Note, Data: data}, nil
}

// allowsAt is allows, then the version check.
func (r Request) allowsAt(a RequestAction, by User, version int) error {
	if err := r.allows(a, by); err != nil {
		return err
	}
	if version != r.Version {
		return Errorf(EConflict, "request %d is at version %d, not %d: reload and retry", r.ID, r.Version, version)
	}
	return nil
}

// optionalID is id, or nil for none (0), as event data shows it.
func optionalID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// RequestActionStore takes 改派 and 催办. Each is one transaction with its
// history event and audit row, guarded by the request's version (else
// EConflict); a request outside by's scope is ENotFound.
type RequestActionStore interface {
	// ReassignRequest hands request id on; an officer only to liaisons of
	// their grids (else EInvalid on liaison_id). Liaison or unit 0 clears it.
	ReassignRequest(ctx context.Context, by User, who Actor, id int64, a Reassignment) (RequestDetail, error)
	// RemindRequest records a reminder to request id's assignee.
	RemindRequest(ctx context.Context, by User, who Actor, id int64, m Reminder) (RequestDetail, error)
}
