package rebalance

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"

	"gridgis/grid"
)

// The test zone's origin, near the demo zone's.
const originLon, originLat = 113.30, 33.75

// at returns the point east and north metres from the origin.
func at(east, north float64) orb.Point {
	return orb.Point{originLon + east/(111320*math.Cos(originLat*math.Pi/180)), originLat + north/110950}
}

func intp(v int) *int { return &v }

// plainOptions are the default options without the guards (coverage
// floors, travel limit): the unconstrained optimum that the LP and brute
// force check.
func plainOptions() Options {
	o := DefaultOptions()
	o.AllowCoverageLoss = true
	o.MaxTravelIncrease = nil
	return o
}

// randomInput draws a small instance: one or two grids, liaisons with
// small random bounds, organizations of every class, current assignments
// with a few pins, and options that vary everything the model has.
func randomInput(rng *rand.Rand, maxOrgs, maxLiaisons int) Input {
	grids := 1 + rng.IntN(2)
	in := Input{
		GridNames: map[int64]string{1: "新材料", 2: "新能源"},
		Options:   plainOptions(),
	}
	pick := func(xs ...float64) float64 { return xs[rng.IntN(len(xs))] }
	for i := range 1 + rng.IntN(maxLiaisons) {
		lo := rng.IntN(3)
		in.Liaisons = append(in.Liaisons, Liaison{
			ID: int64(10 + 3*i), Name: string(rune('A' + i)), GridID: int64(1 + rng.IntN(grids)),
			Base: at(rng.Float64()*4000, rng.Float64()*3000), Min: lo, Max: lo + rng.IntN(3),
		})
	}
	classes := PriorityClasses()
	for i := range rng.IntN(maxOrgs + 1) {
		o := Org{
			ID: int64(100 + 7*i), GridID: int64(1 + rng.IntN(grids)),
			Location: at(rng.Float64()*4000, rng.Float64()*3000), Class: classes[rng.IntN(len(classes))],
			Kind: grid.OrgKinds[rng.IntN(len(grid.OrgKinds))],
		}
		in.Orgs = append(in.Orgs, o)
		if rng.IntN(5) < 3 {
			l := in.Liaisons[rng.IntN(len(in.Liaisons))]
			in.Current = append(in.Current, Pair{OrgID: o.ID, LiaisonID: l.ID, Pinned: rng.IntN(7) == 0})
		}
	}
	o := &in.Options
	o.KeepInGrid = rng.IntN(2) == 0
	o.Stability = pick(0, 300, 2000)
	o.CrossGridPenalty = pick(0, 1000, 5000)
	o.CandidateLimit = []int{0, 0, 1, 2}[rng.IntN(4)]
	if rng.IntN(3) == 0 {
		// Cheap coverage, so that leaving organizations uncovered pays.
		o.Weights = PriorityWeights{pick(0, 800, 3000), pick(500, 2000), pick(300, 1500), pick(0, 1000)}
	}
	switch rng.IntN(6) {
	case 0:
		lo := rng.IntN(2)
		o.Min, o.Max = intp(lo), intp(lo+1+rng.IntN(2))
	case 1:
		o.Max = intp(2 + rng.IntN(2))
	}
	return in
}

// allowedPairs lists each organization's allowed liaisons and pair costs,
// ignoring the candidate limit: the optimum the solver must reach.
func allowedPairs(m *rebalanceModel, o int) (ls []int32, costs []int64) {
	for l := range m.liaisons {
		if m.allowed(o, l) {
			ls = append(ls, int32(l))
			costs = append(costs, m.pairCost(o, l))
		}
	}
	return ls, costs
}

