package grid

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// Default liaison capacity: each liaison carries 5 to 8 organizations.
const (
	DefaultMinLoad = 5
	DefaultMaxLoad = 8
)

// Liaison is a 红领联络员: a cadre with a base location in a home grid who
// contacts each of their organizations weekly and visits them monthly.
type Liaison struct {
	ID      int64
	ZoneID  int64
	Name    string
	Phone   string
	GridID  int64
	Base    orb.Point
	MinLoad int
	MaxLoad int
	Active  bool
}

// AssignmentCause says how an assignment came about.
type AssignmentCause string

// The assignment causes.
const (
	CauseRule      AssignmentCause = "rule"
	CauseManual    AssignmentCause = "manual"
	CauseRebalance AssignmentCause = "rebalance"
)

// Assignment is a 包联关系 between an organization and a liaison, valid from
// ValidFrom until ValidTo (nil while active). Pinned pairs are never moved
// by rebalancing.
type Assignment struct {
	ID        int64
	OrgID     int64
	LiaisonID int64
	ValidFrom time.Time
	ValidTo   *time.Time
	Cause     AssignmentCause
	Pinned    bool
}

// ContactKind is a weekly contact (联系) or a monthly visit (走访).
type ContactKind string

// The contact kinds.
const (
	ContactCall  ContactKind = "contact"
	ContactVisit ContactKind = "visit"
)

// Contact is one entry of a liaison's contact and visit log.
type Contact struct {
	ID        int64
	OrgID     int64
	LiaisonID int64
	Kind      ContactKind
	At        time.Time
	Note      string
}

// UnitKind classifies an alliance unit.
type UnitKind string

// The alliance unit kinds.
const (
	UnitGovernment  UnitKind = "government"
	UnitBank        UnitKind = "bank"
	UnitInvestor    UnitKind = "investor"
	UnitResearch    UnitKind = "research"
	UnitAssociation UnitKind = "association"
	UnitService     UnitKind = "service"
)

// Unit is a member of the 红领企服联盟 that a request can be handed to.
type Unit struct {
	ID      int64    `json:"id"`
	ZoneID  int64    `json:"zone_id"`
	Name    string   `json:"name"`
	Kind    UnitKind `json:"kind"`
	Contact string   `json:"contact"`
}

// UnitKinds lists the alliance unit kinds.
var UnitKinds = []UnitKind{UnitGovernment, UnitBank, UnitInvestor, UnitResearch, UnitAssociation, UnitService}

// LiaisonChange is a manual assignment (cause manual): the organization's
// new liaison, or nil to leave it without one, and whether rebalancing
// must keep the pair.
type LiaisonChange struct {
	LiaisonID *int64
	Pinned    bool
}

// Validate checks c on its own; whether the liaison exists, is active
// and may be given is the store's to check.
func (c LiaisonChange) Validate() error {
	switch {
	case c.LiaisonID != nil && *c.LiaisonID <= 0:
		return Invalid("liaison_id", "must be a positive integer id, or null to unassign")
	case c.LiaisonID == nil && c.Pinned:
		return Invalid("pinned", "an organization without a liaison cannot be pinned")
	}
	return nil
}

// OrgLiaison is an organization's active assignment after a manual
// change: LiaisonID nil when it has none.
type OrgLiaison struct {
	OrgID     int64            `json:"org_id"`
	LiaisonID *int64           `json:"liaison_id"`
	Pinned    bool             `json:"pinned"`
	Cause     *AssignmentCause `json:"cause"`
	ValidFrom *time.Time       `json:"valid_from"`
	// PreviousLiaisonID is the liaison before the change.
	PreviousLiaisonID *int64 `json:"previous_liaison_id"`
	// Changed is false when the organization already had this liaison
	// and pin: nothing was written.
	Changed bool `json:"changed"`
}

// AssignmentStore changes assignments by hand.
type AssignmentStore interface {
	// SetOrgLiaison gives organization orgID the liaison and pin that ch
	// names, closing its active assignment (valid_to) and opening one
	// with cause manual, audited, unless nothing changes. The
	// organization must be active and within scope (else ENotFound). The
	// liaison must be active and of the organization's zone (else
	// EInvalid on liaison_id); a grid-scoped caller (an officer) may only
	// give a liaison of the organization's own grid: one of their other
	// grids is EForbidden, one outside their grids EInvalid, as if it did
	// not exist. Other partial scopes are EForbidden.
	SetOrgLiaison(ctx context.Context, scope Scope, who Actor, orgID int64, ch LiaisonChange) (OrgLiaison, error)
}
