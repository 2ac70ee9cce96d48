package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/paulmach/orb"

	"gridgis/grid"
)

// editZone is a zone of its own for the tests that write organizations,
// so that the shared fixture's counts stay as they are: grid W (新材料)
// over 115.0–115.1, grid E (新能源) over 115.1–115.2, and a strip of the
// zone (115.2–115.3) outside every grid; an admin and an officer per grid.
type editZone struct {
	zoneID                int64
	w, e                  grid.Grid
	admin, officerW, offE persona
	seq                   int
}

var editZoneSeq atomic.Int64

func newEditZone(t *testing.T, fx *fixture) *editZone {
	t.Helper()
	ctx := t.Context()
	n := editZoneSeq.Add(1)
	box := func(x0, x1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, 36}, {x1, 36}, {x1, 36.1}, {x0, 36.1}, {x0, 36}}}}
	}
	z, err := fx.db.CreateZone(ctx, grid.Zone{Code: fmt.Sprintf("edit-test-%d", n), Name: "编辑测试区", Boundary: box(115, 115.3)})
	if err != nil {
		t.Fatal(err)
	}
	ez := &editZone{zoneID: z.ID}
	// The package's other tests read every organization's point: none is
	// left unlocated.
	t.Cleanup(func() {
		if _, err := fx.db.Pool.Exec(context.Background(), `UPDATE organization
SET geom = ST_SetSRID(ST_MakePoint(115.25, 36.05), 4326) WHERE zone_id = $1 AND geom IS NULL`, z.ID); err != nil {
			t.Error(err)
		}
	})
	for _, g := range []*grid.Grid{
		{Code: "W", Name: "新材料网格", Industry: "新材料", Geom: box(115, 115.1)},
		{Code: "E", Name: "新能源网格", Industry: "新能源", Geom: box(115.1, 115.2)},
	} {
		g.ZoneID = z.ID
		if *g, err = fx.db.CreateGrid(ctx, *g); err != nil {
			t.Fatal(err)
		}
		if g.Code == "W" {
			ez.w = *g
		} else {
			ez.e = *g
		}
	}
	users := []struct {
		p     *persona
		role  grid.Role
		grids []string
	}{{&ez.admin, grid.RoleAdmin, nil}, {&ez.officerW, grid.RoleOfficer, []string{"W"}}, {&ez.offE, grid.RoleOfficer, []string{"E"}}}
	for _, spec := range users {
		p := persona(fmt.Sprintf("edit_%d_%s", n, spec.role))
		if len(spec.grids) > 0 {
			p += persona("_" + strings.ToLower(spec.grids[0]))
		}
		*spec.p = p
		fx.passwords[p] = "pw-" + string(p) + "-Secret-7f3a"
		hash, err := grid.HashPassword(fx.passwords[p])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.db.CreateUser(ctx, grid.User{ZoneID: z.ID, Username: username(p), Role: spec.role}, hash, spec.grids); err != nil {
			t.Fatal(err)
		}
		if fx.sessions[p], err = fx.login(p); err != nil {
			t.Fatal(err)
		}
	}
	return ez
}