// lpOptimum solves the model's transportation problem as a linear program
// with gonum's simplex: x_ol ∈ [0,1] per allowed pair, u_o per free
// organization, Σ_l x_ol + u_o = 1, and per liaison
// min ≤ pinned + Σ_o x_ol ≤ max as two equalities with slack and surplus.
// The constraint matrix is totally unimodular, so the LP optimum is the
// integer optimum. It returns the optimum in centimetres.
func lpOptimum(t *testing.T, m *rebalanceModel) (int64, bool) {
	t.Helper()
	pinned, err := m.pinnedLoads()
	if err != nil {
		return 0, false
	}
	fixed := int64(0)
	for o, l := range m.current {
		if m.pinned[o] {
			fixed += m.pairCost(o, int(l))
		}
	}
	var free []int
	vars := 0
	for o := range m.orgs {
		if !m.pinned[o] {
			free = append(free, o)
			ls, _ := allowedPairs(m, o)
			vars += len(ls) + 1
		}
	}
	nl := len(m.liaisons)
	rows, cols := len(free)+2*nl, vars+2*nl
	if rows == 0 {
		return fixed, true
	}
	c := make([]float64, cols)
	a := mat.NewDense(rows, cols, nil)
	b := make([]float64, rows)
	j := 0
	for r, o := range free {
		ls, costs := allowedPairs(m, o)
		for i, l := range ls {
			c[j] = float64(costs[i]) / 100 // metres keep the simplex well scaled
			a.Set(r, j, 1)
			a.Set(len(free)+2*int(l), j, 1)
			a.Set(len(free)+2*int(l)+1, j, 1)
			j++
		}
		c[j] = float64(m.uncovered[o]) / 100
		a.Set(r, j, 1)
		j++
		b[r] = 1
	}
	for l := range nl {
		up, down := len(free)+2*l, len(free)+2*l+1
		a.Set(up, vars+2*l, 1)      // slack below max
		a.Set(down, vars+2*l+1, -1) // surplus above min
		b[up] = float64(m.maxLoad[l] - pinned[l])
		b[down] = float64(m.minLoad[l] - pinned[l])
	}
	opt, _, err := lp.Simplex(c, a, b, 1e-9, nil)
	if errors.Is(err, lp.ErrInfeasible) {
		return 0, false
	}
	if err != nil {
		t.Fatalf("LP: %v", err)
	}
	return fixed + int64(math.Round(opt*100)), true
}

// bruteForce tries every assignment of the free organizations to their
// allowed liaisons or none, and returns the least cost in centimetres.
func bruteForce(m *rebalanceModel) (int64, bool) {
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
	best, found := int64(math.MaxInt64), false
	var try func(i int, cost int64)
	try = func(i int, cost int64) {
		if i == len(free) {
			for l, n := range load {
				if n < m.minLoad[l] || n > m.maxLoad[l] {
					return
				}
			}
			best, found = min(best, cost), true
			return
		}
		o := free[i]
		try(i+1, cost+m.uncovered[o])
		ls, costs := allowedPairs(m, o)
		for j, l := range ls {
			load[l]++
			try(i+1, cost+costs[j])
			load[l]--
		}
	}
	try(0, fixed)
	return best, found
}

// checkPlan verifies a plan against the input from first principles.
func checkPlan(t *testing.T, in Input, p *Plan) {
	t.Helper()
	m, err := newRebalanceModel(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Assignment) != len(m.orgs) {
		t.Fatalf("plan has %d organizations, input %d", len(p.Assignment), len(m.orgs))
	}
	current := make(map[int64]Pair)
	for _, c := range in.Current {
		current[c.OrgID] = c
	}
	load := make(map[int64]int)
	moves := 0
	for i, pair := range p.Assignment {
		org := m.orgs[i]
		if pair.OrgID != org.ID {
			t.Fatalf("assignment %d is organization %d, want %d", i, pair.OrgID, org.ID)
		}
		cur := current[org.ID]
		if cur.Pinned && pair.LiaisonID != cur.LiaisonID {
			t.Fatalf("pinned organization %d moved from %d to %d", org.ID, cur.LiaisonID, pair.LiaisonID)
		}
		if pair.LiaisonID != cur.LiaisonID {
			moves++
		}
		if pair.LiaisonID == 0 {
			continue
		}
		load[pair.LiaisonID]++
		l, _ := m.liaisonIndex(pair.LiaisonID)
		if in.Options.KeepInGrid && !cur.Pinned && m.liaisons[l].GridID != org.GridID {
			t.Fatalf("organization %d of grid %d given liaison %d of grid %d", org.ID, org.GridID, pair.LiaisonID, m.liaisons[l].GridID)
		}
	}
	for l, li := range m.liaisons {
		if n := load[li.ID]; n < m.minLoad[l] || n > m.maxLoad[l] {
			t.Fatalf("liaison %d carries %d, bounds [%d, %d]", li.ID, n, m.minLoad[l], m.maxLoad[l])
		}
	}
	if len(p.Moves) != moves || p.After.Moves != moves {
		t.Fatalf("plan lists %d moves, metrics %d, actual %d", len(p.Moves), p.After.Moves, moves)
	}
	if p.After.UnderMin != 0 || p.After.OverMax != 0 {
		t.Fatalf("plan metrics: %d under min, %d over max", p.After.UnderMin, p.After.OverMax)
	}
}

