package rebalance

import (
	"cmp"
	"slices"

	"gridgis/grid"
)

// CapacityReport answers "how many liaisons would full coverage need, and
// where": per grid, the organizations its liaisons cannot carry at their
// maximum load, and how many more liaisons it would take.
type CapacityReport struct {
	Organizations int `json:"organizations"`
	Liaisons      int `json:"liaisons"`
	// Capacity is the liaisons' maximum loads added up.
	Capacity    int `json:"capacity"`
	Uncoverable int `json:"uncoverable"`
	// LiaisonsNeeded is how many more liaisons, each carrying NewLiaisonMax,
	// would let every organization have one.
	LiaisonsNeeded int            `json:"liaisons_needed"`
	NewLiaisonMin  int            `json:"new_liaison_min"`
	NewLiaisonMax  int            `json:"new_liaison_max"`
	Grids          []GridCapacity `json:"grids"`
}

// GridCapacity is one grid's answer. GridID 0 gathers the organizations
// without a grid, which no liaison kept to their grid may take.
type GridCapacity struct {
	GridID         int64  `json:"grid_id"`
	GridName       string `json:"grid_name"`
	Organizations  int    `json:"organizations"`
	Liaisons       int    `json:"liaisons"`
	Capacity       int    `json:"capacity"`
	Uncoverable    int    `json:"uncoverable"`
	LiaisonsNeeded int    `json:"liaisons_needed"`
	// ByKind counts the uncoverable organizations of each kind.
	ByKind map[grid.OrgKind]int `json:"by_kind"`
	// Left are the organizations a plan of most coverage would leave out:
	// the least urgent by the options' weights, then those without a
	// liaison now, then the farthest from the grid's liaisons.
	Left []CapacityOrg `json:"left"`
}

// CapacityOrg is an organization that the grid's liaisons cannot carry.
type CapacityOrg struct {
	ID    int64         `json:"id"`
	Name  string        `json:"name"`
	Kind  grid.OrgKind  `json:"kind"`
	Class PriorityClass `json:"class"`
}

// Capacity answers the capacity question for in, grid by grid (liaisons
// kept to their grid, as by default), with each liaison's own maximum
// (or Options.Max) and new liaisons counted at grid.DefaultMaxLoad.
// Counts are exact: a grid of n organizations and capacity c leaves
// max(0, n − c) out, and a plan of most coverage leaves out just that
// many. Which ones is a choice; Left names those of least priority.
func Capacity(in Input) (CapacityReport, error) {
	m, err := newRebalanceModel(in)
	if err != nil {
		return CapacityReport{}, err
	}
	r := CapacityReport{Organizations: len(m.orgs), Liaisons: len(m.liaisons),
		NewLiaisonMin: grid.DefaultMinLoad, NewLiaisonMax: grid.DefaultMaxLoad, Grids: []GridCapacity{}}
	byGrid := map[int64]*GridCapacity{}
	of := func(id int64) *GridCapacity {
		g, ok := byGrid[id]
		if !ok {
			g = &GridCapacity{GridID: id, ByKind: map[grid.OrgKind]int{}, Left: []CapacityOrg{}}
			if id != 0 {
				g.GridName = m.gridName(id)
			}
			for _, k := range grid.OrgKinds {
				g.ByKind[k] = 0
			}
			byGrid[id] = g
		}
		return g
	}
	for id := range m.gridNames {
		of(id)
	}
	liaisonsOf := map[int64][]int{}
	for l, li := range m.liaisons {
		g := of(li.GridID)
		g.Liaisons++
		g.Capacity += m.maxLoad[l]
		liaisonsOf[li.GridID] = append(liaisonsOf[li.GridID], l)
	}
	orgsOf := map[int64][]int{}
	for o, org := range m.orgs {
		of(org.GridID).Organizations++
		orgsOf[org.GridID] = append(orgsOf[org.GridID], o)
	}
	for id, g := range byGrid {
		capacity := g.Capacity
		if id == 0 {
			capacity = 0 // no liaison may take an organization without a grid
		}
		g.Uncoverable = max(0, g.Organizations-capacity)
		g.LiaisonsNeeded = (g.Uncoverable + grid.DefaultMaxLoad - 1) / grid.DefaultMaxLoad
		if g.Uncoverable == 0 {
			continue
		}
		orgs := orgsOf[id]
		nearest := make(map[int]float64, len(orgs))
		for _, o := range orgs {
			d := -1.0
			for _, l := range liaisonsOf[id] {
				if x := m.distance(o, l); d < 0 || x < d {
					d = x
				}
			}
			nearest[o] = d
		}
		// Most worth keeping first: pinned, heavier class, covered now,
		// nearer; the tail is left out.
		slices.SortFunc(orgs, func(a, b int) int {
			return cmp.Or(
				-cmpBool(m.pinned[a], m.pinned[b]),
				cmp.Compare(m.uncovered[b], m.uncovered[a]),
				cmp.Compare(nearest[a], nearest[b]),
				cmp.Compare(m.orgs[a].ID, m.orgs[b].ID))
		})
		for _, o := range orgs[len(orgs)-g.Uncoverable:] {
			org := m.orgs[o]
			g.Left = append(g.Left, CapacityOrg{ID: org.ID, Name: org.Name, Kind: org.Kind, Class: org.Class})
			g.ByKind[org.Kind]++
		}
		slices.SortFunc(g.Left, func(a, b CapacityOrg) int { return cmp.Compare(a.ID, b.ID) })
	}
	for _, g := range byGrid {
		r.Capacity += g.Capacity
		r.Uncoverable += g.Uncoverable
		r.LiaisonsNeeded += g.LiaisonsNeeded
		r.Grids = append(r.Grids, *g)
	}
	slices.SortFunc(r.Grids, func(a, b GridCapacity) int {
		return cmp.Or(cmp.Compare(b.Uncoverable, a.Uncoverable), cmp.Compare(a.GridID, b.GridID))
	})
	return r, nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
