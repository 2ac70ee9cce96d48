package grid

import (
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"gridgis/geo"
)

// OrgKind says what an organization is.
type OrgKind string

// The organization kinds.
const (
	KindEnterprise  OrgKind = "enterprise"   // 企业
	KindNewEconomic OrgKind = "new_economic" // 新经济组织
	KindSocial      OrgKind = "social"       // 社会组织
)

// OrgKinds lists every kind, in display order.
var OrgKinds = []OrgKind{KindEnterprise, KindNewEconomic, KindSocial}

// PartyOrg is the kind of party organization an organization has.
type PartyOrg string

// The party organization kinds.
const (
	PartyNone       PartyOrg = "none"
	PartyStandalone PartyOrg = "standalone" // 单独组建
	PartyJoint      PartyOrg = "joint"      // 联合组建
)

// PartyOrgs lists every party organization kind.
var PartyOrgs = []PartyOrg{PartyNone, PartyStandalone, PartyJoint}

// MinStandaloneMembers is the number of full party members a standalone
// party organization needs.
const MinStandaloneMembers = 3

// Org is an organization (企业 / 新经济组织 / 社会组织) at a point.
type Org struct {
	ID           int64
	ZoneID       int64
	Name         string
	USCC         string // unified social credit code, GB 32100
	Kind         OrgKind
	Industry     string
	Employees    int
	PartyMembers int
	PartyOrg     PartyOrg
	HighTech     bool // 高新技术企业
	Specialized  bool // 专精特新
	Address      string
	Location     orb.Point
	GridID       int64 // 0 when not yet assigned
	GridReason   GridReason
	Active       bool
}

// Validate reports the first problem with o as an EInvalid *Error naming
// the field.
func (o *Org) Validate() error {
	o.Name = strings.TrimSpace(o.Name)
	switch {
	case o.Name == "":
		return Invalid("name", "must not be empty")
	case utf8.RuneCountInString(o.Name) > 100:
		return Invalid("name", "must be at most 100 characters")
	case !ValidUSCC(o.USCC):
		return Invalid("uscc", "not a valid unified social credit code (GB 32100)")
	case !oneOf(o.Kind, OrgKinds):
		return Invalid("kind", "must be one of enterprise, new_economic, social")
	case strings.TrimSpace(o.Industry) == "" || utf8.RuneCountInString(o.Industry) > 50:
		return Invalid("industry", "must be 1 to 50 characters")
	case o.Employees < 0:
		return Invalid("employees", "must not be negative")
	case o.PartyMembers < 0:
		return Invalid("party_members", "must not be negative")
	case o.PartyMembers > o.Employees:
		return Invalid("party_members", "must not exceed employees")
	case !oneOf(o.PartyOrg, PartyOrgs):
		return Invalid("party_org", "must be one of none, standalone, joint")
	case o.PartyOrg == PartyStandalone && o.PartyMembers < MinStandaloneMembers:
		return Invalid("party_org", "a standalone party organization needs at least %d party members", MinStandaloneMembers)
	case utf8.RuneCountInString(o.Address) > 200:
		return Invalid("address", "must be at most 200 characters")
	}
	if err := geo.ValidatePoint(o.Location); err != nil {
		return Invalid("geometry", "%v", err)
	}
	return nil
}

// OrgFilter selects organizations. Nil fields do not filter, but Scope
// always does: its zero value selects nothing.
type OrgFilter struct {
	Scope  Scope
	ID     *int64
	ZoneID *int64
	BBox   *geo.BBox
	GridID *int64
	Kind   *OrgKind
	// AfterID continues a listing after the organization with this id.
	AfterID int64
	Limit   int
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}
