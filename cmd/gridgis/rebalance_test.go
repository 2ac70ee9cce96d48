package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis/pgtest"
	"gridgis/grid/rebalance"
)

func TestWriteRebalanceReport(t *testing.T) {
	max6 := 6
	metrics := func(loadMin, loadMax, under, over, covered int, total, longest, objective float64) rebalance.Metrics {
		return rebalance.Metrics{Objective: objective, LoadMin: loadMin, LoadMax: loadMax, LoadSpread: loadMax - loadMin,
			UnderMin: under, OverMax: over, TotalDistance: total, LongestDistance: longest, Covered: covered, Uncovered: 12 - covered,
			ByClass: map[rebalance.PriorityClass]rebalance.ClassCoverage{
				rebalance.ClassOpenRequests:  {Covered: 2, Total: 2},
				rebalance.ClassKeyEnterprise: {Covered: min(covered, 4), Total: 4},
				rebalance.ClassEnterprise:    {Covered: max(0, covered-6), Total: 5},
				rebalance.ClassOther:         {Covered: 0, Total: 1},
			}}
	}
	opts := rebalance.DefaultOptions()
	opts.Max = &max6
	p := rebalance.SavedPlan{ID: 7, Status: rebalance.PlanDraft, Options: opts, MoveCount: 3,
		Moves: []rebalance.Move{{OrgID: 11, FromLiaisonID: 1, ToLiaisonID: 2}, {OrgID: 12, ToLiaisonID: 2},
			{OrgID: 13, FromLiaisonID: 1}},
		Before: metrics(0, 9, 1, 1, 9, 12345, 2500, 212345),
		After:  metrics(4, 6, 0, 0, 10, 10100.5, 1800, 150100.5)}
	in := rebalance.Input{
		Liaisons: []rebalance.Liaison{{ID: 1, Name: "王建国"}, {ID: 2, Name: "李红"}},
		Orgs: []rebalance.Org{{ID: 11, Name: "平顶山华晟新材料有限公司"}, {ID: 12, Name: "叶县储能科技有限公司"},
			{ID: 13, Name: "湛河区青年志愿者协会"}},
	}
	zone := grid.Zone{Code: "pds", Name: "平顶山高新区"}
	var b strings.Builder
	writeRebalanceReport(&b, zone, p, in, 2)
	want := `联络员包联优化方案 #7（草稿 draft）/ liaison rebalance plan #7
园区 / zone: 平顶山高新区 (pds)
选项 / options: 每人家数 / load own–6; 调整成本 / stability 2000 m; 仅本网格 / own grid only
保障 / guards: 不降低任何类别的覆盖 / no kind's coverage lowered; 总距离至多 +10 % / total travel at most +10 %

指标 / metric                       调整前 before  调整后 after
负荷最少 / load min                             0             4
负荷最多 / load max                             9             6
负荷差 / load spread                            9             2
低于下限 / under min                            1             0
超过上限 / over max                             1             0
总距离 / total distance                  12.35 km      10.10 km
最远距离 / longest distance               2.50 km       1.80 km
已覆盖 / covered                             9/12         10/12
  有未结诉求 / open requests                  2/2           2/2
  两新组织 / new economic & social            0/1           0/1
  高新·专精特新 / key enterprises             4/4           4/4
  其他企业 / other enterprises                3/5           4/5
保留原联络员 / pairs kept                       0             0
换联络员 / reassigned                                         0
失去联络员 / dropped                                          0
新纳入 / added                                                0
跨网格 / cross-grid pairs                       0             0
目标值 / objective (m)                     212345        150100

调整 3 家 / 3 moves，前 2 家 / first 2:
  平顶山华晟新材料有限公司 #11: 王建国 #1 → 李红 #2
  叶县储能科技有限公司 #12: （无 / none） → 李红 #2
  …另有 1 家 / 1 more: gridgis rebalance --plan 7 --moves 3

方案已保存为草稿，尚未生效 / saved as a draft, not yet in effect.
应用 / to apply: gridgis rebalance --plan 7 --apply  (or POST /api/v1/rebalance/plans/7/apply)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	// Every line of the table is as wide as its header, in terminal
	// columns, Chinese included.
	lines := strings.Split(b.String(), "\n")
	for _, l := range lines[5:24] {
		if displayWidth(l) != displayWidth(lines[5]) {
			t.Errorf("table line %q is %d columns wide, the header %d", l, displayWidth(l), displayWidth(lines[5]))
		}
	}

	applied := rebalanceNowForTest()
	p.Status, p.AppliedAt = rebalance.PlanApplied, &applied
	b.Reset()
	writeRebalanceReport(&b, zone, p, in, 0)
	if out := b.String(); !strings.Contains(out, "（已应用 applied）") || !strings.Contains(out, "调整 3 家 / 3 moves\n") ||
		!strings.Contains(out, "已于 2026-03-16T09:30:00Z 应用") || strings.Contains(out, "→") {
		t.Errorf("applied report:\n%s", out)
	}
}

func rebalanceNowForTest() time.Time { return time.Date(2026, 3, 16, 9, 30, 0, 0, time.UTC) }

// The command builds a draft of the demo zone, shows it again by id,
// applies it (audited as the CLI), refuses to apply it twice, and reports
// bad options and infeasible bounds as errors.
func TestRebalanceCommand(t *testing.T) {
	cfg := Config{}
	if out, err := gridgis(t, cfg, "", "seed", "--demo"); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	db := pgtest.Open(t, testDSN)
	zone := "--zone=" + demo.ZoneCode
	out, err := gridgis(t, cfg, "", "rebalance", zone, "--moves", "5")
	if err != nil {
		t.Fatalf("rebalance: %v\n%s", err, out)
	}
	plans, err := db.ListRebalancePlans(t.Context(), rebalance.PlanFilter{Limit: 1})
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans %v, %v", plans, err)
	}
	p := plans[0]
	id := strconv.FormatInt(p.ID, 10)
	for _, s := range []string{"#" + id + "（草稿 draft）", demo.ZoneName, "负荷最少 / load min",
		"调整 " + strconv.Itoa(p.MoveCount) + " 家", " → ", "--plan " + id + " --apply"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	if p.Status != rebalance.PlanDraft || p.MoveCount == 0 || p.CreatedBy != 0 {
		t.Errorf("stored plan %+v", p)
	}
	if again, err := gridgis(t, cfg, "", "rebalance", "--plan", id, "--moves", "5"); err != nil || again != out {
		t.Errorf("--plan %s shows another report (%v):\n%s", id, err, again)
	}

	out, err = gridgis(t, cfg, "", "rebalance", "--plan", id, "--apply")
	if err != nil || !strings.Contains(out, "已应用 applied") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	var actor *int64
	var addr string
	if err := db.Pool.QueryRow(t.Context(), `SELECT actor_id, client_addr FROM audit_log
WHERE action = 'rebalance_plan_apply' AND target = $1`, "rebalance_plan:"+id).Scan(&actor, &addr); err != nil || actor != nil || addr != "cli" {
		t.Errorf("apply audited as %v from %q (%v), want the CLI", actor, addr, err)
	}
	if _, err := gridgis(t, cfg, "", "rebalance", "--plan", id, "--apply"); grid.ErrorCode(err) != grid.EConflict {
		t.Errorf("second apply: %v, want a conflict", err)
	}
	// Each plan may add 10 % to the travel it starts from; with no more,
	// the applied plan is the optimum and nothing moves.
	out, err = gridgis(t, cfg, "", "rebalance", zone, "--apply", "--max-travel-increase", "0")
	if err != nil || !strings.Contains(out, "调整 0 家 / 0 moves") {
		t.Errorf("rebalancing the applied zone: %v\n%s", err, out)
	}

	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{zone, "--min", "30", "--max", "40"}, "organizations for"},
		{[]string{zone, "--min", "x"}, "must be an integer"},
		{[]string{zone, "--min", "6", "--max", "5"}, "min"},
		{[]string{zone, "--stability", "-1"}, "stability"},
		{[]string{zone, "--max-travel-increase", "much"}, "max-travel-increase"},
		{[]string{zone, "--max-travel-increase", "-1"}, "max_travel_increase"},
		{[]string{"--zone", "nowhere"}, "no zone"},
		{[]string{"--plan", id, "--min", "3"}, "does not go with --plan"},
		{[]string{"--plan", "987654321"}, "no rebalance plan"},
		{[]string{zone, "extra"}, "unexpected argument"},
	} {
		out, err := gridgis(t, cfg, "", append([]string{"rebalance"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("rebalance %v: %v, want an error saying %q\n%s", tt.args, err, tt.says, out)
		}
	}
}
