package rebalance

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"gridgis/grid"
)

// ruleAbiding draws a random instance whose current pairs break no rule
// (every liaison within its bounds, no pair across grids), with the
// default options: the state an admin rebalances from.
func ruleAbiding(rng *rand.Rand, maxOrgs, maxLiaisons int) Input {
	for {
		in := randomInput(rng, maxOrgs, maxLiaisons)
		in.Options = DefaultOptions()
		in.Options.Stability = []float64{0, 300, 2000}[rng.IntN(3)]
		in.Options.CandidateLimit = []int{0, 1, 2}[rng.IntN(3)]
		if rng.IntN(3) == 0 {
			in.Options.Weights = PriorityWeights{3000, 2000, 1500, 1000}
		}
		m, err := newRebalanceModel(in)
		if err != nil {
			panic(err)
		}
		if b := m.measure(m.current); b.UnderMin == 0 && b.OverMax == 0 && b.CrossGrid == 0 {
			return in
		}
	}
}

// coveredBy counts the covered organizations of an assignment per key.
func coveredBy[K comparable](in Input, pairs []Pair, key func(Org) K) map[K]int {
	covered := map[int64]bool{}
	for _, p := range pairs {
		covered[p.OrgID] = p.LiaisonID != 0
	}
	n := map[K]int{}
	for _, o := range in.Orgs {
		if covered[o.ID] {
			n[key(o)]++
		}
	}
	return n
}

func travelOf(t *testing.T, in Input, pairs []Pair) float64 {
	t.Helper()
	m, err := in.Measure(pairs)
	if err != nil {
		t.Fatal(err)
	}
	return m.TotalDistance
}

// Under the default options no kind and no priority class covers fewer
// organizations than before, in any grid, and total travel stays within
// +10 %: the old solver traded both away whenever it saved cost.
func TestDefaultGuardsHold(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 4))
	type cell struct {
		grid  int64
		kind  grid.OrgKind
		class PriorityClass
	}
	var binding int
	for trial := range 400 {
		in := ruleAbiding(rng, 14, 5)
		p, err := Solve(in)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		checkPlan(t, in, p)
		key := func(o Org) cell { return cell{o.GridID, o.Kind, o.Class} }
		before, after := coveredBy(in, in.Current, key), coveredBy(in, p.Assignment, key)
		for c, n := range before {
			if after[c] < n {
				t.Fatalf("trial %d: %+v covered %d before, %d after", trial, c, n, after[c])
			}
		}
		was, now := travelOf(t, in, in.Current), travelOf(t, in, p.Assignment)
		if was == 0 {
			// Nothing to compare with: the limit does not apply.
			if !slices.Contains(p.Tradeoffs.Reasons, ReasonNoCurrentTravel) {
				t.Fatalf("trial %d: tradeoffs %+v", trial, p.Tradeoffs)
			}
		} else if now > was*1.1+0.01 {
			t.Fatalf("trial %d: travel %.2f m, was %.2f m: more than +10 %%", trial, now, was)
		}
		tr := p.Tradeoffs
		if !tr.KeepCoverage || !tr.CoverageKept || !tr.TravelWithinLimit || len(tr.Lowered) != 0 {
			t.Fatalf("trial %d: tradeoffs %+v", trial, tr)
		}
		if tr.Unbounded != nil {
			binding++
			if tr.Unbounded.Covered < p.After.Covered {
				t.Fatalf("trial %d: unbounded plan covers %d, bounded %d", trial, tr.Unbounded.Covered, p.After.Covered)
			}
		}
	}
	if binding < 20 {
		t.Fatalf("the travel limit bound only %d plans", binding)
	}
}

// bruteForceFloors is bruteForce among the assignments that cover at
// least floor[cell] of each cell's free organizations.
func bruteForceFloors(m *rebalanceModel, f *coverageFloors) (int64, bool) {
	load := make([]int, len(m.liaisons))
	fixed := int64(0)
	var free []int
	for o, l := range m.current {
		if m.pinned[o] {
			load[l]++
			fixed += m.pairCost(o, int(l))
		} else {
			free = append(free, o)
		}
	}
	covered := make([]int, len(f.floor))
	best, found := int64(math.MaxInt64), false
	var try func(i int, cost int64)
	try = func(i int, cost int64) {
		if i == len(free) {
			for l, n := range load {
				if n < m.minLoad[l] || n > m.maxLoad[l] {
					return
				}
			}
			for c, n := range covered {
				if n < f.floor[c] {
					return
				}
			}
			best, found = min(best, cost), true
			return
		}
		o := free[i]
		try(i+1, cost+m.uncovered[o])
		ls, costs := allowedPairs(m, o)
		covered[f.cell[o]]++
		for j, l := range ls {
			load[l]++
			try(i+1, cost+costs[j])
			load[l]--
		}
		covered[f.cell[o]]--
	}
	try(0, fixed)
	return best, found
}