func TestRebalanceMatchesLP(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var feasible, infeasible, greedyFailed, greedyWorse int
	for trial := range 400 {
		in := randomInput(rng, 12, 5)
		m, err := newRebalanceModel(in)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		want, ok := lpOptimum(t, m)
		plan, err := Solve(in)
		if !ok {
			infeasible++
			if grid.ErrorCode(err) != grid.EInfeasible {
				t.Fatalf("trial %d: LP infeasible, Solve: %v, %v", trial, plan, err)
			}
			if _, err := Greedy(in); err == nil {
				t.Fatalf("trial %d: greedy found a plan for an infeasible instance", trial)
			}
			checkInfeasible(t, m, err)
			continue
		}
		feasible++
		if err != nil {
			t.Fatalf("trial %d: LP optimum %d, Solve: %v", trial, want, err)
		}
		checkPlan(t, in, plan)
		if got := centimetres(plan.Objective); got != want {
			t.Fatalf("trial %d: objective %d cm, LP optimum %d cm", trial, got, want)
		}
		greedy, err := Greedy(in)
		if err != nil {
			greedyFailed++
			continue
		}
		checkPlan(t, in, greedy)
		if greedy.Objective < plan.Objective {
			t.Fatalf("trial %d: greedy %.2f beats exact %.2f", trial, greedy.Objective, plan.Objective)
		}
		if greedy.Objective > plan.Objective {
			greedyWorse++
		}
	}
	if feasible < 150 || infeasible < 30 {
		t.Fatalf("too few of one kind: %d feasible, %d infeasible", feasible, infeasible)
	}
	t.Logf("%d feasible instances at the LP optimum, %d infeasible; greedy failed on %d feasible ones, was worse on %d",
		feasible, infeasible, greedyFailed, greedyWorse)
}

// checkInfeasible recounts, from the input alone, the figures an
// infeasibility message states, and checks that they prove it.
func checkInfeasible(t *testing.T, m *rebalanceModel, err error) {
	t.Helper()
	pinnedMessage := regexp.MustCompile(`^too many pinned organizations on liaison (\S+) \((\d+) > max (\d+)\)$`)
	wholeMessage := regexp.MustCompile(`^(?:grid (\S+)|the zone) has (\d+) organizations? for (\d+) liaisons? with (?:min (\d+)|minimums adding up to (\d+))$`)
	someMessage := regexp.MustCompile(`^liaisons? ([^,]+(?:, [^,]+)*) needs? (\d+) more organizations? to reach their minimum \((?:min (\d+)|minimums adding up to (\d+))\) but only (\d+) can be assigned to them$`)
	var e *grid.Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *Error: %v", err)
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	byName := func(name string) int {
		for l := range m.liaisons {
			if m.liaisonName(l) == name {
				return l
			}
		}
		t.Fatalf("%q: no liaison %s", e.Message, name)
		return -1
	}
	pinned := make([]int, len(m.liaisons))
	for o, l := range m.current {
		if m.pinned[o] {
			pinned[l]++
		}
	}
	// The organizations, pinned ones included, that the liaisons ls could
	// carry, and the sum of their minimums.
	count := func(ls []int) (orgs, mins int) {
		for o := range m.orgs {
			if m.pinned[o] {
				if slices.Contains(ls, int(m.current[o])) {
					orgs++
				}
				continue
			}
			if slices.ContainsFunc(ls, func(l int) bool { return m.allowed(o, l) }) {
				orgs++
			}
		}
		for _, l := range ls {
			mins += m.minLoad[l]
		}
		return orgs, mins
	}
	mins := func(s []string) (int, bool) {
		if s[0] != "" {
			return atoi(s[0]), true
		}
		return atoi(s[1]), false
	}
	switch {
	case pinnedMessage.MatchString(e.Message):
		f := pinnedMessage.FindStringSubmatch(e.Message)
		l := byName(f[1])
		if pinned[l] != atoi(f[2]) || m.maxLoad[l] != atoi(f[3]) || pinned[l] <= m.maxLoad[l] {
			t.Fatalf("%q: liaison has %d pinned, max %d", e.Message, pinned[l], m.maxLoad[l])
		}
	case wholeMessage.MatchString(e.Message):
		f := wholeMessage.FindStringSubmatch(e.Message)
		var ls []int
		for l, li := range m.liaisons {
			if f[1] == "" || m.gridName(li.GridID) == f[1] {
				ls = append(ls, l)
			}
		}
		orgs, sum := count(ls)
		minimum, uniform := mins(f[4:6])
		if uniform {
			minimum *= len(ls)
		}
		if orgs != atoi(f[2]) || len(ls) != atoi(f[3]) || sum != minimum || orgs >= sum {
			t.Fatalf("%q: %d organizations for %d liaisons with minimums adding up to %d", e.Message, orgs, len(ls), sum)
		}
	case someMessage.MatchString(e.Message):
		f := someMessage.FindStringSubmatch(e.Message)
		var ls []int
		need := 0
		for name := range strings.SplitSeq(f[1], ", ") {
			if strings.Contains(name, " more") {
				return // a long list: the test instances are too small for one
			}
			l := byName(name)
			ls = append(ls, l)
			need += m.minLoad[l] - pinned[l]
		}
		orgs, _ := count(ls)
		free := orgs
		for _, l := range ls {
			free -= pinned[l]
		}
		if need != atoi(f[2]) || free != atoi(f[5]) || free >= need {
			t.Fatalf("%q: the liaisons need %d more, %d free organizations could go to them", e.Message, need, free)
		}
	default:
		t.Fatalf("unexpected infeasibility message %q", e.Message)
	}
}

func TestRebalanceMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var feasible int
	for trial := range 500 {
		in := randomInput(rng, 6, 3)
		m, err := newRebalanceModel(in)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		want, ok := bruteForce(m)
		if _, err := m.pinnedLoads(); err != nil {
			ok = false
		}
		plan, err := Solve(in)
		if !ok {
			if grid.ErrorCode(err) != grid.EInfeasible {
				t.Fatalf("trial %d: no assignment exists, Solve: %v", trial, err)
			}
			continue
		}
		feasible++
		if err != nil {
			t.Fatalf("trial %d: best %d cm, Solve: %v", trial, want, err)
		}
		checkPlan(t, in, plan)
		if got := centimetres(plan.Objective); got != want {
			t.Fatalf("trial %d: objective %d cm, brute force %d cm", trial, got, want)
		}
	}
	if feasible < 200 {
		t.Fatalf("only %d feasible instances", feasible)
	}
}

func TestRebalanceDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := range 100 {
		in := randomInput(rng, 30, 6)
		want, wantErr := Solve(in)
		shuffled := in
		shuffled.Liaisons = slices.Clone(in.Liaisons)
		shuffled.Orgs = slices.Clone(in.Orgs)
		shuffled.Current = slices.Clone(in.Current)
		rng.Shuffle(len(shuffled.Liaisons), reflect.Swapper(shuffled.Liaisons))
		rng.Shuffle(len(shuffled.Orgs), reflect.Swapper(shuffled.Orgs))
		rng.Shuffle(len(shuffled.Current), reflect.Swapper(shuffled.Current))
		got, gotErr := Solve(shuffled)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("trial %d: shuffled input gives another plan:\n%+v, %v\nwant\n%+v, %v", trial, got, gotErr, want, wantErr)
		}
	}
}

// twoGrids is a hand-made zone on a line running east: grid 1 holds
// liaisons A (at 0 m) and B (at 3000 m), grid 2 liaison C (at 6000 m).
func twoGrids() Input {
	in := Input{
		GridNames: map[int64]string{1: "新材料", 2: "新能源"},
		Liaisons: []Liaison{
			{ID: 1, Name: "张三", GridID: 1, Base: at(0, 0), Min: 0, Max: 8},
			{ID: 2, Name: "李四", GridID: 1, Base: at(3000, 0), Min: 0, Max: 8},
			{ID: 3, Name: "王五", GridID: 2, Base: at(6000, 0), Min: 0, Max: 8},
		},
		Options: plainOptions(),
	}
	return in
}

func liaisonOf(p *Plan, org int64) int64 {
	for _, a := range p.Assignment {
		if a.OrgID == org {
			return a.LiaisonID
		}
	}
	return -1
}

