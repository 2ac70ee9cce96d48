package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/server"
)

// twoZones is a deployment of two adjacent zones, each with a grid of
// the same code, organizations, a liaison, and its own admin, officer and
// planner (review 3 blocker 3).
type twoZones struct {
	srv      *server.Server
	db       *postgis.DB
	sessions map[string]string // by username
	// per zone (0 and 1): its id, grid, organizations and liaison
	zone    [2]int64
	grid    [2]int64
	orgs    [2][]int64
	liaison [2]int64
}

func buildTwoZones(t *testing.T) *twoZones {
	t.Helper()
	ctx := context.Background()
	_, db := ownDatabase(t, "gridgis_test_zones")
	rect := func(x0, x1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, 33}, {x1, 33}, {x1, 33.05}, {x0, 33.05}, {x0, 33}}}}
	}
	z := &twoZones{sessions: map[string]string{}, db: db}
	web := t.TempDir()
	if err := os.WriteFile(web+"/index.html", []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	z.srv = server.New(server.Config{WebDir: web, EventStreamMax: 200 * time.Millisecond}, db, discardLog)
	for i, x := range []float64{113, 113.05} {
		zone, err := db.CreateZone(ctx, grid.Zone{Code: fmt.Sprintf("zone-%d", i), Name: fmt.Sprintf("园区%d", i), Boundary: rect(x, x+0.05)})
		if err != nil {
			t.Fatal(err)
		}
		z.zone[i] = zone.ID
		g, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "G01", Name: "新材料产业网格", Industry: "新材料", Geom: rect(x, x+0.05)})
		if err != nil {
			t.Fatal(err)
		}
		z.grid[i] = g.ID
		for j := range 2 {
			o, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: fmt.Sprintf("园区%d测试%d有限公司", i, j),
				USCC: testUSCC(910000 + 10*i + j), Kind: grid.KindEnterprise, Industry: "新材料", Employees: 10, PartyMembers: 3,
				PartyOrg: grid.PartyStandalone, Location: orb.Point{x + 0.01 + 0.02*float64(j), 33.02}})
			if err != nil {
				t.Fatal(err)
			}
			z.orgs[i] = append(z.orgs[i], o.ID)
		}
		if _, err := db.AssignGrids(ctx, zone.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '联络员', $2, ST_SetSRID(ST_MakePoint($3, 33.02), 4326)) RETURNING id`, zone.ID, g.ID, x+0.01).Scan(&z.liaison[i]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause, valid_from) VALUES ($1, $2, 'rule', now() - interval '1 day')`,
			z.orgs[i][0], z.liaison[i]); err != nil {
			t.Fatal(err)
		}
		for _, role := range []grid.Role{grid.RoleAdmin, grid.RoleOfficer, grid.RolePlanner} {
			var grids []string
			if role == grid.RoleOfficer {
				grids = []string{"G01"}
			}
			z.addUser(t, grid.User{ZoneID: zone.ID, Username: fmt.Sprintf("z%d-%s", i, role), Role: role}, grids)
		}
	}
	return z
}

// addUser adds u and signs them in.
func (z *twoZones) addUser(t *testing.T, u grid.User, grids []string) {
	t.Helper()
	hash, err := grid.HashPassword("pw-" + u.Username + "-Secret-7f3a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.db.CreateUser(context.Background(), u, hash, grids); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, u.Username, "pw-"+u.Username+"-Secret-7f3a")
	resp, err := z.srv.App().Test(jsonRequest(http.MethodPost, "/api/v1/session", body), -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "gridgis_session" {
			z.sessions[u.Username] = c.Value
		}
	}
	if z.sessions[u.Username] == "" {
		t.Fatalf("login %s: status %d", u.Username, resp.StatusCode)
	}
}

func (z *twoZones) get(t *testing.T, user, path string) (int, []byte) {
	t.Helper()
	return z.do(t, user, http.MethodGet, path, "")
}

func (z *twoZones) do(t *testing.T, user, method, path, body string) (int, []byte) {
	t.Helper()
	req := jsonRequest(method, path, body)
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: z.sessions[user]})
	status, _, out := send(t, z.srv, req)
	return status, out
}

