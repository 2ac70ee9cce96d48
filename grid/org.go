package grid

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"time"
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
	// Unlocated is an organization registered without coordinates (it
	// has no grid until placed, unless an admin set one by hand).
	Unlocated  bool
	GridID     int64 // 0 when not yet assigned
	GridReason GridReason
	Active     bool
	Status     OrgStatus // "" reads as active
}

// OrgStatus says whether an organization is still in the zone.
type OrgStatus string

// The statuses: a retired organization keeps its row and history.
const (
	StatusActive       OrgStatus = "active"
	StatusMovedOut     OrgStatus = "moved_out"    // 迁出
	StatusDeregistered OrgStatus = "deregistered" // 注销
)

// Retirement retires an organization: 迁出 or 注销 on a date.
type Retirement struct {
	Kind    OrgStatus `json:"kind"`
	Date    string    `json:"date"` // YYYY-MM-DD
	Note    string    `json:"note"`
	Version int       `json:"version"`
}

// Validate checks r, naming the offending field.
func (r *Retirement) Validate() error {
	r.Note = strings.TrimSpace(r.Note)
	switch {
	case r.Kind != StatusMovedOut && r.Kind != StatusDeregistered:
		return Invalid("kind", "must be moved_out (迁出) or deregistered (注销)")
	case !validDate(r.Date):
		return Invalid("date", "must be a date YYYY-MM-DD")
	case utf8.RuneCountInString(r.Note) > 200 || !cleanText(r.Note):
		return Invalid("note", "must be valid text of at most 200 characters")
	}
	return validVersion(r.Version)
}

func validDate(s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && t.Year() >= 1949 && t.Year() <= 2999
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
	case !cleanText(o.Name):
		return Invalid("name", "must be valid text without NUL characters")
	case !ValidUSCC(o.USCC):
		return Invalid("uscc", "not a valid unified social credit code (GB 32100)")
	case !oneOf(o.Kind, OrgKinds):
		return Invalid("kind", "must be one of enterprise, new_economic, social")
	case strings.TrimSpace(o.Industry) == "" || utf8.RuneCountInString(o.Industry) > 50:
		return Invalid("industry", "must be 1 to 50 characters")
	case !cleanText(o.Industry):
		return Invalid("industry", "must be valid text without NUL characters")
	// The columns are 32-bit integers.
	case o.Employees < 0 || o.Employees > math.MaxInt32:
		return Invalid("employees", "must be an integer from 0 to %d", math.MaxInt32)
	case o.PartyMembers < 0 || o.PartyMembers > math.MaxInt32:
		return Invalid("party_members", "must be an integer from 0 to %d", math.MaxInt32)
	case o.PartyMembers > o.Employees:
		return Invalid("party_members", "must not exceed employees")
	case !oneOf(o.PartyOrg, PartyOrgs):
		return Invalid("party_org", "must be one of none, standalone, joint")
	case o.PartyOrg == PartyStandalone && o.PartyMembers < MinStandaloneMembers:
		return Invalid("party_org", "a standalone party organization needs at least %d party members", MinStandaloneMembers)
	case utf8.RuneCountInString(o.Address) > 200:
		return Invalid("address", "must be at most 200 characters")
	case !cleanText(o.Address):
		return Invalid("address", "must be valid text without NUL characters")
	}
	if o.Unlocated {
		return nil
	}
	if err := geo.ValidatePoint(o.Location); err != nil {
		return Invalid("geometry", "%v", err)
	}
	return nil
}

