package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/rebalance"
)

// planZone is a small zone of its own, so that applying plans leaves the
// shared fixture alone: grid 新材料 (west) with 12 organizations and two
// liaisons, the first carrying 10 of them (over its max of 8, the other
// under its min of 5), and grid 新能源 (east) with 4 organizations and two
// liaisons with none: infeasible at the default min 5.
type planZone struct {
	zoneID int64
	// admin and planner are the zone's: a user of one zone plans for
	// theirs only.
	admin, planner persona
	grids          [2]grid.Grid
	orgs           []int64 // 12 west, then 4 east
	liaisons       []int64 // 2 west, then 2 east
}

var planZoneSeq atomic.Int64

func newPlanZone(t *testing.T, fx *fixture) *planZone {
	t.Helper()
	ctx := t.Context()
	n := planZoneSeq.Add(1)
	box := func(x0, x1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, 35}, {x1, 35}, {x1, 35.1}, {x0, 35.1}, {x0, 35}}}}
	}
	z, err := fx.db.CreateZone(ctx, grid.Zone{Code: fmt.Sprintf("plan-test-%d", n), Name: "优化测试区", Boundary: box(114, 114.2)})
	if err != nil {
		t.Fatal(err)
	}
	pz := &planZone{zoneID: z.ID, admin: fx.zoneUser(t, z.ID, grid.RoleAdmin), planner: fx.zoneUser(t, z.ID, grid.RolePlanner)}
	for i, g := range []grid.Grid{
		{Code: "W", Name: "新材料", Industry: "新材料", Geom: box(114, 114.1)},
		{Code: "E", Name: "新能源", Industry: "新能源", Geom: box(114.1, 114.2)},
	} {
		g.ZoneID = z.ID
		if pz.grids[i], err = fx.db.CreateGrid(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 16 {
		loc := orb.Point{114.01 + 0.02*float64(i%4), 35.01 + 0.025*float64(i/4)}
		if i >= 12 {
			loc = orb.Point{114.12 + 0.02*float64(i-12), 35.05}
		}
		o, err := fx.db.CreateOrg(ctx, grid.Org{ZoneID: z.ID, Name: fmt.Sprintf("优化测试%d-%02d有限公司", n, i),
			USCC: testUSCC(800000 + int(n)*100 + i), Kind: grid.OrgKinds[i%3], Industry: "物流", Employees: 20,
			PartyOrg: grid.PartyNone, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		pz.orgs = append(pz.orgs, o.ID)
	}
	if _, err := fx.db.AssignGrids(ctx, z.ID); err != nil {
		t.Fatal(err)
	}
	for i, base := range []orb.Point{{114.02, 35.02}, {114.08, 35.08}, {114.13, 35.04}, {114.17, 35.06}} {
		var id int64
		if err := fx.db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326)) RETURNING id`,
			z.ID, fmt.Sprintf("优化联络员%d", i+1), pz.grids[i/2].ID, base[0], base[1]).Scan(&id); err != nil {
			t.Fatal(err)
		}
		pz.liaisons = append(pz.liaisons, id)
	}
	for _, o := range pz.orgs[:10] {
		if _, err := fx.db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause, valid_from)
VALUES ($1, $2, 'rule', now() - interval '30 days')`, o, pz.liaisons[0]); err != nil {
			t.Fatal(err)
		}
	}
	return pz
}

// plan is the part of a plan answer the tests read.
type plan struct {
	ID        int64  `json:"id"`
	ZoneID    int64  `json:"zone_id"`
	Status    string `json:"status"`
	MoveCount int    `json:"move_count"`
	Moves     []struct {
		OrgID         int64  `json:"org_id"`
		FromLiaisonID *int64 `json:"from_liaison_id"`
		ToLiaisonID   *int64 `json:"to_liaison_id"`
	} `json:"moves"`
	Before, After rebalance.Metrics
	AppliedAt     *string `json:"applied_at"`
}