// featureIDs reads the ids of a FeatureCollection answered at path.
func (z *twoZones) featureIDs(t *testing.T, user, path string) []int64 {
	t.Helper()
	status, body := z.get(t, user, path)
	if status != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", user, path, status, body)
	}
	var fc struct {
		Features []struct {
			ID         int64          `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("%s %s: %v: %s", user, path, err, body)
	}
	ids := []int64{}
	for _, f := range fc.Features {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return ids
}

// Every reading route keeps to the caller's zone: its grids, their
// organizations and liaisons, coverage, statistics and tiles; the other
// zone's grid is not found.
func TestZonesSeeOnlyTheirOwn(t *testing.T) {
	z := buildTwoZones(t)
	tile := geo.TileAt(orb.Point{113.05, 33.025}, 10)
	for i := range 2 {
		other := 1 - i
		for _, role := range []grid.Role{grid.RoleAdmin, grid.RoleOfficer, grid.RolePlanner} {
			user := fmt.Sprintf("z%d-%s", i, role)
			wantGrids := []int64{z.grid[i]}
			for _, path := range []string{"/api/v1/grids", "/ogc/collections/grids/items", "/api/v1/coverage?indicator=party_org"} {
				if got := z.featureIDs(t, user, path); !slices.Equal(got, wantGrids) {
					t.Errorf("%s %s: grids %v, want %v (zone %d's)", user, path, got, wantGrids, z.zone[i])
				}
			}
			if status, _ := z.get(t, user, fmt.Sprint("/api/v1/grids/", z.grid[other])); status != http.StatusNotFound {
				t.Errorf("%s: the other zone's grid: status %d, want 404", user, status)
			}
			if status, _ := z.get(t, user, fmt.Sprint("/ogc/collections/grids/items/", z.grid[other])); status != http.StatusNotFound {
				t.Errorf("%s: the other zone's OGC grid: status %d, want 404", user, status)
			}
			for _, path := range []string{"/api/v1/organizations", "/ogc/collections/organizations/items"} {
				if got := z.featureIDs(t, user, path); !slices.Equal(got, z.orgs[i]) {
					t.Errorf("%s %s: organizations %v, want %v", user, path, got, z.orgs[i])
				}
			}
			if got := z.featureIDs(t, user, "/api/v1/liaisons"); !slices.Equal(got, []int64{z.liaison[i]}) {
				t.Errorf("%s liaisons: %v, want [%d]", user, got, z.liaison[i])
			}
			// Coverage totals and statistics name the caller's zone only.
			_, body := z.get(t, user, "/api/v1/coverage?indicator=party_org")
			var cov struct {
				Zones []grid.ZoneRate `json:"zones"`
			}
			if err := json.Unmarshal(body, &cov); err != nil || len(cov.Zones) != 1 || cov.Zones[0].ZoneID != z.zone[i] {
				t.Errorf("%s coverage zones: %s", user, body)
			}
			status, body := z.get(t, user, "/api/v1/stats?by=zone")
			var st grid.Stats
			if err := json.Unmarshal(body, &st); err != nil || status != http.StatusOK {
				t.Fatalf("%s stats: %d %s", user, status, body)
			}
			for _, g := range st.Groups {
				if g.Key != fmt.Sprint(z.zone[i]) {
					t.Errorf("%s stats: group %q (%s), want zone %d's only", user, g.Key, g.Name, z.zone[i])
				}
			}
			// The grid tile over both zones holds the caller's grid only.
			status, body = z.get(t, user, fmt.Sprintf("/api/v1/tiles/grids/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y))
			if status != http.StatusOK {
				t.Fatalf("%s grid tile: status %d", user, status)
			}
			layers, err := mvt.Unmarshal(body)
			if err != nil || len(layers) != 1 {
				t.Fatalf("%s grid tile: %v", user, err)
			}
			var ids []int64
			for _, f := range layers[0].Features {
				ids = append(ids, int64(f.ID.(float64)))
			}
			if !slices.Equal(ids, wantGrids) {
				t.Errorf("%s grid tile: grids %v, want %v", user, ids, wantGrids)
			}
		}
	}
}

// searchFound answers the (kind, id) pairs user's search for q finds.
func (z *twoZones) searchFound(t *testing.T, user, q string) []string {
	t.Helper()
	status, body := z.get(t, user, "/api/v1/search?q="+url.QueryEscape(q))
	if status != http.StatusOK {
		t.Fatalf("%s search %q: status %d: %s", user, q, status, body)
	}
	var out struct {
		Results []struct {
			Kind string `json:"kind"`
			ID   int64  `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s search %q: %v: %s", user, q, err, body)
	}
	found := []string{}
	for _, r := range out.Results {
		found = append(found, fmt.Sprint(r.Kind, ":", r.ID))
	}
	slices.Sort(found)
	return found
}

