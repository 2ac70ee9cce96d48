package rebalance

import (
	"cmp"
	"errors"
	"math"
	"slices"

	"gridgis/grid"
)

// Tradeoffs says what a plan gives up against the current state and which
// guards held it back, so that an admin reads it before applying.
type Tradeoffs struct {
	// KeepCoverage is true when the plan was held to cover, in every grid,
	// at least as many organizations of each kind and priority class as
	// the current pairs the rules allow (Options.AllowCoverageLoss unset).
	KeepCoverage bool `json:"keep_coverage"`
	// MaxTravelIncrease is the bound asked for (0.1: +10 %), nil for none;
	// TravelLimit the total travel in metres it allows, nil when there is
	// no bound (or no current travel to compare with).
	MaxTravelIncrease *float64 `json:"max_travel_increase"`
	TravelLimit       *float64 `json:"travel_limit"`
	// CoverageKept: no kind and no priority class covers fewer
	// organizations after than before; Lowered lists those that do.
	CoverageKept bool      `json:"coverage_kept"`
	Lowered      []Lowered `json:"lowered"`
	// TravelWithinLimit: the plan's total travel is within TravelLimit
	// (true without a limit).
	TravelWithinLimit bool `json:"travel_within_limit"`
	// Unbounded, when the travel limit held the plan back, is what the
	// plan without it would reach: what lifting the limit brings.
	Unbounded *Metrics `json:"unbounded,omitempty"`
	// Reasons explain the outcome, as stable codes (see the Reason
	// constants) that clients word.
	Reasons []string `json:"reasons"`
}

// Lowered is a kind or priority class that the plan covers less of.
type Lowered struct {
	By     string `json:"by"` // "kind" or "class"
	Key    string `json:"key"`
	Before int    `json:"before"`
	After  int    `json:"after"`
}

// The reasons a Tradeoffs gives.
const (
	// Current pairs break the rules (a liaison above their maximum, a
	// pair across grids under keep-in-grid), so not all can be kept.
	ReasonRulesDropPairs = "rules_drop_pairs"
	// The admin allowed coverage to be lowered.
	ReasonCoverageLossAllowed = "coverage_loss_allowed"
	// The travel limit kept the plan from covering more (see Unbounded).
	ReasonTravelLimitBinding = "travel_limit_binding"
	// Even the plan of least travel the other guards and rules allow
	// stays above the limit (its travel is the plan's).
	ReasonTravelLimitUnreachable = "travel_limit_unreachable"
	// With ReasonTravelLimitUnreachable: the liaisons' minimum load is
	// the cause; without it, a plan would fit the limit.
	ReasonTravelMinLoad = "travel_min_load"
	// No current travel to bound: the limit does not apply.
	ReasonNoCurrentTravel = "no_current_travel"
	// Organizations stay uncovered whatever the travel: the liaisons'
	// capacity is short (see Capacity).
	ReasonCapacityShort = "capacity_short"
)

// errFloors is a part that no plan meets with the coverage floors.
var errFloors = errors.New("rebalance: coverage floors cannot be met")

// coverageFloors is, per cell (grid, kind, class), how many of its free
// organizations a plan must cover.
type coverageFloors struct {
	cell  []int32 // per organization
	floor []int   // per cell
}

// coverageFloors counts, per cell, the free organizations whose current
// pair the rules still allow: the liaison may take them (keep-in-grid)
// and, above the liaison's maximum, the most urgent first. Those pairs
// are one plan within every maximum; some plan meets every minimum
// whenever any plan does; so by the Mendelsohn–Dulmage theorem one plan
// does both, covering all of them: the floors never make a solvable
// request unsolvable.
func (m *rebalanceModel) coverageFloors(pinned []int) *coverageFloors {
	type key struct {
		grid  int64
		kind  grid.OrgKind
		class PriorityClass
	}
	index := map[key]int32{}
	f := &coverageFloors{cell: make([]int32, len(m.orgs))}
	held := make([][]int32, len(m.liaisons))
	for o, org := range m.orgs {
		k := key{org.GridID, org.Kind, org.Class}
		c, ok := index[k]
		if !ok {
			c = int32(len(f.floor))
			index[k] = c
			f.floor = append(f.floor, 0)
		}
		f.cell[o] = c
		if l := m.current[o]; l != noLiaison && !m.pinned[o] && m.allowed(o, int(l)) {
			held[l] = append(held[l], int32(o))
		}
	}
	for l, orgs := range held {
		slices.SortStableFunc(orgs, func(a, b int32) int { return cmp.Compare(m.uncovered[b], m.uncovered[a]) })
		for _, o := range orgs[:min(len(orgs), max(0, m.maxLoad[l]-pinned[l]))] {
			f.floor[f.cell[o]]++
		}
	}
	return f
}

// travel is the total distance of an assignment in centimetres.
func (m *rebalanceModel) travel(assign []int32) int64 {
	var total int64
	for o, l := range assign {
		if l != noLiaison {
			total += centimetres(m.distance(o, int(l)))
		}
	}
	return total
}

