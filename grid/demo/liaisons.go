package demo

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	"gridgis/grid"
)

// Liaison set-up: at least three liaisons per grid; each carries 5 to 8
// organizations, most of them 7 or 8.
const (
	minLiaisonsPerGrid = 3
	historyShare       = 0.08 // assigned organizations that changed liaison once
	pinnedShare        = 0.03 // assignments an admin pinned
)

// loadTargets are how many organizations a liaison is meant to carry, drawn
// uniformly from this list.
var loadTargets = []int{5, 6, 7, 7, 8, 8, 8}

// makeLiaisons generates batch k's liaisons, spread over the grids in
// proportion to their organizations, each based inside the grid it serves.
func (ds *Dataset) makeLiaisons(rng *rand.Rand, k int, orgs []grid.Org) []grid.Liaison {
	perGrid := make([]int, len(ds.Grids))
	for _, o := range orgs {
		perGrid[ds.gridIndex(o.GridID)]++
	}
	counts := apportion(LiaisonsPerScale, perGrid, minLiaisonsPerGrid, grid.DefaultMinLoad)
	names := newNamer()
	var out []grid.Liaison
	for gi, n := range counts {
		for range n {
			out = append(out, grid.Liaison{
				ID:      int64(k*LiaisonsPerScale + len(out) + 1),
				ZoneID:  1,
				Name:    names.person(rng),
				Phone:   mobile(rng),
				GridID:  ds.Grids[gi].ID,
				Base:    ds.layout.pointInGrid(rng, gi),
				MinLoad: grid.DefaultMinLoad,
				MaxLoad: grid.DefaultMaxLoad,
				Active:  true,
			})
		}
	}
	return out
}

// apportion splits total seats over groups by their sizes: each group gets
// at least lo, never more than size/perSeat, and every further seat goes to
// the group with the most members per seat.
func apportion(total int, sizes []int, lo, perSeat int) []int {
	seats := make([]int, len(sizes))
	given := 0
	for i := range seats {
		seats[i] = min(lo, sizes[i]/perSeat)
		given += seats[i]
	}
	for ; given < total; given++ {
		best := -1
		for i, size := range sizes {
			if (seats[i]+1)*perSeat > size {
				continue
			}
			if best < 0 || size*seats[best] > sizes[best]*seats[i] {
				best = i
			}
		}
		if best < 0 {
			break
		}
		seats[best]++
	}
	return seats
}

// coverage is who carries whom in a batch.
type coverage struct {
	assignments []grid.Assignment
	// byOrg lists, per organization index, its assignments (indexes into
	// assignments) oldest first.
	byOrg [][]int
}

// liaisonAt returns the liaison id carrying organization oi at t, or 0.
func (c coverage) liaisonAt(oi int, t time.Time) int64 {
	for _, ai := range c.byOrg[oi] {
		a := c.assignments[ai]
		if !t.Before(a.ValidFrom) && (a.ValidTo == nil || t.Before(*a.ValidTo)) {
			return a.LiaisonID
		}
	}
	return 0
}

// assign gives each liaison 5–8 organizations of their own grid, nearest
// to their base first, with high-tech and specialized enterprises and
// organizations with party members drawn closer. Every liaison first gets
// the minimum, then up to their target; the rest stay uncovered. A few
// organizations had another liaison before.
func (ds *Dataset) assign(rng *rand.Rand, orgs []grid.Org, liaisons []grid.Liaison) coverage {
	current := make([]int, len(orgs)) // liaison index + 1, 0 for none
	for gi := range ds.Grids {
		ds.assignGrid(rng, gi, orgs, liaisons, current)
	}
	return ds.history(rng, orgs, liaisons, current)
}