// Search keeps to the caller's zone (review 4 blocker 1): the other
// zone's organizations and its grid of the same code are not found. An
// officer finds the unlocated organizations of their zone they list
// (issue 13 review finding 16), not the other zone's.
func TestZonesSearchOnlyTheirOwn(t *testing.T) {
	z := buildTwoZones(t)
	ctx := context.Background()
	var unplaced [2]int64
	for i := range 2 {
		o, err := z.db.CreateOrg(ctx, grid.Org{ZoneID: z.zone[i], Name: fmt.Sprintf("园区%d待定位有限公司", i),
			USCC: testUSCC(920000 + i), Kind: grid.KindEnterprise, Industry: "新材料", Employees: 5,
			PartyOrg: grid.PartyNone, Unlocated: true})
		if err != nil {
			t.Fatal(err)
		}
		unplaced[i] = o.ID
	}
	for i := range 2 {
		other := 1 - i
		for _, role := range []grid.Role{grid.RoleAdmin, grid.RoleOfficer, grid.RolePlanner} {
			user := fmt.Sprintf("z%d-%s", i, role)
			if got := z.searchFound(t, user, fmt.Sprintf("园区%d测试", other)); len(got) != 0 {
				t.Errorf("%s finds the other zone's organizations: %v", user, got)
			}
			want := []string{fmt.Sprint("org:", z.orgs[i][0]), fmt.Sprint("org:", z.orgs[i][1])}
			if got := z.searchFound(t, user, fmt.Sprintf("园区%d测试", i)); !slices.Equal(got, want) {
				t.Errorf("%s own organizations: %v, want %v", user, got, want)
			}
			if got, want := z.searchFound(t, user, "G01"), []string{fmt.Sprint("grid:", z.grid[i])}; !slices.Equal(got, want) {
				t.Errorf("%s G01: %v, want %v (own zone's grid only)", user, got, want)
			}
			if got := z.searchFound(t, user, fmt.Sprintf("园区%d待定位", other)); len(got) != 0 {
				t.Errorf("%s finds the other zone's unlocated organization: %v", user, got)
			}
			if got, want := z.searchFound(t, user, fmt.Sprintf("园区%d待定位", i)), []string{fmt.Sprint("org:", unplaced[i])}; !slices.Equal(got, want) {
				t.Errorf("%s own unlocated organization: %v, want %v", user, got, want)
			}
		}
	}
}

