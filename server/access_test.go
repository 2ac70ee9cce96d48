package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// status per persona, in the order of personas: anonymous, admin,
// officer of G01, officer of G02, liaison (two G01 organizations), planner.
type statuses [6]int

// accessRow is one route of the matrix. Path placeholders: {grid} (G01),
// {orgA} (a G01 organization of the liaison), {orgA2} (a G01 organization
// not theirs), {orgB} (a G02 organization), {adminToken} (a token of the
// admin's).
type accessRow struct {
	method, route, path, body string
	want                      statuses
	// fresh runs the row on a new session, for rows that end it.
	fresh bool
}

const (
	ok         = http.StatusOK
	created    = http.StatusCreated
	noContent  = http.StatusNoContent
	unauth     = http.StatusUnauthorized
	forbidden  = http.StatusForbidden
	notFound   = http.StatusNotFound
	conflict   = http.StatusConflict
	badRequest = http.StatusBadRequest
)

// accessMatrix has a row for every route the server registers; the test
// fails when a route is added without one. Each area of the API keeps its
// rows in its own test file.
var accessMatrix = slices.Concat(coreAccess, tileAccess, ogcAccess, exportAccess, orgWriteAccess, importAccess, requestActionAccess,
	gridImportAccess, searchAccess, baseLayerAccess)

