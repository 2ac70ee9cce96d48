package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"gridgis/grid"
	"gridgis/grid/rebalance"
)

// optionalInt is an integer flag that remembers whether it was given.
type optionalInt struct{ v *int }

func (o *optionalInt) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.Itoa(*o.v)
}

func (o *optionalInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("must be an integer")
	}
	o.v = &n
	return nil
}

// optionalFloat is a number flag that remembers whether it was given.
type optionalFloat struct{ v *float64 }

func (o *optionalFloat) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.FormatFloat(*o.v, 'f', -1, 64)
}

func (o *optionalFloat) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("must be a number")
	}
	o.v = &f
	return nil
}

// cliActor is who the CLI's changes are audited as: no user, from the
// command line.
var cliActor = grid.Actor{ClientAddr: "cli"}

// rebalanceZone builds a plan for a zone (or reads --plan), prints its
// report, and with --apply applies it.
func rebalanceZone(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rebalance", flag.ContinueOnError)
	apply := fs.Bool("apply", false, "make the plan the active assignment")
	zoneRef := fs.String("zone", "", "zone code or id (default: the only zone)")
	planID := fs.Int64("plan", 0, "show (and with --apply apply) this plan instead of building one")
	shown := fs.Int("moves", 20, "how many moves to list")
	keep := fs.Bool("keep-in-grid", true, "liaisons keep to their own grid")
	var minLoad, maxLoad optionalInt
	var stability, penalty optionalFloat
	fs.Var(&minLoad, "min", "every liaison's minimum load (default: their own)")
	fs.Var(&maxLoad, "max", "every liaison's maximum load (default: their own)")
	fs.Var(&stability, "stability", "what moving an organization costs, metres (default 2000)")
	fs.Var(&penalty, "cross-grid-penalty", "what a pair across grids costs without --keep-in-grid, metres (default 5000)")
	allowLoss := fs.Bool("allow-coverage-loss", false, "let the plan cover fewer organizations of a kind or class than now")
	travel := fs.String("max-travel-increase", "0.1", "bound on total travel, a fraction of the current total; none: no bound")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (try gridgis --help)", fs.Arg(0))
	}
	if *planID > 0 {
		var other string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "plan" && f.Name != "apply" && f.Name != "moves" {
				other = f.Name
			}
		})
		if other != "" {
			return fmt.Errorf("--%s builds a new plan: it does not go with --plan", other)
		}
	}
	req := rebalance.Request{Min: minLoad.v, Max: maxLoad.v, Stability: stability.v,
		KeepInGrid: keep, CrossGridPenalty: penalty.v, AllowCoverageLoss: allowLoss}
	req.MaxTravelIncrease.Set = true
	if *travel != "none" {
		x, err := strconv.ParseFloat(*travel, 64)
		if err != nil {
			return errors.New("--max-travel-increase: must be a number (0.1 = +10 %) or none")
		}
		req.MaxTravelIncrease.Value = &x
	}
	opts, err := req.Options()
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	var plan rebalance.SavedPlan
	var in rebalance.Input
	var zone grid.Zone
	if *planID > 0 {
		if plan, err = db.FindRebalancePlan(ctx, *planID); err != nil {
			return err
		}
		if zone, err = db.FindZone(ctx, strconv.FormatInt(plan.ZoneID, 10)); err != nil {
			return err
		}
		in, err = db.RebalanceInput(ctx, plan.ZoneID, plan.Options)
	} else {
		if zone, err = db.FindZone(ctx, *zoneRef); err != nil {
			return err
		}
		plan, in, err = rebalance.DraftPlan(ctx, db, cliActor, zone.ID, opts)
	}
	if err != nil {
		return err
	}
	if *apply {
		if plan, err = db.ApplyRebalancePlan(ctx, cliActor, plan.ID); err != nil {
			return err
		}
	}
	writeRebalanceReport(stdout, zone, plan, in, *shown)
	return nil
}