func (ds *Dataset) assignGrid(rng *rand.Rand, gi int, orgs []grid.Org, liaisons []grid.Liaison, current []int) {
	gridID := ds.Grids[gi].ID
	type pair struct {
		l, o int
		cost float64
	}
	var pairs []pair
	target := make(map[int]int)
	for li, l := range liaisons {
		if l.GridID != gridID {
			continue
		}
		target[li] = loadTargets[rng.IntN(len(loadTargets))]
		for oi, o := range orgs {
			if o.GridID == gridID {
				pairs = append(pairs, pair{li, oi, distanceKM(l.Base, o.Location) * priority(o)})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if a.cost != b.cost {
			return cmp.Compare(a.cost, b.cost)
		}
		return cmp.Or(cmp.Compare(a.l, b.l), cmp.Compare(a.o, b.o))
	})
	load := make(map[int]int)
	for _, limit := range []func(li int) int{
		func(li int) int { return min(grid.DefaultMinLoad, target[li]) },
		func(li int) int { return target[li] },
	} {
		for _, p := range pairs {
			if current[p.o] == 0 && load[p.l] < limit(p.l) {
				current[p.o] = p.l + 1
				load[p.l]++
			}
		}
	}
}

// priority shrinks the distance to organizations a liaison should carry
// first.
func priority(o grid.Org) float64 {
	switch {
	case o.Specialized:
		return 0.5
	case o.HighTech:
		return 0.65
	case o.PartyMembers > 0:
		return 0.8
	}
	return 1
}

// history dates the assignments: all began when the liaison team was set
// up, a little over eighteen months ago; a few organizations changed
// liaison since, closing one period where the next begins.
func (ds *Dataset) history(rng *rand.Rand, orgs []grid.Org, liaisons []grid.Liaison, current []int) coverage {
	c := coverage{byOrg: make([][]int, len(orgs))}
	launch := ds.launch()
	add := func(oi int, a grid.Assignment) {
		c.byOrg[oi] = append(c.byOrg[oi], len(c.assignments))
		c.assignments = append(c.assignments, a)
	}
	for oi, cur := range current {
		if cur == 0 {
			continue
		}
		l := liaisons[cur-1]
		from := launch.Add(minutes(rng, 0, 20*24*60))
		if prev, ok := changedLiaison(rng, liaisons, cur-1); ok {
			switchAt := ds.Now.Add(-minutes(rng, 60*24*60, 365*24*60))
			add(oi, grid.Assignment{OrgID: orgs[oi].ID, LiaisonID: prev.ID, ValidFrom: from, ValidTo: &switchAt, Cause: grid.CauseRule})
			from = switchAt
		}
		add(oi, grid.Assignment{
			OrgID: orgs[oi].ID, LiaisonID: l.ID, ValidFrom: from, Cause: grid.CauseRule,
			Pinned: rng.Float64() < pinnedShare,
		})
	}
	return c
}

// changedLiaison decides whether an organization now carried by
// liaisons[li] had another liaison of the same grid before, and which.
func changedLiaison(rng *rand.Rand, liaisons []grid.Liaison, li int) (grid.Liaison, bool) {
	if rng.Float64() >= historyShare {
		return grid.Liaison{}, false
	}
	var peers []grid.Liaison
	for i, l := range liaisons {
		if i != li && l.GridID == liaisons[li].GridID {
			peers = append(peers, l)
		}
	}
	if len(peers) == 0 {
		return grid.Liaison{}, false
	}
	return peers[rng.IntN(len(peers))], true
}

// launch is when the liaison team (红领企服队) started: nineteen months
// before Now.
func (ds *Dataset) launch() time.Time { return ds.Now.AddDate(0, -19, 0) }

// gridIndex returns the index in ds.Grids of the grid with the given id.
func (ds *Dataset) gridIndex(id int64) int { return int(id - 1) }

// minutes draws a whole number of minutes in [lo, hi) as a duration.
func minutes(rng *rand.Rand, lo, hi int) time.Duration {
	return time.Duration(lo+rng.IntN(hi-lo)) * time.Minute
}
