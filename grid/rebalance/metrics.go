package rebalance

import "math"

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
	// class and how many of them are covered.
	ByClass map[PriorityClass]ClassCoverage `json:"by_class"`
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
	r := Metrics{ByClass: make(map[PriorityClass]ClassCoverage)}
	for _, c := range PriorityClasses() {
		r.ByClass[c] = ClassCoverage{}
	}
	load := make([]int, len(m.liaisons))
	var objective, total int64
	var longest float64
	for o, l := range assign {
		objective += m.cost(o, l)
		if l != m.current[o] {
			r.Moves++
		}
		cc := r.ByClass[m.orgs[o].Class]
		cc.Total++
		if l == noLiaison {
			r.Uncovered++
			r.ByClass[m.orgs[o].Class] = cc
			continue
		}
		cc.Covered++
		r.ByClass[m.orgs[o].Class] = cc
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
