package rebalance

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gridgis/grid"
)

// solve returns the optimal assignment vector, one liaison index (or
// noLiaison) per organization.
//
// The network, per part of the zone (one grid under KeepInGrid, else the
// whole zone):
//
//	organization o  --(1, pair cost)-->        liaison l
//	organization o  --(1, uncovered cost)-->   rest
//	liaison l       --([min, max], 0)-->        rest
//
// Every free organization supplies one unit and rest absorbs them all, so
// each unit either reaches a liaison or stays uncovered, and the lower
// bound on l→rest is the liaison's minimum. Pinned organizations are not
// in the network: they only shift their liaison's bounds down. Parts share
// no organization or liaison, so solving them one by one is exact.
//
// With floors (see coverageFloors), an organization's uncovered edge goes
// through the node of its cell (grid, kind, class), and that node lets
// only so many of the cell's organizations stay uncovered:
//
//	organization o  --(1, uncovered cost)-->   cell c  --([0, allowance], 0)-->  rest
func (m *rebalanceModel) solve(floors bool) ([]int32, error) {
	pinned, err := m.pinnedLoads()
	if err != nil {
		return nil, err
	}
	if m.cand == nil {
		m.cand = m.candidates()
	}
	cand := m.cand
	var fl *coverageFloors
	if floors {
		fl = m.coverageFloors(pinned)
	}
	assign := slices.Clone(m.current)
	for o := range assign {
		if !m.pinned[o] {
			assign[o] = noLiaison
		}
	}
	parts := m.parts()
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(parts)) {
		wg.Go(func() {
			for p := range work {
				errs[p] = m.solvePart(parts[p], cand, pinned, fl, assign)
				if errors.Is(errs[p], errFloors) {
					// The floors are met by the current pairs the rules
					// allow, so they bind only where no plan exists at
					// all: solving without them says why.
					errs[p] = m.solvePart(parts[p], cand, pinned, nil, assign)
				}
			}
		})
	}
	for p := range parts {
		work <- p
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return assign, nil
}

// part is a set of liaisons and free organizations such that every allowed
// pair of either lies inside it.
type part struct {
	orgs     []int32
	liaisons []int32
}

// parts splits the zone: by grid under KeepInGrid, ordered by their first
// liaison so that the first infeasible grid reported is always the same.
// Organizations of a grid without liaisons are in no part: they stay
// uncovered.
func (m *rebalanceModel) parts() []part {
	key := func(grid int64) int64 {
		if m.opts.KeepInGrid {
			return grid
		}
		return 0
	}
	index := make(map[int64]int)
	var out []part
	for l, li := range m.liaisons {
		i, ok := index[key(li.GridID)]
		if !ok {
			i = len(out)
			index[key(li.GridID)] = i
			out = append(out, part{})
		}
		out[i].liaisons = append(out[i].liaisons, int32(l))
	}
	for o, org := range m.orgs {
		if i, ok := index[key(org.GridID)]; ok && !m.pinned[o] {
			out[i].orgs = append(out[i].orgs, int32(o))
		}
	}
	return out
}

// partNetwork is the flow network of one part.
type partNetwork struct {
	m       *rebalanceModel
	p       part
	g       *minCostFlow
	orgs    []int32         // node i is organization orgs[i]
	liaison []int           // liaison index → node (only the part's are set)
	rest    int             // node of the sink
	pairs   [][]networkPair // per organization node, its pair edges
}

// pricedPerRound is how many left-out pairs an organization gains at most
// per round of column generation: enough that few rounds are needed, few
// enough that the network stays small. The optimum does not depend on it.
const pricedPerRound = 4

// networkPair is an organization's edge to a liaison.
type networkPair struct {
	l    int32
	edge int
}

