package rebalance

import (
	"math"

	"gridgis/grid"
)

// Metrics describes one assignment of an Input: the
// current one (a plan's Before) or a plan's (After). Distances are in
// metres.
type Metrics struct {
	// Objective is the assignment's cost under the input's options. A
	// current assignment that breaks a liaison's bounds or crosses grids
	// under KeepInGrid is not a plan, but is still measured.
	Objective float64 `json:"objective"`
	// Load of the liaisons: least, most, and most minus least (0 with no
	// liaisons), and how many are below their Min or above their Max.
	LoadMin    int `json:"load_min"`
	LoadMax    int `json:"load_max"`
	LoadSpread int `json:"load_spread"`
	UnderMin   int `json:"under_min"`
	OverMax    int `json:"over_max"`
	// TotalDistance and LongestDistance are over covered organizations,
	// from their liaison's base.
	TotalDistance   float64 `json:"total_distance"`
	LongestDistance float64 `json:"longest_distance"`
	// Moves counts organizations whose liaison differs from the current
	// one, uncovered counting as a liaison of its own.
	Moves     int `json:"moves"`
	Covered   int `json:"covered"`
	Uncovered int `json:"uncovered"`
	// ByClass has every priority class, with the organizations of that
	// class and how many of them are covered; ByKind the same for every
	// kind of organization (企业, 新经济组织, 社会组织).
	ByClass map[PriorityClass]ClassCoverage `json:"by_class"`
	ByKind  map[grid.OrgKind]ClassCoverage  `json:"by_kind"`
	// Stability against the current pairs: Kept stay with their
	// liaison, Reassigned go to another, Dropped to none; Added are
	// organizations without a liaison now that get one.
	Kept       int `json:"kept"`
	Reassigned int `json:"reassigned"`
	Dropped    int `json:"dropped"`
	Added      int `json:"added"`
	// CrossGrid counts pairs whose liaison and organization are in
	// different grids.
	CrossGrid int `json:"cross_grid"`
}

// ClassCoverage is how many organizations of a priority class are covered
// out of how many there are.
type ClassCoverage struct {
	Covered int `json:"covered"`
	Total   int `json:"total"`
}

// Measure returns the metrics of the assignment pairs (organizations not
// in pairs, or with LiaisonID 0, are uncovered) against in: moves are
// counted from in.Current. Measure(in.Current) describes the current
// state.
func (in Input) Measure(pairs []Pair) (Metrics, error) {
	m, err := newRebalanceModel(in)
	if err != nil {
		return Metrics{}, err
	}
	assign, err := m.readAssignment(pairs)
	if err != nil {
		return Metrics{}, err
	}
	return m.measure(assign), nil
}

func (m *rebalanceModel) measure(assign []int32) Metrics {
	r := Metrics{ByClass: make(map[PriorityClass]ClassCoverage), ByKind: make(map[grid.OrgKind]ClassCoverage)}
	for _, c := range PriorityClasses() {
		r.ByClass[c] = ClassCoverage{}
	}
	for _, k := range grid.OrgKinds {
		r.ByKind[k] = ClassCoverage{}
	}
	load := make([]int, len(m.liaisons))
	var objective, total int64
	var longest float64
	for o, l := range assign {
		objective += m.cost(o, l)
		switch cur := m.current[o]; {
		case l == cur && l != noLiaison:
			r.Kept++
		case cur == noLiaison && l != noLiaison:
			r.Added++
		case cur != noLiaison && l == noLiaison:
			r.Dropped++
		case cur != noLiaison:
			r.Reassigned++
		}
		if l != m.current[o] {
			r.Moves++
		}
		cc, kc := r.ByClass[m.orgs[o].Class], r.ByKind[m.orgs[o].Kind]
		cc.Total++
		kc.Total++
		if l == noLiaison {
			r.Uncovered++
			r.ByClass[m.orgs[o].Class], r.ByKind[m.orgs[o].Kind] = cc, kc
			continue
		}
		cc.Covered++
		kc.Covered++
		r.ByClass[m.orgs[o].Class], r.ByKind[m.orgs[o].Kind] = cc, kc
		r.Covered++
		load[l]++
		d := m.distance(o, int(l))
		total += centimetres(d)
		longest = math.Max(longest, d)
		if m.orgs[o].GridID != m.liaisons[l].GridID {
			r.CrossGrid++
		}
	}
	for l, n := range load {
		if l == 0 || n < r.LoadMin {
			r.LoadMin = n
		}
		r.LoadMax = max(r.LoadMax, n)
		if n < m.minLoad[l] {
			r.UnderMin++
		}
		if n > m.maxLoad[l] {
			r.OverMax++
		}
	}
	r.LoadSpread = r.LoadMax - r.LoadMin
	r.Objective = metres(objective)
	r.TotalDistance = metres(total)
	r.LongestDistance = metres(centimetres(longest))
	return r
}

// plan turns an assignment vector into a plan.
func (m *rebalanceModel) plan(assign []int32) *Plan {
	p := &Plan{
		Assignment: make([]Pair, len(m.orgs)),
		Moves:      []Move{},
		Before:     m.measure(m.current),
		After:      m.measure(assign),
	}
	for o, l := range assign {
		pair := Pair{OrgID: m.orgs[o].ID}
		if l != noLiaison {
			pair.LiaisonID = m.liaisons[l].ID
			pair.Pinned = m.pinned[o] && l == m.current[o]
		}
		p.Assignment[o] = pair
		if cur := m.current[o]; l != cur {
			move := Move{OrgID: m.orgs[o].ID, ToLiaisonID: pair.LiaisonID}
			if cur != noLiaison {
				move.FromLiaisonID = m.liaisons[cur].ID
			}
			p.Moves = append(p.Moves, move)
		}
	}
	p.Objective = p.After.Objective
	return p
}