func decodePlan(t *testing.T, body []byte) plan {
	t.Helper()
	var p plan
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode plan: %v: %s", err, body)
	}
	return p
}

// createPlan POSTs a plan as admin as and expects 201.
func createPlan(t *testing.T, fx *fixture, as persona, body string) plan {
	t.Helper()
	status, h, got := fx.do(t, as, "POST", "/api/v1/rebalance/plans", body)
	if status != http.StatusCreated {
		t.Fatalf("create plan %s: status %d: %s", body, status, got)
	}
	p := decodePlan(t, got)
	if loc := h.Get("Location"); loc != fmt.Sprintf("/api/v1/rebalance/plans/%d", p.ID) {
		t.Errorf("Location %q for plan %d", loc, p.ID)
	}
	return p
}

// stalePlan stores a real plan of the fixture's zone under a fingerprint
// no data can have, so that applying it is always refused (409) and
// never changes the shared fixture, whatever other tests did to it.
func (fx *fixture) stalePlan(t *testing.T) int64 {
	t.Helper()
	ctx := t.Context()
	in, err := fx.db.RebalanceInput(ctx, fx.zone.ID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	p, err := rebalance.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("never the zone's data"))
	saved, err := fx.db.SaveRebalancePlan(ctx, grid.Actor{ClientAddr: "test"}, fx.zone.ID, hex.EncodeToString(sum[:]), in.Options, p)
	if err != nil {
		t.Fatal(err)
	}
	return saved.ID
}