// With the coverage floors and no travel limit the plan is still the
// exact optimum, now among the assignments that meet the floors; and the
// floors never make a solvable instance unsolvable.
func TestFloorsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 5))
	var feasible, binding int
	for trial := range 500 {
		in := randomInput(rng, 6, 3)
		in.Options.AllowCoverageLoss = false
		m, err := newRebalanceModel(in)
		if err != nil {
			t.Fatal(err)
		}
		pinned, err := m.pinnedLoads()
		plain, plainOK := bruteForce(m)
		if err != nil {
			plainOK = false
		}
		plan, solveErr := Solve(in)
		if !plainOK {
			if grid.ErrorCode(solveErr) != grid.EInfeasible {
				t.Fatalf("trial %d: no assignment exists, Solve: %v", trial, solveErr)
			}
			continue
		}
		want, ok := bruteForceFloors(m, m.coverageFloors(pinned))
		if !ok {
			t.Fatalf("trial %d: the floors made a solvable instance unsolvable", trial)
		}
		if solveErr != nil {
			t.Fatalf("trial %d: best %d cm, Solve: %v", trial, want, solveErr)
		}
		feasible++
		if want > plain {
			binding++
		}
		checkPlan(t, in, plan)
		if got := centimetres(plan.Objective); got != want {
			t.Fatalf("trial %d: objective %d cm, brute force with floors %d cm (without %d)", trial, got, want, plain)
		}
	}
	if feasible < 200 || binding < 20 {
		t.Fatalf("%d feasible instances, floors binding in %d", feasible, binding)
	}
}

// socialOrEnterprise is grid 1 of twoGrids with one more liaison's worth
// of organizations than A and B (max 1 each) can carry: a social
// organization A covers now, and two key enterprises next to B and A.
func socialOrEnterprise() Input {
	in := twoGrids()
	in.Liaisons = in.Liaisons[:2]
	in.Liaisons[0].Max, in.Liaisons[1].Max = 1, 1
	in.Orgs = []Org{
		{ID: 7, Name: "社会组织", GridID: 1, Location: at(1400, 0), Kind: grid.KindSocial, Class: ClassOther},
		{ID: 8, Name: "高新企业甲", GridID: 1, Location: at(3000, 100), Kind: grid.KindEnterprise, Class: ClassKeyEnterprise},
		{ID: 9, Name: "高新企业乙", GridID: 1, Location: at(0, 100), Kind: grid.KindEnterprise, Class: ClassKeyEnterprise},
	}
	in.Current = []Pair{{OrgID: 7, LiaisonID: 1}, {OrgID: 8, LiaisonID: 2}}
	return in
}

// The default keeps the social organization; the explicit option (with
// the old weights) reaches the old plan, which trades it for an
// enterprise, and says so.
func TestAllowCoverageLossReachesOldPlan(t *testing.T) {
	in := socialOrEnterprise()
	in.Options = DefaultOptions()
	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if l := liaisonOf(p, 7); l == 0 {
		t.Errorf("default plan drops the social organization: %v", p.Assignment)
	}
	if !p.Tradeoffs.CoverageKept || p.After.ByKind[grid.KindSocial] != (ClassCoverage{1, 1}) {
		t.Errorf("default: %+v, %+v", p.Tradeoffs, p.After.ByKind)
	}

	in.Options.AllowCoverageLoss = true
	in.Options.MaxTravelIncrease = nil
	in.Options.Weights.Other = 10000 // the old default
	old, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if liaisonOf(old, 7) != 0 || liaisonOf(old, 9) != 1 {
		t.Errorf("with allow_coverage_loss: %v, want the social organization traded for 9", old.Assignment)
	}
	want := []Lowered{{By: "kind", Key: "social", Before: 1, After: 0}, {By: "class", Key: "other", Before: 1, After: 0}}
	if tr := old.Tradeoffs; tr.CoverageKept || !reflect.DeepEqual(tr.Lowered, want) ||
		!slices.Contains(tr.Reasons, ReasonCoverageLossAllowed) {
		t.Errorf("tradeoffs %+v, want %+v lowered", tr, want)
	}
	if s := old.After; s.Kept != 1 || s.Dropped != 1 || s.Added != 1 || s.Reassigned != 0 {
		t.Errorf("stability %+v", s)
	}
}

