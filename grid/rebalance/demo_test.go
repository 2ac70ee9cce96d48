package rebalance_test

import (
	"testing"
	"time"

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
