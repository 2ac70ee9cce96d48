package grid

import (
	"context"

	"github.com/paulmach/orb"

	"gridgis/geo"
)

// Feature is one GeoJSON Feature as the store encoded it, with its row id
// and the bounding box of its geometry.
type Feature struct {
	ID   int64
	BBox geo.BBox
	// JSON is only valid during the FeatureFunc call.
	JSON []byte
}

// FeatureFunc receives the features of a layer one at a time.
type FeatureFunc func(Feature) error

// MapStore streams the map layers as GeoJSON features, in id order, so a
// response never has to hold a whole layer in memory.
type MapStore interface {
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// EachGridFeature streams the grids f selects with their officer,
	// instructor and organization count. Every signed-in role may read
	// every grid's outline and counts.
	EachGridFeature(ctx context.Context, f GridFilter, fn FeatureFunc) error
	// EachOrgFeature streams the organizations f selects, starting after
	// f.AfterID, ordered by id; or with a limit the f.Limit of them with
	// the smallest ids, in any order but the largest id last.
	EachOrgFeature(ctx context.Context, f OrgFilter, fn FeatureFunc) error
	// CountOrgs counts what EachOrgFeature would stream without a limit
	// or cursor.
	CountOrgs(ctx context.Context, f OrgFilter) (int64, error)
	// OrgTotal is how many organizations EachOrgFeature streams for scope
	// s with no other filter (active and located, with or without a grid),
	// read cheaply enough to go with every grids list.
	OrgTotal(ctx context.Context, s Scope) (int64, error)
	// EachLiaisonFeature streams liaison base points with their load,
	// capacity and contact compliance, in id order.
	EachLiaisonFeature(ctx context.Context, f LiaisonFilter, fn FeatureFunc) error
	// CountLiaisons counts what EachLiaisonFeature would stream without a
	// limit or cursor.
	CountLiaisons(ctx context.Context, f LiaisonFilter) (int64, error)
	// EachRequestFeature streams request points with status and SLA
	// colour, in id order.
	EachRequestFeature(ctx context.Context, f RequestFilter, fn FeatureFunc) error
	// CountRequests counts what EachRequestFeature would stream without a
	// limit or cursor.
	CountRequests(ctx context.Context, f RequestFilter) (int64, error)
	// EachAssignmentFeature streams active assignments as lines from the
	// liaison's base to the organization.
	EachAssignmentFeature(ctx context.Context, f AssignmentFilter, fn FeatureFunc) error
	// EachCoverageFeature streams every grid polygon with the indicator's
	// numerator, denominator and rate; these are aggregates, for every role.
	EachCoverageFeature(ctx context.Context, ind Indicator, fn FeatureFunc) error
	// CoverageTotals is the indicator per zone.
	CoverageTotals(ctx context.Context, ind Indicator) ([]ZoneRate, error)
}

// LiaisonFilter selects liaisons; Scope always applies (officers see the
// liaisons of their grids, a liaison only themself).
type LiaisonFilter struct {
	Scope   Scope
	ID      *int64
	BBox    *geo.BBox
	GridID  *int64
	AfterID int64
	Limit   int
}

// RequestFilter selects requests; Scope always applies (officers see the
// requests of their grids' organizations, a liaison those assigned to
// them or about their organizations).
type RequestFilter struct {
	Scope  Scope
	ID     *int64
	BBox   *geo.BBox
	GridID *int64
	// Status is one status, or StatusOpen for every status not yet
	// verified or rejected.
	Status *RequestStatus
	// Overdue selects requests past their due time (true) or not (false).
	Overdue *bool
	AfterID int64
	Limit   int
}

// UserStore keeps the people who sign in.
type UserStore interface {
	// CreateUser adds u with an already hashed password; gridCodes name
	// the grids of an officer's scope.
	CreateUser(ctx context.Context, u User, passwordHash string, gridCodes []string) (User, error)
}

// GridFilter selects grids. Nil fields do not filter.
type GridFilter struct {
	ID     *int64
	ZoneID int64 // 0: every zone
}

// Actor is who changes something, for the audit row written with it.
type Actor struct {
	UserID     int64
	ClientAddr string
}

// OrgStore changes organizations.
type OrgStore interface {
	// UpdateOrg applies patch to organization id if scope may see it
	// (else ENotFound) and it is still at patch.Version (else EConflict),
	// auditing the change; it returns the new version.
	UpdateOrg(ctx context.Context, scope Scope, who Actor, id int64, patch OrgPatch) (int, error)
	// AddOrg registers o for a user of scope, its grid by the rule
	// (EForbidden naming the field when an officer's would be outside
	// their grids), auditing it.
	AddOrg(ctx context.Context, scope Scope, who Actor, o Org) (Org, error)
	// RetireOrg retires organization id (迁出/注销) at r.Version, ending
	// its liaison assignment and keeping its row and history.
	RetireOrg(ctx context.Context, scope Scope, who Actor, id int64, r Retirement) (int, error)
}

// RequestStore runs the request loop. Every change is one transaction
// with the event row that records it.
type RequestStore interface {
	// CreateRequest records a request reported by by about an
	// organization in by's scope (else EInvalid on org_id). A non-empty
	// key makes it idempotent per user: the same key and content return
	// the first request with replayed set; the same key with other
	// content is EUnprocessable. The request comes with its history.
	CreateRequest(ctx context.Context, by User, key string, n NewRequest) (r RequestDetail, replayed bool, err error)
	// FindRequest returns request id with its whole history, if scope
	// may see it (else ENotFound).
	FindRequest(ctx context.Context, scope Scope, id int64) (RequestDetail, error)
	// TransitionRequest applies t to request id as by, guarded by the
	// request's status and version so that of concurrent transitions
	// from one version exactly one succeeds (the rest: EConflict).
	TransitionRequest(ctx context.Context, by User, id int64, t Transition) (RequestDetail, error)
	// EscalateRequests raises the supervision card of every open request
	// that needs one at the store's clock, writing one supervise event
	// per raised card, and returns how many it raised.
	EscalateRequests(ctx context.Context) (int, error)
}

// RequestDetail is a request as shown on its own: with where its
// organization is, and its history oldest first.
type RequestDetail struct {
	Request
	OrgName  string
	GridID   int64
	Location orb.Point
	Events   []RequestEvent
}

// UnitStore lists the alliance units.
type UnitStore interface {
	// Units lists the alliance units of a zone, by name.
	Units(ctx context.Context, zoneID int64) ([]Unit, error)
}

// EventStore delivers the live changes the map shows.
type EventStore interface {
	// ListenEvents calls connected once it listens, then fn for each
	// change, until ctx ends or the connection fails (the error).
	ListenEvents(ctx context.Context, connected func(), fn func(Event)) error
}
