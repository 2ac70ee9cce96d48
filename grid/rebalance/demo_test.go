package rebalance_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/rebalance"
)

// demoInput builds the rebalancing input of the demo zone with scale
// copies of its organizations and liaisons, as the database would hold
// it after `gridgis seed --demo --scale N`: active assignments with their
// pins, and each organization's class from its open requests.
func demoInput(tb testing.TB, scale int) rebalance.Input {
	tb.Helper()
	ds := demo.Generate(demo.Options{Now: time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC), Scale: scale})
	return ds.RebalanceInput()
}

func TestRebalanceDemo(t *testing.T) {
	in := demoInput(t, 2)
	// The exact optimum against the greedy baseline, without the guards
	// that neither knows.
	in.Options.AllowCoverageLoss = true
	in.Options.MaxTravelIncrease = nil
	plan, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	before, err := in.Measure(in.Current)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Before.Objective != before.Objective || plan.Before.Covered != before.Covered {
		t.Errorf("plan's Before %+v, Measure(Current) %+v", plan.Before, before)
	}
	a := plan.After
	if a.UnderMin != 0 || a.OverMax != 0 || a.CrossGrid != 0 || a.Objective > before.Objective {
		t.Errorf("after: %+v", a)
	}
	pinned := make(map[int64]int64)
	for _, c := range in.Current {
		if c.Pinned {
			pinned[c.OrgID] = c.LiaisonID
		}
	}
	for _, p := range plan.Assignment {
		if l, ok := pinned[p.OrgID]; ok && (p.LiaisonID != l || !p.Pinned) {
			t.Errorf("pinned organization %d: %+v, want liaison %d", p.OrgID, p, l)
		}
	}
	greedy, err := rebalance.Greedy(in)
	if err != nil {
		t.Fatal(err)
	}
	if greedy.Objective < plan.Objective {
		t.Errorf("greedy %.2f beats exact %.2f", greedy.Objective, plan.Objective)
	}
	// The candidate limit changes the speed, never the plan's cost.
	for _, k := range []int{0, 1, 4} {
		in.Options.CandidateLimit = k
		p, err := rebalance.Solve(in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Objective != plan.Objective {
			t.Errorf("candidate limit %d: objective %.2f, with %d: %.2f", k, p.Objective, rebalance.DefaultCandidateLimit, plan.Objective)
		}
	}
	t.Logf("before %+v", before)
	t.Logf("after  %+v", a)
	t.Logf("greedy %.0f m, exact %.0f m, %d moves", greedy.Objective, plan.Objective, len(plan.Moves))
}

// TestRebalanceDemoTradeoffs is the case on the demo zone: the
// default plan keeps or raises every kind's coverage, brings in the new
// economic and social organizations first, and keeps total travel within
// +10 %; it prints the before/after figures the README quotes.
func TestRebalanceDemoTradeoffs(t *testing.T) {
	in := demoInput(t, 1)
	plan, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	b, a := plan.Before, plan.After
	for _, k := range grid.OrgKinds {
		if a.ByKind[k].Covered < b.ByKind[k].Covered {
			t.Errorf("%s: %d covered before, %d after", k, b.ByKind[k].Covered, a.ByKind[k].Covered)
		}
	}
	for _, c := range rebalance.PriorityClasses() {
		if a.ByClass[c].Covered < b.ByClass[c].Covered {
			t.Errorf("class %s: %d covered before, %d after", c, b.ByClass[c].Covered, a.ByClass[c].Covered)
		}
	}
	if limit := b.TotalDistance * 1.1; a.TotalDistance > limit {
		t.Errorf("travel %.0f m, limit %.0f m", a.TotalDistance, limit)
	}
	tr := plan.Tradeoffs
	if !tr.CoverageKept || !tr.TravelWithinLimit || tr.TravelLimit == nil {
		t.Errorf("tradeoffs %+v", tr)
	}
	printFigures(t, "default", plan)

	if tr.Unbounded == nil || !slices.Contains(tr.Reasons, rebalance.ReasonTravelLimitBinding) ||
		!slices.Contains(tr.Reasons, rebalance.ReasonCapacityShort) {
		t.Errorf("tradeoffs %+v: want the travel limit binding and the capacity short", tr)
	}

	// Lifting the travel limit fills every liaison, new economic and
	// social organizations first: all 36 liaisons at 8 cannot carry the
	// 195 enterprises covered now and all 104 of them.
	in.Options.MaxTravelIncrease = nil
	free, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if free.After.Covered != 36*8 || !free.Tradeoffs.CoverageKept {
		t.Errorf("without the travel limit: %+v", free.After)
	}
	printFigures(t, "max_travel_increase=null", free)

	// Trading enterprises for them is the admin's explicit choice: then
	// only capacity keeps new economic and social organizations out (6 in
	// 现代服务, whose 4 liaisons have 32 places for 37 of them).
	in.Options.AllowCoverageLoss = true
	traded, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if ne, so := traded.After.ByKind[grid.KindNewEconomic], traded.After.ByKind[grid.KindSocial]; ne.Covered+so.Covered != 104-6 {
		t.Errorf("allow_coverage_loss: new economic %+v, social %+v", ne, so)
	}
	printFigures(t, "allow_coverage_loss, max_travel_increase=null", traded)

	// The old behaviour is one explicit choice further.
	in.Options.Weights.Other = 10000
	old, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	printFigures(t, "allow_coverage_loss, weights.other=10000, no travel limit (the old default)", old)
}

func printFigures(t *testing.T, name string, p *rebalance.Plan) {
	t.Helper()
	t.Logf("%s: %d moves, tradeoffs %+v", name, len(p.Moves), p.Tradeoffs)
	for _, m := range []struct {
		when string
		m    rebalance.Metrics
	}{{"before", p.Before}, {"after", p.After}} {
		line := fmt.Sprintf("  %-6s", m.when)
		for _, k := range grid.OrgKinds {
			c := m.m.ByKind[k]
			line += fmt.Sprintf(" %s %d/%d (%.1f %%)", k, c.Covered, c.Total, 100*float64(c.Covered)/float64(c.Total))
		}
		line += fmt.Sprintf("; travel %.1f km, longest %.2f km; kept %d, reassigned %d, dropped %d, added %d",
			m.m.TotalDistance/1000, m.m.LongestDistance/1000, m.m.Kept, m.m.Reassigned, m.m.Dropped, m.m.Added)
		t.Log(line)
	}
}