// Travel: covering organization 9 would add 100 m to the current 1500 m
// (+6.7 %), and 8 another 200 m: within +10 % only 9 fits,
// and the plan says what the limit held back. With the limit lifted, or
// raised, both come in.
func TestTravelLimit(t *testing.T) {
	in := twoGrids()
	in.Options = DefaultOptions()
	in.Orgs = []Org{
		{ID: 7, GridID: 1, Location: at(1500, 0), Kind: grid.KindSocial, Class: ClassOther},
		{ID: 8, GridID: 1, Location: at(3000, 200), Kind: grid.KindNewEconomic, Class: ClassOther},
		{ID: 9, GridID: 1, Location: at(0, 100), Kind: grid.KindNewEconomic, Class: ClassOther},
	}
	in.Current = []Pair{{OrgID: 7, LiaisonID: 1}}
	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	tr := p.Tradeoffs
	if liaisonOf(p, 9) != 1 || liaisonOf(p, 8) != 0 || tr.TravelLimit == nil || math.Abs(*tr.TravelLimit-1.1*p.Before.TotalDistance) > 0.02 ||
		p.After.TotalDistance > *tr.TravelLimit ||
		!tr.TravelWithinLimit || tr.Unbounded == nil || tr.Unbounded.Covered != 3 ||
		!slices.Contains(tr.Reasons, ReasonTravelLimitBinding) {
		t.Errorf("after %+v, tradeoffs %+v", p.After, tr)
	}

	for _, x := range []*float64{nil, new(0.25)} {
		in.Options.MaxTravelIncrease = x
		p, err := Solve(in)
		if err != nil {
			t.Fatal(err)
		}
		if p.After.Covered != 3 || p.Tradeoffs.Unbounded != nil {
			t.Errorf("max_travel_increase %v: after %+v, tradeoffs %+v", x, p.After, p.Tradeoffs)
		}
	}
}

// A minimum load that forces new pairs far away keeps even the cheapest
// plan over the travel limit: the plan says that the minimum is the
// cause (not broken current pairs, of which there are none), and how far
// the cheapest plan goes.
func TestTravelLimitUnreachableByMinLoad(t *testing.T) {
	in := twoGrids()
	in.Options = DefaultOptions()
	in.Liaisons[0].Min = 2 // 张三 must take a second organization
	in.Orgs = []Org{
		{ID: 7, GridID: 1, Location: at(1500, 0), Kind: grid.KindSocial, Class: ClassOther},
		{ID: 9, GridID: 1, Location: at(0, 400), Kind: grid.KindNewEconomic, Class: ClassOther},
	}
	in.Current = []Pair{{OrgID: 7, LiaisonID: 1}}
	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	tr := p.Tradeoffs
	if tr.TravelWithinLimit || !slices.Contains(tr.Reasons, ReasonTravelLimitUnreachable) {
		t.Fatalf("after %+v, tradeoffs %+v: want the limit unreachable", p.After, tr)
	}
	if !slices.Contains(tr.Reasons, "travel_min_load") {
		t.Errorf("reasons %v do not name the minimum load as the cause", tr.Reasons)
	}
	if slices.Contains(tr.Reasons, ReasonRulesDropPairs) {
		t.Errorf("reasons %v blame current pairs, which break no rule", tr.Reasons)
	}
	if math.Abs(p.After.TotalDistance-1900) > 5 {
		t.Errorf("the cheapest plan travels %.0f m, want 1900 (1500 + 400)", p.After.TotalDistance)
	}
}

// Short capacity: new economic and social organizations come in before
// key enterprises and others, as the liaison system's mission asks.
func TestNewEconomicAndSocialFirst(t *testing.T) {
	in := twoGrids()
	in.Options = DefaultOptions()
	in.Liaisons[0].Max, in.Liaisons[1].Max = 1, 1
	in.Orgs = []Org{
		{ID: 7, GridID: 1, Location: at(100, 0), Kind: grid.KindEnterprise, Class: ClassKeyEnterprise},
		{ID: 8, GridID: 1, Location: at(2900, 0), Kind: grid.KindEnterprise, Class: ClassEnterprise},
		{ID: 9, GridID: 1, Location: at(1500, 900), Kind: grid.KindSocial, Class: ClassOther},
		{ID: 10, GridID: 1, Location: at(1500, 800), Kind: grid.KindNewEconomic, Class: ClassOther},
	}
	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if c := p.After.ByKind; c[grid.KindSocial].Covered != 1 || c[grid.KindNewEconomic].Covered != 1 {
		t.Errorf("by kind %+v, want the social and new economic organizations in", c)
	}
}