func TestRebalanceStability(t *testing.T) {
	// Organization 7 at 1200 m is nearer to A, its liaison, than to B.
	// At 2000 m, B is 1000 m nearer: that pays a stability cost of up to
	// 1000 m, and no more.
	for _, c := range []struct {
		east, stability float64
		want            int64
	}{
		{1200, 2000, 1},
		{2000, 2000, 1},
		{2000, 1001, 1},
		{2000, 999, 2},
		{2000, 0, 2},
	} {
		in := twoGrids()
		in.Orgs = []Org{{ID: 7, GridID: 1, Location: at(c.east, 0), Kind: grid.KindEnterprise, Class: ClassEnterprise}}
		in.Current = []Pair{{OrgID: 7, LiaisonID: 1}}
		in.Options.Stability = c.stability
		p, err := Solve(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := liaisonOf(p, 7); got != c.want {
			t.Errorf("at %g m with stability %g: liaison %d, want %d", c.east, c.stability, got, c.want)
		}
		wantMoves := 0
		if c.want != 1 {
			wantMoves = 1
		}
		if len(p.Moves) != wantMoves {
			t.Errorf("at %g m with stability %g: moves %v", c.east, c.stability, p.Moves)
		}
	}
}

func TestRebalanceKeepInGrid(t *testing.T) {
	// Organization 7 of grid 1 sits next to C of grid 2.
	in := twoGrids()
	in.Orgs = []Org{{ID: 7, GridID: 1, Location: at(5900, 0), Kind: grid.KindEnterprise, Class: ClassEnterprise}}
	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := liaisonOf(p, 7); got != 2 || p.After.CrossGrid != 0 {
		t.Errorf("kept in grid: liaison %d, %d cross-grid pairs; want B and none", got, p.After.CrossGrid)
	}
	// Allowed across grids: C is 100 m away plus a 5000 m penalty, B is
	// 2900 m away; then with a smaller penalty C wins.
	in.Options.KeepInGrid = false
	p, err = Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := liaisonOf(p, 7); got != 2 {
		t.Errorf("penalty 5000: liaison %d, want B", got)
	}
	in.Options.CrossGridPenalty = 1000
	p, err = Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := liaisonOf(p, 7); got != 3 || p.After.CrossGrid != 1 {
		t.Errorf("penalty 1000: liaison %d, %d cross-grid pairs; want C and 1", got, p.After.CrossGrid)
	}
	// With only C in reach of its grid, KeepInGrid leaves it uncovered.
	in = twoGrids()
	in.Liaisons = in.Liaisons[2:]
	in.Orgs = []Org{{ID: 7, GridID: 1, Location: at(5900, 0), Kind: grid.KindEnterprise, Class: ClassOpenRequests}}
	p, err = Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := liaisonOf(p, 7); got != 0 || p.After.Uncovered != 1 {
		t.Errorf("no liaison in its grid: liaison %d, want none", got)
	}
}

func TestRebalancePins(t *testing.T) {
	// Organization 7 next to B is pinned to A, even across grids: pins
	// hold under KeepInGrid. It counts toward A's load: A, with max 1,
	// must leave organization 8, also nearest to A, to B.
	in := twoGrids()
	in.Liaisons[0].Max = 1
	in.Orgs = []Org{
		{ID: 7, GridID: 2, Location: at(3000, 100), Kind: grid.KindEnterprise, Class: ClassEnterprise},
		{ID: 8, GridID: 1, Location: at(100, 0), Kind: grid.KindEnterprise, Class: ClassEnterprise},
	}
	in.Current = []Pair{{OrgID: 7, LiaisonID: 1, Pinned: true}}
	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{{OrgID: 7, LiaisonID: 1, Pinned: true}, {OrgID: 8, LiaisonID: 2}}
	if !reflect.DeepEqual(p.Assignment, want) {
		t.Errorf("assignment %v, want %v", p.Assignment, want)
	}
	if p.After.CrossGrid != 1 {
		t.Errorf("cross-grid pairs %d, want the pinned one", p.After.CrossGrid)
	}
	wantMoves := []Move{{OrgID: 8, FromLiaisonID: 0, ToLiaisonID: 2}}
	if !reflect.DeepEqual(p.Moves, wantMoves) {
		t.Errorf("moves %v, want %v", p.Moves, wantMoves)
	}
}

func TestRebalanceInfeasible(t *testing.T) {
	orgsIn := func(gridID int64, n int) []Org {
		var out []Org
		for i := range n {
			out = append(out, Org{ID: gridID*100 + int64(i), GridID: gridID, Location: at(float64(100*i), 50), Kind: grid.KindSocial, Class: ClassOther})
		}
		return out
	}
	t.Run("grid", func(t *testing.T) {
		in := twoGrids()
		in.Orgs = append(orgsIn(1, 4), orgsIn(2, 9)...)
		in.Options.Min = intp(5)
		_, err := Solve(in)
		wantInfeasible(t, err, "min", "grid 新材料 has 4 organizations for 2 liaisons with min 5")
	})
	t.Run("grid with pins", func(t *testing.T) {
		in := twoGrids()
		in.Orgs = append(orgsIn(1, 8), orgsIn(2, 9)...)
		in.Current = []Pair{{OrgID: 100, LiaisonID: 1, Pinned: true}, {OrgID: 101, LiaisonID: 1, Pinned: true}}
		in.Options.Min = intp(5)
		_, err := Solve(in)
		wantInfeasible(t, err, "min", "grid 新材料 has 8 organizations for 2 liaisons with min 5")
	})
	t.Run("zone", func(t *testing.T) {
		in := twoGrids()
		in.Orgs = append(orgsIn(1, 4), orgsIn(2, 9)...)
		in.Options.KeepInGrid = false
		in.Options.Min = intp(5)
		_, err := Solve(in)
		wantInfeasible(t, err, "min", "the zone has 13 organizations for 3 liaisons with min 5")
	})
	t.Run("pins over max", func(t *testing.T) {
		in := twoGrids()
		in.Orgs = orgsIn(1, 9)
		for _, o := range in.Orgs {
			in.Current = append(in.Current, Pair{OrgID: o.ID, LiaisonID: 1, Pinned: true})
		}
		_, err := Solve(in)
		wantInfeasible(t, err, "max", "too many pinned organizations on liaison 张三 (9 > max 8)")
		_, err = Greedy(in)
		wantInfeasible(t, err, "max", "too many pinned organizations on liaison 张三 (9 > max 8)")
	})
	t.Run("some liaisons", func(t *testing.T) {
		// Organizations 100 and 101 may only go to A, which needs three.
		in := twoGrids()
		in.Options.KeepInGrid = false
		in.Orgs = orgsIn(1, 6)
		in.Current = []Pair{
			{OrgID: 102, LiaisonID: 2, Pinned: true}, {OrgID: 103, LiaisonID: 2, Pinned: true},
			{OrgID: 104, LiaisonID: 3, Pinned: true}, {OrgID: 105, LiaisonID: 3, Pinned: true},
		}
		in.Liaisons[0].Min = 3
		_, err := Solve(in)
		wantInfeasible(t, err, "min", "liaison 张三 needs 3 more organizations to reach their minimum (min 3) but only 2 can be assigned to them")
	})
}

func wantInfeasible(t *testing.T, err error, field, msg string) {
	t.Helper()
	var e *grid.Error
	if !errors.As(err, &e) || e.Code != grid.EInfeasible || e.Field != field || e.Message != msg {
		t.Errorf("error %v, want %s on %s: %q", err, grid.EInfeasible, field, msg)
	}
}

func TestRebalanceInvalid(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(in *Input)
		field  string
		text   string
	}{
		{"options min over max", func(in *Input) { in.Options.Min, in.Options.Max = intp(6), intp(5) }, "min", "exceeds"},
		{"min over a liaison's max", func(in *Input) { in.Options.Min = intp(9) }, "min", "张三"},
		{"liaison max under min", func(in *Input) { in.Liaisons[1].Min = 9 }, "max", "李四"},
		{"negative min", func(in *Input) { in.Options.Min = intp(-1) }, "min", "negative"},
		{"negative weight", func(in *Input) { in.Options.Weights.Enterprise = -1 }, "weights.enterprise", "between"},
		{"NaN stability", func(in *Input) { in.Options.Stability = math.NaN() }, "stability", "between"},
		{"huge penalty", func(in *Input) { in.Options.CrossGridPenalty = 1e12 }, "cross_grid_penalty", "between"},
		{"negative candidate limit", func(in *Input) { in.Options.CandidateLimit = -3 }, "candidate_limit", "negative"},
		{"duplicate liaison", func(in *Input) { in.Liaisons[2].ID = 1 }, "liaisons", "twice"},
		{"duplicate organization", func(in *Input) { in.Orgs[1].ID = 7 }, "organizations", "twice"},
		{"bad class", func(in *Input) { in.Orgs[0].Class = "vip" }, "organizations", "priority class"},
		{"bad location", func(in *Input) { in.Orgs[0].Location = orb.Point{200, 0} }, "organizations", "longitude"},
		{"zero id", func(in *Input) { in.Liaisons[0].ID = 0 }, "liaisons", "positive"},
		{"unknown liaison", func(in *Input) { in.Current[0].LiaisonID = 99 }, "assignments", "unknown liaison 99"},
		{"unknown organization", func(in *Input) { in.Current[0].OrgID = 99 }, "assignments", "unknown organization 99"},
		{"two assignments", func(in *Input) {
			in.Current = append(in.Current, Pair{OrgID: 7, LiaisonID: 2})
		}, "assignments", "more than one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := twoGrids()
			in.Orgs = []Org{
				{ID: 7, GridID: 1, Location: at(10, 10), Kind: grid.KindEnterprise, Class: ClassOther},
				{ID: 8, GridID: 1, Location: at(20, 10), Kind: grid.KindEnterprise, Class: ClassOther},
			}
			in.Current = []Pair{{OrgID: 7, LiaisonID: 1}}
			c.change(&in)
			_, err := Solve(in)
			var e *grid.Error
			if !errors.As(err, &e) || e.Code != grid.EInvalid || e.Field != c.field || !strings.Contains(e.Message, c.text) {
				t.Errorf("error %v, want invalid %s mentioning %q", err, c.field, c.text)
			}
			if _, err := in.Measure(nil); grid.ErrorCode(err) != grid.EInvalid {
				t.Errorf("Measure: %v, want invalid", err)
			}
		})
	}
}