// solvePart solves one part and writes its organizations' liaisons into
// assign.
//
// With a CandidateLimit the network starts with each organization's
// candidates only and grows by column generation: after each Solve, the
// node potentials are an optimal dual solution for the edges present, and
// any left-out pair whose reduced cost under them is negative is added.
// When none is, those potentials prove the flow optimal for every allowed
// pair: the plan is exact, the limit only makes it faster to find. When a
// Solve is infeasible, the pairs across its cut are added likewise; if
// there are none, the cut is the proof of infeasibility.
func (m *rebalanceModel) solvePart(p part, cand *candidates, pinned []int, fl *coverageFloors, assign []int32) error {
	n := m.newPartNetwork(p, cand, pinned, fl)
	for {
		if _, ok := n.g.Solve(); !ok {
			stranded := n.g.Stranded()
			if n.addPairs(func(i int, l int32) bool { return stranded[i] && !stranded[n.liaison[l]] }) > 0 {
				continue
			}
			if fl != nil {
				return errFloors
			}
			return n.shortfall(pinned, stranded)
		}
		if m.opts.CandidateLimit == 0 || n.priceIn() == 0 {
			break
		}
	}
	for i, o := range n.orgs {
		assign[o] = noLiaison
		for _, pr := range n.pairs[i] {
			if n.g.Flow(pr.edge) > 0 {
				assign[o] = pr.l
			}
		}
	}
	return nil
}

func (m *rebalanceModel) newPartNetwork(p part, cand *candidates, pinned []int, fl *coverageFloors) *partNetwork {
	// Urgent organizations are routed first: they take the liaisons they
	// want, and later, cheaper ones seldom need to displace them. The
	// order affects speed only, not the optimum.
	orgs := slices.Clone(p.orgs)
	slices.SortStableFunc(orgs, func(a, b int32) int { return cmp.Compare(m.value[b], m.value[a]) })
	// The part's cells, numbered from 0, with how many of each may stay
	// uncovered.
	cellNode := map[int32]int{}
	var allowance []int64
	if fl != nil {
		for _, o := range orgs {
			c := fl.cell[o]
			if _, ok := cellNode[c]; !ok {
				cellNode[c] = len(allowance)
				allowance = append(allowance, int64(-fl.floor[c]))
			}
			allowance[cellNode[c]]++
		}
	}
	firstCell := len(orgs) + len(p.liaisons) // nodes: organizations, liaisons, cells, rest
	n := &partNetwork{
		m:       m,
		p:       p,
		orgs:    orgs,
		liaison: make([]int, len(m.liaisons)),
		rest:    firstCell + len(allowance),
		pairs:   make([][]networkPair, len(orgs)),
	}
	for i, l := range p.liaisons {
		n.liaison[l] = len(orgs) + i
	}
	edges := len(orgs) + len(p.liaisons) + len(allowance)
	for _, o := range orgs {
		ls, _ := cand.of(int(o))
		edges += len(ls)
	}
	n.g = newMinCostFlow(n.rest+1, edges)
	for c, a := range allowance {
		n.g.AddEdge(firstCell+c, n.rest, 0, a, 0)
	}
	for i, o := range orgs {
		n.g.AddSupply(i, 1)
		n.g.AddSupply(n.rest, -1)
		if fl != nil {
			n.g.AddEdge(i, firstCell+cellNode[fl.cell[o]], 0, 1, m.value[o])
		} else {
			n.g.AddEdge(i, n.rest, 0, 1, m.value[o])
		}
		ls, costs := cand.of(int(o))
		for j, l := range ls {
			n.pairs[i] = append(n.pairs[i], networkPair{l, n.g.AddEdge(i, n.liaison[l], 0, 1, costs[j])})
		}
	}
	for _, l := range p.liaisons {
		lo := max(0, m.minLoad[l]-pinned[l])
		hi := m.maxLoad[l] - pinned[l]
		n.g.AddEdge(n.liaison[l], n.rest, int64(lo), int64(hi), 0)
	}
	return n
}

// has reports whether organization node i has an edge to liaison l.
func (n *partNetwork) has(i int, l int32) bool {
	return slices.ContainsFunc(n.pairs[i], func(pr networkPair) bool { return pr.l == l })
}

// addPairs adds every pair of the part not yet in the network for which
// want holds, and returns how many. Every pair inside a part is allowed.
func (n *partNetwork) addPairs(want func(i int, l int32) bool) int {
	added := 0
	for i, o := range n.orgs {
		for _, l := range n.p.liaisons {
			if want(i, l) && !n.has(i, l) {
				edge := n.g.AddEdge(i, n.liaison[l], 0, 1, n.m.pairCost(int(o), int(l)))
				n.pairs[i] = append(n.pairs[i], networkPair{l, edge})
				added++
			}
		}
	}
	return added
}

