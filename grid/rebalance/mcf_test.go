package rebalance

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

func TestMinCostFlowSmall(t *testing.T) {
	// Two units from 0 to 3: the cheap route 0→1→3 (cost 1+1) takes one,
	// the other must go 0→2→3 (cost 2+3); the lower bound forces one
	// unit over the expensive direct arc 0→3 (cost 10) as well, so three
	// units leave 0 and the route via 2 is not needed.
	g := newMinCostFlow(4, 0)
	g.AddSupply(0, 2)
	g.AddSupply(3, -2)
	a := g.AddEdge(0, 1, 0, 1, 1)
	b := g.AddEdge(1, 3, 0, 1, 1)
	c := g.AddEdge(0, 2, 0, 2, 2)
	d := g.AddEdge(2, 3, 0, 2, 3)
	e := g.AddEdge(0, 3, 1, 1, 10)
	cost, ok := g.Solve()
	if !ok || cost != 12 {
		t.Fatalf("Solve = %d, %v; want 12, true", cost, ok)
	}
	for _, f := range []struct {
		edge int
		want int64
	}{{a, 1}, {b, 1}, {c, 0}, {d, 0}, {e, 1}} {
		if got := g.Flow(f.edge); got != f.want {
			t.Errorf("Flow(%d) = %d, want %d", f.edge, got, f.want)
		}
	}
}

func TestMinCostFlowReroutes(t *testing.T) {
	// Node 0 takes the only cheap arc into the sink first; node 1, whose
	// only arc is into the same middle node, must then push 0's unit onto
	// its dearer alternative: a path over a reverse arc.
	g := newMinCostFlow(4, 0)
	g.AddSupply(0, 1)
	g.AddSupply(1, 1)
	g.AddSupply(3, -2)
	g.AddEdge(0, 2, 0, 1, 0)
	g.AddEdge(0, 3, 0, 1, 5)
	g.AddEdge(1, 2, 0, 1, 0)
	g.AddEdge(2, 3, 0, 1, 1)
	cost, ok := g.Solve()
	if !ok || cost != 6 {
		t.Fatalf("Solve = %d, %v; want 6, true", cost, ok)
	}
}

func TestMinCostFlowStranded(t *testing.T) {
	// Node 0 must send 3 but only 2 fit through 1; node 4's demand is out
	// of anyone's reach.
	g := newMinCostFlow(5, 0)
	g.AddSupply(0, 3)
	g.AddSupply(3, -2)
	g.AddSupply(4, -1)
	g.AddEdge(0, 1, 0, 5, 1)
	g.AddEdge(1, 2, 0, 2, 1)
	g.AddEdge(2, 3, 0, 5, 1)
	if _, ok := g.Solve(); ok {
		t.Fatal("Solve succeeded on an infeasible network")
	}
	want := []bool{true, true, false, false, false}
	got := g.Stranded()
	for v := range want {
		if got[v] != want[v] {
			t.Fatalf("Stranded = %v, want %v", got, want)
		}
	}
}

// TestMinCostFlowMatchesLP checks the solver against the simplex method
// on random networks with lower bounds, feasible or not.
func TestMinCostFlowMatchesLP(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var feasible, infeasible int
	for trial := range 500 {
		n := 2 + rng.IntN(6)
		type edge struct {
			from, to           int
			lower, upper, cost int64
		}
		var edges []edge
		add := func(u, v int) {
			lo := int64(0)
			if rng.IntN(6) == 0 {
				lo = int64(1 + rng.IntN(2))
			}
			edges = append(edges, edge{u, v, lo, lo + int64(rng.IntN(5)), int64(rng.IntN(20))})
		}
		// A random spanning tree keeps the network connected, so the
		// LP's flow-conservation rows have rank n−1 and one can go.
		for v := 1; v < n; v++ {
			if u := rng.IntN(v); rng.IntN(2) == 0 {
				add(u, v)
			} else {
				add(v, u)
			}
		}
		for range rng.IntN(2 * n) {
			u, v := rng.IntN(n), rng.IntN(n)
			if u != v {
				add(u, v)
			}
		}
		supply := make([]int64, n)
		for range rng.IntN(4) {
			u, v := rng.IntN(n), rng.IntN(n)
			k := int64(1 + rng.IntN(3))
			supply[u] += k
			supply[v] -= k
		}

		g := newMinCostFlow(n, 0)
		for v, s := range supply {
			g.AddSupply(v, s)
		}
		for _, e := range edges {
			g.AddEdge(e.from, e.to, e.lower, e.upper, e.cost)
		}
		cost, ok := g.Solve()

		// The same network built in two steps: half the edges, Solve,
		// then the rest and Solve again, must end at the same cost.
		h := newMinCostFlow(n, 0)
		for v, s := range supply {
			h.AddSupply(v, s)
		}
		half := len(edges) / 2
		for _, e := range edges[:half] {
			h.AddEdge(e.from, e.to, e.lower, e.upper, e.cost)
		}
		h.Solve()
		for _, e := range edges[half:] {
			h.AddEdge(e.from, e.to, e.lower, e.upper, e.cost)
		}
		if cost2, ok2 := h.Solve(); ok2 != ok || ok && cost2 != cost {
			t.Fatalf("trial %d: built at once: %d, %v; in two steps: %d, %v", trial, cost, ok, cost2, ok2)
		}

		// Variables: y_e = flow − lower, then a slack s_e per edge with
		// y_e + s_e = upper − lower. Rows: conservation at nodes 0..n−2,
		// then the capacity rows.
		m := len(edges)
		c := make([]float64, 2*m)
		a := mat.NewDense(n-1+m, 2*m, nil)
		b := make([]float64, n-1+m)
		for v := range n - 1 {
			b[v] = float64(supply[v])
		}
		fixed := 0.0
		for i, e := range edges {
			c[i] = float64(e.cost)
			fixed += float64(e.lower * e.cost)
			if e.from < n-1 {
				a.Set(e.from, i, 1)
				b[e.from] -= float64(e.lower)
			}
			if e.to < n-1 {
				a.Set(e.to, i, -1)
				b[e.to] += float64(e.lower)
			}
			a.Set(n-1+i, i, 1)
			a.Set(n-1+i, m+i, 1)
			b[n-1+i] = float64(e.upper - e.lower)
		}
		opt, _, err := lp.Simplex(c, a, b, 1e-10, nil)
		switch {
		case errors.Is(err, lp.ErrInfeasible):
			infeasible++
			if ok {
				t.Fatalf("trial %d: solver found cost %d, LP says infeasible", trial, cost)
			}
		case err != nil:
			t.Fatalf("trial %d: LP: %v", trial, err)
		default:
			feasible++
			if !ok {
				t.Fatalf("trial %d: solver says infeasible, LP found %g", trial, opt+fixed)
			}
			if want := int64(math.Round(opt + fixed)); cost != want {
				t.Fatalf("trial %d: solver cost %d, LP optimum %d", trial, cost, want)
			}
		}
	}
	if feasible < 150 || infeasible < 50 {
		t.Fatalf("too few of one kind: %d feasible, %d infeasible", feasible, infeasible)
	}
	t.Logf("%d feasible and %d infeasible networks agree with the LP", feasible, infeasible)
}