// problemField reads a problem's field.
func problemField(t *testing.T, body []byte) string {
	t.Helper()
	var p struct {
		Field string `json:"field"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %v: %s", err, body)
	}
	return p.Field
}

// Rebalance plans keep to the caller's zone (review 4 blocker 2): another
// zone's plans are neither built, listed, read nor applied, and its
// capacity is not answered.
func TestZonesRebalanceOnlyTheirOwn(t *testing.T) {
	z := buildTwoZones(t)
	status, body := z.do(t, "z1-admin", http.MethodPost, "/api/v1/rebalance/plans", `{"min":0}`)
	if status != http.StatusCreated {
		t.Fatalf("zone 1's admin builds a plan: status %d: %s", status, body)
	}
	var plan struct {
		ID     int64 `json:"id"`
		ZoneID int64 `json:"zone_id"`
	}
	if err := json.Unmarshal(body, &plan); err != nil || plan.ZoneID != z.zone[1] {
		t.Fatalf("plan: %v %s", err, body)
	}
	status, body = z.do(t, "z0-admin", http.MethodPost, "/api/v1/rebalance/plans", fmt.Sprintf(`{"zone_id":%d,"min":0}`, z.zone[1]))
	if status != http.StatusBadRequest || problemField(t, body) != "zone_id" {
		t.Errorf("zone 0's admin builds a plan for zone 1: status %d: %s, want 400 on zone_id", status, body)
	}
	for _, user := range []string{"z0-admin", "z0-planner"} {
		status, body := z.get(t, user, "/api/v1/rebalance/plans")
		var list struct {
			Plans []struct {
				ID int64 `json:"id"`
			} `json:"plans"`
		}
		if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil {
			t.Fatalf("%s plans: %d %s", user, status, body)
		}
		if len(list.Plans) != 0 {
			t.Errorf("%s lists another zone's plans: %s", user, body)
		}
		for _, path := range []string{fmt.Sprint("/api/v1/rebalance/plans?zone=", z.zone[1]), fmt.Sprint("/api/v1/rebalance/capacity?zone=", z.zone[1])} {
			if status, body := z.get(t, user, path); status != http.StatusBadRequest || problemField(t, body) != "zone" {
				t.Errorf("%s %s: status %d: %s, want 400 on zone", user, path, status, body)
			}
		}
		for _, path := range []string{fmt.Sprint("/api/v1/rebalance/plans/", plan.ID), fmt.Sprint("/api/v1/rebalance/plans/", plan.ID, "/moves")} {
			if status, body := z.get(t, user, path); status != http.StatusNotFound {
				t.Errorf("%s %s: status %d: %s, want 404", user, path, status, body)
			}
		}
	}
	if status, body := z.do(t, "z0-admin", http.MethodPost, fmt.Sprint("/api/v1/rebalance/plans/", plan.ID, "/apply"), ""); status != http.StatusNotFound {
		t.Errorf("zone 0's admin applies zone 1's plan: status %d: %s, want 404", status, body)
	}
	// The plan's own zone still reads and applies it.
	if status, body := z.get(t, "z1-planner", fmt.Sprint("/api/v1/rebalance/plans/", plan.ID, "/moves")); status != http.StatusOK {
		t.Errorf("zone 1's planner reads its plan's moves: status %d: %s", status, body)
	}
	if status, body := z.do(t, "z1-admin", http.MethodPost, fmt.Sprint("/api/v1/rebalance/plans/", plan.ID, "/apply"), ""); status != http.StatusOK {
		t.Errorf("zone 1's admin applies its plan: status %d: %s", status, body)
	}
}

// The audit log keeps to the caller's zone (review 4 blocker 3): an
// admin of one zone reads the rows about it (its users' sign-ins, failed
// ones too, users added to it, plans built for it), none of the other
// zone's.
func TestZonesAuditOnlyTheirOwn(t *testing.T) {
	z := buildTwoZones(t)
	for i := range 2 {
		if status, body := z.do(t, fmt.Sprintf("z%d-admin", i), http.MethodPost, "/api/v1/rebalance/plans", `{"min":0}`); status != http.StatusCreated {
			t.Fatalf("plan: status %d: %s", status, body)
		}
		status, _, _ := send(t, z.srv, jsonRequest(http.MethodPost, "/api/v1/session", fmt.Sprintf(`{"username":"z%d-planner","password":"wrong"}`, i)))
		if status != http.StatusUnauthorized {
			t.Fatalf("a wrong password: status %d", status)
		}
	}
	for i := range 2 {
		status, body := z.get(t, fmt.Sprintf("z%d-admin", i), "/api/v1/audit?limit=1000")
		if status != http.StatusOK {
			t.Fatalf("audit: status %d: %s", status, body)
		}
		var out struct {
			Entries []grid.AuditEntry `json:"entries"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range out.Entries {
			if strings.Contains(e.Target, fmt.Sprintf("z%d-", 1-i)) || strings.Contains(e.Actor, fmt.Sprintf("z%d-", 1-i)) ||
				e.Target == fmt.Sprint("zone:", z.zone[1-i]) {
				t.Errorf("z%d-admin reads the other zone's %s %s by %q", i, e.Action, e.Target, e.Actor)
			}
			seen[e.Action]++
		}
		// Own: 3 users added, 3 sign-ins, 1 failed, 1 plan.
		if seen["user_add"] != 3 || seen["login"] != 3 || seen["login_failed"] != 1 || seen["rebalance_plan_create"] != 1 {
			t.Errorf("z%d-admin reads of their zone: %v, want 3 user_add, 3 login, 1 login_failed, 1 rebalance_plan_create", i, seen)
		}
	}
}

// The OGC collections' extents and the TileJSON bounds are the caller's
// zone's: a map client of one zone is neither zoomed to nor told where
// the other zone lies (review 4 finding 4).
func TestZonesExtentsTheirOwn(t *testing.T) {
	z := buildTwoZones(t)
	for i, west := range []float64{113, 113.05} {
		user := fmt.Sprintf("z%d-admin", i)
		within := func(what string, b []float64) {
			t.Helper()
			if len(b) != 4 || b[0] < west-1e-6 || b[2] > west+0.05+1e-6 {
				t.Errorf("%s %s: %v, want within zone %d's %.2f–%.2f", user, what, b, i, west, west+0.05)
			}
		}
		for _, col := range []string{"grids", "organizations", "liaisons"} {
			status, body := z.get(t, user, "/ogc/collections/"+col)
			var info struct {
				Extent struct {
					Spatial struct {
						BBox [][]float64 `json:"bbox"`
					} `json:"spatial"`
				} `json:"extent"`
			}
			if err := json.Unmarshal(body, &info); err != nil || status != http.StatusOK || len(info.Extent.Spatial.BBox) != 1 {
				t.Fatalf("%s collection %s: %d %s", user, col, status, body)
			}
			within("collection "+col, info.Extent.Spatial.BBox[0])
		}
		status, body := z.get(t, user, "/api/v1/tiles/grids.json")
		var tj struct {
			Bounds []float64 `json:"bounds"`
		}
		if err := json.Unmarshal(body, &tj); err != nil || status != http.StatusOK {
			t.Fatalf("%s TileJSON: %d %s", user, status, body)
		}
		within("TileJSON bounds", tj.Bounds)
	}
}