// writeRebalanceReport prints a plan readably: the before/after metrics
// side by side, the number of moves and the first shown of them with
// names from in, and what to do next.
func writeRebalanceReport(w io.Writer, zone grid.Zone, p rebalance.SavedPlan, in rebalance.Input, shown int) {
	status := map[rebalance.PlanStatus]string{rebalance.PlanDraft: "草稿 draft", rebalance.PlanApplied: "已应用 applied", rebalance.PlanStale: "已过期 stale"}[p.Status]
	fmt.Fprintf(w, "联络员包联优化方案 #%d（%s）/ liaison rebalance plan #%d\n", p.ID, status, p.ID)
	fmt.Fprintf(w, "园区 / zone: %s (%s)\n", zone.Name, zone.Code)
	o := p.Options
	capacity := "各人容量 / each liaison's own"
	if o.Min != nil || o.Max != nil {
		bound := func(v *int) string {
			if v == nil {
				return "own"
			}
			return strconv.Itoa(*v)
		}
		capacity = bound(o.Min) + "–" + bound(o.Max)
	}
	grids := "仅本网格 / own grid only"
	if !o.KeepInGrid {
		grids = fmt.Sprintf("允许跨网格，加价 %.0f m / across grids at +%.0f m", o.CrossGridPenalty, o.CrossGridPenalty)
	}
	fmt.Fprintf(w, "选项 / options: 每人家数 / load %s; 调整成本 / stability %.0f m; %s\n", capacity, o.Stability, grids)
	guard := "不降低任何类别的覆盖 / no kind's coverage lowered"
	if o.AllowCoverageLoss {
		guard = "允许降低覆盖 / coverage may be lowered"
	}
	travelBound := "总距离不设上限 / no travel bound"
	if x := o.MaxTravelIncrease; x != nil {
		travelBound = fmt.Sprintf("总距离至多 +%g %% / total travel at most +%g %%", *x*100, *x*100)
	}
	fmt.Fprintf(w, "保障 / guards: %s; %s\n\n", guard, travelBound)

	b, a := p.Before, p.After
	km := func(m float64) string { return strconv.FormatFloat(m/1000, 'f', 2, 64) + " km" }
	frac := func(n, of int) string { return fmt.Sprintf("%d/%d", n, of) }
	rows := [][3]string{
		{"指标 / metric", "调整前 before", "调整后 after"},
		{"负荷最少 / load min", strconv.Itoa(b.LoadMin), strconv.Itoa(a.LoadMin)},
		{"负荷最多 / load max", strconv.Itoa(b.LoadMax), strconv.Itoa(a.LoadMax)},
		{"负荷差 / load spread", strconv.Itoa(b.LoadSpread), strconv.Itoa(a.LoadSpread)},
		{"低于下限 / under min", strconv.Itoa(b.UnderMin), strconv.Itoa(a.UnderMin)},
		{"超过上限 / over max", strconv.Itoa(b.OverMax), strconv.Itoa(a.OverMax)},
		{"总距离 / total distance", km(b.TotalDistance), km(a.TotalDistance)},
		{"最远距离 / longest distance", km(b.LongestDistance), km(a.LongestDistance)},
		{"已覆盖 / covered", frac(b.Covered, b.Covered+b.Uncovered), frac(a.Covered, a.Covered+a.Uncovered)},
	}
	classNames := map[rebalance.PriorityClass]string{
		rebalance.ClassOpenRequests:  "  有未结诉求 / open requests",
		rebalance.ClassKeyEnterprise: "  高新·专精特新 / key enterprises",
		rebalance.ClassEnterprise:    "  其他企业 / other enterprises",
		rebalance.ClassOther:         "  两新组织 / new economic & social",
	}
	for _, c := range rebalance.PriorityClasses() {
		rows = append(rows, [3]string{classNames[c], frac(b.ByClass[c].Covered, b.ByClass[c].Total),
			frac(a.ByClass[c].Covered, a.ByClass[c].Total)})
	}
	kindNames := map[grid.OrgKind]string{
		grid.KindEnterprise:  "  企业 / enterprises",
		grid.KindNewEconomic: "  新经济组织 / new economic",
		grid.KindSocial:      "  社会组织 / social",
	}
	for _, k := range grid.OrgKinds {
		if c, ok := b.ByKind[k]; ok {
			rows = append(rows, [3]string{kindNames[k], frac(c.Covered, c.Total), frac(a.ByKind[k].Covered, a.ByKind[k].Total)})
		}
	}
	rows = append(rows,
		[3]string{"保留原联络员 / pairs kept", strconv.Itoa(b.Kept), strconv.Itoa(a.Kept)},
		[3]string{"换联络员 / reassigned", "", strconv.Itoa(a.Reassigned)},
		[3]string{"失去联络员 / dropped", "", strconv.Itoa(a.Dropped)},
		[3]string{"新纳入 / added", "", strconv.Itoa(a.Added)},
		[3]string{"跨网格 / cross-grid pairs", strconv.Itoa(b.CrossGrid), strconv.Itoa(a.CrossGrid)},
		[3]string{"目标值 / objective (m)", strconv.FormatFloat(b.Objective, 'f', 0, 64), strconv.FormatFloat(a.Objective, 'f', 0, 64)})
	var col [3]int
	for _, r := range rows {
		for i, cell := range r {
			col[i] = max(col[i], displayWidth(cell))
		}
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s  %s  %s\n", padRight(r[0], col[0]), padLeft(r[1], col[1]), padLeft(r[2], col[2]))
	}

	if t := p.Tradeoffs; t != nil {
		for _, l := range t.Lowered {
			fmt.Fprintf(w, "覆盖减少 / coverage lowered: %s %s %d → %d\n", l.By, l.Key, l.Before, l.After)
		}
		if u := t.Unbounded; u != nil {
			fmt.Fprintf(w, "不设出行上限可覆盖 %d 家，总距离 %s / without the travel bound: %d covered, %s\n",
				u.Covered, km(u.TotalDistance), u.Covered, km(u.TotalDistance))
		}
	}

	orgNames := make(map[int64]string, len(in.Orgs))
	for _, o := range in.Orgs {
		orgNames[o.ID] = o.Name
	}
	liaisonNames := make(map[int64]string, len(in.Liaisons))
	for _, l := range in.Liaisons {
		liaisonNames[l.ID] = l.Name
	}
	liaison := func(id int64) string {
		if id == 0 {
			return "（无 / none）"
		}
		return fmt.Sprintf("%s #%d", liaisonNames[id], id)
	}
	fmt.Fprintf(w, "\n调整 %d 家 / %d moves", p.MoveCount, p.MoveCount)
	if n := max(0, min(shown, len(p.Moves))); n > 0 {
		fmt.Fprintf(w, "，前 %d 家 / first %d:\n", n, n)
		for _, m := range p.Moves[:n] {
			fmt.Fprintf(w, "  %s #%d: %s → %s\n", orgNames[m.OrgID], m.OrgID, liaison(m.FromLiaisonID), liaison(m.ToLiaisonID))
		}
		if rest := len(p.Moves) - n; rest > 0 {
			fmt.Fprintf(w, "  …另有 %d 家 / %d more: gridgis rebalance --plan %d --moves %d\n", rest, rest, p.ID, len(p.Moves))
		}
	} else {
		fmt.Fprintln(w)
	}
	switch p.Status {
	case rebalance.PlanDraft:
		fmt.Fprintf(w, "\n方案已保存为草稿，尚未生效 / saved as a draft, not yet in effect.\n"+
			"应用 / to apply: gridgis rebalance --plan %d --apply  (or POST /api/v1/rebalance/plans/%d/apply)\n", p.ID, p.ID)
	case rebalance.PlanApplied:
		fmt.Fprintf(w, "\n已于 %s 应用 / applied at %s\n", p.AppliedAt.Format(time.RFC3339), p.AppliedAt.Format(time.RFC3339))
	case rebalance.PlanStale:
		fmt.Fprintln(w, "\n数据已变化，请重新生成方案 / the zone's data changed since: build a new plan")
	}
}
