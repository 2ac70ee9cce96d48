package rebalance

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
)

// maxRebalanceMetres bounds every metre-valued option, so that costs in
// centimetres summed over millions of organizations stay far from
// overflowing an int64.
const maxRebalanceMetres = 1e9

// noLiaison marks an organization without a liaison in an assignment
// vector.
const noLiaison = -1

// rebalanceModel is a validated Input with liaisons and
// organizations sorted by id and referred to by index, and every cost in
// whole centimetres so that the solver's arithmetic is exact.
type rebalanceModel struct {
	opts Options
	// minLoadForcesLimit: solveGuarded found that without the minimum load
	// the travel limit would be met.
	minLoadForcesLimit bool
	liaisons           []Liaison
	orgs               []Org
	gridNames          map[int64]string
	bases              []earthPoint // per liaison
	sites              []earthPoint // per organization
	minLoad            []int        // per liaison, after Options.Min
	maxLoad            []int        // per liaison, after Options.Max
	current            []int32      // per organization: liaison index, or noLiaison
	pinned             []bool       // per organization
	// Per organization: what leaving it uncovered costs, stability
	// included when it has a liaison now.
	uncovered []int64
	// Per organization: what the solver charges for leaving it
	// uncovered: uncovered, with the class weight scaled down while the
	// travel limit is searched for (see weighCoverage).
	value     []int64
	cand      *candidates // built once, shared by every solve
	stability int64
	penalty   int64
}