func TestRebalanceMetrics(t *testing.T) {
	in := twoGrids()
	in.Options.Min = intp(1)
	in.Options.Max = intp(2)
	in.Orgs = []Org{
		{ID: 7, GridID: 1, Location: at(0, 400), Kind: grid.KindEnterprise, Class: ClassOpenRequests},
		{ID: 8, GridID: 1, Location: at(0, 300), Kind: grid.KindEnterprise, Class: ClassKeyEnterprise},
		{ID: 9, GridID: 1, Location: at(0, 200), Kind: grid.KindEnterprise, Class: ClassEnterprise},
		{ID: 10, GridID: 2, Location: at(6000, 100), Kind: grid.KindEnterprise, Class: ClassOther},
		{ID: 11, GridID: 2, Location: at(6000, 500), Kind: grid.KindEnterprise, Class: ClassOther},
	}
	// Now A carries three (over max), B none (under min), C one.
	in.Current = []Pair{{7, 1, false}, {8, 1, false}, {9, 1, false}, {10, 3, false}}
	before, err := in.Measure(in.Current)
	if err != nil {
		t.Fatal(err)
	}
	longest := orbgeo.Distance(at(0, 0), at(0, 400))
	total := centimetres(longest) + centimetres(orbgeo.Distance(at(0, 0), at(0, 300))) +
		centimetres(orbgeo.Distance(at(0, 0), at(0, 200))) + centimetres(orbgeo.Distance(at(6000, 0), at(6000, 100)))
	want := Metrics{
		LoadMin: 0, LoadMax: 3, LoadSpread: 3, UnderMin: 1, OverMax: 1,
		TotalDistance: metres(total), LongestDistance: metres(centimetres(longest)),
		Covered: 4, Uncovered: 1,
		ByClass: map[PriorityClass]ClassCoverage{
			ClassOpenRequests: {1, 1}, ClassKeyEnterprise: {1, 1}, ClassEnterprise: {1, 1}, ClassOther: {1, 2},
		},
		ByKind: map[grid.OrgKind]ClassCoverage{grid.KindEnterprise: {4, 5}, grid.KindNewEconomic: {}, grid.KindSocial: {}},
		Kept:   4,
		// Travel, plus organization 11's weight for staying uncovered.
		Objective: metres(total + centimetres(DefaultWeightOther)),
	}
	if !reflect.DeepEqual(before, want) {
		t.Errorf("before:\n%+v\nwant\n%+v", before, want)
	}

	p, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Before, before) {
		t.Errorf("plan's Before %+v, want Measure(Current) %+v", p.Before, before)
	}
	// A's farthest organization goes to B, since its detour is the
	// shortest, and C takes organization 11.
	wantMoves := []Move{{7, 1, 2}, {11, 0, 3}}
	if !reflect.DeepEqual(p.Moves, wantMoves) {
		t.Errorf("moves %v, want %v", p.Moves, wantMoves)
	}
	a := p.After
	if a.LoadMin != 1 || a.LoadMax != 2 || a.LoadSpread != 1 || a.UnderMin != 0 || a.OverMax != 0 ||
		a.Moves != 2 || a.Covered != 5 || a.CrossGrid != 0 || a.ByClass[ClassOther] != (ClassCoverage{2, 2}) {
		t.Errorf("after: %+v", a)
	}
	after, err := in.Measure(p.Assignment)
	if err != nil || !reflect.DeepEqual(after, p.After) || p.Objective != a.Objective {
		t.Errorf("Measure(plan) = %+v, %v; want %+v", after, err, p.After)
	}
}

