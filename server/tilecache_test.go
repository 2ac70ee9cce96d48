package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// cacheFixture is a zone of its own database (the tile cache tests write,
// and the shared fixture's tests count what they see): two grids, 25
// organizations, a liaison with two of them, and signed-in users; and a
// second zone (zoneB) of one grid and five organizations with an admin of
// its own, and an admin of every zone.
type cacheFixture struct {
	dsn       string
	db        *postgis.DB
	zone      grid.Zone
	grids     []grid.Grid
	orgs      []grid.Org
	zoneB     grid.Zone
	orgsB     []grid.Org
	liaisonID int64
	sessions  map[persona]string
	uscc      atomic.Int64
}

// countingStore is the real store, counting the tiles it renders and the
// times its tile watcher starts listening. watch, when set, is the store
// whose connection the watcher uses (a proxied one, to take it away).
type countingStore struct {
	*postgis.DB
	watch   *postgis.DB
	renders atomic.Int64
	listens atomic.Int64
	// authLookups counts the credentials looked up in the database,
	// authListens the times the sign-in cache's watcher starts listening
	// (authcache_test.go).
	authLookups atomic.Int64
	authListens atomic.Int64
	// hold, when held is set, is a tile whose render waits: it tells
	// held that it started, then waits for release to close.
	hold    geo.Tile
	held    chan struct{}
	release chan struct{}
}

func (s *countingStore) Tile(ctx context.Context, layer grid.TileLayer, t geo.Tile, scope grid.Scope) ([]byte, error) {
	s.renders.Add(1)
	if s.held != nil && t == s.hold {
		select {
		case s.held <- struct{}{}:
		default:
		}
		<-s.release
	}
	return s.DB.Tile(ctx, layer, t, scope)
}

func (s *countingStore) WatchTiles(ctx context.Context, changed func(grid.TileLayer, int64), status func(error)) {
	w := s.DB
	if s.watch != nil {
		w = s.watch
	}
	w.WatchTiles(ctx, changed, func(err error) {
		if err == nil {
			s.listens.Add(1)
		}
		status(err)
	})
}

// The second zone's admin and an admin of every zone.
const (
	adminB   persona = "admin_b"
	province persona = "province"
)

// cacheUsers are the fixture's users; zone is 'A', 'B' or 0 for every zone.
var cacheUsers = map[persona]struct {
	role  grid.Role
	grids []string
	zone  byte
}{
	admin: {grid.RoleAdmin, nil, 'A'}, officerA: {grid.RoleOfficer, []string{"G01"}, 'A'},
	officerB: {grid.RoleOfficer, []string{"G02"}, 'A'}, liaison: {grid.RoleLiaison, nil, 'A'},
	adminB: {grid.RoleAdmin, nil, 'B'}, province: {grid.RoleAdmin, nil, 0},
}