func (fx *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := fx.db.Pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A plan's life through the API: built as a draft with metrics, read
// back, listed, drawn, applied once (assignments closed and opened in
// the database), and refused the second time.
func TestRebalancePlanLifecycle(t *testing.T) {
	fx := setup(t)
	pz := newPlanZone(t, fx)
	// Without a travel bound: the zone's current pairs are few and short,
	// and covering all 16 organizations doubles the travel.
	body := fmt.Sprintf(`{"zone_id":%d,"min":2,"stability":1500,"max_travel_increase":null}`, pz.zoneID)
	p := createPlan(t, fx, pz.admin, body)
	if p.Status != "draft" || p.ZoneID != pz.zoneID || p.MoveCount == 0 || len(p.Moves) != p.MoveCount {
		t.Fatalf("draft %+v", p)
	}
	b, a := p.Before, p.After
	if b.OverMax != 1 || b.UnderMin != 3 || b.Covered != 10 || b.LoadMax != 10 || b.LoadSpread != 10 {
		t.Errorf("before %+v", b)
	}
	if a.OverMax != 0 || a.UnderMin != 0 || a.Covered != 16 || a.CrossGrid != 0 || a.Moves != p.MoveCount ||
		a.LoadMin < 2 || a.LoadMax > 8 || a.TotalDistance <= 0 || a.LongestDistance <= 0 {
		t.Errorf("after %+v", a)
	}
	var classes int
	for _, c := range a.ByClass {
		classes += c.Total
	}
	if len(a.ByClass) != 4 || classes != 16 {
		t.Errorf("after by class %+v", a.ByClass)
	}

	status, _, got := fx.do(t, pz.planner, "GET", fmt.Sprintf("/api/v1/rebalance/plans/%d", p.ID), "")
	if status != http.StatusOK || decodePlan(t, got).MoveCount != p.MoveCount {
		t.Errorf("GET as planner: %d %s", status, got)
	}
	status, _, got = fx.do(t, pz.admin, "GET", fmt.Sprintf("/api/v1/rebalance/plans?zone=%d&limit=1", pz.zoneID), "")
	var list struct {
		Plans []plan
		Next  *string
	}
	if err := json.Unmarshal(got, &list); status != http.StatusOK || err != nil || len(list.Plans) != 1 ||
		list.Plans[0].ID != p.ID || list.Plans[0].Moves != nil || list.Next == nil {
		t.Errorf("list: %d %s", status, got)
	}

	moves := getCollection(t, fx, pz.admin, fmt.Sprintf("/api/v1/rebalance/plans/%d/moves", p.ID))
	if len(moves.Features) != p.MoveCount {
		t.Errorf("%d move lines, want %d", len(moves.Features), p.MoveCount)
	}
	for i, f := range moves.Features {
		m := p.Moves[i]
		if f.ID != m.OrgID || f.Properties["org_id"] != float64(m.OrgID) || f.Properties["to_liaison_id"] != float64(*m.ToLiaisonID) {
			t.Errorf("move line %+v for move %+v", f, m)
		}
	}
	page := getCollection(t, fx, pz.admin, fmt.Sprintf("/api/v1/rebalance/plans/%d/moves?limit=2", p.ID))
	if len(page.Features) != 2 || page.link("next") == "" {
		t.Errorf("first page of moves: %d features, next %q", len(page.Features), page.link("next"))
	}

	rebalanced := `SELECT count(*) FROM assignment a JOIN organization o ON o.id = a.org_id
WHERE o.zone_id = $1 AND a.cause = 'rebalance' AND a.valid_to IS NULL`
	closed := `SELECT count(*) FROM assignment a JOIN organization o ON o.id = a.org_id
WHERE o.zone_id = $1 AND a.valid_to IS NOT NULL`
	status, _, got = fx.do(t, pz.admin, "POST", fmt.Sprintf("/api/v1/rebalance/plans/%d/apply", p.ID), "")
	if status != http.StatusOK {
		t.Fatalf("apply: %d %s", status, got)
	}
	if ap := decodePlan(t, got); ap.Status != "applied" || ap.AppliedAt == nil {
		t.Errorf("applied plan %+v", ap)
	}
	movedAway := 0
	for _, m := range p.Moves {
		if m.FromLiaisonID != nil {
			movedAway++
		}
	}
	if n := fx.count(t, rebalanced, pz.zoneID); n != p.MoveCount {
		t.Errorf("%d active rebalance assignments, want %d", n, p.MoveCount)
	}
	if n := fx.count(t, closed, pz.zoneID); n != movedAway {
		t.Errorf("%d closed assignments, want %d", n, movedAway)
	}
	if n := fx.count(t, `SELECT count(*) FROM audit_log WHERE action = 'rebalance_plan_apply' AND target = $1`,
		fmt.Sprintf("rebalance_plan:%d", p.ID)); n != 1 {
		t.Errorf("%d audit rows for the apply", n)
	}
	status, _, got = fx.do(t, pz.admin, "POST", fmt.Sprintf("/api/v1/rebalance/plans/%d/apply", p.ID), "")
	if status != http.StatusConflict || !strings.Contains(string(got), "was applied") {
		t.Errorf("second apply: %d %s", status, got)
	}
	// A new plan of the applied zone moves nothing.
	if again := createPlan(t, fx, pz.admin, body); again.MoveCount != 0 {
		t.Errorf("planning again after apply: %d moves", again.MoveCount)
	}
}

// Bad input answers 400 naming the field and writes no plan; a plan no
// assignment can meet answers 422 with the solver's reason.
func TestRebalanceValidation(t *testing.T) {
	fx := setup(t)
	pz := newPlanZone(t, fx)
	plans := `SELECT count(*) FROM rebalance_plan`
	before := fx.count(t, plans)
	tests := []struct {
		name, method, target, body string
		status                     int
		field                      string
		says                       string
	}{
		{"negative min", "POST", "", `{"min":-1}`, 400, "min", ""},
		{"max too large", "POST", "", `{"max":101}`, 400, "max", ""},
		{"min above max", "POST", "", `{"min":6,"max":5}`, 400, "min", ""},
		{"min above a liaison's own max", "POST", "", `{"zone_id":%z,"min":9}`, 400, "min", ""},
		{"negative stability", "POST", "", `{"stability":-5}`, 400, "stability", ""},
		{"stability not a number", "POST", "", `{"stability":"far"}`, 400, "stability", ""},
		{"keep_in_grid not a boolean", "POST", "", `{"keep_in_grid":"yes"}`, 400, "keep_in_grid", ""},
		{"negative weight", "POST", "", `{"weights":{"other":-1}}`, 400, "weights.other", ""},
		{"unknown field", "POST", "", `{"minimum":3}`, 400, "minimum", ""},
		{"zone id not positive", "POST", "", `{"zone_id":0}`, 400, "zone_id", ""},
		{"unknown zone", "POST", "", `{"zone_id":987654321}`, 400, "zone_id", ""},
		{"malformed", "POST", "", `{"min":`, 400, "body", ""},
		{"infeasible", "POST", "", `{"zone_id":%z}`, 422, "min",
			"grid 新能源 has 4 organizations for 2 liaisons with min 5"},
		{"infeasible min", "POST", "", `{"zone_id":%z,"min":7}`, 422, "min", "新材料"},
		{"plan id not a number", "GET", "/api/v1/rebalance/plans/abc", "", 400, "id", ""},
		{"unknown plan", "GET", "/api/v1/rebalance/plans/987654321", "", 404, "", ""},
		{"moves of an unknown plan", "GET", "/api/v1/rebalance/plans/987654321/moves", "", 404, "", ""},
		{"apply an unknown plan", "POST", "/api/v1/rebalance/plans/987654321/apply", "", 404, "", ""},
		{"list limit", "GET", "/api/v1/rebalance/plans?limit=0", "", 400, "limit", ""},
		{"list cursor", "GET", "/api/v1/rebalance/plans?cursor=nope", "", 400, "cursor", ""},
		{"list zone", "GET", "/api/v1/rebalance/plans?zone=-2", "", 400, "zone", ""},
		{"list unknown parameter", "GET", "/api/v1/rebalance/plans?status=draft", "", 400, "status", ""},
		{"moves limit", "GET", "/api/v1/rebalance/plans/1/moves?limit=x", "", 400, "limit", ""},
		{"negative travel bound", "POST", "", `{"max_travel_increase":-0.1}`, 400, "max_travel_increase", ""},
		{"travel bound too large", "POST", "", `{"max_travel_increase":11}`, 400, "max_travel_increase", ""},
		// The detail says what is wanted in words, not Go's type name (float64).
		{"travel bound not a number", "POST", "", `{"max_travel_increase":"10%"}`, 400, "max_travel_increase", "must be a number / 须为数字"},
		{"coverage loss not a boolean", "POST", "", `{"allow_coverage_loss":1}`, 400, "allow_coverage_loss", "须为 true 或 false"},
		{"capacity zone", "GET", "/api/v1/rebalance/capacity?zone=x", "", 400, "zone", ""},
		{"capacity unknown zone", "GET", "/api/v1/rebalance/capacity?zone=987654321", "", 400, "zone", ""},
		{"capacity unknown parameter", "GET", "/api/v1/rebalance/capacity?grid=1", "", 400, "grid", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/api/v1/rebalance/plans"
			}
			body := strings.ReplaceAll(tt.body, "%z", fmt.Sprint(pz.zoneID))
			status, h, got := fx.do(t, pz.admin, tt.method, target, body)
			var prob struct{ Code, Field, Detail string }
			if err := json.Unmarshal(got, &prob); err != nil {
				t.Fatalf("%d: not a problem: %s", status, got)
			}
			if status != tt.status || prob.Field != tt.field || !strings.Contains(prob.Detail, tt.says) ||
				h.Get("Content-Type") != "application/problem+json" {
				t.Errorf("status %d field %q (%s), want %d on %q saying %q", status, prob.Field, got, tt.status, tt.field, tt.says)
			}
			if tt.status == 422 && prob.Code != grid.EInfeasible {
				t.Errorf("code %q, want %q", prob.Code, grid.EInfeasible)
			}
		})
	}
	t.Run("content type", func(t *testing.T) {
		status, _, got := fx.do(t, pz.admin, "POST", "/api/v1/rebalance/plans", `{}`, "Content-Type", "text/plain")
		if status != 400 || !strings.Contains(string(got), "Content-Type") {
			t.Errorf("status %d: %s", status, got)
		}
	})
	if after := fx.count(t, plans); after != before {
		t.Errorf("refused requests stored %d plans", after-before)
	}
}