// priceIn adds, for each organization, the left-out pairs of most negative
// reduced cost (a few per round, so that the network stays small), and
// returns how many.
func (n *partNetwork) priceIn() int {
	type priced struct {
		l       int32
		cost    int64
		reduced int64
	}
	var best []priced
	added := 0
	for i, o := range n.orgs {
		best = best[:0]
		for _, l := range n.p.liaisons {
			// Costs are not negative: only a liaison whose potential
			// exceeds the organization's can price in, and most do not.
			bound := n.g.ReducedCost(i, n.liaison[l], 0)
			if bound >= 0 {
				continue
			}
			cost := n.m.pairCost(int(o), int(l))
			if r := bound + cost; r < 0 && !n.has(i, l) {
				best = append(best, priced{l, cost, r})
			}
		}
		slices.SortFunc(best, func(a, b priced) int { return cmp.Or(cmp.Compare(a.reduced, b.reduced), cmp.Compare(a.l, b.l)) })
		for _, pr := range best[:min(len(best), pricedPerRound)] {
			n.pairs[i] = append(n.pairs[i], networkPair{pr.l, n.g.AddEdge(i, n.liaison[pr.l], 0, 1, pr.cost)})
			added++
		}
	}
	return added
}

// shortfall explains why a part has no feasible plan. The sink is among
// the nodes the stranded supply reaches (see minCostFlow.Stranded), and
// the liaisons it does not reach are a set that, by the cut's capacity,
// needs more organizations than there are to assign to it. Without those
// whose pins already meet their minimum, that set X is the message,
// phrased for a whole grid or the whole zone when X is one.
func (n *partNetwork) shortfall(pinned []int, stranded []bool) error {
	m := n.m
	var x []int32
	for _, l := range n.p.liaisons {
		if !stranded[n.liaison[l]] && pinned[l] < m.minLoad[l] {
			x = append(x, l)
		}
	}
	reach := 0 // free organizations that may be given a liaison of X
	for _, o := range n.orgs {
		if slices.ContainsFunc(x, func(l int32) bool { return m.allowed(int(o), int(l)) }) {
			reach++
		}
	}
	need, mins, pins := 0, 0, 0
	for _, l := range x {
		need += m.minLoad[l] - pinned[l]
		mins += m.minLoad[l]
		pins += pinned[l]
	}
	minText := fmt.Sprintf("min %d", m.minLoad[x[0]])
	if slices.ContainsFunc(x, func(l int32) bool { return m.minLoad[l] != m.minLoad[x[0]] }) {
		minText = fmt.Sprintf("minimums adding up to %d", mins)
	}
	infeasible := func(format string, args ...any) error {
		return &grid.Error{Code: grid.EInfeasible, Field: "min", Message: fmt.Sprintf(format, args...)}
	}
	if len(x) == len(n.p.liaisons) && reach == len(n.orgs) {
		if m.opts.KeepInGrid {
			return infeasible("grid %s has %s for %s with %s", m.gridName(m.liaisons[x[0]].GridID),
				counted(reach+pins, "organization"), counted(len(x), "liaison"), minText)
		}
		return infeasible("the zone has %s for %s with %s",
			counted(reach+pins, "organization"), counted(len(x), "liaison"), minText)
	}
	names := make([]string, 0, 3)
	for _, l := range x[:min(len(x), 3)] {
		names = append(names, m.liaisonName(int(l)))
	}
	who := "liaison " + names[0] + " needs"
	if len(x) > 1 {
		who = "liaisons " + strings.Join(names, ", ")
		if len(x) > 3 {
			who += fmt.Sprintf(" and %d more", len(x)-3)
		}
		who += " need"
	}
	return infeasible("%s %d more %s to reach their minimum (%s) but only %d can be assigned to them",
		who, need, plural(need, "organization"), minText, reach)
}

// counted returns "1 noun" or "n nouns".
func counted(n int, noun string) string { return fmt.Sprintf("%d %s", n, plural(n, noun)) }

// plural returns noun for one, nouns for any other number.
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
