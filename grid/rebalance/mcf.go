package rebalance

import (
	"math"
	"slices"
)

// minCostFlow is a flow network with integer capacities and costs in which
// Solve finds a cheapest flow that meets every node's supply and demand.
//
// It runs successive shortest paths: each unit of supply travels along a
// cheapest residual path to a node whose demand is still open. Paths are
// found by Dijkstra on reduced costs c(u,v) + π(u) − π(v), which the node
// potentials π keep non-negative on every residual arc. A flow that meets
// all supplies while no residual arc has a negative reduced cost has no
// negative cycle, so it is optimal: the result is exact, not heuristic.
//
// Arc costs must be non-negative, so that π = 0 is a valid start. Lower
// bounds are removed by the standard transformation: an arc u→v with lower
// bound ℓ carries ℓ from the outset (u gains ℓ of demand, v ℓ of supply,
// the cost gains ℓ·c) and keeps upper − ℓ of free capacity.
//
// Edges may be added after a Solve and Solve called again: it goes on from
// the flow it has. ReducedCost tells whether an edge not yet in the network
// could lower the cost, which lets a caller start from a few likely edges
// and add the others only when they are needed (column generation).
type minCostFlow struct {
	supply []int64 // per node: > 0 still to send, < 0 still to receive

	// Arc 2e is edge e's forward arc, 2e+1 its reverse; a^1 flips one
	// into the other.
	head     []int32 // arc → node it enters
	residual []int64 // arc → capacity left
	cost     []int64 // arc → cost per unit (the reverse arc's is negated)
	lower    []int64 // edge → lower bound
	fixed    int64   // Σ lower·cost, paid before any path is found

	// Laid out by Solve in order of tail node, so that Dijkstra reads each
	// node's arcs as one contiguous run: the arcs leaving v sit at
	// positions first[v]..first[v+1]−1; position p holds arc at[p], with
	// its head, cost and residual copied into to, price and room, and its
	// reverse arc at position twin[p].
	first []int32
	at    []int32
	to    []int32
	price []int64
	room  []int64
	twin  []int32
	pos   []int32 // arc → position

	potential []int64
}

// newMinCostFlow returns a network of nodes 0..nodes−1 and no edges, with
// room for about edges of them.
func newMinCostFlow(nodes, edges int) *minCostFlow {
	return &minCostFlow{
		supply:   make([]int64, nodes),
		head:     make([]int32, 0, 2*edges),
		residual: make([]int64, 0, 2*edges),
		cost:     make([]int64, 0, 2*edges),
		lower:    make([]int64, 0, edges),
	}
}

// AddSupply adds amount to what node must send; a negative amount is a
// demand the node must receive. Supplies must add up to zero.
func (g *minCostFlow) AddSupply(node int, amount int64) { g.supply[node] += amount }

// AddEdge adds an edge from → to that carries between lower and upper
// units at cost per unit, and returns its id for Flow.
func (g *minCostFlow) AddEdge(from, to int, lower, upper, cost int64) int {
	if lower < 0 || upper < lower || cost < 0 {
		panic("minCostFlow: AddEdge needs 0 ≤ lower ≤ upper and cost ≥ 0")
	}
	id := len(g.lower)
	g.lower = append(g.lower, lower)
	g.head = append(g.head, int32(to), int32(from))
	g.residual = append(g.residual, upper-lower, 0)
	g.cost = append(g.cost, cost, -cost)
	g.supply[from] -= lower
	g.supply[to] += lower
	g.fixed += lower * cost
	// After a Solve, an edge of negative reduced cost would be a residual
	// arc that breaks the potentials' invariant. Filling it turns it into
	// its reverse, of positive reduced cost; the supply and demand this
	// shifts are routed by the next Solve.
	if free := upper - lower; free > 0 && g.ReducedCost(from, to, cost) < 0 {
		g.residual[2*id], g.residual[2*id+1] = 0, free
		g.supply[from] -= free
		g.supply[to] += free
	}
	return id
}

