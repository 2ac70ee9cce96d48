package rebalance

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// PriorityClass says how much an organization needs a liaison; leaving it
// uncovered costs its class's weight.
type PriorityClass string

// The priority classes, most urgent first under the default weights.
const (
	ClassOpenRequests  PriorityClass = "open_requests"  // has requests not yet closed
	ClassOther         PriorityClass = "other"          // new economic and social organizations (两新组织)
	ClassKeyEnterprise PriorityClass = "key_enterprise" // 高新技术企业 or 专精特新
	ClassEnterprise    PriorityClass = "enterprise"     // any other enterprise
)

// PriorityClasses returns every class, most urgent first under the
// default weights.
func PriorityClasses() []PriorityClass {
	return []PriorityClass{ClassOpenRequests, ClassOther, ClassKeyEnterprise, ClassEnterprise}
}

// OrgPriority returns the priority class of o, which has openRequests
// requests not yet verified or rejected. The high-tech and specialized
// flags are enterprise certifications, so they count whatever o's kind.
func OrgPriority(o grid.Org, openRequests int) PriorityClass {
	switch {
	case openRequests > 0:
		return ClassOpenRequests
	case o.HighTech || o.Specialized:
		return ClassKeyEnterprise
	case o.Kind == grid.KindEnterprise:
		return ClassEnterprise
	default:
		return ClassOther
	}
}

// PriorityWeights is what leaving an organization of each class uncovered
// costs, in metres of liaison travel: an organization stays uncovered only
// if covering it would add more travel than its weight.
type PriorityWeights struct {
	OpenRequests  float64 `json:"open_requests"`
	KeyEnterprise float64 `json:"key_enterprise"`
	Enterprise    float64 `json:"enterprise"`
	Other         float64 `json:"other"`
}

// Of returns the weight of class c.
func (w PriorityWeights) Of(c PriorityClass) float64 {
	switch c {
	case ClassOpenRequests:
		return w.OpenRequests
	case ClassKeyEnterprise:
		return w.KeyEnterprise
	case ClassEnterprise:
		return w.Enterprise
	default:
		return w.Other
	}
}

// Options tunes a rebalancing. Start from DefaultOptions
// and change what the admin asked for: a zero Stability or
// CrossGridPenalty means zero, not the default.
type Options struct {
	// Min and Max, when set, replace every liaison's own capacity.
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
	// Stability is what moving an organization away from its current
	// liaison costs, in metres: to another liaison or to none. A move is
	// made only if it saves more travel (or coverage) than this.
	Stability float64 `json:"stability"`
	// KeepInGrid forbids pairing a liaison with an organization of another
	// grid; without it such a pair costs CrossGridPenalty metres more.
	// Pinned pairs are kept either way.
	KeepInGrid       bool    `json:"keep_in_grid"`
	CrossGridPenalty float64 `json:"cross_grid_penalty"`
	// CandidateLimit, when positive, makes large zones fast without
	// changing the plan: the solver starts from each organization's
	// CandidateLimit cheapest liaisons (distance plus any cross-grid
	// penalty) and its current one, and adds another pair only when the
	// optimality conditions show that it could lower the cost. The plan
	// is optimal over all allowed pairs either way. Zero starts from
	// every allowed pair, which needs memory for all of them.
	CandidateLimit int             `json:"candidate_limit"`
	Weights        PriorityWeights `json:"weights"`
	// AllowCoverageLoss lets a plan cover fewer organizations of a kind
	// or priority class in a grid than are covered now. Without it, each
	// (grid, kind, class) keeps at least the organizations whose current
	// pairs the rules still allow, so no kind is traded away unasked.
	AllowCoverageLoss bool `json:"allow_coverage_loss"`
	// MaxTravelIncrease, when set, bounds the plan's total travel to the
	// current total times 1 + MaxTravelIncrease (0.1: +10 %): the solver
	// values coverage less until the plan fits. Nil: no bound.
	MaxTravelIncrease *float64 `json:"max_travel_increase"`
}

// Rebalancing defaults, in metres (and a number of liaisons). The zone is
// a few kilometres across, so the weights keep every organization covered
// while capacity lasts, and the most urgent first when it runs out: open
// requests, then the new economic and social organizations that the
// liaison system exists to bring in, then key enterprises.
const (
	DefaultStability        = 2000
	DefaultCrossGridPenalty = 5000
	DefaultCandidateLimit   = 12
	DefaultWeightOpen       = 100000
	DefaultWeightOther      = 60000
	DefaultWeightKey        = 50000
	DefaultWeightEnterprise = 20000
)

// DefaultMaxTravelIncrease is the default bound on total travel: +10 %.
const DefaultMaxTravelIncrease = 0.1

// MaxTravelIncrease is the largest bound one may ask for (+1000 %); no
// bound at all is nil.
const MaxTravelIncrease = 10

// DefaultOptions returns the default options: each liaison's own
// capacity, liaisons kept in their grid, no kind's coverage lowered and
// total travel at most 10 % longer.
func DefaultOptions() Options {
	increase := DefaultMaxTravelIncrease
	return Options{
		MaxTravelIncrease: &increase,
		Stability:         DefaultStability,
		KeepInGrid:        true,
		CrossGridPenalty:  DefaultCrossGridPenalty,
		CandidateLimit:    DefaultCandidateLimit,
		Weights: PriorityWeights{
			OpenRequests:  DefaultWeightOpen,
			KeyEnterprise: DefaultWeightKey,
			Enterprise:    DefaultWeightEnterprise,
			Other:         DefaultWeightOther,
		},
	}
}

// Liaison is a liaison as the rebalancer sees it. Min and Max
// bound the number of organizations they carry, pinned ones included.
type Liaison struct {
	ID     int64
	Name   string
	GridID int64
	Base   orb.Point
	Min    int
	Max    int
}