var coreAccess = []accessRow{
	{method: "GET", route: "/healthz", want: statuses{ok, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/readyz", want: statuses{ok, ok, ok, ok, ok, ok}},
	// app.Test's peer is not loopback: anonymous callers are not a local scraper.
	{method: "GET", route: "/metrics", want: statuses{notFound, ok, forbidden, forbidden, forbidden, forbidden}},
	{method: "GET", route: "/", want: statuses{ok, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/config", want: statuses{ok, ok, ok, ok, ok, ok}},
	{method: "POST", route: "/api/v1/session", body: `{"username":"t-nobody-{who}","password":"not-the-password"}`,
		want: statuses{unauth, unauth, unauth, unauth, unauth, unauth}},
	{method: "DELETE", route: "/api/v1/session", fresh: true,
		want: statuses{noContent, noContent, noContent, noContent, noContent, noContent}},
	{method: "GET", route: "/api/v1/me", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "POST", route: "/api/v1/tokens", body: `{"name":"矩阵测试"}`,
		want: statuses{unauth, created, created, created, created, created}},
	{method: "GET", route: "/api/v1/tokens", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "DELETE", route: "/api/v1/tokens/:id", path: "/api/v1/tokens/{adminToken}",
		want: statuses{unauth, noContent, notFound, notFound, notFound, notFound}}, // admin runs last
	{method: "GET", route: "/api/v1/audit", want: statuses{unauth, ok, forbidden, forbidden, forbidden, forbidden}},
	{method: "GET", route: "/api/v1/grids", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/grids/:id", path: "/api/v1/grids/{grid}", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/organizations", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/organizations/:id", path: "/api/v1/organizations/{orgA}",
		want: statuses{unauth, ok, ok, notFound, ok, ok}},
	{method: "GET", route: "/api/v1/organizations/:id", path: "/api/v1/organizations/{orgA2}",
		want: statuses{unauth, ok, ok, notFound, notFound, ok}},
	{method: "GET", route: "/api/v1/organizations/:id", path: "/api/v1/organizations/{orgB}",
		want: statuses{unauth, ok, notFound, ok, notFound, ok}},
	{method: "PATCH", route: "/api/v1/organizations/:id", path: "/api/v1/organizations/{orgA}",
		body: `{"version":{version},"address":"高新区矩阵路1号"}`,
		want: statuses{unauth, ok, ok, notFound, forbidden, forbidden}},
	{method: "PATCH", route: "/api/v1/organizations/:id", path: "/api/v1/organizations/{orgB}",
		body: `{"version":{version},"address":"高新区矩阵路2号"}`,
		want: statuses{unauth, ok, notFound, ok, notFound, forbidden}},
	{method: "GET", route: "/api/v1/liaisons", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/assignments", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/requests", path: "/api/v1/requests?status=open", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "POST", route: "/api/v1/requests", body: `{"org_id":{orgA},"category":"ordinary","title":"矩阵诉求"}`,
		want: statuses{unauth, created, created, badRequest, created, forbidden}},
	{method: "GET", route: "/api/v1/requests/:id", path: "/api/v1/requests/{request}",
		want: statuses{unauth, ok, ok, notFound, ok, ok}},
	// Starting a reported request is refused to everyone: the matrix shows
	// who is refused why (conflict, not assigned to them, role, scope).
	{method: "POST", route: "/api/v1/requests/:id/transitions", path: "/api/v1/requests/{request}/transitions",
		body: `{"action":"start","version":1}`, want: statuses{unauth, conflict, conflict, notFound, forbidden, forbidden}},
	{method: "GET", route: "/api/v1/events", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/units", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/coverage", path: "/api/v1/coverage?indicator=party_org", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/coverage/gaps", path: "/api/v1/coverage/gaps?indicator=liaison", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/*", path: "/some/app/path", want: statuses{ok, ok, ok, ok, ok, ok}},

	// The rebalancer: admins build and apply, planners read. {plan} can
	// never be applied (its fingerprint matches no data): 409 for the
	// admin, so the matrix never changes the fixture's assignments.
	{method: "POST", route: "/api/v1/rebalance/plans", body: `{}`,
		want: statuses{unauth, created, forbidden, forbidden, forbidden, forbidden}},
	{method: "GET", route: "/api/v1/rebalance/plans", want: statuses{unauth, ok, forbidden, forbidden, forbidden, ok}},
	{method: "GET", route: "/api/v1/rebalance/plans/:id", path: "/api/v1/rebalance/plans/{plan}",
		want: statuses{unauth, ok, forbidden, forbidden, forbidden, ok}},
	{method: "GET", route: "/api/v1/rebalance/plans/:id/moves", path: "/api/v1/rebalance/plans/{plan}/moves",
		want: statuses{unauth, ok, forbidden, forbidden, forbidden, ok}},
	{method: "POST", route: "/api/v1/rebalance/plans/:id/apply", path: "/api/v1/rebalance/plans/{plan}/apply",
		want: statuses{unauth, http.StatusConflict, forbidden, forbidden, forbidden, forbidden}},
	{method: "GET", route: "/api/v1/rebalance/capacity", want: statuses{unauth, ok, forbidden, forbidden, forbidden, ok}},
	// Manual assignment: both rows ask for what already is, so nothing
	// changes; officers only in their grid, liaisons and planners 403
	// where they can see the organization.
	{method: "PUT", route: "/api/v1/organizations/:id/liaison", path: "/api/v1/organizations/{orgA}/liaison",
		body: `{"liaison_id":{liaison},"pinned":false}`, want: statuses{unauth, ok, ok, notFound, forbidden, forbidden}},
	{method: "PUT", route: "/api/v1/organizations/:id/liaison", path: "/api/v1/organizations/{orgB}/liaison",
		body: `{"liaison_id":null}`, want: statuses{unauth, ok, notFound, ok, notFound, forbidden}},
	{method: "GET", route: "/api/v1/organizations/:id/contacts", path: "/api/v1/organizations/{orgA}/contacts",
		want: statuses{unauth, ok, ok, notFound, ok, ok}},
	{method: "GET", route: "/api/v1/organizations/:id/contacts", path: "/api/v1/organizations/{orgA2}/contacts",
		want: statuses{unauth, ok, ok, notFound, notFound, ok}},
	{method: "GET", route: "/api/v1/organizations/:id/contacts", path: "/api/v1/organizations/{orgB}/contacts",
		want: statuses{unauth, ok, notFound, ok, notFound, ok}},
	// Logged ten days ago, so that the fixture's 7-day contact figures stay 0.
	{method: "POST", route: "/api/v1/organizations/:id/contacts", path: "/api/v1/organizations/{orgA}/contacts",
		body: `{"kind":"visit","at":"{tenDaysAgo}","note":"矩阵测试走访"}`,
		want: statuses{unauth, created, created, notFound, created, forbidden}},
	{method: "POST", route: "/api/v1/organizations/:id/contacts", path: "/api/v1/organizations/{orgA2}/contacts",
		body: `{"kind":"contact","at":"{tenDaysAgo}"}`,
		want: statuses{unauth, created, created, notFound, notFound, forbidden}},
	{method: "POST", route: "/api/v1/organizations/:id/contacts", path: "/api/v1/organizations/{orgB}/contacts",
		body: `{"kind":"contact","at":"{tenDaysAgo}"}`,
		want: statuses{unauth, created, notFound, created, notFound, forbidden}},
	{method: "GET", route: "/api/v1/stats", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/stats", path: "/api/v1/stats?by=liaison", want: statuses{unauth, ok, ok, ok, ok, ok}},
}

// runOrder runs the admin last, so that a row whose admin call changes
// state (revoking the admin's token) is checked for the others first.
var runOrder = []int{0, 2, 3, 4, 5, 1}

func TestAccessMatrix(t *testing.T) {
	fx := setup(t)
	// The admin's token that other personas must not see or revoke.
	status, _, body := fx.do(t, admin, "POST", "/api/v1/tokens", `{"name":"admin-token"}`)
	if status != created {
		t.Fatalf("create admin token: %d %s", status, body)
	}
	var tok struct{ ID int64 }
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	// A reported request on the liaison's organization; the requests the
	// matrix reports are removed afterwards.
	t.Cleanup(func() {
		if _, err := fx.db.Pool.Exec(context.Background(), `DELETE FROM request WHERE title = '矩阵诉求'`); err != nil {
			t.Error(err)
		}
	})
	req := fx.newRequest(t, admin, fx.orgs[0].ID, "矩阵诉求")
	expand := strings.NewReplacer("{request}", id(req.ID),
		"{grid}", id(fx.grids[0].ID), "{orgA}", id(fx.orgs[0].ID), "{orgA2}", id(fx.orgs[2].ID),
		"{orgB}", id(fx.orgs[4].ID), "{adminToken}", id(tok.ID), "{plan}", id(fx.stalePlan(t)),
		"{job}", id(fx.dryRunJob(t)))

	for _, row := range accessMatrix {
		path := row.path
		if path == "" {
			path = row.route
		}
		path = expand.Replace(path)
		for _, i := range runOrder {
			p := personas[i]
			t.Run(row.method+" "+path+" as "+string(p), func(t *testing.T) {
				runner := fx
				if row.fresh && p != anonymous {
					sid, err := fx.login(p)
					if err != nil {
						t.Fatal(err)
					}
					runner = fx.withSession(p, sid)
				}
				body := strings.NewReplacer("{who}", string(p), "{version}", fx.versionAt(t, path),
					"{liaison}", id(fx.liaisonID), "{tenDaysAgo}", time.Now().Add(-10*24*time.Hour).Format(time.RFC3339)).
					Replace(expand.Replace(row.body))
				status, _, got := runner.do(t, p, row.method, path, body)
				if status != row.want[i] {
					t.Errorf("status %d, want %d: %s", status, row.want[i], got)
				}
			})
		}
	}
}

// withSession is fx with persona p signed in on session sid instead.
func (fx *fixture) withSession(p persona, sid string) *fixture {
	copy := *fx
	copy.sessions = map[persona]string{p: sid}
	return &copy
}

// Every registered route has a row in the matrix.
func TestAccessMatrixCoversEveryRoute(t *testing.T) {
	fx := setup(t)
	covered := map[string]bool{}
	for _, row := range accessMatrix {
		covered[row.method+" "+row.route] = true
	}
	for _, r := range fx.srv.App().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue
		}
		if !covered[r.Method+" "+r.Path] {
			t.Errorf("route %s %s has no row in accessMatrix", r.Method, r.Path)
		}
	}
}

// Lists and counts never leak rows outside the caller's scope.
func TestScopedListing(t *testing.T) {
	fx := setup(t)
	inGrid := map[int64]int{}
	for _, o := range fx.orgs {
		var g int64
		if err := fx.db.Pool.QueryRow(t.Context(), "SELECT grid_id FROM organization WHERE id = $1", o.ID).Scan(&g); err != nil {
			t.Fatal(err)
		}
		inGrid[g]++
	}
	bbox := "?bbox=112.99,32.99,113.21,33.11"
	tests := []struct {
		p         persona
		want      int
		wantGrids []int64
	}{
		{admin, 25, nil},
		{planner, 25, nil},
		{officerA, inGrid[fx.grids[0].ID], []int64{fx.grids[0].ID}},
		{officerB, inGrid[fx.grids[1].ID], []int64{fx.grids[1].ID}},
		{liaison, 2, []int64{fx.grids[0].ID}},
	}
	for _, tt := range tests {
		t.Run(string(tt.p), func(t *testing.T) {
			c := getCollection(t, fx, tt.p, "/api/v1/organizations"+bbox)
			if len(c.Features) != tt.want {
				t.Errorf("%d organizations, want %d", len(c.Features), tt.want)
			}
			for _, f := range c.Features {
				g := int64(f.Properties["grid_id"].(float64))
				if tt.wantGrids != nil && g != tt.wantGrids[0] {
					t.Errorf("organization %d of grid %d leaked", f.ID, g)
				}
			}
			// Grid outlines and aggregate counts are for everyone.
			if grids := getCollection(t, fx, tt.p, "/api/v1/grids"); len(grids.Features) < 2 {
				t.Errorf("%d grids, want every grid", len(grids.Features))
			}
		})
	}
}

// versionAt is the current version of the organization a path names, or
// "0" when it names none.
func (fx *fixture) versionAt(t *testing.T, path string) string {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/api/v1/organizations/"), 10, 64)
	if err != nil {
		return "0"
	}
	var v int
	if err := fx.db.Pool.QueryRow(t.Context(), "SELECT version FROM organization WHERE id = $1", id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(v)
}