// An admin of every zone registers an organization in the zone they name
// (zone=, a code or an id); without one among several zones the answer is
// a problem on zone, not a bare 404. An admin of one zone registers in
// theirs only (review 4 finding 5).
func TestZonesPostOrgNamesTheZone(t *testing.T) {
	z := buildTwoZones(t)
	z.addUser(t, grid.User{Username: "every-admin", Role: grid.RoleAdmin}, nil)
	body := func(n int) string {
		return fmt.Sprintf(`{"name":"跨区登记%d有限公司","uscc":%q,"kind":"enterprise","industry":"新材料","employees":5,
"geometry":{"type":"Point","coordinates":[113.07,33.02]}}`, n, testUSCC(930000+n))
	}
	if status, out := z.do(t, "every-admin", http.MethodPost, "/api/v1/organizations", body(1)); status != http.StatusBadRequest || problemField(t, out) != "zone" {
		t.Errorf("an admin of every zone without zone=: status %d: %s, want 400 on zone", status, out)
	}
	status, out := z.do(t, "every-admin", http.MethodPost, "/api/v1/organizations?zone=zone-1", body(2))
	var f struct {
		Properties struct {
			ZoneID int64 `json:"zone_id"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(out, &f); status != http.StatusCreated || err != nil || f.Properties.ZoneID != z.zone[1] {
		t.Errorf("an admin of every zone with zone=zone-1: status %d: %s, want 201 in zone %d", status, out, z.zone[1])
	}
	if status, out := z.do(t, "z0-admin", http.MethodPost, "/api/v1/organizations?zone=zone-1", body(3)); status != http.StatusBadRequest || problemField(t, out) != "zone" {
		t.Errorf("zone 0's admin registering in zone 1: status %d: %s, want 400 on zone", status, out)
	}
}

// TestZonesGapExportNamesOwnGridsOnly: a gap export asked for another
// zone's grid by id must not carry that grid's name in its file name or
// sheet title (walking the ids would list every zone's grids).
func TestZonesGapExportNamesOwnGridsOnly(t *testing.T) {
	z := buildTwoZones(t)
	if _, err := z.db.Pool.Exec(context.Background(), `UPDATE grid SET name = '乙区秘密网格' WHERE id = $1`, z.grid[1]); err != nil {
		t.Fatal(err)
	}
	for _, role := range []grid.Role{grid.RoleAdmin, grid.RoleOfficer, grid.RolePlanner} {
		for _, format := range []string{"csv", "xlsx"} {
			path := fmt.Sprintf("/api/v1/export/organizations.%s?gap=liaison&grid=%d", format, z.grid[1])
			req := jsonRequest(http.MethodGet, path, "")
			req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: z.sessions["z0-"+string(role)]})
			status, header, body := send(t, z.srv, req)
			disposition, _ := url.PathUnescape(header.Get("Content-Disposition"))
			if strings.Contains(disposition, "乙区秘密网格") || bytes.Contains(body, []byte("乙区秘密网格")) {
				t.Errorf("z0-%s %s: status %d names the other zone's grid: %s", role, format, status, disposition)
			}
		}
		// Its own zone's grid is still named.
		req := jsonRequest(http.MethodGet, fmt.Sprintf("/api/v1/export/organizations.csv?gap=liaison&grid=%d", z.grid[0]), "")
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: z.sessions["z0-"+string(role)]})
		_, header, _ := send(t, z.srv, req)
		if disposition, _ := url.PathUnescape(header.Get("Content-Disposition")); !strings.Contains(disposition, "新材料产业网格") {
			t.Errorf("z0-%s: own grid not named: %s", role, disposition)
		}
	}
}