// org registers an organization directly and runs the rule over the zone.
func (ez *editZone) org(t *testing.T, fx *fixture, industry string, at orb.Point) int64 {
	t.Helper()
	ez.seq++
	o, err := fx.db.CreateOrg(t.Context(), grid.Org{ZoneID: ez.zoneID, Name: fmt.Sprintf("编辑测试%d-%02d有限公司", ez.zoneID, ez.seq),
		USCC: testUSCC(int(ez.zoneID%1000)*1000 + 100 + ez.seq), Kind: grid.KindEnterprise, Industry: industry,
		Employees: 10, PartyOrg: grid.PartyNone, Location: at})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.AssignGrids(t.Context(), ez.zoneID); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// orgProps is what the tests read of an organization Feature.
type orgProps struct {
	ID         int64 `json:"id"`
	Geometry   *struct{ Coordinates []float64 }
	Properties struct {
		Name        string  `json:"name"`
		Industry    string  `json:"industry"`
		Employees   int     `json:"employees"`
		GridID      *int64  `json:"grid_id"`
		GridReason  *string `json:"grid_reason"`
		Version     int     `json:"version"`
		Located     bool    `json:"located"`
		Status      string  `json:"status"`
		RetiredAt   *string `json:"retired_at"`
		RetiredNote string  `json:"retired_note"`
		LiaisonID   *int64  `json:"liaison_id"`
	} `json:"properties"`
}

func (p orgProps) grid() (int64, string) {
	if p.Properties.GridID == nil {
		return 0, ""
	}
	return *p.Properties.GridID, *p.Properties.GridReason
}

func readOrg(t *testing.T, fx *fixture, who persona, id int64) orgProps {
	t.Helper()
	status, _, body := fx.do(t, who, "GET", fmt.Sprintf("/api/v1/organizations/%d", id), "")
	if status != http.StatusOK {
		t.Fatalf("GET organization %d: %d %s", id, status, body)
	}
	return decodeOrg(t, body)
}

func decodeOrg(t *testing.T, body []byte) orgProps {
	t.Helper()
	var p orgProps
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

// orgWriteAccess is the access matrix's rows of the routes that register
// and retire organizations; their bodies are refused, so nothing changes.
var orgWriteAccess = []accessRow{
	{method: "POST", route: "/api/v1/organizations", body: `{"name":""}`,
		want: statuses{unauth, badRequest, badRequest, badRequest, forbidden, forbidden}},
	{method: "POST", route: "/api/v1/organizations/:id/retire", path: "/api/v1/organizations/{orgA}/retire",
		body: `{"kind":"closed","date":"2026-01-01","version":1}`,
		want: statuses{unauth, badRequest, badRequest, notFound, forbidden, forbidden}},
	{method: "POST", route: "/api/v1/organizations/:id/retire", path: "/api/v1/organizations/{orgB}/retire",
		body: `{"kind":"closed","date":"2026-01-01","version":1}`,
		want: statuses{unauth, badRequest, notFound, badRequest, notFound, forbidden}},
}

// patchOrg sends a PATCH at the organization's current version with the
// given members (a JSON object's inside) and checks the status.
func patchOrg(t *testing.T, fx *fixture, who persona, id int64, members string, want int) []byte {
	t.Helper()
	v := fx.orgRow(t, id).version
	status, _, body := fx.do(t, who, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", id), fmt.Sprintf(`{"version":%d,%s}`, v, members))
	if status != want {
		t.Fatalf("PATCH %s: %d %s, want %d", members, status, body, want)
	}
	return body
}

func wantField(t *testing.T, body []byte, field string) {
	t.Helper()
	var prob struct{ Field string }
	if err := json.Unmarshal(body, &prob); err != nil || prob.Field != field {
		t.Errorf("problem names %q, want %q: %s", prob.Field, field, body)
	}
}

func wantGrid(t *testing.T, p orgProps, gridID int64, reason string) {
	t.Helper()
	if g, r := p.grid(); g != gridID || r != reason {
		t.Errorf("organization %d in grid %d (%s), want %d (%s)", p.ID, g, r, gridID, reason)
	}
}

// A PATCH of industry runs 行业归口、属地兜底 again: into the grid of the
// new industry, and out of the old industry's grid back to the one that
// covers the point. (Before, the organization stayed where it was, with
// reason industry.)
func TestPatchIndustryRerunsRule(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	inW := ez.org(t, fx, "物流", orb.Point{115.05, 36.05})
	wantGrid(t, readOrg(t, fx, ez.admin, inW), ez.w.ID, "territory")

	body := patchOrg(t, fx, ez.admin, inW, `"industry":"新能源"`, http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.e.ID, "industry")

	body = patchOrg(t, fx, ez.admin, inW, `"industry":"物流"`, http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.w.ID, "territory")

	// Registered in 新材料 while standing in E: W by industry; a new
	// industry takes it back to E, where it stands.
	byIndustry := ez.org(t, fx, "新材料", orb.Point{115.15, 36.05})
	wantGrid(t, readOrg(t, fx, ez.admin, byIndustry), ez.w.ID, "industry")
	body = patchOrg(t, fx, ez.admin, byIndustry, `"industry":"物流"`, http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.e.ID, "territory")

	var moves int
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'org_update' AND target = $1
  AND detail->'grid'->'from'->>'id' = $2 AND detail->'grid'->'to'->>'id' = $3
  AND detail->'values'->'industry'->>'from' = '新材料' AND detail->'values'->'industry'->>'to' = '物流'`,
		fmt.Sprintf("organization:%d", byIndustry), fmt.Sprint(ez.w.ID), fmt.Sprint(ez.e.ID)).Scan(&moves); err != nil || moves != 1 {
		t.Errorf("%d audit rows of the move W → E (%v), want 1", moves, err)
	}

	// An officer may not change an industry that takes it out of their grids.
	other := ez.org(t, fx, "物流", orb.Point{115.06, 36.06})
	body = patchOrg(t, fx, ez.officerW, other, `"industry":"新能源"`, http.StatusForbidden)
	wantField(t, body, "industry")
	wantGrid(t, readOrg(t, fx, ez.admin, other), ez.w.ID, "territory")
}

// Moving an organization runs the rule on its new point: into the grid
// that covers it, or, outside every grid, the nearest one; never outside
// the zone, and for an officer never out of their grids.
func TestPatchLocation(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	id := ez.org(t, fx, "物流", orb.Point{115.05, 36.05})

	body := patchOrg(t, fx, ez.officerW, id, `"geometry":{"type":"Point","coordinates":[115.07,36.02]}`, http.StatusOK)
	p := decodeOrg(t, body)
	wantGrid(t, p, ez.w.ID, "territory")
	if p.Geometry == nil || p.Geometry.Coordinates[0] != 115.07 || p.Geometry.Coordinates[1] != 36.02 {
		t.Errorf("moved to %+v, want [115.07 36.02]", p.Geometry)
	}

	body = patchOrg(t, fx, ez.officerW, id, `"geometry":{"type":"Point","coordinates":[115.15,36.05]}`, http.StatusForbidden)
	wantField(t, body, "geometry")
	wantGrid(t, readOrg(t, fx, ez.admin, id), ez.w.ID, "territory")

	body = patchOrg(t, fx, ez.admin, id, `"geometry":{"type":"Point","coordinates":[115.25,36.05]}`, http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.e.ID, "nearest")

	for _, bad := range []string{
		`"geometry":{"type":"Point","coordinates":[116.5,36.05]}`, // outside the zone
		`"geometry":{"type":"Point","coordinates":[115.1]}`,
		`"geometry":{"type":"LineString","coordinates":[[115.1,36],[115.2,36]]}`,
		`"geometry":{"type":"Point","coordinates":[215,36]}`,
		`"geometry":null`,
		`"geometry":"here"`,
	} {
		body := patchOrg(t, fx, ez.admin, id, bad, http.StatusBadRequest)
		wantField(t, body, "geometry")
	}
	wantGrid(t, readOrg(t, fx, ez.admin, id), ez.e.ID, "nearest")
}

// An admin fixes a grid by hand (manual); it holds across industry and
// location changes until cleared, when the rule decides again.
func TestManualGrid(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	id := ez.org(t, fx, "物流", orb.Point{115.05, 36.05})

	body := patchOrg(t, fx, ez.officerW, id, fmt.Sprintf(`"grid_id":%d`, ez.e.ID), http.StatusForbidden)
	wantField(t, body, "grid_id")

	body = patchOrg(t, fx, ez.admin, id, fmt.Sprintf(`"grid_id":%d,"grid_reason":"manual"`, ez.e.ID), http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.e.ID, "manual")
	body = patchOrg(t, fx, ez.admin, id, `"industry":"新材料"`, http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.e.ID, "manual")
	body = patchOrg(t, fx, ez.admin, id, `"geometry":{"type":"Point","coordinates":[115.02,36.02]}`, http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.e.ID, "manual")
	if _, err := fx.db.AssignGrids(t.Context(), ez.zoneID); err != nil {
		t.Fatal(err)
	}
	wantGrid(t, readOrg(t, fx, ez.admin, id), ez.e.ID, "manual")

	for _, bad := range []struct{ members, field string }{
		{fmt.Sprintf(`"grid_id":%d,"grid_reason":"industry"`, ez.w.ID), "grid_reason"},
		{`"grid_reason":"manual"`, "grid_reason"},
		{fmt.Sprintf(`"grid_id":%d`, fx.grids[0].ID), "grid_id"}, // another zone's
		{`"grid_id":-1`, "grid_id"},
		{`"grid_id":"W"`, "grid_id"},
	} {
		body := patchOrg(t, fx, ez.admin, id, bad.members, http.StatusBadRequest)
		wantField(t, body, bad.field)
	}

	body = patchOrg(t, fx, ez.admin, id, `"grid_id":null`, http.StatusOK)
	wantGrid(t, decodeOrg(t, body), ez.w.ID, "industry")
}

func newOrgBody(name, uscc, industry, geometry string) string {
	return fmt.Sprintf(`{"name":%q,"uscc":%q,"kind":"enterprise","industry":%q,"employees":30,"party_members":3,
"party_org":"standalone","address":"测试路1号"%s}`, name, uscc, industry, geometry)
}

func point(lon, lat float64) string {
	return fmt.Sprintf(`,"geometry":{"type":"Point","coordinates":[%g,%g]}`, lon, lat)
}

// POST /organizations: admins anywhere in the zone, officers only where
// the rule puts it inside their grids; each registration audited.
func TestCreateOrganization(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	code := func(i int) string { return testUSCC(int(ez.zoneID%1000)*1000 + 900 + i) }
	tests := []struct {
		name   string
		who    persona
		body   string
		status int
		field  string
		grid   int64
		reason string
	}{
		{"officer in their grid", ez.officerW, newOrgBody("新建甲公司", code(1), "物流", point(115.05, 36.05)), 201, "", ez.w.ID, "territory"},
		{"officer, another grid's ground", ez.officerW, newOrgBody("新建乙公司", code(2), "物流", point(115.15, 36.05)), 403, "geometry", 0, ""},
		{"officer, another grid's industry", ez.officerW, newOrgBody("新建丙公司", code(3), "新能源", point(115.05, 36.05)), 403, "industry", 0, ""},
		{"officer without a point", ez.officerW, newOrgBody("新建丁公司", code(4), "物流", ""), 400, "geometry", 0, ""},
		{"admin anywhere in the zone", ez.admin, newOrgBody("新建戊公司", code(5), "物流", point(115.25, 36.05)), 201, "", ez.e.ID, "nearest"},
		{"admin without a point", ez.admin, newOrgBody("新建己公司", code(6), "新材料", ""), 201, "", 0, ""},
		{"outside the zone", ez.admin, newOrgBody("新建庚公司", code(7), "物流", point(117, 36.05)), 400, "geometry", 0, ""},
		{"credit code taken", ez.admin, newOrgBody("新建辛公司", code(1), "物流", point(115.05, 36.05)), 409, "uscc", 0, ""},
		{"bad credit code", ez.admin, newOrgBody("新建壬公司", "91410400MA0000000X", "物流", point(115.05, 36.05)), 400, "uscc", 0, ""},
		{"no name", ez.admin, newOrgBody(" ", code(8), "物流", point(115.05, 36.05)), 400, "name", 0, ""},
		{"no industry", ez.admin, newOrgBody("新建癸公司", code(8), "", point(115.05, 36.05)), 400, "industry", 0, ""},
		{"bad kind", ez.admin, `{"name":"某公司","uscc":"` + code(8) + `","kind":"farm","industry":"物流"` + point(115.05, 36.05) + `}`, 400, "kind", 0, ""},
		{"unknown field", ez.admin, `{"name":"某公司","colour":"red"}`, 400, "colour", 0, ""},
		{"planner", planner, newOrgBody("新建子公司", code(9), "物流", point(115.05, 36.05)), 403, "", 0, ""},
		{"liaison", liaison, newOrgBody("新建丑公司", code(9), "物流", point(115.05, 36.05)), 403, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fx.count(t, `SELECT count(*) FROM organization WHERE zone_id = $1`, ez.zoneID)
			status, hdr, body := fx.do(t, tt.who, "POST", "/api/v1/organizations", tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			after := fx.count(t, `SELECT count(*) FROM organization WHERE zone_id = $1`, ez.zoneID)
			if status != 201 {
				wantField(t, body, tt.field)
				if after != before {
					t.Error("a refused registration wrote")
				}
				return
			}
			p := decodeOrg(t, body)
			wantGrid(t, p, tt.grid, tt.reason)
			if hdr.Get("Location") != fmt.Sprintf("/api/v1/organizations/%d", p.ID) || p.Properties.Version != 1 ||
				p.Properties.Status != "active" || p.Properties.Located != (p.Geometry != nil) {
				t.Errorf("answer %s (Location %q)", body, hdr.Get("Location"))
			}
			if n := fx.count(t, `SELECT count(*) FROM audit_log WHERE action = 'org_create' AND target = $1`,
				fmt.Sprintf("organization:%d", p.ID)); n != 1 || after != before+1 {
				t.Errorf("%d audit rows, %d rows added", n, after-before)
			}
		})
	}
}

// An organization registered without a point is listed as unlocated (待定位)
// to the officers of its zone, is off the map, and enters a grid when
// placed.
func TestPlaceUnlocated(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	code := testUSCC(int(ez.zoneID%1000)*1000 + 950)
	status, _, body := fx.do(t, ez.admin, "POST", "/api/v1/organizations", newOrgBody("待定位公司", code, "物流", ""))
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	id := decodeOrg(t, body).ID
	ids := func(who persona, query string) []int64 {
		status, _, body := fx.do(t, who, "GET", "/api/v1/organizations"+query, "")
		if status != 200 {
			t.Fatalf("list %s: %d %s", query, status, body)
		}
		var fc struct{ Features []orgProps }
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, f := range fc.Features {
			out = append(out, f.ID)
		}
		return out
	}
	if got := ids(ez.officerW, "?located=false"); len(got) != 1 || got[0] != id {
		t.Errorf("officer's 待定位 list %v, want [%d]", got, id)
	}
	if got := ids(officerA, "?located=false"); len(got) != 0 {
		t.Errorf("another zone's officer sees %v", got)
	}
	for _, got := range ids(ez.admin, "") {
		if got == id {
			t.Error("an unlocated organization is on the map")
		}
	}
	// Placed in E: not officer W's to place.
	body = patchOrg(t, fx, ez.officerW, id, `"geometry":{"type":"Point","coordinates":[115.15,36.05]}`, http.StatusForbidden)
	wantField(t, body, "geometry")
	body = patchOrg(t, fx, ez.officerW, id, `"geometry":{"type":"Point","coordinates":[115.03,36.04]}`, http.StatusOK)
	p := decodeOrg(t, body)
	wantGrid(t, p, ez.w.ID, "territory")
	if !p.Properties.Located {
		t.Error("placed but not located")
	}
	if got := ids(ez.officerW, "?located=false"); len(got) != 0 {
		t.Errorf("still unlocated: %v", got)
	}
	if got := ids(ez.officerW, ""); len(got) != 1 || got[0] != id {
		t.Errorf("officer W's list %v, want [%d]", got, id)
	}
}

// Retiring (迁出/注销) keeps the row and its history, takes the
// organization off the map and lists, and ends its liaison assignment.
func TestRetireOrganization(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	id := ez.org(t, fx, "物流", orb.Point{115.05, 36.05})
	var liaisonID int64
	if err := fx.db.Pool.QueryRow(t.Context(), `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '退出测试联络员', $2, ST_SetSRID(ST_MakePoint(115.02, 36.02), 4326)) RETURNING id`, ez.zoneID, ez.w.ID).Scan(&liaisonID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.Pool.Exec(t.Context(), `INSERT INTO assignment (org_id, liaison_id, cause, valid_from)
VALUES ($1, $2, 'rule', now() - interval '3 days')`, id, liaisonID); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/organizations/%d/retire", id)
	v := readOrg(t, fx, ez.admin, id).Properties.Version
	past := time.Now().AddDate(0, 0, -7).Format(time.DateOnly)
	for _, bad := range []struct {
		who         persona
		body, field string
		status      int
	}{
		{ez.officerW, fmt.Sprintf(`{"kind":"closed","date":"%s","version":%d}`, past, v), "kind", 400},
		{ez.officerW, fmt.Sprintf(`{"kind":"moved_out","date":"30/11/2026","version":%d}`, v), "date", 400},
		{ez.officerW, fmt.Sprintf(`{"kind":"moved_out","date":"%s","version":%d}`, time.Now().AddDate(0, 0, 3).Format(time.DateOnly), v), "date", 400},
		{ez.officerW, `{"kind":"moved_out","date":"` + past + `"}`, "version", 400},
		{ez.officerW, fmt.Sprintf(`{"kind":"moved_out","date":"%s","version":%d}`, past, v+1), "", 409},
		{ez.offE, fmt.Sprintf(`{"kind":"moved_out","date":"%s","version":%d}`, past, v), "", 404},
	} {
		status, _, body := fx.do(t, bad.who, "POST", path, bad.body)
		if status != bad.status {
			t.Errorf("%s: %d %s, want %d", bad.body, status, body, bad.status)
		}
		if bad.field != "" {
			wantField(t, body, bad.field)
		}
	}

	status, _, body := fx.do(t, ez.officerW, "POST", path, fmt.Sprintf(`{"kind":"moved_out","date":"%s","note":"迁往郑州","version":%d}`, past, v))
	if status != 200 {
		t.Fatalf("retire: %d %s", status, body)
	}
	p := decodeOrg(t, body)
	if p.Properties.Status != "moved_out" || p.Properties.RetiredAt == nil || *p.Properties.RetiredAt != past ||
		p.Properties.RetiredNote != "迁往郑州" || p.Properties.LiaisonID != nil || p.Properties.Version != v+1 {
		t.Errorf("retired: %s", body)
	}
	wantGrid(t, p, ez.w.ID, "territory") // its last grid, for history

	listed := func(query string) bool {
		status, _, body := fx.do(t, ez.admin, "GET", "/api/v1/organizations?grid="+fmt.Sprint(ez.w.ID)+query, "")
		if status != 200 {
			t.Fatalf("list: %d %s", status, body)
		}
		var fc struct{ Features []orgProps }
		json.Unmarshal(body, &fc)
		for _, f := range fc.Features {
			if f.ID == id {
				return true
			}
		}
		return false
	}
	if listed("") || !listed("&status=retired") || !listed("&status=all") || listed("&status=active") {
		t.Error("retired organization: default/retired/all/active listing wrong")
	}
	if n := fx.count(t, `SELECT count(*) FROM assignment WHERE org_id = $1 AND valid_to IS NULL`, id); n != 0 {
		t.Errorf("%d active assignments left", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM assignment WHERE org_id = $1`, id); n != 1 {
		t.Errorf("%d assignment rows, want the closed one kept", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM audit_log WHERE action = 'org_retire' AND target = $1
  AND detail->>'kind' = 'moved_out' AND (detail->>'assignments_ended')::int = 1`, fmt.Sprintf("organization:%d", id)); n != 1 {
		t.Errorf("%d audit rows of the retirement", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM organization WHERE id = $1`, id); n != 1 {
		t.Error("the row is gone")
	}
	// Retired: no more changes.
	status, _, body = fx.do(t, ez.admin, "POST", path, fmt.Sprintf(`{"kind":"deregistered","date":"2025-12-01","version":%d}`, v+1))
	if status != http.StatusConflict {
		t.Errorf("retire again: %d %s", status, body)
	}
	patchOrg(t, fx, ez.admin, id, `"employees":3`, http.StatusConflict)
}

// Concurrent writers that reload and retry on 409 never lose an update:
// each one's increment lands.
func TestPatchConcurrentIncrements(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	id := ez.org(t, fx, "物流", orb.Point{115.05, 36.05})
	start := readOrg(t, fx, ez.admin, id).Properties.Employees
	const writers = 8
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for try := 0; try < 100; try++ {
				cur := readOrg(t, fx, ez.officerW, id).Properties
				status, _, body := fx.do(t, ez.officerW, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", id),
					fmt.Sprintf(`{"version":%d,"employees":%d}`, cur.Version, cur.Employees+1))
				switch status {
				case http.StatusOK:
					return
				case http.StatusConflict:
					continue
				}
				t.Errorf("PATCH: %d %s", status, body)
				return
			}
			t.Error("no success in 100 tries")
		}()
	}
	wg.Wait()
	if got := readOrg(t, fx, ez.admin, id).Properties.Employees; got != start+writers {
		t.Errorf("employees %d, want %d: an update was lost", got, start+writers)
	}
	if n := fx.count(t, `SELECT count(*) FROM audit_log WHERE action = 'org_update' AND target = $1`, fmt.Sprintf("organization:%d", id)); n != writers {
		t.Errorf("%d audit rows, want %d", n, writers)
	}
}