func buildCacheFixture(t *testing.T) *cacheFixture {
	t.Helper()
	ctx := context.Background()
	dsn, db := ownDatabase(t, "gridgis_test_tilecache")
	var err error
	fx := &cacheFixture{dsn: dsn, db: db, sessions: map[persona]string{}}
	fx.uscc.Store(800000)
	if fx.zone, err = db.CreateZone(ctx, grid.Zone{Code: "cache-test", Name: "缓存测试区",
		Boundary: orb.MultiPolygon{{{{113, 33}, {113.2, 33}, {113.2, 33.1}, {113, 33.1}, {113, 33}}}}}); err != nil {
		t.Fatal(err)
	}
	for i, x := range []float64{113, 113.1} {
		g, err := db.CreateGrid(ctx, grid.Grid{ZoneID: fx.zone.ID, Code: fmt.Sprintf("G%02d", i+1), Name: "产业网格",
			Industry: "物流", Geom: orb.MultiPolygon{{{{x, 33}, {x + 0.1, 33}, {x + 0.1, 33.1}, {x, 33.1}, {x, 33}}}}})
		if err != nil {
			t.Fatal(err)
		}
		fx.grids = append(fx.grids, g)
	}
	for i := 0; i < 25; i++ {
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: fx.zone.ID, Name: fmt.Sprintf("缓存测试%02d有限公司", i),
			USCC: testUSCC(int(fx.uscc.Add(1))), Kind: grid.OrgKinds[i%3], Industry: "物流",
			Employees: 50, PartyMembers: 3, PartyOrg: grid.PartyStandalone,
			Location: orb.Point{113.01 + 0.04*float64(i%5), 33.01 + 0.02*float64(i/5)}})
		if err != nil {
			t.Fatal(err)
		}
		fx.orgs = append(fx.orgs, o)
	}
	if _, err := db.AssignGrids(ctx, fx.zone.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '缓存联络员', $2, ST_SetSRID(ST_MakePoint(113.02, 33.02), 4326)) RETURNING id`,
		fx.zone.ID, fx.grids[0].ID).Scan(&fx.liaisonID); err != nil {
		t.Fatal(err)
	}
	for _, o := range fx.orgs[:2] {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause) VALUES ($1, $2, 'rule')`,
			o.ID, fx.liaisonID); err != nil {
			t.Fatal(err)
		}
	}
	if fx.zoneB, err = db.CreateZone(ctx, grid.Zone{Code: "cache-test-b", Name: "缓存测试二区",
		Boundary: orb.MultiPolygon{{{{114, 33}, {114.1, 33}, {114.1, 33.1}, {114, 33.1}, {114, 33}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGrid(ctx, grid.Grid{ZoneID: fx.zoneB.ID, Code: "H01", Name: "产业网格", Industry: "物流",
		Geom: orb.MultiPolygon{{{{114, 33}, {114.1, 33}, {114.1, 33.1}, {114, 33.1}, {114, 33}}}}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: fx.zoneB.ID, Name: fmt.Sprintf("缓存二区%02d有限公司", i),
			USCC: testUSCC(int(fx.uscc.Add(1))), Kind: grid.OrgKinds[i%3], Industry: "物流",
			Employees: 50, PartyMembers: 3, PartyOrg: grid.PartyStandalone,
			Location: orb.Point{114.01 + 0.02*float64(i), 33.05}})
		if err != nil {
			t.Fatal(err)
		}
		fx.orgsB = append(fx.orgsB, o)
	}
	if _, err := db.AssignGrids(ctx, fx.zoneB.ID); err != nil {
		t.Fatal(err)
	}
	srv, _ := fx.serve(t, server.Config{}, nil)
	for p, spec := range cacheUsers {
		u := grid.User{Username: "c-" + strings.ReplaceAll(string(p), "_", "-"), Role: spec.role}
		switch spec.zone {
		case 'A':
			u.ZoneID = fx.zone.ID
		case 'B':
			u.ZoneID = fx.zoneB.ID
		}
		if spec.role == grid.RoleLiaison {
			u.LiaisonID = fx.liaisonID
		}
		password := "pw-" + string(p) + "-Cache-7f3a"
		hash, err := grid.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, u, hash, spec.grids); err != nil {
			t.Fatal(err)
		}
		status, header, body := send(t, srv, jsonRequest("POST", "/api/v1/session",
			fmt.Sprintf(`{"username":%q,"password":%q}`, u.Username, password)))
		if status != http.StatusOK {
			t.Fatalf("login %s: %d %s", p, status, body)
		}
		for _, c := range (&http.Response{Header: header}).Cookies() {
			if c.Name == "gridgis_session" {
				fx.sessions[p] = c.Value
			}
		}
	}
	return fx
}

// scope is persona p's scope, as the server derives it.
func (fx *cacheFixture) scope(p persona) grid.Scope {
	switch p {
	case officerA:
		return grid.Scope{GridIDs: []int64{fx.grids[0].ID}, ZoneID: fx.zone.ID}
	case officerB:
		return grid.Scope{GridIDs: []int64{fx.grids[1].ID}, ZoneID: fx.zone.ID}
	case liaison:
		return grid.Scope{LiaisonID: fx.liaisonID, ZoneID: fx.zone.ID}
	case adminB:
		return grid.Scope{All: true, ZoneID: fx.zoneB.ID}
	case province:
		return grid.Scope{All: true}
	}
	return grid.Scope{All: true, ZoneID: fx.zone.ID}
}

// serve starts a server over store (a counting wrapper of the fixture's
// database when nil) with its background work running until the test
// ends, and waits until its tile cache listens.
func (fx *cacheFixture) serve(t *testing.T, cfg server.Config, store *countingStore) (*server.Server, *countingStore) {
	t.Helper()
	if store == nil {
		store = &countingStore{DB: fx.db}
	}
	cfg.WebDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(cfg.WebDir, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.EventStreamMax = 200 * time.Millisecond
	srv := server.New(cfg, store, discardLog)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv.Run(ctx)
	if cfg.TileCacheBytes >= 0 {
		eventually(t, "the tile cache listens", func() bool { return store.listens.Load() >= 1 })
	}
	return srv, store
}

// eventually polls cond until it holds, failing the test after a bound:
// notifications arrive after the commit, within milliseconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get sends a GET as p to srv.
func (fx *cacheFixture) get(t *testing.T, srv *server.Server, p persona, path string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req := jsonRequest("GET", path, "")
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[p]})
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, srv, req)
}

// status GETs path as p from srv and sends the answer's status to out (0
// when it failed), for requests made from another goroutine.
func (fx *cacheFixture) status(srv *server.Server, p persona, path string, out chan<- int) {
	req := jsonRequest("GET", path, "")
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[p]})
	resp, err := srv.App().Test(req, -1)
	if err != nil {
		out <- 0
		return
	}
	resp.Body.Close()
	out <- resp.StatusCode
}

