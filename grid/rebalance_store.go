package grid

import (
	"context"
	"time"
)

// MaxRebalanceLoad is the largest min or max load a rebalancing may ask
// for; the schema bounds each liaison's own capacity the same way.
const MaxRebalanceLoad = 100

// RebalanceRequest is what an admin asks a rebalancing for, from the API
// or the CLI. Nil fields keep DefaultRebalanceOptions; Min and Max, when
// set, replace every liaison's own capacity.
type RebalanceRequest struct {
	// ZoneID names the zone; nil means the admin's own (or the only one).
	ZoneID           *int64                `json:"zone_id"`
	Min              *int                  `json:"min"`
	Max              *int                  `json:"max"`
	Stability        *float64              `json:"stability"`
	KeepInGrid       *bool                 `json:"keep_in_grid"`
	CrossGridPenalty *float64              `json:"cross_grid_penalty"`
	Weights          *PriorityWeightsPatch `json:"weights"`
}

// PriorityWeightsPatch changes some of the default priority weights.
type PriorityWeightsPatch struct {
	OpenRequests  *float64 `json:"open_requests"`
	KeyEnterprise *float64 `json:"key_enterprise"`
	Enterprise    *float64 `json:"enterprise"`
	Other         *float64 `json:"other"`
}

// Options checks r and returns the options it asks for, or an EInvalid
// error naming the first bad field.
func (r RebalanceRequest) Options() (RebalanceOptions, error) {
	o := DefaultRebalanceOptions()
	if r.ZoneID != nil && *r.ZoneID <= 0 {
		return o, Invalid("zone_id", "must be a positive integer id")
	}
	for _, b := range []struct {
		field string
		v     *int
	}{{"min", r.Min}, {"max", r.Max}} {
		if b.v != nil && (*b.v < 0 || *b.v > MaxRebalanceLoad) {
			return o, Invalid(b.field, "must be an integer from 0 to %d", MaxRebalanceLoad)
		}
	}
	o.Min, o.Max = r.Min, r.Max
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&o.Stability, r.Stability)
	set(&o.CrossGridPenalty, r.CrossGridPenalty)
	if r.KeepInGrid != nil {
		o.KeepInGrid = *r.KeepInGrid
	}
	if w := r.Weights; w != nil {
		set(&o.Weights.OpenRequests, w.OpenRequests)
		set(&o.Weights.KeyEnterprise, w.KeyEnterprise)
		set(&o.Weights.Enterprise, w.Enterprise)
		set(&o.Weights.Other, w.Other)
	}
	return o, o.Validate()
}

// Validate checks the options alone, before any data is loaded: bounds
// and metre values in range. Each liaison's own capacity is checked
// against them when the plan is solved.
func (o RebalanceOptions) Validate() error { return validateRebalanceOptions(o) }

// PlanStatus is where a stored rebalance plan is in its life: a draft
// until applied, or stale once its base data has changed.
type PlanStatus string

// The plan statuses.
const (
	PlanDraft   PlanStatus = "draft"
	PlanApplied PlanStatus = "applied"
	PlanStale   PlanStatus = "stale"
)

// SavedRebalancePlan is a rebalance plan as stored: built for one zone
// with Options from base data whose Fingerprint it keeps, so that
// applying it can refuse once that data has changed.
type SavedRebalancePlan struct {
	ID          int64
	ZoneID      int64
	Status      PlanStatus
	Options     RebalanceOptions
	Fingerprint string
	Objective   float64
	// Moves is nil in listings, which give only MoveCount.
	Moves     []RebalanceMove
	MoveCount int
	Before    RebalanceMetrics
	After     RebalanceMetrics
	CreatedBy int64 // 0: the CLI
	CreatedAt time.Time
	AppliedBy int64
	AppliedAt *time.Time
}

// RebalancePlanFilter selects stored plans, newest first.
type RebalancePlanFilter struct {
	ZoneID   *int64
	BeforeID int64 // only plans with a smaller id, when positive
	Limit    int
}

// MoveFilter pages through a plan's moves in organization id order.
type MoveFilter struct {
	AfterOrgID int64
	Limit      int
}

// RebalanceStore loads what a rebalancing looks at, keeps its plans and
// applies them.
type RebalanceStore interface {
	// FindZone returns the zone that ref names, by id or code (ENotFound
	// if none), or with ref empty the only zone (EInvalid on field
	// "zone" when there are none or several).
	FindZone(ctx context.Context, ref string) (Zone, error)
	// RebalanceInput loads zone zoneID's active liaisons and
	// organizations, with their active assignments and pins, and opts.
	RebalanceInput(ctx context.Context, zoneID int64, opts RebalanceOptions) (RebalanceInput, error)
	// SaveRebalancePlan stores p, built from input whose fingerprint is
	// given, as a draft of zone zoneID, with its audit row.
	SaveRebalancePlan(ctx context.Context, who Actor, zoneID int64, fingerprint string, opts RebalanceOptions, p *RebalancePlan) (SavedRebalancePlan, error)
	// FindRebalancePlan returns plan id with its moves, or ENotFound.
	FindRebalancePlan(ctx context.Context, id int64) (SavedRebalancePlan, error)
	// ListRebalancePlans lists plans newest first, without their moves.
	ListRebalancePlans(ctx context.Context, f RebalancePlanFilter) ([]SavedRebalancePlan, error)
	// EachRebalanceMoveFeature streams plan id's moves as lines from the
	// old liaison's base through the organization to the new liaison's
	// base; ENotFound when there is no such plan.
	EachRebalanceMoveFeature(ctx context.Context, id int64, f MoveFilter, fn FeatureFunc) error
	// ApplyRebalancePlan makes draft plan id the active assignment in one
	// transaction: old pairs closed, new ones opened with cause
	// rebalance, the plan marked applied, all audited. It is EConflict
	// when the plan is not a draft, or when the zone's data no longer has
	// the plan's fingerprint (the plan is then marked stale).
	ApplyRebalancePlan(ctx context.Context, who Actor, id int64) (SavedRebalancePlan, error)
}

// PlanRebalance builds a draft for zone zoneID: it loads the zone's input
// from s, solves it exactly and stores the plan. It returns the stored
// plan and the input, whose names word reports. An impossible request is
// an EInfeasible error that says why; nothing is stored then.
func PlanRebalance(ctx context.Context, s RebalanceStore, who Actor, zoneID int64, opts RebalanceOptions) (SavedRebalancePlan, RebalanceInput, error) {
	in, err := s.RebalanceInput(ctx, zoneID, opts)
	if err != nil {
		return SavedRebalancePlan{}, in, err
	}
	p, err := Rebalance(in)
	if err != nil {
		return SavedRebalancePlan{}, in, err
	}
	saved, err := s.SaveRebalancePlan(ctx, who, zoneID, in.Fingerprint(), opts, p)
	return saved, in, err
}

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
