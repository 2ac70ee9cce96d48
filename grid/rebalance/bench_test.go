package rebalance_test

import (
	"fmt"
	"testing"

	"gridgis/grid/demo"
	"gridgis/grid/rebalance"
)

// BenchmarkRebalance times the exact solver and the greedy baseline on the
// demo zone at 1, 10 and 100 copies (36 × 404, 360 × 4,040 and
// 3,600 × 40,400 liaisons × organizations), with the default options:
// liaisons kept in their grid, each organization starting from its
// DefaultCandidateLimit nearest liaisons. Each instance is solved once
// more, untimed, to report the objectives and the greedy's gap. On the
// middle instance the exact solver also runs from every pair of the grid,
// to show that the candidate limit costs nothing; on the large one that
// would need memory for 24 million pairs, and is skipped. The exact solver
// and the greedy run without the guards (coverage floors, travel bound),
// which the greedy does not know; "guarded" times Solve with them, the
// default: the travel bound's search solves up to 12 times.
//
//	go test ./grid/rebalance/ -run '^$' -bench Rebalance -benchmem -timeout 30m
func BenchmarkRebalance(b *testing.B) {
	for _, scale := range []int{1, 10, 100} {
		name := fmt.Sprintf("%dx%d", scale*demo.LiaisonsPerScale, scale*demo.OrgsPerScale)
		b.Run(name, func(b *testing.B) {
			guarded := demoInput(b, scale)
			in := guarded
			in.Options.AllowCoverageLoss = true
			in.Options.MaxTravelIncrease = nil
			exact := plan(b, rebalance.Solve, in)
			greedy := plan(b, rebalance.Greedy, in)
			gap := greedy.Objective - exact.Objective
			b.Logf("%s: exact %.0f m (%d moves), greedy %.0f m: gap %.0f m (%.2f %%)",
				name, exact.Objective, len(exact.Moves), greedy.Objective, gap, 100*gap/exact.Objective)

			b.Run("exact", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					plan(b, rebalance.Solve, in)
				}
				b.ReportMetric(exact.Objective, "objective-m")
			})
			b.Run("greedy", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					plan(b, rebalance.Greedy, in)
				}
				b.ReportMetric(greedy.Objective, "objective-m")
				b.ReportMetric(gap, "gap-m")
				b.ReportMetric(100*gap/exact.Objective, "gap-%")
			})
			b.Run("guarded", func(b *testing.B) {
				b.ReportAllocs()
				var p *rebalance.Plan
				for b.Loop() {
					p = plan(b, rebalance.Solve, guarded)
				}
				b.ReportMetric(p.After.TotalDistance, "travel-m")
				b.ReportMetric(float64(p.After.Covered), "covered")
			})
			if scale != 10 {
				return
			}
			all := in
			all.Options.CandidateLimit = 0
			full := plan(b, rebalance.Solve, all)
			b.Logf("%s: exact from all pairs %.0f m; the candidate limit %d costs %.0f m",
				name, full.Objective, in.Options.CandidateLimit, exact.Objective-full.Objective)
			b.Run("exact-all-pairs", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					plan(b, rebalance.Solve, all)
				}
				b.ReportMetric(full.Objective, "objective-m")
				b.ReportMetric(exact.Objective-full.Objective, "limit-gap-m")
			})
		})
	}
}

func plan(b *testing.B, solve func(rebalance.Input) (*rebalance.Plan, error), in rebalance.Input) *rebalance.Plan {
	b.Helper()
	p, err := solve(in)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