// post sends a JSON POST as p to srv and wants 201.
func (fx *cacheFixture) post(t *testing.T, srv *server.Server, p persona, path, body string) {
	t.Helper()
	req := jsonRequest("POST", path, body)
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[p]})
	if status, _, got := send(t, srv, req); status != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, status, got)
	}
}

// newOrg registers an organization at lon, lat through srv.
func (fx *cacheFixture) newOrg(t *testing.T, srv *server.Server, lon, lat float64) {
	t.Helper()
	n := fx.uscc.Add(1)
	fx.post(t, srv, admin, "/api/v1/organizations", newOrgBody(fmt.Sprintf("缓存新企业%d", n), testUSCC(int(n)), "物流", point(lon, lat)))
}

// rename renames organization id in SQL, as any writer may.
func (fx *cacheFixture) rename(t *testing.T, id int64, name string) {
	t.Helper()
	if _, err := fx.db.Pool.Exec(context.Background(), `UPDATE organization SET name = $2 WHERE id = $1`, id, name); err != nil {
		t.Fatal(err)
	}
}

// request reports a request at organization orgID as p through srv.
func (fx *cacheFixture) request(t *testing.T, srv *server.Server, p persona, orgID int64) {
	t.Helper()
	fx.post(t, srv, p, "/api/v1/requests", fmt.Sprintf(`{"org_id":%d,"category":"ordinary","title":"缓存分区诉求"}`, orgID))
}

