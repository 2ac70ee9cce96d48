package grid

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ContactKinds lists every contact kind.
var ContactKinds = []ContactKind{ContactCall, ContactVisit}

// The liaison rhythm 每周一联系、每月一走访: an organization with a liaison is
// overdue for a contact when none (a visit counts as a contact) was logged
// in the last ContactPeriod, and overdue for a visit when none was logged
// in the last VisitPeriod. Coverage (contact_7d, visit_30d), the
// organization layer's overdue flags, liaison compliance and the KPIs all
// use these windows: (now − period, now].
const (
	ContactPeriod = 7 * 24 * time.Hour
	VisitPeriod   = 30 * 24 * time.Hour
)

// Limits of a logged contact: its time may be a little ahead of the
// server's clock (the client's clock drifts; such times are stored as now),
// never further, and may be back-filled up to ContactMaxAge.
const (
	ContactClockSkew = 5 * time.Minute
	ContactMaxAge    = 366 * 24 * time.Hour
	ContactNoteMax   = 2000
)

// ContactInput is a contact or visit as a client logs it. At is an RFC 3339
// time; empty means now.
type ContactInput struct {
	Kind ContactKind `json:"kind"`
	At   string      `json:"at"`
	Note string      `json:"note"`
}

// Validate checks the input against the clock and returns the contact to
// store for organization orgID, or an EInvalid error naming the field. A
// time within ContactClockSkew ahead of now is taken as now, so no stored
// contact lies in the future.
func (in ContactInput) Validate(orgID int64, now time.Time) (Contact, error) {
	c := Contact{OrgID: orgID, Kind: in.Kind, Note: strings.TrimSpace(in.Note)}
	if !oneOf(in.Kind, ContactKinds) {
		return c, Invalid("kind", "must be one of contact, visit")
	}
	c.At = now
	if in.At != "" {
		at, err := time.Parse(time.RFC3339, in.At)
		switch {
		case err != nil:
			return c, Invalid("at", "must be an RFC 3339 time such as 2025-06-01T09:30:00+08:00")
		case at.After(now.Add(ContactClockSkew)):
			return c, Invalid("at", "must not be in the future")
		case at.Before(now.Add(-ContactMaxAge)):
			return c, Invalid("at", "must be within the last %d days", int(ContactMaxAge/(24*time.Hour)))
		case at.Before(now):
			c.At = at
		}
	}
	switch {
	case !utf8.ValidString(c.Note) || strings.ContainsRune(c.Note, 0):
		return c, Invalid("note", "must be valid text")
	case utf8.RuneCountInString(c.Note) > ContactNoteMax:
		return c, Invalid("note", "must be at most %d characters", ContactNoteMax)
	}
	return c, nil
}

// ContactEntry is a logged contact as listed, with who it was logged for
// and by.
type ContactEntry struct {
	ID          int64       `json:"id"`
	OrgID       int64       `json:"org_id"`
	LiaisonID   *int64      `json:"liaison_id"`
	LiaisonName *string     `json:"liaison_name"`
	Kind        ContactKind `json:"kind"`
	At          time.Time   `json:"at"`
	Note        string      `json:"note"`
	CreatedBy   *int64      `json:"created_by"`
	CreatedAt   time.Time   `json:"created_at"`
}

// ContactFilter selects one organization's contacts, newest first (by
// time, then id). Scope always applies: an organization outside it is
// ENotFound.
type ContactFilter struct {
	Scope Scope
	OrgID int64
	Kind  *ContactKind
	// BeforeID continues a listing after the contact with this id, in the
	// listing's order.
	BeforeID int64
	Limit    int
}

// ContactStore keeps the contact and visit logs.
type ContactStore interface {
	// CreateContact logs c for organization c.OrgID if scope may see it
	// (else ENotFound), for the organization's active liaison (a liaison
	// scope logs as that liaison), with its audit row in the same
	// transaction.
	CreateContact(ctx context.Context, scope Scope, who Actor, c Contact) (ContactEntry, error)
	// ListContacts lists what f selects; ENotFound when the organization
	// is not in f.Scope.
	ListContacts(ctx context.Context, f ContactFilter) ([]ContactEntry, error)
}
