package grid

import (
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