// render is layer's tile at path as the store draws it now for p, around
// any cache.
func (fx *cacheFixture) render(t *testing.T, p persona, layer grid.TileLayer, tile geo.Tile) []byte {
	t.Helper()
	b, err := fx.db.Tile(context.Background(), layer, tile, fx.scope(p))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// metric reads one unlabelled series from srv's /metrics.
func (fx *cacheFixture) metric(t *testing.T, srv *server.Server, name string) float64 {
	t.Helper()
	status, _, body := fx.get(t, srv, admin, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// cacheTile is a tile of the fixture zone and its path.
type cacheTile struct {
	layer grid.TileLayer
	tile  geo.Tile
}

func tileOf(layer grid.TileLayer, p orb.Point, z int) cacheTile {
	return cacheTile{layer, geo.TileAt(p, z)}
}

func (c cacheTile) path() string {
	return fmt.Sprintf("/api/v1/tiles/%s/%d/%d/%d.mvt", c.layer, c.tile.Z, c.tile.X, c.tile.Y)
}

var cacheCentre = orb.Point{113.1, 33.05}

// The tile cache: served from memory until the data changes, per scope,
// never while the database's announcements are not heard, within its
// bytes, and the requests layer no older than a minute of the store's
// clock. Each subtest counts the tiles the real store renders.
func TestTileCache(t *testing.T) {
	fx := buildCacheFixture(t)
	orgs := tileOf(grid.LayerOrganizations, cacheCentre, 10)

	t.Run("RepeatFromCache", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{}, nil)
		for _, c := range []cacheTile{orgs, tileOf(grid.LayerGrids, cacheCentre, 12), tileOf(grid.LayerOrganizations, orb.Point{100, 20}, 12)} {
			before := store.renders.Load()
			status, h1, b1 := fx.get(t, srv, admin, c.path())
			status2, h2, b2 := fx.get(t, srv, admin, c.path())
			if status != status2 || !bytes.Equal(b1, b2) || h1.Get("ETag") != h2.Get("ETag") {
				t.Errorf("%s: %d %q then %d %q", c.path(), status, h1.Get("ETag"), status2, h2.Get("ETag"))
			}
			if n := store.renders.Load() - before; n != 1 {
				t.Errorf("%s (status %d) twice: rendered %d times, want once", c.path(), status, n)
			}
			if want := fx.render(t, admin, c.layer, c.tile); !bytes.Equal(b1, want) {
				t.Errorf("%s: the answer is not the store's tile", c.path())
			}
		}
		if hits := fx.metric(t, srv, "gridgis_tile_cache_hits_total"); hits != 3 {
			t.Errorf("hits %v, want 3", hits)
		}
		if misses := fx.metric(t, srv, "gridgis_tile_cache_misses_total"); misses != 3 {
			t.Errorf("misses %v, want 3", misses)
		}
	})

	t.Run("NotModified", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{}, nil)
		status, h, _ := fx.get(t, srv, officerA, orgs.path(), "Accept-Encoding", "gzip")
		etag := h.Get("ETag")
		if status != http.StatusOK || etag == "" || h.Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("status %d, ETag %q, Cache-Control %q", status, etag, h.Get("Cache-Control"))
		}
		before := store.renders.Load()
		status, h, body := fx.get(t, srv, officerA, orgs.path(), "Accept-Encoding", "gzip", "If-None-Match", etag)
		if status != http.StatusNotModified || len(body) != 0 || h.Get("ETag") != etag {
			t.Errorf("If-None-Match: %d (%d bytes), ETag %q; want 304 with %q", status, len(body), h.Get("ETag"), etag)
		}
		if n := store.renders.Load() - before; n != 0 {
			t.Errorf("a 304 rendered the tile %d times", n)
		}
		// Another scope's tag names another tile.
		if status, _, _ := fx.get(t, srv, officerB, orgs.path(), "Accept-Encoding", "gzip", "If-None-Match", etag); status != http.StatusOK {
			t.Errorf("officer_b with officer_a's ETag: %d, want 200", status)
		}
	})

	t.Run("ScopesApart", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{}, nil)
		seen := map[string]persona{}
		for _, p := range []persona{admin, officerA, officerB, liaison} {
			for round := 0; round < 2; round++ {
				before := store.renders.Load()
				status, _, body := fx.get(t, srv, p, orgs.path())
				if status != http.StatusOK {
					t.Fatalf("%s: %d", p, status)
				}
				if want := fx.render(t, p, orgs.layer, orgs.tile); !bytes.Equal(body, want) {
					t.Errorf("%s (round %d) got a tile that is not of their scope", p, round)
				}
				n := store.renders.Load() - before
				if round == 0 && n != 1 || round == 1 && n != 0 {
					t.Errorf("%s round %d: rendered %d times", p, round, n)
				}
			}
			_, _, body := fx.get(t, srv, p, orgs.path())
			if other, ok := seen[string(body)]; ok {
				t.Fatalf("%s and %s see the same tile: the fixture does not tell scopes apart", p, other)
			}
			seen[string(body)] = p
		}
	})

	// The server folds the organization pyramid's deltas in the
	// background; a fold changes no tile, so it neither notifies nor
	// makes the cache render again.
	t.Run("FoldInBackground", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{}, nil)
		fx.newOrg(t, srv, 113.155, 33.055)
		tiles := []cacheTile{orgs, tileOf(grid.LayerGrids, cacheCentre, 10)}
		seen := map[cacheTile][]byte{}
		// The write's own notice may come after the first reads (the
		// sign-in cache makes them quick): read until the cache holds.
		eventually(t, "the cache holds the tiles", func() bool {
			before := store.renders.Load()
			for _, c := range tiles {
				_, _, seen[c] = fx.get(t, srv, admin, c.path())
			}
			return store.renders.Load() == before
		})
		eventually(t, "the server folds the deltas", func() bool {
			var n int
			if err := fx.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM org_cluster_delta`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 0
		})
		before := store.renders.Load()
		for _, c := range tiles {
			if _, _, body := fx.get(t, srv, admin, c.path()); !bytes.Equal(body, seen[c]) {
				t.Errorf("%s changed with the fold", c.path())
			}
			if want := fx.render(t, admin, c.layer, c.tile); !bytes.Equal(want, seen[c]) {
				t.Errorf("%s: the folded pyramid draws another tile", c.path())
			}
		}
		if n := store.renders.Load() - before; n != 0 {
			t.Errorf("the fold made the cache render %d tiles again", n)
		}
	})

	t.Run("WriteRefreshes", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{}, nil)
		tiles := []cacheTile{orgs, tileOf(grid.LayerGrids, cacheCentre, 10), tileOf(grid.LayerRequests, cacheCentre, 10)}
		old := map[cacheTile][]byte{}
		for _, c := range tiles {
			_, _, old[c] = fx.get(t, srv, admin, c.path())
		}
		before := store.renders.Load()
		for _, c := range tiles {
			fx.get(t, srv, admin, c.path())
		}
		if n := store.renders.Load() - before; n != 0 {
			t.Fatalf("unchanged tiles rendered %d times", n)
		}
		// A new organization in G01: a point, a grid's count, and then a
		// request at it.
		fx.newOrg(t, srv, 113.055, 33.055)
		var id int64
		if err := fx.db.Pool.QueryRow(context.Background(), `SELECT max(id) FROM organization`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		fx.post(t, srv, admin, "/api/v1/requests", fmt.Sprintf(`{"org_id":%d,"category":"ordinary","title":"缓存测试诉求"}`, id))
		for _, c := range tiles {
			want := fx.render(t, admin, c.layer, c.tile)
			if bytes.Equal(want, old[c]) {
				t.Fatalf("%s: the writes did not change the tile", c.path())
			}
			eventually(t, c.path()+" shows the writes", func() bool {
				_, _, body := fx.get(t, srv, admin, c.path())
				return bytes.Equal(body, want)
			})
		}
		before = store.renders.Load()
		for _, c := range tiles {
			fx.get(t, srv, admin, c.path())
		}
		if n := store.renders.Load() - before; n != 0 {
			t.Errorf("fresh tiles rendered again %d times", n)
		}
	})

	t.Run("ListenerLost", func(t *testing.T) {
		proxy := pgtest.NewProxy(t, fx.dsn)
		watchDB, err := postgis.OpenWith(context.Background(), proxy.DSN, postgis.Options{MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(watchDB.Close)
		srv, store := fx.serve(t, server.Config{}, &countingStore{DB: fx.db, watch: watchDB})
		listening := func(want float64) func() bool {
			return func() bool { return fx.metric(t, srv, "gridgis_tile_cache_listening") == want }
		}
		renders := func() int64 { return store.renders.Load() }
		fx.get(t, srv, admin, orgs.path())
		orgsB := tileOf(grid.LayerOrganizations, fx.orgsB[1].Location, 10)
		_, _, cachedB := fx.get(t, srv, adminB, orgsB.path())
		before := renders()
		_, _, cached := fx.get(t, srv, admin, orgs.path())
		fx.get(t, srv, adminB, orgsB.path())
		if renders() != before {
			t.Fatal("not cached while listening")
		}

		proxy.Cut()
		eventually(t, "the cache knows its listener is gone", listening(0))
		before = renders()
		fx.get(t, srv, admin, orgs.path())
		if renders() != before+1 {
			t.Errorf("while the listener is away a tile was not rendered: the cache was used")
		}
		// A write nobody hears of.
		fx.newOrg(t, srv, 113.155, 33.035)
		want := fx.render(t, admin, orgs.layer, orgs.tile)
		if bytes.Equal(want, cached) {
			t.Fatal("the write did not change the tile")
		}
		if _, _, body := fx.get(t, srv, admin, orgs.path()); !bytes.Equal(body, want) {
			t.Error("while the listener is away a stale tile was served")
		}

		// And one in the other zone.
		fx.rename(t, fx.orgsB[1].ID, "缓存二区无人听见有限公司")
		wantB := fx.render(t, adminB, orgsB.layer, orgsB.tile)
		if bytes.Equal(wantB, cachedB) {
			t.Fatal("the write did not change zone B's tile")
		}

		if err := proxy.Restore(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the watcher listens again", func() bool { return store.listens.Load() >= 2 })
		if _, _, body := fx.get(t, srv, admin, orgs.path()); !bytes.Equal(body, want) {
			t.Error("after the listener came back the tile cached before the unheard write was served")
		}
		if _, _, body := fx.get(t, srv, adminB, orgsB.path()); !bytes.Equal(body, wantB) {
			t.Error("after the listener came back zone B's tile cached before the unheard write was served")
		}
		before = renders()
		fx.get(t, srv, admin, orgs.path())
		if renders() != before {
			t.Error("after the listener came back tiles are not cached")
		}

		// The listening backend ended from the database's side: the
		// watcher connects again and hears the next write.
		if _, err := fx.db.Pool.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND application_name = 'gridgis tile watcher'`); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the watcher listens after its backend ended", func() bool { return store.listens.Load() >= 3 })
		fx.newOrg(t, srv, 113.185, 33.085)
		want = fx.render(t, admin, orgs.layer, orgs.tile)
		eventually(t, "a write after reconnecting shows", func() bool {
			_, _, body := fx.get(t, srv, admin, orgs.path())
			return bytes.Equal(body, want)
		})
		before = renders()
		fx.get(t, srv, admin, orgs.path())
		if renders() != before {
			t.Error("after reconnecting tiles are not cached")
		}
	})

	t.Run("Eviction", func(t *testing.T) {
		const bound = 2500
		srv, store := fx.serve(t, server.Config{TileCacheBytes: bound}, nil)
		var sweep []cacheTile
		for _, o := range fx.orgs {
			sweep = append(sweep, tileOf(grid.LayerOrganizations, o.Location, 16))
		}
		for _, c := range sweep {
			if status, _, _ := fx.get(t, srv, admin, c.path()); status != http.StatusOK {
				t.Fatalf("%s: %d", c.path(), status)
			}
			if b := fx.metric(t, srv, "gridgis_tile_cache_bytes"); b > bound || b == 0 {
				t.Fatalf("the cache holds %v bytes, bound %d", b, bound)
			}
		}
		if ev := fx.metric(t, srv, "gridgis_tile_cache_evictions_total"); ev == 0 {
			t.Error("no evictions counted")
		}
		last := sweep[len(sweep)-1]
		before := store.renders.Load()
		fx.get(t, srv, admin, last.path())
		if store.renders.Load() != before {
			t.Error("the most recent tile was evicted")
		}
		fx.get(t, srv, admin, sweep[0].path())
		if store.renders.Load() != before+1 {
			t.Error("the least recently used tile was not evicted")
		}
	})

	// A cached low-zoom tile is a lookup: it does not wait for a heavy
	// slot that a render holds.
	t.Run("CachedNotHeavy", func(t *testing.T) {
		other := tileOf(grid.LayerOrganizations, cacheCentre, 9)
		store := &countingStore{DB: fx.db, hold: other.tile, held: make(chan struct{}, 1), release: make(chan struct{})}
		srv, _ := fx.serve(t, server.Config{HeavyPerUser: 1, HeavyTotal: 1}, store)
		if status, _, _ := fx.get(t, srv, admin, orgs.path()); status != http.StatusOK {
			t.Fatalf("%s: %d", orgs.path(), status)
		}
		done := make(chan int)
		go fx.status(srv, admin, other.path(), done)
		<-store.held // the render of other holds the only heavy slot
		status, _, _ := fx.get(t, srv, admin, orgs.path())
		close(store.release)
		if status != http.StatusOK {
			t.Errorf("a cached tile while a render holds the heavy slot: %d, want 200", status)
		}
		if status := <-done; status != http.StatusOK {
			t.Errorf("the held render: %d", status)
		}
	})

	// Requests for a tile that arrive while it renders wait for that
	// render instead of starting their own.
	t.Run("ConcurrentMissesRenderOnce", func(t *testing.T) {
		c := tileOf(grid.LayerOrganizations, cacheCentre, 11)
		store := &countingStore{DB: fx.db, hold: c.tile, held: make(chan struct{}, 1), release: make(chan struct{})}
		srv, _ := fx.serve(t, server.Config{HeavyPerUser: 10, HeavyTotal: 10}, store)
		const n = 4
		statuses := make(chan int, n)
		for range n {
			go fx.status(srv, admin, c.path(), statuses)
		}
		<-store.held
		eventually(t, "every request missed the cache", func() bool {
			return fx.metric(t, srv, "gridgis_tile_cache_misses_total") == n
		})
		close(store.release)
		for range n {
			if status := <-statuses; status != http.StatusOK {
				t.Errorf("status %d", status)
			}
		}
		if r := store.renders.Load(); r != 1 {
			t.Errorf("%d requests at once rendered %d times, want once", n, r)
		}
	})

	t.Run("Off", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{TileCacheBytes: -1}, nil)
		fx.get(t, srv, admin, orgs.path())
		fx.get(t, srv, admin, orgs.path())
		if n := store.renders.Load(); n != 2 {
			t.Errorf("with the cache off two requests rendered %d times", n)
		}
	})

	t.Run("RequestsExpire", func(t *testing.T) {
		db, err := postgis.Open(context.Background(), fx.dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		var mu sync.Mutex
		now := time.Now().Truncate(time.Minute)
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		// An answer is due within the hour: late before the session
		// (idle for at most two hours) ends.
		db.SLA = grid.SLAPolicy{Response: time.Hour, Ordinary: 7 * 24 * time.Hour, Complex: 30 * 24 * time.Hour}
		setNow := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		srv, store := fx.serve(t, server.Config{EscalateEvery: time.Hour}, &countingStore{DB: db})
		o := fx.orgs[24]
		fx.post(t, srv, admin, "/api/v1/requests", fmt.Sprintf(`{"org_id":%d,"category":"ordinary","title":"超时测试诉求"}`, o.ID))
		c := tileOf(grid.LayerRequests, o.Location, 16)
		sla := func() string {
			status, _, body := fx.get(t, srv, admin, c.path())
			if status != http.StatusOK {
				t.Fatalf("%s: %d", c.path(), status)
			}
			layers, err := mvt.Unmarshal(body)
			if err != nil || len(layers) != 1 || len(layers[0].Features) != 1 {
				t.Fatalf("%s: %v, %d layers", c.path(), err, len(layers))
			}
			return layers[0].Features[0].Properties["sla"].(string)
		}
		eventually(t, "the new request shows", func() bool {
			status, _, _ := fx.get(t, srv, admin, c.path())
			return status == http.StatusOK
		})
		if got := sla(); got != "green" {
			t.Fatalf("a new request is %s", got)
		}
		before := store.renders.Load()
		setNow(30 * time.Second)
		if got := sla(); got != "green" || store.renders.Load() != before {
			t.Errorf("within the minute: %s, rendered %d times; want green from the cache", got, store.renders.Load()-before)
		}
		// An hour later, with no write, the answer is overdue.
		setNow(time.Hour)
		if got := sla(); got != "red" {
			t.Errorf("an hour later the tile says %s, want red", got)
		}
		if store.renders.Load() != before+1 {
			t.Errorf("an hour later: rendered %d times, want once", store.renders.Load()-before)
		}
	})

	// A write in one zone retires that zone's tiles and those of a scope
	// of every zone, and leaves another zone's tiles cached; then the
	// other way round.
	t.Run("ZonesApart", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{}, nil)
		centreB := orb.Point{114.05, 33.05}
		type view struct {
			p persona
			c cacheTile
		}
		var zoneA, zoneB, every []view
		for _, l := range grid.TileLayers {
			zoneA = append(zoneA, view{admin, tileOf(l, cacheCentre, 10)})
			zoneB = append(zoneB, view{adminB, tileOf(l, centreB, 10)})
			every = append(every, view{province, tileOf(l, cacheCentre, 10)})
		}
		if zoneA[0].c == zoneB[0].c {
			t.Fatal("the zones share a tile")
		}
		// Each zone has a request, so that every layer has something.
		fx.request(t, srv, admin, fx.orgs[6].ID)
		fx.request(t, srv, adminB, fx.orgsB[2].ID)
		read := func(vs []view) (bodies [][]byte, renders int64) {
			before := store.renders.Load()
			for _, v := range vs {
				status, _, body := fx.get(t, srv, v.p, v.c.path())
				if status != http.StatusOK && status != http.StatusNoContent {
					t.Fatalf("%s %s: %d", v.p, v.c.path(), status)
				}
				bodies = append(bodies, body)
			}
			return bodies, store.renders.Load() - before
		}
		fresh := func(what string, vs []view) {
			for _, v := range vs {
				want := fx.render(t, v.p, v.c.layer, v.c.tile)
				eventually(t, what+": "+string(v.p)+" "+v.c.path()+" is fresh", func() bool {
					_, _, body := fx.get(t, srv, v.p, v.c.path())
					return bytes.Equal(body, want)
				})
			}
		}
		all := append(append(slices.Clone(zoneA), zoneB...), every...)
		fresh("before the writes", all)
		oldA, _ := read(zoneA)
		oldB, _ := read(zoneB)
		if _, n := read(all); n != 0 {
			t.Fatalf("cached tiles rendered %d times", n)
		}

		// Writes in zone A: an organization, a request, a grid.
		fx.newOrg(t, srv, 113.055, 33.065)
		fx.request(t, srv, admin, fx.orgs[7].ID)
		if _, err := fx.db.Pool.Exec(context.Background(), `UPDATE grid SET name = '改名网格' WHERE id = $1`, fx.grids[0].ID); err != nil {
			t.Fatal(err)
		}
		for i, v := range zoneA {
			if bytes.Equal(oldA[i], fx.render(t, v.p, v.c.layer, v.c.tile)) {
				t.Fatalf("%s: the writes in zone A did not change the tile", v.c.path())
			}
		}
		fresh("after writes in zone A", append(slices.Clone(zoneA), every...))
		// Every announcement of those writes has been heard by now.
		gotB, n := read(zoneB)
		if n != 0 {
			t.Errorf("writes in zone A re-rendered %d of zone B's %d tiles", n, len(zoneB))
		}
		for i := range zoneB {
			if !bytes.Equal(gotB[i], oldB[i]) {
				t.Errorf("%s changed with writes in zone A", zoneB[i].c.path())
			}
		}

		// A write in zone B: its tile shows it, zone A's stay cached.
		_, _, before := fx.get(t, srv, adminB, zoneB[1].c.path())
		fx.rename(t, fx.orgsB[0].ID, "缓存二区改名有限公司")
		if bytes.Equal(before, fx.render(t, adminB, zoneB[1].c.layer, zoneB[1].c.tile)) {
			t.Fatal("the rename did not change zone B's organizations tile")
		}
		fresh("after a write in zone B", zoneB)
		if _, n := read(zoneA); n != 0 {
			t.Errorf("a write in zone B re-rendered %d of zone A's %d tiles", n, len(zoneA))
		}
	})

	// The scripted mix of the review: request and organization work goes
	// on in zone A while zone B's admin pans over its tiles. Zone B's
	// reads stay hits; a scope of every zone misses after each write.
	t.Run("HitRateUnderWritesElsewhere", func(t *testing.T) {
		srv, store := fx.serve(t, server.Config{}, nil)
		var viewsB []cacheTile
		for _, o := range fx.orgsB {
			for _, l := range grid.TileLayers {
				if c := tileOf(l, o.Location, 13); !slices.Contains(viewsB, c) {
					viewsB = append(viewsB, c)
				}
			}
		}
		provinceView := tileOf(grid.LayerOrganizations, cacheCentre, 8)
		watchA := tileOf(grid.LayerOrganizations, fx.orgs[5].Location, 10)
		fx.request(t, srv, admin, fx.orgs[8].ID)
		const rounds = 10
		var reads, renders, provinceRenders int64
		for round := range rounds {
			// Request work and an officer's fix in zone A.
			if _, err := fx.db.Pool.Exec(context.Background(), `UPDATE request SET description = $2
WHERE zone_id = $1`, fx.zone.ID, fmt.Sprintf("第%d轮", round)); err != nil {
				t.Fatal(err)
			}
			fx.rename(t, fx.orgs[5].ID, fmt.Sprintf("缓存测试改名%02d有限公司", round))
			want := fx.render(t, admin, watchA.layer, watchA.tile)
			eventually(t, "zone A's tile shows the round's writes", func() bool {
				_, _, body := fx.get(t, srv, admin, watchA.path())
				return bytes.Equal(body, want)
			})
			before := store.renders.Load()
			for _, c := range viewsB {
				fx.get(t, srv, adminB, c.path())
				reads++
			}
			renders += store.renders.Load() - before
			before = store.renders.Load()
			fx.get(t, srv, province, provinceView.path())
			provinceRenders += store.renders.Load() - before
		}
		// The first round fills the cache.
		t.Logf("zone B: %d reads during writes in zone A, %d rendered, hit rate %.0f%% (the first round's %d misses fill the cache); "+
			"every zone's tile: %d of %d rounds rendered", reads, renders, 100*float64(reads-renders)/float64(reads), len(viewsB), provinceRenders, rounds)
		if renders > int64(len(viewsB)) {
			t.Errorf("zone B's tiles rendered %d times in %d rounds, want %d (the first round only)", renders, rounds, len(viewsB))
		}
		if provinceRenders != rounds {
			t.Errorf("a tile of every zone rendered %d times in %d rounds of writes, want each round", provinceRenders, rounds)
		}
	})

	// A listening connection that goes silent (a network that drops
	// packets) is found out within seconds, and the cache bypassed.
	t.Run("ListenerStalled", func(t *testing.T) {
		proxy := pgtest.NewProxy(t, fx.dsn)
		watchDB, err := postgis.OpenWith(context.Background(), proxy.DSN, postgis.Options{MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(watchDB.Close)
		srv, store := fx.serve(t, server.Config{}, &countingStore{DB: fx.db, watch: watchDB})
		fx.get(t, srv, admin, orgs.path())
		// Quiet for longer than the pings' interval: a ping that answers
		// keeps the connection, and the cache.
		time.Sleep(6 * time.Second)
		before := store.renders.Load()
		fx.get(t, srv, admin, orgs.path())
		if store.renders.Load() != before || store.listens.Load() != 1 {
			t.Fatalf("after 6 s of quiet: %d renders, listened %d times; want the tile cached, listening once",
				store.renders.Load()-before, store.listens.Load())
		}
		proxy.Stall()
		stalled := time.Now()
		for fx.metric(t, srv, "gridgis_tile_cache_listening") != 0 {
			if time.Since(stalled) > 12*time.Second {
				t.Fatal("a silent listening connection not found out within 12 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("a silent listening connection found out in %v", time.Since(stalled).Round(100*time.Millisecond))
		before = store.renders.Load()
		fx.get(t, srv, admin, orgs.path())
		if store.renders.Load() != before+1 {
			t.Error("with the listener found silent a tile came from the cache")
		}
		proxy.Resume()
		eventually(t, "the watcher listens again", func() bool { return store.listens.Load() >= 2 })
	})

	// TRUNCATE names no zone: every zone's tiles of its layers go.
	t.Run("TruncateRetiresAll", func(t *testing.T) {
		srv, _ := fx.serve(t, server.Config{}, nil)
		fx.request(t, srv, admin, fx.orgs[9].ID)
		fx.request(t, srv, adminB, fx.orgsB[3].ID)
		views := map[persona]cacheTile{
			admin:    tileOf(grid.LayerRequests, fx.orgs[9].Location, 10),
			adminB:   tileOf(grid.LayerRequests, fx.orgsB[3].Location, 10),
			province: tileOf(grid.LayerRequests, fx.orgsB[3].Location, 10),
		}
		old := map[persona][]byte{}
		for p, c := range views {
			want := fx.render(t, p, c.layer, c.tile)
			eventually(t, string(p)+" sees the request", func() bool {
				_, _, body := fx.get(t, srv, p, c.path())
				return bytes.Equal(body, want)
			})
			old[p] = want
		}
		if _, err := fx.db.Pool.Exec(context.Background(), `TRUNCATE request CASCADE`); err != nil {
			t.Fatal(err)
		}
		for p, c := range views {
			want := fx.render(t, p, c.layer, c.tile)
			if bytes.Equal(want, old[p]) {
				t.Fatalf("%s: the TRUNCATE did not change the tile", p)
			}
			eventually(t, string(p)+"'s tile after the TRUNCATE", func() bool {
				_, _, body := fx.get(t, srv, p, c.path())
				return bytes.Equal(body, want)
			})
		}
	})
}