// OrgFilter selects organizations. Nil fields do not filter, but Scope
// always does: its zero value selects nothing.
type OrgFilter struct {
	Scope     Scope
	ID        *int64
	ZoneID    *int64
	BBox      *geo.BBox
	GridID    *int64
	Kind      *OrgKind
	Industry  *string
	PartyOrg  *PartyOrg
	LiaisonID *int64
	// Query matches the name (substring) or the credit code (prefix).
	Query *string
	// Gap keeps the organizations that make up this indicator's gap.
	Gap *Indicator
	// Overdue keeps the liaison-covered organizations overdue for this
	// kind: no contact (a visit counts) within ContactPeriod, or no visit
	// within VisitPeriod; the gaps of contact_7d and visit_30d.
	Overdue *ContactKind
	// Status: "" active only; "retired" the moved out and deregistered;
	// "all" both. Located: nil for the located ones only (or any, when ID
	// is set); false for the unlocated ones only (待定位).
	Status  string
	Located *bool
	// WithUnlocated, with Located nil, lists the unlocated organizations
	// beside the located ones: a register export is the whole register.
	WithUnlocated bool
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

// OrgStatusFilters are the values of OrgFilter.Status besides "".
var OrgStatusFilters = []string{"active", "retired", "all"}

// OrgPatch changes some of an organization's attributes. Nil fields stay
// as they are; Version must be the version the client last read.
type OrgPatch struct {
	Version      int       `json:"version"`
	Name         *string   `json:"name"`
	USCC         *string   `json:"uscc"`
	Kind         *OrgKind  `json:"kind"`
	Industry     *string   `json:"industry"`
	Employees    *int      `json:"employees"`
	PartyMembers *int      `json:"party_members"`
	PartyOrg     *PartyOrg `json:"party_org"`
	HighTech     *bool     `json:"high_tech"`
	Specialized  *bool     `json:"specialized"`
	Address      *string   `json:"address"`
	// Geometry moves (or places) it: a GeoJSON Point in WGS84.
	Geometry json.RawMessage `json:"geometry"`
	// GridID fixes its grid by hand (admins only), or null to let the
	// rule choose again; GridReason, if given, must then be "manual".
	GridID     json.RawMessage `json:"grid_id"`
	GridReason *GridReason     `json:"grid_reason"`
}

// ManualGrid reads the patch's grid_id: set is false when absent; id is 0
// for null (clear the hand-set grid).
func (p OrgPatch) ManualGrid() (set bool, id int64, err error) {
	raw := bytes.TrimSpace(p.GridID)
	if len(raw) == 0 {
		if p.GridReason != nil {
			return false, 0, Invalid("grid_reason", "only with grid_id")
		}
		return false, 0, nil
	}
	if p.GridReason != nil && *p.GridReason != ReasonManual {
		return false, 0, Invalid("grid_reason", "must be manual: other reasons come from the rule")
	}
	if string(raw) == "null" {
		return true, 0, nil
	}
	if err := json.Unmarshal(raw, &id); err != nil || id <= 0 {
		return false, 0, Invalid("grid_id", "must be a grid id, or null to let the rule choose")
	}
	return true, id, nil
}

// ParsePoint reads a GeoJSON Point geometry, naming field on error.
func ParsePoint(field string, raw json.RawMessage) (orb.Point, error) {
	var g struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || g.Type != "Point" || len(g.Coordinates) != 2 {
		return orb.Point{}, Invalid(field, "must be a GeoJSON Point {\"type\":\"Point\",\"coordinates\":[lon,lat]} in WGS84")
	}
	p := orb.Point{g.Coordinates[0], g.Coordinates[1]}
	if err := geo.ValidatePoint(p); err != nil {
		return p, Invalid(field, "%v", err)
	}
	return p, nil
}

// Apply returns o with the patch's fields set, validated, and the names of
// the fields that changed.
func (p OrgPatch) Apply(o Org) (Org, []string, error) {
	if err := validVersion(p.Version); err != nil {
		return o, nil, err
	}
	var changed []string
	set := func(name string, differs bool) {
		if differs {
			changed = append(changed, name)
		}
	}
	if p.Name != nil {
		set("name", *p.Name != o.Name)
		o.Name = *p.Name
	}
	if p.USCC != nil {
		set("uscc", *p.USCC != o.USCC)
		o.USCC = *p.USCC
	}
	if p.Kind != nil {
		set("kind", *p.Kind != o.Kind)
		o.Kind = *p.Kind
	}
	if p.Industry != nil {
		set("industry", *p.Industry != o.Industry)
		o.Industry = *p.Industry
	}
	if p.Employees != nil {
		set("employees", *p.Employees != o.Employees)
		o.Employees = *p.Employees
	}
	if p.PartyMembers != nil {
		set("party_members", *p.PartyMembers != o.PartyMembers)
		o.PartyMembers = *p.PartyMembers
	}
	if p.PartyOrg != nil {
		set("party_org", *p.PartyOrg != o.PartyOrg)
		o.PartyOrg = *p.PartyOrg
	}
	if p.HighTech != nil {
		set("high_tech", *p.HighTech != o.HighTech)
		o.HighTech = *p.HighTech
	}
	if p.Specialized != nil {
		set("specialized", *p.Specialized != o.Specialized)
		o.Specialized = *p.Specialized
	}
	if p.Address != nil {
		set("address", *p.Address != o.Address)
		o.Address = *p.Address
	}
	if len(bytes.TrimSpace(p.Geometry)) > 0 {
		at, err := ParsePoint("geometry", p.Geometry)
		if err != nil {
			return o, nil, err
		}
		set("geometry", o.Unlocated || at != o.Location)
		o.Location, o.Unlocated = at, false
	}
	if _, _, err := p.ManualGrid(); err != nil {
		return o, nil, err
	}
	return o, changed, o.Validate()
}

// cleanText reports whether s is valid UTF-8 without NUL, which
// PostgreSQL text cannot hold.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// validVersion checks a row version a client sends back: positive and
// within the 32-bit column, so that an impossible one is refused by name
// rather than reported as a conflict.
func validVersion(v int) error {
	if v < 1 || v > math.MaxInt32 {
		return Invalid("version", "required: the version you last read (1 to %d)", math.MaxInt32)
	}
	return nil
}