// Two applies of the same plan racing over HTTP: one 200, one 409.
func TestRebalanceConcurrentApplyHTTP(t *testing.T) {
	fx := setup(t)
	pz := newPlanZone(t, fx)
	p := createPlan(t, fx, pz.admin, fmt.Sprintf(`{"zone_id":%d,"min":2}`, pz.zoneID))
	statuses := make(chan int, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			<-start
			status, _, _ := fx.do(t, pz.admin, "POST", fmt.Sprintf("/api/v1/rebalance/plans/%d/apply", p.ID), "")
			statuses <- status
		})
	}
	close(start)
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if got[http.StatusOK] != 1 || got[http.StatusConflict] != 1 {
		t.Errorf("statuses %v, want one 200 and one 409", got)
	}
	opened := 0 // a move to no liaison opens nothing
	for _, m := range p.Moves {
		if m.ToLiaisonID != nil {
			opened++
		}
	}
	if n := fx.count(t, `SELECT count(*) FROM assignment WHERE plan_id = $1`, p.ID); n != opened {
		t.Errorf("%d assignments opened by the plan, want %d", n, opened)
	}
}

// The rebalancer's answers match the OpenAPI document: requests,
// statuses, media types and bodies, problems included.
func TestRebalanceOpenAPI(t *testing.T) {
	fx := setup(t)
	pz := newPlanZone(t, fx)
	doc := openAPIDoc(t, fx)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	p := createPlan(t, fx, pz.admin, fmt.Sprintf(`{"zone_id":%d,"min":2}`, pz.zoneID))
	planPath := fmt.Sprintf("/api/v1/rebalance/plans/%d", p.ID)
	stale := fmt.Sprintf("/api/v1/rebalance/plans/%d", fx.stalePlan(t))
	org := fmt.Sprintf("/api/v1/organizations/%d/liaison", pz.orgs[11])
	// The organization is the plan zone's: its admin and planner act on
	// it (users see their own zone only).
	pzAdmin, pzPlanner := pz.admin, pz.planner
	checks := []apiCheck{
		{p: pzAdmin, method: "POST", target: "/api/v1/rebalance/plans",
			body:   fmt.Sprintf(`{"zone_id":%d,"min":1,"max":8,"stability":1000,"keep_in_grid":false,"cross_grid_penalty":3000,"weights":{"other":5000}}`, pz.zoneID),
			status: http.StatusCreated},
		{p: pzAdmin, method: "POST", target: "/api/v1/rebalance/plans", body: fmt.Sprintf(`{"zone_id":%d}`, pz.zoneID), status: 422},
		{p: pzAdmin, method: "POST", target: "/api/v1/rebalance/plans", body: `{"min":-1}`, status: 400},
		{p: pzAdmin, method: "POST", target: "/api/v1/rebalance/plans", status: http.StatusCreated,
			body: fmt.Sprintf(`{"zone_id":%d,"min":2,"allow_coverage_loss":true,"max_travel_increase":null}`, pz.zoneID)},
		{p: pzAdmin, method: "POST", target: "/api/v1/rebalance/plans", status: http.StatusCreated,
			body: fmt.Sprintf(`{"zone_id":%d,"min":2,"max_travel_increase":0.25}`, pz.zoneID)},
		{p: pzAdmin, method: "POST", target: "/api/v1/rebalance/plans", body: `{"max_travel_increase":-1}`, status: 400},
		{p: pzAdmin, method: "POST", target: "/api/v1/rebalance/plans", body: `{"max_travel_increase":"x"}`, status: 400},
		{p: pzPlanner, target: fmt.Sprintf("/api/v1/rebalance/capacity?zone=%d", pz.zoneID)},
		{p: pzAdmin, target: "/api/v1/rebalance/capacity"},
		{p: pzAdmin, target: "/api/v1/rebalance/capacity?zone=987654321", status: 400},
		{p: officerA, target: "/api/v1/rebalance/capacity", status: 403},
		{p: officerA, method: "POST", target: "/api/v1/rebalance/plans", body: `{}`, status: 403},
		{p: pzPlanner, target: "/api/v1/rebalance/plans"},
		{p: pzAdmin, target: fmt.Sprintf("/api/v1/rebalance/plans?zone=%d&limit=1", pz.zoneID)},
		{p: pzPlanner, target: planPath},
		{p: pzAdmin, target: "/api/v1/rebalance/plans/987654321", status: 404},
		{p: pzPlanner, target: planPath + "/moves"},
		{p: pzAdmin, target: planPath + "/moves?limit=1"},
		{p: pzAdmin, method: "POST", target: planPath + "/apply"},
		{p: pzAdmin, method: "POST", target: planPath + "/apply", status: 409},
		{p: admin, method: "POST", target: stale + "/apply", status: 409},
		{p: pzAdmin, method: "PUT", target: org, body: fmt.Sprintf(`{"liaison_id":%d,"pinned":true}`, pz.liaisons[1])},
		{p: pzAdmin, method: "PUT", target: org, body: `{"liaison_id":null}`},
		{p: pzAdmin, method: "PUT", target: org, body: `{"liaison_id":"x"}`, status: 400},
		{p: pzPlanner, method: "PUT", target: org, body: `{"liaison_id":null}`, status: 403},
	}
	for _, ck := range checks {
		if ck.method == "" {
			ck.method = http.MethodGet
		}
		if ck.status == 0 {
			ck.status = http.StatusOK
		}
		t.Run(ck.method+" "+ck.target+" as "+string(ck.p), func(t *testing.T) {
			status, header, body := fx.do(t, ck.p, ck.method, ck.target, ck.body)
			if status != ck.status {
				t.Fatalf("status %d, want %d: %s", status, ck.status, body)
			}
			validateAgainst(t, router, ck, status, header, body)
		})
	}
}