func TestCandidates(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 200 {
		in := randomInput(rng, 10, 8)
		m, err := newRebalanceModel(in)
		if err != nil {
			t.Fatal(err)
		}
		c := m.candidates()
		k := m.opts.CandidateLimit
		for o := range m.orgs {
			ls, costs := c.of(o)
			if m.pinned[o] {
				if len(ls) != 0 {
					t.Fatalf("trial %d: pinned organization has candidates", trial)
				}
				continue
			}
			var allowed []int32
			for l := range m.liaisons {
				if m.allowed(o, l) {
					allowed = append(allowed, int32(l))
				}
			}
			// The k cheapest allowed liaisons, ties to the lower index,
			// and the current one.
			want := slices.Clone(allowed)
			slices.SortStableFunc(want, func(a, b int32) int {
				return cmp.Compare(m.pairCost(o, int(a)), m.pairCost(o, int(b)))
			})
			if k > 0 && len(want) > k {
				cur := m.current[o]
				keepCur := cur != noLiaison && m.allowed(o, int(cur)) && !slices.Contains(want[:k], cur)
				want = want[:k]
				if keepCur {
					want = append(want, cur)
				}
			}
			slices.Sort(want)
			if !slices.Equal(ls, want) {
				t.Fatalf("trial %d: organization %d candidates %v, want %v", trial, o, ls, want)
			}
			for i, l := range ls {
				if costs[i] != m.pairCost(o, int(l)) {
					t.Fatalf("trial %d: cost of candidate %d is %d, want %d", trial, l, costs[i], m.pairCost(o, int(l)))
				}
			}
		}
	}
}

