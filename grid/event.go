package grid

import (
	"slices"
	"time"
)

// Event is one live change for open maps: a request's step or a contact
// logged. The database announces them as they commit.
type Event struct {
	Type   string    `json:"type"`             // "request" or "contact"
	ID     int64     `json:"id"`               // the request's or contact's id
	Action string    `json:"action"`           // the request action, or the contact kind
	Status string    `json:"status,omitempty"` // the request's status after the step
	At     time.Time `json:"at"`
	OrgID  int64     `json:"org_id"`
	ZoneID int64     `json:"zone_id"`
	GridID int64     `json:"grid_id,omitempty"`
	// LiaisonID is the request's assignee (or the contact's liaison),
	// OrgLiaisonID the organization's liaison: a liaison sees both.
	LiaisonID    int64 `json:"liaison_id,omitempty"`
	OrgLiaisonID int64 `json:"org_liaison_id,omitempty"`
	// PrevLiaisonID is, for 改派, the liaison who had the request: they
	// learn that it left them.
	PrevLiaisonID int64 `json:"prev_liaison_id,omitempty"`
}

// Sees reports whether a user of scope s may learn of e, by the same rule
// as the request and organization lists.
func (s Scope) Sees(e Event) bool {
	switch {
	case s.All:
		return true
	case len(s.GridIDs) > 0:
		return slices.Contains(s.GridIDs, e.GridID)
	case s.LiaisonID > 0:
		return e.LiaisonID == s.LiaisonID || e.OrgLiaisonID == s.LiaisonID || e.PrevLiaisonID == s.LiaisonID
	}
	return false
}