// travelSteps is how many times the search for the travel limit halves
// its interval of coverage values: the plan it finds covers close to the
// most that fits the limit.
const travelSteps = 10

// solveGuarded solves with the guards the options ask for: coverage
// floors unless AllowCoverageLoss, and total travel within the limit. For
// the limit, it values coverage at scale s of the class weights and
// searches s in [0, 1] (on a log scale) for the largest s whose plan fits:
// the cheapest plan that fits among those the search meets, which is not
// always the exact optimum under the limit. Without a limit, or when the
// plan at full weight fits, it is the exact optimum.
func (m *rebalanceModel) solveGuarded() ([]int32, Tradeoffs, error) {
	t := Tradeoffs{KeepCoverage: !m.opts.AllowCoverageLoss, MaxTravelIncrease: m.opts.MaxTravelIncrease,
		TravelWithinLimit: true, Lowered: []Lowered{}, Reasons: []string{}}
	floors := t.KeepCoverage
	assign, err := m.solve(floors)
	if err != nil {
		return nil, t, err
	}
	full := assign
	if x := m.opts.MaxTravelIncrease; x != nil {
		now := m.travel(m.current)
		if now == 0 {
			t.Reasons = append(t.Reasons, ReasonNoCurrentTravel)
			return assign, t, nil
		}
		limit := int64(math.Floor(float64(now) * (1 + *x)))
		t.TravelLimit = new(metres(limit))
		if m.travel(assign) > limit {
			t.TravelWithinLimit = false
			defer m.weighCoverage(1)
			m.weighCoverage(0)
			if assign, err = m.solve(floors); err != nil {
				return nil, t, err
			}
			if m.travel(assign) > limit {
				if m.minLoadForcesLimit, err = m.minLoadForcesTravel(floors, limit); err != nil {
					return nil, t, err
				}
			} else {
				t.TravelWithinLimit = true
				lo, hi := -30.0, 0.0 // log2 of s: lo fits (s = 0 did), hi does not
				for range travelSteps {
					mid := (lo + hi) / 2
					m.weighCoverage(math.Exp2(mid))
					a, err := m.solve(floors)
					if err != nil {
						return nil, t, err
					}
					if m.travel(a) <= limit {
						assign, lo = a, mid
					} else {
						hi = mid
					}
				}
			}
			unbounded := m.measure(full)
			t.Unbounded = &unbounded
		}
	}
	return assign, t, nil
}

// minLoadForcesTravel reports whether the plan of least travel (coverage
// weighed at 0, as set by the caller) fits the limit once no liaison has
// a minimum load: then the minimum, not the current pairs or the floors,
// is what breaks the limit.
func (m *rebalanceModel) minLoadForcesTravel(floors bool, limit int64) (bool, error) {
	asked := m.minLoad
	defer func() { m.minLoad = asked }()
	m.minLoad = make([]int, len(asked))
	if !slices.ContainsFunc(asked, func(n int) bool { return n > 0 }) {
		return false, nil
	}
	a, err := m.solve(floors)
	if err != nil {
		return false, err
	}
	return m.travel(a) <= limit, nil
}

// judge fills in what the plan lowered and why; minLoad: the minimum load
// alone put travel over the limit.
func (t *Tradeoffs) judge(before, after Metrics, keepInGrid, minLoad bool) {
	for _, k := range grid.OrgKinds {
		if b, a := before.ByKind[k].Covered, after.ByKind[k].Covered; a < b {
			t.Lowered = append(t.Lowered, Lowered{By: "kind", Key: string(k), Before: b, After: a})
		}
	}
	for _, c := range PriorityClasses() {
		if b, a := before.ByClass[c].Covered, after.ByClass[c].Covered; a < b {
			t.Lowered = append(t.Lowered, Lowered{By: "class", Key: string(c), Before: b, After: a})
		}
	}
	t.CoverageKept = len(t.Lowered) == 0
	switch {
	case t.CoverageKept:
	case !t.KeepCoverage:
		t.Reasons = append(t.Reasons, ReasonCoverageLossAllowed)
	case before.OverMax > 0 || keepInGrid && before.CrossGrid > 0:
		t.Reasons = append(t.Reasons, ReasonRulesDropPairs)
	}
	if t.Unbounded != nil {
		if t.TravelWithinLimit {
			t.Reasons = append(t.Reasons, ReasonTravelLimitBinding)
		} else {
			t.Reasons = append(t.Reasons, ReasonTravelLimitUnreachable)
			if minLoad {
				t.Reasons = append(t.Reasons, ReasonTravelMinLoad)
			}
		}
	}
	widest := after
	if t.Unbounded != nil {
		widest = *t.Unbounded
	}
	if widest.Uncovered > 0 {
		t.Reasons = append(t.Reasons, ReasonCapacityShort)
	}
}
