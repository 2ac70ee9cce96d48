package rebalance

import (
	"cmp"
	"fmt"
	"slices"

	"gridgis/grid"
)

// Greedy is the baseline that Solve is measured against: the
// most urgent organizations first, each to its cheapest liaison with room
// (or uncovered when that is cheaper), then each liaison below its minimum
// takes the organizations that cost least to bring over, uncovered ones
// or ones a liaison above its own minimum can spare. It honours the same
// pins, bounds and bans, but not optimally: it looks only at each
// organization's candidates (see CandidateLimit), and it can fail where an
// exact plan exists, since it never moves chains of organizations.
func Greedy(in Input) (*Plan, error) {
	m, err := newRebalanceModel(in)
	if err != nil {
		return nil, err
	}
	assign, err := m.greedy()
	if err != nil {
		return nil, err
	}
	return m.plan(assign), nil
}

func (m *rebalanceModel) greedy() ([]int32, error) {
	load, err := m.pinnedLoads()
	if err != nil {
		return nil, err
	}
	cand := m.candidates()
	assign := slices.Clone(m.current)
	var order []int
	for o := range assign {
		if !m.pinned[o] {
			assign[o] = noLiaison
			order = append(order, o)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(m.uncovered[b], m.uncovered[a]) })
	for _, o := range order {
		best, bestCost := int32(noLiaison), m.uncovered[o]
		ls, costs := cand.of(o)
		for i, l := range ls {
			if load[l] < m.maxLoad[l] && costs[i] < bestCost {
				best, bestCost = l, costs[i]
			}
		}
		if best != noLiaison {
			assign[o] = best
			load[best]++
		}
	}

	// Who could go to each liaison, for filling minimums.
	type offer struct {
		o    int32
		cost int64
	}
	offers := make([][]offer, len(m.liaisons))
	for _, o := range order {
		ls, costs := cand.of(o)
		for i, l := range ls {
			offers[l] = append(offers[l], offer{int32(o), costs[i]})
		}
	}
	for l := range m.liaisons {
		for load[l] < m.minLoad[l] {
			best, bestDelta := int32(-1), int64(0)
			for _, f := range offers[l] {
				from := assign[f.o]
				var delta int64
				switch {
				case from == noLiaison:
					delta = f.cost - m.uncovered[f.o]
				case int(from) != l && load[from] > m.minLoad[from]:
					delta = f.cost - m.cost(int(f.o), from)
				default:
					continue
				}
				if best < 0 || delta < bestDelta {
					best, bestDelta = f.o, delta
				}
			}
			if best < 0 {
				return nil, &grid.Error{Code: grid.EInfeasible, Field: "min", Message: fmt.Sprintf(
					"greedy: liaison %s stays below min %d", m.liaisonName(l), m.minLoad[l])}
			}
			if from := assign[best]; from != noLiaison {
				load[from]--
			}
			assign[best] = int32(l)
			load[l]++
		}
	}
	return assign, nil
}