// ReducedCost returns cost + π(from) − π(to): after a successful Solve, an
// edge from → to at that cost would lower the total only if this is
// negative. If it is non-negative for every edge left out, the flow is
// optimal for the network with all of them too.
func (g *minCostFlow) ReducedCost(from, to int, cost int64) int64 {
	if g.potential == nil {
		return cost
	}
	return cost + g.potential[from] - g.potential[to]
}

// Flow returns the flow on edge id.
func (g *minCostFlow) Flow(id int) int64 { return g.lower[id] + g.residual[2*id+1] }

// Solve routes all supply at least cost and returns that cost. When some
// supply cannot reach any demand, it routes as much as it can and returns
// false; Stranded then tells where the network is too tight, and edges
// added across that cut may let a further Solve succeed.
func (g *minCostFlow) Solve() (cost int64, ok bool) {
	g.build()
	s := newPathSearch(len(g.supply))
	ok = true
	for v := range g.supply {
		// Once no path leads from v to an open demand, none ever will:
		// a new residual arc is the reverse of an arc on a path that
		// reached a demand, so reaching it would have meant reaching that
		// demand before. Moving on keeps the flow maximal for Stranded.
		for g.supply[v] > 0 && s.augment(g, v) {
		}
		if g.supply[v] > 0 {
			ok = false
		}
	}
	for p, a := range g.at {
		g.residual[a] = g.room[p]
	}
	cost = g.fixed
	for e := range g.lower {
		cost += g.residual[2*e+1] * g.cost[2*e]
	}
	return cost, ok
}

// Stranded returns, after a Solve that failed, which nodes residual arcs
// reach from the nodes with supply left over. The flow is then maximal, so
// no node outside the set has supply left and every node with demand left
// is outside it; every edge from the set to the rest is full and every
// edge from the rest into the set is empty. That cut is the proof of
// infeasibility.
func (g *minCostFlow) Stranded() []bool {
	seen := make([]bool, len(g.supply))
	var queue []int32
	for v, b := range g.supply {
		if b > 0 {
			seen[v] = true
			queue = append(queue, int32(v))
		}
	}
	for len(queue) > 0 {
		v := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, a := range g.at[g.first[v]:g.first[v+1]] {
			if w := g.head[a]; g.residual[a] > 0 && !seen[w] {
				seen[w] = true
				queue = append(queue, w)
			}
		}
	}
	return seen
}

// build lays the arcs out by tail node, reusing the previous layout's
// memory. Potentials survive a rebuild.
func (g *minCostFlow) build() {
	n, arcs := len(g.supply), len(g.head)
	if g.potential == nil {
		g.potential = make([]int64, n)
	}
	g.first = resize(g.first, n+1)
	clear(g.first)
	for a := range g.head {
		g.first[g.head[a^1]+1]++
	}
	for v := range n {
		g.first[v+1] += g.first[v]
	}
	g.at = resize(g.at, arcs)
	g.pos = resize(g.pos, arcs)
	next := slices.Clone(g.first[:n])
	for a := range g.head {
		tail := g.head[a^1]
		g.pos[a] = next[tail]
		g.at[next[tail]] = int32(a)
		next[tail]++
	}
	g.to = resize(g.to, arcs)
	g.price = resize(g.price, arcs)
	g.room = resize(g.room, arcs)
	g.twin = resize(g.twin, arcs)
	for p, a := range g.at {
		g.to[p] = g.head[a]
		g.price[p] = g.cost[a]
		g.room[p] = g.residual[a]
		g.twin[p] = g.pos[a^1]
	}
}

// resize returns s with length n, reusing its memory when it can; the
// contents are to be overwritten.
func resize[T any](s []T, n int) []T { return slices.Grow(s[:0], n)[:n] }