func TestRebalanceFingerprint(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	in := randomInput(rng, 10, 4)
	for len(in.Current) < 2 {
		in = randomInput(rng, 10, 4)
	}
	want := in.Fingerprint()
	same := in
	same.Liaisons = slices.Clone(in.Liaisons)
	same.Orgs = slices.Clone(in.Orgs)
	same.Current = slices.Clone(in.Current)
	slices.Reverse(same.Liaisons)
	slices.Reverse(same.Orgs)
	slices.Reverse(same.Current)
	same.Liaisons[0].Name = "renamed"
	same.GridNames = nil
	if got := same.Fingerprint(); got != want {
		t.Errorf("reordered and renamed: fingerprint %s, want %s", got, want)
	}
	for name, change := range map[string]func(in *Input){
		"base":      func(in *Input) { in.Liaisons[0].Base[0] += 1e-6 },
		"capacity":  func(in *Input) { in.Liaisons[0].Max++ },
		"location":  func(in *Input) { in.Orgs[0].Location[1] += 1e-6 },
		"grid":      func(in *Input) { in.Orgs[0].GridID += 10 },
		"class":     func(in *Input) { in.Orgs[0].Class = ClassOpenRequests + "x" },
		"pin":       func(in *Input) { in.Current[0].Pinned = !in.Current[0].Pinned },
		"liaison":   func(in *Input) { in.Current[0].LiaisonID, in.Current[1].LiaisonID = 999, 998 },
		"unassign":  func(in *Input) { in.Current = in.Current[1:] },
		"min":       func(in *Input) { in.Options.Min = intp(7) },
		"stability": func(in *Input) { in.Options.Stability += 0.5 },
		"weights":   func(in *Input) { in.Options.Weights.Other++ },
	} {
		changed := in
		changed.Liaisons = slices.Clone(in.Liaisons)
		changed.Orgs = slices.Clone(in.Orgs)
		changed.Current = slices.Clone(in.Current)
		change(&changed)
		if changed.Fingerprint() == want {
			t.Errorf("%s changed, fingerprint did not", name)
		}
	}
}

func TestDistanceMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for range 10000 {
		a := orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
		b := orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
		if rng.IntN(2) == 0 {
			b = orb.Point{a[0] + rng.NormFloat64()*0.05, max(-90, min(90, a[1]+rng.NormFloat64()*0.05))}
		}
		got, want := newEarthPoint(a).distance(newEarthPoint(b)), orbgeo.Distance(a, b)
		if math.Abs(got-want) > 1e-6 {
			t.Fatalf("distance %v to %v: %.9f m, orb %.9f m", a, b, got, want)
		}
	}
}

func TestOrgPriority(t *testing.T) {
	for _, c := range []struct {
		org  grid.Org
		open int
		want PriorityClass
	}{
		{grid.Org{Kind: grid.KindSocial}, 2, ClassOpenRequests},
		{grid.Org{Kind: grid.KindEnterprise, HighTech: true}, 0, ClassKeyEnterprise},
		{grid.Org{Kind: grid.KindEnterprise, Specialized: true}, 0, ClassKeyEnterprise},
		{grid.Org{Kind: grid.KindEnterprise}, 0, ClassEnterprise},
		{grid.Org{Kind: grid.KindNewEconomic}, 0, ClassOther},
		{grid.Org{Kind: grid.KindSocial}, 0, ClassOther},
	} {
		if got := OrgPriority(c.org, c.open); got != c.want {
			t.Errorf("OrgPriority(%+v, %d) = %s, want %s", c.org, c.open, got, c.want)
		}
	}
	o := DefaultOptions().Weights
	// PriorityClasses lists the classes in the order of their default
	// weights: new economic and social organizations come right after
	// open requests.
	classes := PriorityClasses()
	for i := 1; i < len(classes); i++ {
		if o.Of(classes[i-1]) <= o.Of(classes[i]) {
			t.Errorf("default weights out of order: %+v", o)
		}
	}
	if classes[1] != ClassOther {
		t.Errorf("default weights out of order: %+v", o)
	}
}