// The new routes' real answers match the OpenAPI document, unlocated
// (null geometry) and retired organizations included.
func TestOrgWritesMatchOpenAPI(t *testing.T) {
	fx := setup(t)
	ez := newEditZone(t, fx)
	doc := openAPIDoc(t, fx)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	code := func(i int) string { return testUSCC(int(ez.zoneID%1000)*1000 + 970 + i) }
	located := ez.org(t, fx, "物流", orb.Point{115.05, 36.05})
	path := fmt.Sprintf("/api/v1/organizations/%d", located)
	v := fx.orgRow(t, located).version
	checks := []apiCheck{
		{p: ez.officerW, method: "POST", target: "/api/v1/organizations", status: 201,
			body: newOrgBody("文档甲公司", code(1), "物流", point(115.04, 36.03))},
		{p: ez.admin, method: "POST", target: "/api/v1/organizations", status: 201,
			body: newOrgBody("文档乙公司", code(2), "物流", "")},
		{p: ez.officerW, method: "POST", target: "/api/v1/organizations", status: 403,
			body: newOrgBody("文档丙公司", code(3), "新能源", point(115.04, 36.03))},
		{p: ez.officerW, target: "/api/v1/organizations?located=false"},
		{p: ez.admin, method: "PATCH", target: path, body: fmt.Sprintf(`{"version":%d,"industry":"新能源","geometry":{"type":"Point","coordinates":[115.12,36.03]}}`, v)},
		{p: ez.admin, method: "PATCH", target: path, body: fmt.Sprintf(`{"version":%d,"grid_id":%d,"grid_reason":"manual"}`, v+1, ez.w.ID)},
		{p: ez.admin, method: "PATCH", target: path, body: fmt.Sprintf(`{"version":%d,"grid_id":null}`, v+2)},
		{p: ez.admin, method: "POST", target: path + "/retire", body: fmt.Sprintf(`{"kind":"deregistered","date":"2025-12-01","note":"注销","version":%d}`, v+3)},
		{p: ez.admin, method: "POST", target: path + "/retire", status: 409, body: fmt.Sprintf(`{"kind":"deregistered","date":"2025-12-01","version":%d}`, v+4)},
		{p: ez.admin, target: "/api/v1/organizations?status=retired"},
		{p: ez.admin, target: path},
	}
	for _, ck := range checks {
		if ck.method == "" {
			ck.method = http.MethodGet
		}
		if ck.status == 0 {
			ck.status = http.StatusOK
		}
		t.Run(ck.method+" "+ck.target, func(t *testing.T) {
			status, header, body := fx.do(t, ck.p, ck.method, ck.target, ck.body)
			if status != ck.status {
				t.Fatalf("status %d, want %d: %s", status, ck.status, body)
			}
			validateAgainst(t, router, ck, status, header, body)
		})
	}
}