// LiaisonOf returns l as the rebalancer sees it.
func LiaisonOf(l grid.Liaison) Liaison {
	return Liaison{ID: l.ID, Name: l.Name, GridID: l.GridID, Base: l.Base, Min: l.MinLoad, Max: l.MaxLoad}
}

// Org is an organization as the rebalancer sees it. GridID 0
// (no grid yet) is allowed: every liaison's pair with it crosses grids.
type Org struct {
	ID       int64
	Name     string
	GridID   int64
	Location orb.Point
	Kind     grid.OrgKind
	Class    PriorityClass
}

// OrgOf returns o, which has openRequests open requests, as the
// rebalancer sees it.
func OrgOf(o grid.Org, openRequests int) Org {
	return Org{ID: o.ID, Name: o.Name, GridID: o.GridID, Location: o.Location, Kind: o.Kind, Class: OrgPriority(o, openRequests)}
}

// Pair is one organization's liaison: an active assignment in an
// Input, or one line of a plan, where LiaisonID 0 means uncovered.
type Pair struct {
	OrgID     int64 `json:"org_id"`
	LiaisonID int64 `json:"liaison_id"`
	Pinned    bool  `json:"pinned"`
}

// Move is a change a plan makes: From 0 means the organization
// had no liaison, To 0 that it will have none.
type Move struct {
	OrgID         int64 `json:"org_id"`
	FromLiaisonID int64 `json:"from_liaison_id"`
	ToLiaisonID   int64 `json:"to_liaison_id"`
}

// Input is everything a rebalancing looks at, typically one zone:
// its active liaisons and organizations, their active assignments
// (Current, at most one per organization), and the names of the grids for
// messages. Ids must be unique and positive, and Current may name only
// liaisons and organizations of the input.
type Input struct {
	Liaisons  []Liaison
	Orgs      []Org
	Current   []Pair
	GridNames map[int64]string
	Options   Options
}

// Plan is an optimized assignment with what it changes.
type Plan struct {
	// Assignment has every organization of the input, by id; LiaisonID 0
	// for those left uncovered.
	Assignment []Pair `json:"assignment"`
	// Moves lists the organizations whose liaison changes, by id.
	Moves []Move `json:"moves"`
	// Objective is the plan's cost in metres: travel, stability costs,
	// cross-grid penalties and the weights of uncovered organizations.
	Objective float64 `json:"objective"`
	Before    Metrics `json:"before"`
	After     Metrics `json:"after"`
	// Tradeoffs says what the plan gives up against the current state
	// and which guards held it back.
	Tradeoffs Tradeoffs `json:"tradeoffs"`
}

// Solve returns the optimal plan for in: among all assignments that
// keep the pinned pairs, every liaison between their Min and Max, no
// pair across grids when KeepInGrid, and unless AllowCoverageLoss no
// fewer organizations of any (grid, kind, priority class) covered than
// the current pairs the rules allow, the one of least Objective. With a
// MaxTravelIncrease it then trades coverage for travel until the total
// fits (see solveGuarded); the plan's Tradeoffs say what was given up.
// Ties are broken the same way for the same input, whatever its order.
// An impossible request is an EInfeasible error saying why; bad input, an
// EInvalid one.
func Solve(in Input) (*Plan, error) {
	m, err := newRebalanceModel(in)
	if err != nil {
		return nil, err
	}
	assign, t, err := m.solveGuarded()
	if err != nil {
		return nil, err
	}
	p := m.plan(assign)
	t.judge(p.Before, p.After, m.opts.KeepInGrid, m.minLoadForcesLimit)
	p.Tradeoffs = t
	return p, nil
}

// Fingerprint returns a digest of everything in `in` that the plan depends
// on: ids, places, grids, capacities, classes, current pairs and pins, and
// the options; not names, which only word messages. Stored with a plan and
// compared with the fingerprint of the input rebuilt at apply time, it
// tells whether the plan is still the one the admin would get. The slices'
// order does not matter.
func (in Input) Fingerprint() string {
	h := sha256.New()
	liaisons := slices.Clone(in.Liaisons)
	slices.SortFunc(liaisons, func(a, b Liaison) int { return cmp.Compare(a.ID, b.ID) })
	for _, l := range liaisons {
		fmt.Fprintf(h, "l %d %d %v %v %d %d\n", l.ID, l.GridID, l.Base[0], l.Base[1], l.Min, l.Max)
	}
	orgs := slices.Clone(in.Orgs)
	slices.SortFunc(orgs, func(a, b Org) int { return cmp.Compare(a.ID, b.ID) })
	for _, o := range orgs {
		fmt.Fprintf(h, "o %d %d %v %v %s %s\n", o.ID, o.GridID, o.Location[0], o.Location[1], o.Kind, o.Class)
	}
	current := slices.Clone(in.Current)
	slices.SortFunc(current, func(a, b Pair) int {
		return cmp.Or(cmp.Compare(a.OrgID, b.OrgID), cmp.Compare(a.LiaisonID, b.LiaisonID))
	})
	for _, c := range current {
		fmt.Fprintf(h, "c %d %d %t\n", c.OrgID, c.LiaisonID, c.Pinned)
	}
	o := in.Options
	bound := func(p *int) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	travel := "-"
	if o.MaxTravelIncrease != nil {
		travel = fmt.Sprint(*o.MaxTravelIncrease)
	}
	fmt.Fprintf(h, "x %s %s %v %t %v %d %v %t %s\n", bound(o.Min), bound(o.Max), o.Stability, o.KeepInGrid,
		o.CrossGridPenalty, o.CandidateLimit, o.Weights, o.AllowCoverageLoss, travel)
	return hex.EncodeToString(h.Sum(nil))
}
