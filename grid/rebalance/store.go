package rebalance

import (
	"context"
	"encoding/json"
	"time"

	"gridgis/grid"
)

// MaxLoad is the largest min or max load a rebalancing may ask
// for; the schema bounds each liaison's own capacity the same way.
const MaxLoad = 100

// Request is what an admin asks a rebalancing for, from the API
// or the CLI. Nil fields keep DefaultOptions; Min and Max, when
// set, replace every liaison's own capacity.
type Request struct {
	// ZoneID names the zone; nil means the admin's own (or the only one).
	ZoneID           *int64                `json:"zone_id"`
	Min              *int                  `json:"min"`
	Max              *int                  `json:"max"`
	Stability        *float64              `json:"stability"`
	KeepInGrid       *bool                 `json:"keep_in_grid"`
	CrossGridPenalty *float64              `json:"cross_grid_penalty"`
	Weights          *PriorityWeightsPatch `json:"weights"`
	// AllowCoverageLoss lets the plan lower a kind's or class's coverage.
	AllowCoverageLoss *bool `json:"allow_coverage_loss"`
	// MaxTravelIncrease bounds total travel (0.1: +10 %, the default);
	// null lifts the bound.
	MaxTravelIncrease NullableFloat `json:"max_travel_increase"`
}

// NullableFloat is a JSON number that tells absent (keep the default)
// from null (no value).
type NullableFloat struct {
	Set   bool
	Value *float64
}

// UnmarshalJSON implements json.Unmarshaler; it runs only when the field
// is present.
func (n *NullableFloat) UnmarshalJSON(b []byte) error {
	n.Set = true
	n.Value = nil
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &n.Value)
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
func (r Request) Options() (Options, error) {
	o := DefaultOptions()
	if r.ZoneID != nil && *r.ZoneID <= 0 {
		return o, grid.Invalid("zone_id", "must be a positive integer id")
	}
	for _, b := range []struct {
		field string
		v     *int
	}{{"min", r.Min}, {"max", r.Max}} {
		if b.v != nil && (*b.v < 0 || *b.v > MaxLoad) {
			return o, grid.Invalid(b.field, "must be an integer from 0 to %d", MaxLoad)
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
	if r.AllowCoverageLoss != nil {
		o.AllowCoverageLoss = *r.AllowCoverageLoss
	}
	if r.MaxTravelIncrease.Set {
		o.MaxTravelIncrease = r.MaxTravelIncrease.Value
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
func (o Options) Validate() error { return validateRebalanceOptions(o) }

// PlanStatus is where a stored rebalance plan is in its life: a draft
// until applied, or stale once its base data has changed.
type PlanStatus string

// The plan statuses.
const (
	PlanDraft   PlanStatus = "draft"
	PlanApplied PlanStatus = "applied"
	PlanStale   PlanStatus = "stale"
)

// SavedPlan is a rebalance plan as stored: built for one zone
// with Options from base data whose Fingerprint it keeps, so that
// applying it can refuse once that data has changed.
type SavedPlan struct {
	ID          int64
	ZoneID      int64
	Status      PlanStatus
	Options     Options
	Fingerprint string
	Objective   float64
	// Moves is nil in listings, which give only MoveCount.
	Moves     []Move
	MoveCount int
	Before    Metrics
	After     Metrics
	// Tradeoffs is nil for plans stored before plans said what they
	// trade.
	Tradeoffs *Tradeoffs
	CreatedBy int64 // 0: the CLI
	CreatedAt time.Time
	AppliedBy int64
	AppliedAt *time.Time
}

// PlanFilter selects stored plans, newest first.
type PlanFilter struct {
	ZoneID   *int64
	BeforeID int64 // only plans with a smaller id, when positive
	Limit    int
}

// MoveFilter pages through a plan's moves in organization id order.
type MoveFilter struct {
	AfterOrgID int64
	Limit      int
}

// Store loads what a rebalancing looks at, keeps its plans and
// applies them.
type Store interface {
	// FindZone returns the zone that ref names, by id or code (ENotFound
	// if none), or with ref empty the only zone (EInvalid on field
	// "zone" when there are none or several).
	FindZone(ctx context.Context, ref string) (grid.Zone, error)
	// RebalanceInput loads zone zoneID's active liaisons and
	// organizations, with their active assignments and pins, and opts.
	RebalanceInput(ctx context.Context, zoneID int64, opts Options) (Input, error)
	// SaveRebalancePlan stores p, built from input whose fingerprint is
	// given, as a draft of zone zoneID, with its audit row.
	SaveRebalancePlan(ctx context.Context, who grid.Actor, zoneID int64, fingerprint string, opts Options, p *Plan) (SavedPlan, error)
	// FindRebalancePlan returns plan id with its moves, or ENotFound.
	FindRebalancePlan(ctx context.Context, id int64) (SavedPlan, error)
	// ListRebalancePlans lists plans newest first, without their moves.
	ListRebalancePlans(ctx context.Context, f PlanFilter) ([]SavedPlan, error)
	// EachRebalanceMoveFeature streams plan id's moves as lines from the
	// old liaison's base through the organization to the new liaison's
	// base; ENotFound when there is no such plan.
	EachRebalanceMoveFeature(ctx context.Context, id int64, f MoveFilter, fn grid.FeatureFunc) error
	// ApplyRebalancePlan makes draft plan id the active assignment in one
	// transaction: old pairs closed, new ones opened with cause
	// rebalance, the plan marked applied, all audited. It is EConflict
	// when the plan is not a draft, or when the zone's data no longer has
	// the plan's fingerprint (the plan is then marked stale).
	ApplyRebalancePlan(ctx context.Context, who grid.Actor, id int64) (SavedPlan, error)
}

// DraftPlan builds a draft for zone zoneID: it loads the zone's input
// from s, solves it exactly and stores the plan. It returns the stored
// plan and the input, whose names word reports. An impossible request is
// an EInfeasible error that says why; nothing is stored then.
func DraftPlan(ctx context.Context, s Store, who grid.Actor, zoneID int64, opts Options) (SavedPlan, Input, error) {
	in, err := s.RebalanceInput(ctx, zoneID, opts)
	if err != nil {
		return SavedPlan{}, in, err
	}
	p, err := Solve(in)
	if err != nil {
		return SavedPlan{}, in, err
	}
	saved, err := s.SaveRebalancePlan(ctx, who, zoneID, in.Fingerprint(), opts, p)
	return saved, in, err
}