// The zone of a plan defaults to the admin's own.
func TestRebalancePlanDefaultsToTheAdminsZone(t *testing.T) {
	fx := setup(t)
	p := createPlan(t, fx, admin, "")
	if p.ZoneID != fx.zone.ID || p.Status != "draft" {
		t.Errorf("plan %+v, want a draft of zone %d", p, fx.zone.ID)
	}
	var ctx context.Context = t.Context()
	saved, err := fx.db.FindRebalancePlan(ctx, p.ID)
	if err != nil || saved.CreatedBy == 0 {
		t.Errorf("stored plan %+v, %v: want its admin as author", saved, err)
	}
}

// zoneUser adds a signed-in user of role in zone zoneID and returns their
// persona.
func (fx *fixture) zoneUser(t *testing.T, zoneID int64, role grid.Role) persona {
	t.Helper()
	p := persona(fmt.Sprintf("z%d_%s", zoneID, role))
	fx.passwords[p] = "pw-" + string(p) + "-Secret-7f3a"
	hash, err := grid.HashPassword(fx.passwords[p])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.CreateUser(context.Background(), grid.User{ZoneID: zoneID, Username: username(p), Role: role}, hash, nil); err != nil {
		t.Fatal(err)
	}
	if fx.sessions[p], err = fx.login(p); err != nil {
		t.Fatal(err)
	}
	return p
}