func newRebalanceModel(in Input) (*rebalanceModel, error) {
	o := in.Options
	if err := validateRebalanceOptions(o); err != nil {
		return nil, err
	}
	m := &rebalanceModel{
		opts:      o,
		liaisons:  slices.Clone(in.Liaisons),
		orgs:      slices.Clone(in.Orgs),
		gridNames: in.GridNames,
		stability: centimetres(o.Stability),
		penalty:   centimetres(o.CrossGridPenalty),
	}
	slices.SortFunc(m.liaisons, func(a, b Liaison) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(m.orgs, func(a, b Org) int { return cmp.Compare(a.ID, b.ID) })

	m.minLoad = make([]int, len(m.liaisons))
	m.maxLoad = make([]int, len(m.liaisons))
	for i, l := range m.liaisons {
		if i > 0 && m.liaisons[i-1].ID == l.ID {
			return nil, grid.Invalid("liaisons", "liaison %d appears twice", l.ID)
		}
		lo, hi := l.Min, l.Max
		if o.Min != nil {
			lo = *o.Min
		}
		if o.Max != nil {
			hi = *o.Max
		}
		switch {
		case l.ID <= 0:
			return nil, grid.Invalid("liaisons", "liaison id %d must be positive", l.ID)
		case l.Min < 0 || l.Max < 0:
			return nil, grid.Invalid("liaisons", "liaison %s: capacity must not be negative", m.liaisonName(i))
		case lo > hi && o.Min != nil:
			return nil, grid.Invalid("min", "min %d exceeds max %d of liaison %s", lo, hi, m.liaisonName(i))
		case lo > hi:
			return nil, grid.Invalid("max", "max %d is below min %d of liaison %s", hi, lo, m.liaisonName(i))
		}
		if err := geo.ValidatePoint(l.Base); err != nil {
			return nil, grid.Invalid("liaisons", "liaison %s: base: %v", m.liaisonName(i), err)
		}
		m.minLoad[i], m.maxLoad[i] = lo, hi
	}
	for i, org := range m.orgs {
		switch {
		case i > 0 && m.orgs[i-1].ID == org.ID:
			return nil, grid.Invalid("organizations", "organization %d appears twice", org.ID)
		case org.ID <= 0:
			return nil, grid.Invalid("organizations", "organization id %d must be positive", org.ID)
		case !slices.Contains(PriorityClasses(), org.Class):
			return nil, grid.Invalid("organizations", "organization %d: unknown priority class %q", org.ID, org.Class)
		case !slices.Contains(grid.OrgKinds, org.Kind):
			return nil, grid.Invalid("organizations", "organization %d: unknown kind %q", org.ID, org.Kind)
		}
		if err := geo.ValidatePoint(org.Location); err != nil {
			return nil, grid.Invalid("organizations", "organization %d: location: %v", org.ID, err)
		}
	}
	if err := m.setCurrent(in.Current); err != nil {
		return nil, err
	}
	m.bases = make([]earthPoint, len(m.liaisons))
	for l, li := range m.liaisons {
		m.bases[l] = newEarthPoint(li.Base)
	}
	m.sites = make([]earthPoint, len(m.orgs))
	for o, org := range m.orgs {
		m.sites[o] = newEarthPoint(org.Location)
	}
	m.uncovered = make([]int64, len(m.orgs))
	for i, org := range m.orgs {
		m.uncovered[i] = centimetres(o.Weights.Of(org.Class))
		if m.current[i] != noLiaison {
			m.uncovered[i] += m.stability
		}
	}
	m.value = m.uncovered
	return m, nil
}

// weighCoverage makes the solver value covering an organization at scale
// times its class weight (stability unscaled): below 1, travel counts for
// more against coverage.
func (m *rebalanceModel) weighCoverage(scale float64) {
	if scale == 1 {
		m.value = m.uncovered
		return
	}
	m.value = make([]int64, len(m.orgs))
	for i, org := range m.orgs {
		m.value[i] = int64(math.Round(float64(centimetres(m.opts.Weights.Of(org.Class))) * scale))
		if m.current[i] != noLiaison {
			m.value[i] += m.stability
		}
	}
}

func validateRebalanceOptions(o Options) error {
	metres := []struct {
		field string
		value float64
	}{
		{"stability", o.Stability},
		{"cross_grid_penalty", o.CrossGridPenalty},
		{"weights.open_requests", o.Weights.OpenRequests},
		{"weights.key_enterprise", o.Weights.KeyEnterprise},
		{"weights.enterprise", o.Weights.Enterprise},
		{"weights.other", o.Weights.Other},
	}
	for _, f := range metres {
		if math.IsNaN(f.value) || f.value < 0 || f.value > maxRebalanceMetres {
			return grid.Invalid(f.field, "must be between 0 and %g metres", float64(maxRebalanceMetres))
		}
	}
	switch {
	case o.Min != nil && *o.Min < 0:
		return grid.Invalid("min", "must not be negative")
	case o.Max != nil && *o.Max < 0:
		return grid.Invalid("max", "must not be negative")
	case o.Min != nil && o.Max != nil && *o.Min > *o.Max:
		return grid.Invalid("min", "min %d exceeds max %d", *o.Min, *o.Max)
	case o.CandidateLimit < 0:
		return grid.Invalid("candidate_limit", "must not be negative")
	case o.MaxTravelIncrease != nil && (math.IsNaN(*o.MaxTravelIncrease) || *o.MaxTravelIncrease < 0 || *o.MaxTravelIncrease > MaxTravelIncrease):
		return grid.Invalid("max_travel_increase", "must be a fraction from 0 to %g (0.1 = +10 %%), or null for no limit", float64(MaxTravelIncrease))
	}
	return nil
}

// setCurrent records the active assignments.
func (m *rebalanceModel) setCurrent(pairs []Pair) error {
	m.current = make([]int32, len(m.orgs))
	for i := range m.current {
		m.current[i] = noLiaison
	}
	m.pinned = make([]bool, len(m.orgs))
	for _, p := range pairs {
		o, ok := m.orgIndex(p.OrgID)
		if !ok {
			return grid.Invalid("assignments", "assignment of unknown organization %d", p.OrgID)
		}
		l, ok := m.liaisonIndex(p.LiaisonID)
		if !ok {
			return grid.Invalid("assignments", "organization %d is assigned to unknown liaison %d", p.OrgID, p.LiaisonID)
		}
		if m.current[o] != noLiaison {
			return grid.Invalid("assignments", "organization %d has more than one active assignment", p.OrgID)
		}
		m.current[o] = int32(l)
		m.pinned[o] = p.Pinned
	}
	return nil
}

// readAssignment turns plan pairs into an assignment vector.
func (m *rebalanceModel) readAssignment(pairs []Pair) ([]int32, error) {
	assign := make([]int32, len(m.orgs))
	seen := make([]bool, len(m.orgs))
	for i := range assign {
		assign[i] = noLiaison
	}
	for _, p := range pairs {
		o, ok := m.orgIndex(p.OrgID)
		if !ok {
			return nil, grid.Invalid("assignment", "unknown organization %d", p.OrgID)
		}
		if seen[o] {
			return nil, grid.Invalid("assignment", "organization %d appears twice", p.OrgID)
		}
		seen[o] = true
		if p.LiaisonID == 0 {
			continue
		}
		l, ok := m.liaisonIndex(p.LiaisonID)
		if !ok {
			return nil, grid.Invalid("assignment", "organization %d is assigned to unknown liaison %d", p.OrgID, p.LiaisonID)
		}
		assign[o] = int32(l)
	}
	return assign, nil
}

func (m *rebalanceModel) orgIndex(id int64) (int, bool) {
	return slices.BinarySearchFunc(m.orgs, id, func(o Org, id int64) int { return cmp.Compare(o.ID, id) })
}

func (m *rebalanceModel) liaisonIndex(id int64) (int, bool) {
	return slices.BinarySearchFunc(m.liaisons, id, func(l Liaison, id int64) int { return cmp.Compare(l.ID, id) })
}

// allowed reports whether organization o may be paired with liaison l.
func (m *rebalanceModel) allowed(o, l int) bool {
	return !m.opts.KeepInGrid || m.orgs[o].GridID == m.liaisons[l].GridID
}

// distance is the great-circle distance between l's base and o in metres.
func (m *rebalanceModel) distance(o, l int) float64 { return m.bases[l].distance(m.sites[o]) }

// earthPoint is a point in radians with the sine and cosine of half its
// latitude, which make distance free of trigonometric calls: the solver
// prices millions of pairs.
type earthPoint struct {
	lon, lat         float64
	cosHalf, sinHalf float64
}

func newEarthPoint(p orb.Point) earthPoint {
	lon, lat := p[0]*math.Pi/180, p[1]*math.Pi/180
	return earthPoint{lon: lon, lat: lat, cosHalf: math.Cos(lat / 2), sinHalf: math.Sin(lat / 2)}
}

// distance is orb/geo.Distance: the equirectangular projection at the
// pair's mean latitude, which at a zone's scale agrees with the haversine
// to a few centimetres in ten kilometres. The cosine of the mean latitude
// comes from the angle-sum identity: 6.5 ns a pair against orbgeo.Distance's
// 31 ns (BenchmarkDistance), which made the solver 1.3–1.9× slower;
// TestDistanceMatchesOrb keeps the two equal.
func (a earthPoint) distance(b earthPoint) float64 {
	dLat := a.lat - b.lat
	dLon := math.Abs(a.lon - b.lon)
	if dLon > math.Pi {
		dLon = 2*math.Pi - dLon
	}
	x := dLon * (a.cosHalf*b.cosHalf - a.sinHalf*b.sinHalf)
	return math.Sqrt(dLat*dLat+x*x) * orb.EarthRadius
}

// pairCost is what pairing o with l costs, in centimetres: the distance,
// the cross-grid penalty unless crossing is banned, and the stability
// cost if l is not o's current liaison.
func (m *rebalanceModel) pairCost(o, l int) int64 {
	c := centimetres(m.distance(o, l))
	if !m.opts.KeepInGrid && m.orgs[o].GridID != m.liaisons[l].GridID {
		c += m.penalty
	}
	if cur := m.current[o]; cur != noLiaison && int(cur) != l {
		c += m.stability
	}
	return c
}

// cost is what o costs when assigned to l, or left uncovered (noLiaison).
func (m *rebalanceModel) cost(o int, l int32) int64 {
	if l == noLiaison {
		return m.uncovered[o]
	}
	return m.pairCost(o, int(l))
}

// pinnedLoads counts the pinned organizations of each liaison and refuses
// a liaison that has more than they may carry.
func (m *rebalanceModel) pinnedLoads() ([]int, error) {
	load := make([]int, len(m.liaisons))
	for o, l := range m.current {
		if m.pinned[o] {
			load[l]++
		}
	}
	for l, n := range load {
		if n > m.maxLoad[l] {
			return nil, &grid.Error{Code: grid.EInfeasible, Field: "max", Message: fmt.Sprintf(
				"too many pinned organizations on liaison %s (%d > max %d)", m.liaisonName(l), n, m.maxLoad[l])}
		}
	}
	return load, nil
}

// candidates lists, for each organization that is not pinned, the
// liaisons it may be given with their pair costs, by liaison index.
type candidates struct {
	first []int32 // organization o's candidates are [first[o], first[o+1])
	l     []int32
	cost  []int64
}

func (c *candidates) of(o int) (ls []int32, costs []int64) {
	return c.l[c.first[o]:c.first[o+1]], c.cost[c.first[o]:c.first[o+1]]
}

// candidates builds the candidate lists: every allowed liaison, or with a
// CandidateLimit k the k cheapest (ties to the lower id) and the current
// liaison.
func (m *rebalanceModel) candidates() *candidates {
	byGrid := make(map[int64][]int32)
	all := make([]int32, len(m.liaisons))
	for l, li := range m.liaisons {
		byGrid[li.GridID] = append(byGrid[li.GridID], int32(l))
		all[l] = int32(l)
	}
	c := &candidates{first: make([]int32, len(m.orgs)+1)}
	k := m.opts.CandidateLimit
	var best []int32
	var bestCost []int64
	for o := range m.orgs {
		c.first[o] = int32(len(c.l))
		if m.pinned[o] {
			continue
		}
		pool := all
		if m.opts.KeepInGrid {
			pool = byGrid[m.orgs[o].GridID]
		}
		if k == 0 || len(pool) <= k {
			for _, l := range pool {
				c.l = append(c.l, l)
				c.cost = append(c.cost, m.pairCost(o, int(l)))
			}
			continue
		}
		// Keep the k cheapest in a small sorted window; the pool is in
		// id order, so an equal cost never displaces a lower id.
		best, bestCost = best[:0], bestCost[:0]
		for _, l := range pool {
			cost := m.pairCost(o, int(l))
			if len(best) == k && cost >= bestCost[k-1] {
				continue
			}
			i := len(best)
			for i > 0 && bestCost[i-1] > cost {
				i--
			}
			if len(best) < k {
				best, bestCost = append(best, 0), append(bestCost, 0)
			}
			copy(best[i+1:], best[i:len(best)-1])
			copy(bestCost[i+1:], bestCost[i:len(bestCost)-1])
			best[i], bestCost[i] = l, cost
		}
		if cur := m.current[o]; cur != noLiaison && m.allowed(o, int(cur)) && !slices.Contains(best, cur) {
			best, bestCost = append(best, cur), append(bestCost, m.pairCost(o, int(cur)))
		}
		start := len(c.l)
		c.l = append(c.l, best...)
		c.cost = append(c.cost, bestCost...)
		sortCandidates(c.l[start:], c.cost[start:])
	}
	c.first[len(m.orgs)] = int32(len(c.l))
	return c
}

// sortCandidates orders one organization's candidates by liaison index.
func sortCandidates(ls []int32, costs []int64) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j-1] > ls[j]; j-- {
			ls[j-1], ls[j] = ls[j], ls[j-1]
			costs[j-1], costs[j] = costs[j], costs[j-1]
		}
	}
}

func (m *rebalanceModel) liaisonName(l int) string {
	if name := m.liaisons[l].Name; name != "" {
		return name
	}
	return fmt.Sprintf("#%d", m.liaisons[l].ID)
}

func (m *rebalanceModel) gridName(id int64) string {
	if name := m.gridNames[id]; name != "" {
		return name
	}
	return fmt.Sprintf("#%d", id)
}

// centimetres rounds metres to whole centimetres.
func centimetres(metres float64) int64 { return int64(math.Round(metres * 100)) }

// metres converts centimetres back.
func metres(cm int64) float64 { return float64(cm) / 100 }