// pathSearch is Dijkstra's working memory, reused from path to path. Only
// the nodes a search touched are reset, so a search that ends near its
// source costs little however large the network is.
type pathSearch struct {
	dist    []int64
	via     []int32 // position of the arc by which the node was reached
	done    []bool
	touched []int32
	settled []int32
	queue   nodeHeap
}

func newPathSearch(nodes int) *pathSearch {
	s := &pathSearch{
		dist: make([]int64, nodes),
		via:  make([]int32, nodes),
		done: make([]bool, nodes),
	}
	for v := range s.dist {
		s.dist[v] = math.MaxInt64
	}
	return s
}

// augment sends flow from source along a cheapest residual path to the
// nearest node with open demand, and reports whether there was one.
func (s *pathSearch) augment(g *minCostFlow, source int) bool {
	defer s.reset()
	target := s.search(g, source)
	if target < 0 {
		return false
	}
	// Potentials of settled nodes move by d(v) − d(target), the others
	// stay: this is π += min(d, d(target)) shifted by a constant, which
	// keeps every reduced cost non-negative and makes the path's zero.
	far := s.dist[target]
	for _, v := range s.settled {
		g.potential[v] += s.dist[v] - far
	}
	amount := min(g.supply[source], -g.supply[target])
	for v := int32(target); int(v) != source; v = g.to[g.twin[s.via[v]]] {
		amount = min(amount, g.room[s.via[v]])
	}
	for v := int32(target); int(v) != source; v = g.to[g.twin[s.via[v]]] {
		p := s.via[v]
		g.room[p] -= amount
		g.room[g.twin[p]] += amount
	}
	g.supply[source] -= amount
	g.supply[target] += amount
	return true
}

// search runs Dijkstra from source until it settles a node with open
// demand, and returns that node, or −1 if none is reachable.
func (s *pathSearch) search(g *minCostFlow, source int) int {
	s.visit(int32(source), 0, -1)
	for len(s.queue) > 0 {
		d, v := s.queue.pop()
		if s.done[v] || d != s.dist[v] {
			continue // a stale entry: v was reached more cheaply since
		}
		s.done[v] = true
		s.settled = append(s.settled, v)
		if g.supply[v] < 0 {
			return int(v)
		}
		pv := g.potential[v]
		for p := g.first[v]; p < g.first[v+1]; p++ {
			if g.room[p] == 0 {
				continue
			}
			w := g.to[p]
			if nd := d + g.price[p] + pv - g.potential[w]; nd < s.dist[w] {
				s.visit(w, nd, p)
			}
		}
	}
	return -1
}

func (s *pathSearch) visit(v int32, d int64, via int32) {
	if s.dist[v] == math.MaxInt64 {
		s.touched = append(s.touched, v)
	}
	s.dist[v] = d
	s.via[v] = via
	s.queue.push(d, v)
}

func (s *pathSearch) reset() {
	for _, v := range s.touched {
		s.dist[v] = math.MaxInt64
		s.done[v] = false
	}
	s.touched = s.touched[:0]
	s.settled = s.settled[:0]
	s.queue = s.queue[:0]
}

// nodeHeap is a binary min-heap of (distance, node) entries. Entries are
// never updated in place: a node reached more cheaply is pushed again and
// its stale entry skipped when popped.
type nodeHeap []heapEntry

type heapEntry struct {
	dist int64
	node int32
}

func (h *nodeHeap) push(d int64, v int32) {
	*h = append(*h, heapEntry{d, v})
	q := *h
	i := len(q) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q[i].less(q[parent]) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *nodeHeap) pop() (int64, int32) {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		small := i
		if l := 2*i + 1; l < len(q) && q[l].less(q[small]) {
			small = l
		}
		if r := 2*i + 2; r < len(q) && q[r].less(q[small]) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top.dist, top.node
}

// less orders by distance, then node, so that equal distances always pop
// in the same order and plans are reproducible.
func (e heapEntry) less(f heapEntry) bool {
	return e.dist < f.dist || e.dist == f.dist && e.node < f.node
}