func TestCapacity(t *testing.T) {
	in := twoGrids()
	in.Options = DefaultOptions()
	in.Liaisons[0].Max, in.Liaisons[1].Max, in.Liaisons[2].Max = 2, 1, 1
	in.GridNames[3] = "空网格"
	in.Orgs = []Org{
		// Grid 1: five for A and B's three places.
		{ID: 1, Name: "开放诉求", GridID: 1, Location: at(2000, 0), Kind: grid.KindEnterprise, Class: ClassOpenRequests},
		{ID: 2, Name: "社会组织", GridID: 1, Location: at(2500, 0), Kind: grid.KindSocial, Class: ClassOther},
		{ID: 3, Name: "普通企业近", GridID: 1, Location: at(100, 0), Kind: grid.KindEnterprise, Class: ClassEnterprise},
		{ID: 4, Name: "普通企业远", GridID: 1, Location: at(1500, 0), Kind: grid.KindEnterprise, Class: ClassEnterprise},
		{ID: 5, Name: "新经济", GridID: 1, Location: at(500, 0), Kind: grid.KindNewEconomic, Class: ClassOther},
		// Grid 2: one for C's one place.
		{ID: 6, GridID: 2, Location: at(6000, 10), Kind: grid.KindEnterprise, Class: ClassEnterprise},
		// Grid 3 has no liaison; organization 10 no grid.
		{ID: 9, Name: "无人网格", GridID: 3, Location: at(9000, 0), Kind: grid.KindSocial, Class: ClassOther},
		{ID: 10, Name: "未分网格", GridID: 0, Location: at(9000, 0), Kind: grid.KindEnterprise, Class: ClassEnterprise},
	}
	r, err := Capacity(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Organizations != 8 || r.Liaisons != 3 || r.Capacity != 4 || r.Uncoverable != 4 || r.LiaisonsNeeded != 3 {
		t.Errorf("zone: %+v", r)
	}
	byID := map[int64]GridCapacity{}
	for _, g := range r.Grids {
		byID[g.GridID] = g
	}
	g1 := byID[1]
	// Three places hold the open request, the social and the new
	// economic organization; the two plain enterprises are left.
	wantLeft := []CapacityOrg{{3, "普通企业近", grid.KindEnterprise, ClassEnterprise}, {4, "普通企业远", grid.KindEnterprise, ClassEnterprise}}
	if g1.Organizations != 5 || g1.Capacity != 3 || g1.Uncoverable != 2 || g1.LiaisonsNeeded != 1 ||
		!reflect.DeepEqual(g1.Left, wantLeft) || g1.ByKind[grid.KindEnterprise] != 2 {
		t.Errorf("grid 1: %+v", g1)
	}
	if g := byID[2]; g.Uncoverable != 0 || g.LiaisonsNeeded != 0 || len(g.Left) != 0 {
		t.Errorf("grid 2: %+v", g)
	}
	if g := byID[3]; g.GridName != "空网格" || g.Uncoverable != 1 || g.LiaisonsNeeded != 1 || g.Left[0].ID != 9 {
		t.Errorf("grid 3: %+v", g)
	}
	if g := byID[0]; g.Uncoverable != 1 || g.LiaisonsNeeded != 1 || g.Left[0].ID != 10 {
		t.Errorf("no grid: %+v", g)
	}
	if r.Grids[0].GridID != 1 {
		t.Errorf("grids not by need: %+v", r.Grids)
	}

	// A plan of most coverage leaves out exactly the counted many.
	in.Options.MaxTravelIncrease = nil
	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if p.After.Uncovered != r.Uncoverable {
		t.Errorf("plan leaves %d uncovered, capacity says %d", p.After.Uncovered, r.Uncoverable)
	}
	for _, o := range wantLeft {
		if liaisonOf(p, o.ID) != 0 {
			t.Errorf("plan covers %d, which capacity leaves out", o.ID)
		}
	}

	// Eight more organizations in grid 2 need one more liaison, nine two.
	for i, want := range map[int]int{8: 1, 9: 2} {
		in := in
		in.Orgs = slices.Clone(in.Orgs)
		for j := range i {
			in.Orgs = append(in.Orgs, Org{ID: int64(100 + j), GridID: 2, Location: at(6000, float64(j)), Kind: grid.KindEnterprise, Class: ClassEnterprise})
		}
		r, err := Capacity(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range r.Grids {
			if g.GridID == 2 && (g.Uncoverable != i || g.LiaisonsNeeded != want) {
				t.Errorf("%d more: %+v, want %d liaisons", i, g, want)
			}
		}
	}
}
