package grid

import (
	"slices"
	"time"
)

// Event is one live change for open maps: a request's step or a contact
// logged; or a job's progress, for the user who started it. The database
// announces them as they commit.
type Event struct {
	Type   string    `json:"type"`             // "request", "contact" or "job"
	ID     int64     `json:"id"`               // the request's, contact's or job's id
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
	// UserID is who started a job: only they see its events. Done, Total
	// and Errors are its progress.
	UserID int64 `json:"user_id,omitempty"`
	Done   int64 `json:"done,omitempty"`
	Total  int64 `json:"total,omitempty"`
	Errors int64 `json:"errors,omitempty"`
	// PrevLiaisonID is, for 改派, the liaison who had the request: they
	// learn that it left them.
	PrevLiaisonID int64 `json:"prev_liaison_id,omitempty"`
}

// Sees reports whether a user of scope s may learn of e, by the same rule
// as the request and organization lists.
func (s Scope) Sees(e Event) bool {
	switch {
	case e.Type == "job":
		return false // its creator's alone: see the server's hub
	case s.ZoneID > 0 && e.ZoneID > 0 && e.ZoneID != s.ZoneID:
		return false
	case s.All:
		return true
	case len(s.GridIDs) > 0:
		return slices.Contains(s.GridIDs, e.GridID)
	case s.LiaisonID > 0:
		return e.LiaisonID == s.LiaisonID || e.OrgLiaisonID == s.LiaisonID || e.PrevLiaisonID == s.LiaisonID
	}
	return false
}
