package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// persona is who a test request comes from.
type persona string

// The personas of the access matrix.
const (
	anonymous persona = "anonymous"
	admin     persona = "admin"
	officerA  persona = "officer_a" // grid G01
	officerB  persona = "officer_b" // grid G02
	liaison   persona = "liaison"   // two organizations in G01
	planner   persona = "planner"
)

var personas = []persona{anonymous, admin, officerA, officerB, liaison, planner}

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is a small zone whose contents the tests know exactly, a user
// per persona, and a server whose log the tests read.
type fixture struct {
	srv       *server.Server
	db        *postgis.DB
	zone      grid.Zone
	grids     []grid.Grid
	orgs      []grid.Org
	liaisonID int64
	// passwords and sessions per persona; logs is everything the server
	// logged.
	passwords map[persona]string
	sessions  map[persona]string
	logs      *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	fixtureOnce sync.Once
	shared      *fixture
)

func testUSCC(n int) string {
	body := fmt.Sprintf("91410400MA%07d", n)
	c, _ := grid.USCCCheckChar(body)
	return body + string(c)
}

// setup builds the fixture once for the package: two grids sharing an edge
// (the left one drawn clockwise, to prove the API rewinds it), 25
// organizations on a 5 × 5 lattice over both, a liaison with the first two
// organizations, and a signed-in session per persona.
func setup(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		fx, err := buildFixture()
		if err != nil {
			t.Errorf("fixture: %v", err)
			return
		}
		shared = fx
	})
	if shared == nil {
		t.Fatal("fixture set-up failed")
	}
	return shared
}

func buildFixture() (*fixture, error) {
	ctx := context.Background()
	db, err := postgis.Open(ctx, testDSN)
	if err != nil {
		return nil, err
	}
	fx := &fixture{db: db, passwords: map[persona]string{}, sessions: map[persona]string{}, logs: &syncBuffer{}}
	fx.zone, err = db.CreateZone(ctx, grid.Zone{Code: "api-test", Name: "接口测试区",
		Boundary: orb.MultiPolygon{{{{113, 33}, {113.2, 33}, {113.2, 33.1}, {113, 33.1}, {113, 33}}}}})
	if err != nil {
		return nil, err
	}
	for _, g := range []grid.Grid{
		{Code: "G01", Name: "新材料产业网格", Industry: "新材料", Officer: "王芳", Instructor: "李强",
			Geom: orb.MultiPolygon{{{{113, 33}, {113, 33.1}, {113.1, 33.1}, {113.1, 33}, {113, 33}}}}}, // clockwise
		{Code: "G02", Name: "新能源产业网格", Industry: "新能源", Officer: "张伟", Instructor: "刘洋",
			Geom: orb.MultiPolygon{{{{113.1, 33}, {113.2, 33}, {113.2, 33.1}, {113.1, 33.1}, {113.1, 33}}}}},
	} {
		g.ZoneID = fx.zone.ID
		if g, err = db.CreateGrid(ctx, g); err != nil {
			return nil, err
		}
		fx.grids = append(fx.grids, g)
	}
	for i := 0; i < 25; i++ {
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: fx.zone.ID, Name: fmt.Sprintf("平顶山测试%02d有限公司", i),
			USCC: testUSCC(700000 + i), Kind: grid.OrgKinds[i%3], Industry: "物流",
			Employees: 50, PartyMembers: 3, PartyOrg: grid.PartyStandalone,
			Location: orb.Point{113.01 + 0.04*float64(i%5), 33.01 + 0.02*float64(i/5)}})
		if err != nil {
			return nil, err
		}
		fx.orgs = append(fx.orgs, o)
	}
	if _, err := db.AssignGrids(ctx, fx.zone.ID); err != nil {
		return nil, err
	}
	// Organizations 0 and 1 lie in G01 and belong to the liaison.
	if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '测试联络员', $2, ST_SetSRID(ST_MakePoint(113.02, 33.02), 4326)) RETURNING id`,
		fx.zone.ID, fx.grids[0].ID).Scan(&fx.liaisonID); err != nil {
		return nil, err
	}
	for _, o := range fx.orgs[:2] {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause) VALUES ($1, $2, 'rule')`,
			o.ID, fx.liaisonID); err != nil {
			return nil, err
		}
	}

	users := map[persona]struct {
		role  grid.Role
		grids []string
	}{
		admin: {grid.RoleAdmin, nil}, officerA: {grid.RoleOfficer, []string{"G01"}},
		officerB: {grid.RoleOfficer, []string{"G02"}}, liaison: {grid.RoleLiaison, nil}, planner: {grid.RolePlanner, nil},
	}
	for p, spec := range users {
		u := grid.User{ZoneID: fx.zone.ID, Username: "t-" + strings.ReplaceAll(string(p), "_", "-"), Role: spec.role}
		if spec.role == grid.RoleLiaison {
			u.LiaisonID = fx.liaisonID
		}
		fx.passwords[p] = "pw-" + string(p) + "-Secret-7f3a"
		hash, err := grid.HashPassword(fx.passwords[p])
		if err != nil {
			return nil, err
		}
		if _, err := db.CreateUser(ctx, u, hash, spec.grids); err != nil {
			return nil, err
		}
	}
	// A stand-in for the built app, so the server registers its routes.
	web, err := os.MkdirTemp("", "gridgis-web")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		return nil, err
	}
	// Event streams end at once, so that app.Test can read them whole.
	fx.srv = server.New(server.Config{WebDir: web, EventStreamMax: 200 * time.Millisecond}, db, slog.New(slog.NewTextHandler(fx.logs, nil)))
	for p := range users {
		if fx.sessions[p], err = fx.login(p); err != nil {
			return nil, err
		}
	}
	return fx, nil
}

// username is the test user of persona p.
func username(p persona) string { return "t-" + strings.ReplaceAll(string(p), "_", "-") }

// login signs p in and returns the new session cookie's value.
func (fx *fixture) login(p persona) (string, error) {
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username(p), fx.passwords[p])
	resp, err := fx.srv.App().Test(jsonRequest(http.MethodPost, "/api/v1/session", body), -1)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login %s: status %d", p, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "gridgis_session" {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("login %s: no session cookie", p)
}

func jsonRequest(method, target, body string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// do sends a request as persona p (with their session cookie) through the
// real Fiber app; extra headers come in name, value pairs.
func (fx *fixture) do(t *testing.T, p persona, method, target, body string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req := jsonRequest(method, target, body)
	if sid := fx.sessions[p]; sid != "" {
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: sid})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, fx.srv, req)
}

func send(t *testing.T, srv *server.Server, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, resp.Header, body
}

// migratedDatabase makes database name afresh beside the package's, with
// every migration, for a fixture whose writes the shared one must not
// see; it returns its connection string.
// ownDatabase gives the test a migrated database of its own, named
// prefix_PID, and drops it when the test ends.
func ownDatabase(t *testing.T, prefix string) (string, *postgis.DB) {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("%s_%d", prefix, os.Getpid())
	dsn, err := migratedDatabase(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgis.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		admin, err := postgis.Open(context.Background(), testDSN)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if err := pgtest.Drop(context.Background(), admin.Pool, name); err != nil {
			t.Error(err)
		}
	})
	return dsn, db
}

func migratedDatabase(ctx context.Context, name string) (string, error) {
	admin, err := postgis.Open(ctx, testDSN)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.Pool.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := admin.Pool.Exec(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", err
	}
	dsn := pgtest.WithDatabase(testDSN, name)
	return dsn, postgis.Migrate(ctx, dsn)
}
