package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/server"
)

// fixtureRoads is a base layer file for the fixture zone: one road.
const fixtureRoads = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"矩阵路","class":"主干路"},
"geometry":{"type":"LineString","coordinates":[[113.01,33.05],[113.19,33.05]]}}]}`

// baseLayerAccess: every signed-in role reads the base layer; only
// admins load one (a dry run here, so the fixture keeps none).
var baseLayerAccess = []accessRow{
	{method: "GET", route: "/api/v1/tiles/base/:z/:x/:y.mvt", path: "/api/v1/tiles/base/10/0/0.mvt",
		want: statuses{unauth, noContent, noContent, noContent, noContent, noContent}},
	{method: "GET", route: "/api/v1/tiles/base.json", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "POST", route: "/api/v1/import/roads", path: "/api/v1/import/roads?dry_run=true", body: fixtureRoads,
		want: statuses{unauth, ok, forbidden, forbidden, forbidden, forbidden}},
}

// baseTile fetches a base tile as user and decodes it by layer (nil for
// 204), checking the media type.
func baseTile(t *testing.T, srv *server.Server, session, path string) (int, map[string]*mvt.Layer) {
	t.Helper()
	req := jsonRequest(http.MethodGet, path, "")
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: session})
	status, header, body := send(t, srv, req)
	if status != http.StatusOK {
		return status, nil
	}
	if ct := header.Get("Content-Type"); ct != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("%s: not a vector tile: %v", path, err)
	}
	out := map[string]*mvt.Layer{}
	for _, l := range layers {
		out[l.Name] = l
	}
	return status, out
}

func baseTilePath(p orb.Point, z int) string {
	t := geo.TileAt(p, z)
	return fmt.Sprintf("/api/v1/tiles/base/%d/%d/%d.mvt", t.Z, t.X, t.Y)
}

func roadNames(l *mvt.Layer) []string {
	var out []string
	if l != nil {
		for _, f := range l.Features {
			out = append(out, fmt.Sprint(f.Properties["name"]))
		}
	}
	slices.Sort(out)
	return out
}

// TestBaseLayerImportAndScope: a zone's admin loads its roads over HTTP
// (a dry run first, which writes nothing); every role of that zone reads
// them in the tiles, the other zone's roles read an empty tile; bad tile
// coordinates are 400; an admin loads into their own zone only.
func TestBaseLayerImportAndScope(t *testing.T) {
	z := buildTwoZones(t)
	post := func(user, target, body string) (int, []byte) {
		req := jsonRequest(http.MethodPost, target, body)
		req.Header.Set("Content-Type", "application/geo+json")
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: z.sessions[user]})
		status, _, b := send(t, z.srv, req)
		return status, b
	}
	roads := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"一号路","fclass":"primary"},"geometry":{"type":"LineString","coordinates":[[113.005,33.025],[113.045,33.025]]}},
{"type":"Feature","properties":{"name":"园区广场"},"geometry":{"type":"Point","coordinates":[113.025,33.025]}},
{"type":"Feature","properties":{"name":"远方路"},"geometry":{"type":"LineString","coordinates":[[120,30],[120.1,30]]}},
{"type":"Feature","properties":{"name":"无几何"},"geometry":null}]}`
	at := orb.Point{113.025, 33.025}
	path := baseTilePath(at, 14)

	status, body := post("z0-admin", "/api/v1/import/roads?dry_run=true", roads)
	var rep grid.BaseImportReport
	if status != http.StatusOK || json.Unmarshal(body, &rep) != nil || !rep.DryRun || rep.Loaded[grid.BaseRoad] != 1 || rep.ProblemCount != 2 {
		t.Fatalf("dry run: %d %s", status, body)
	}
	if status, _ := baseTile(t, z.srv, z.sessions["z0-admin"], path); status != http.StatusNoContent {
		t.Fatalf("after a dry run the tile is %d, want 204: nothing written", status)
	}
	status, body = post("z0-admin", "/api/v1/import/roads", roads)
	if status != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.Loaded[grid.BaseRoad] != 1 || rep.Loaded[grid.BasePlace] != 1 {
		t.Fatalf("import: %d %s", status, body)
	}
	if len(rep.Problems) != 2 || rep.Problems[0].Feature != 3 || !strings.Contains(rep.Problems[0].Reason, "园区外") ||
		rep.Problems[1].Feature != 4 || rep.Problems[0].Point == nil {
		t.Errorf("problems %+v, want features 3 (outside, with its point) and 4 (no geometry) in file order", rep.Problems)
	}

	for _, user := range []string{"z0-admin", "z0-officer", "z0-planner"} {
		status, layers := baseTile(t, z.srv, z.sessions[user], path)
		if status != http.StatusOK || fmt.Sprint(roadNames(layers["roads"])) != "[一号路]" || fmt.Sprint(roadNames(layers["places"])) != "[园区广场]" {
			t.Errorf("%s: %d %v %v, want 一号路 and 园区广场", user, status, roadNames(layers["roads"]), roadNames(layers["places"]))
		}
	}
	for _, user := range []string{"z1-admin", "z1-officer", "z1-planner"} {
		if status, _ := baseTile(t, z.srv, z.sessions[user], path); status != http.StatusNoContent {
			t.Errorf("%s reads zone 0's base layer: %d, want 204", user, status)
		}
	}
	if status, _ := baseTile(t, z.srv, z.sessions["z0-admin"], baseTilePath(orb.Point{120.05, 30}, 14)); status != http.StatusNoContent {
		t.Errorf("a tile where the refused road lies: %d, want 204", status)
	}
	for _, bad := range []string{"/api/v1/tiles/base/25/0/0.mvt", "/api/v1/tiles/base/3/9/0.mvt", "/api/v1/tiles/base/3/0/-1.mvt",
		"/api/v1/tiles/base/a/0/0.mvt"} {
		if status, _ := baseTile(t, z.srv, z.sessions["z0-planner"], bad); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, status)
		}
	}
	status, body = z.get(t, "z0-officer", "/api/v1/tiles/base.json")
	var tj struct {
		Bounds       [4]float64 `json:"bounds"`
		Tiles        []string   `json:"tiles"`
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &tj) != nil || tj.Bounds[0] < 113 || tj.Bounds[2] > 113.05 ||
		len(tj.VectorLayers) != 3 || !strings.HasSuffix(tj.Tiles[0], "/api/v1/tiles/base/{z}/{x}/{y}.mvt") {
		t.Errorf("TileJSON: %d %s", status, body)
	}

	if status, _ := post("z1-officer", "/api/v1/import/roads", roads); status != http.StatusForbidden {
		t.Errorf("an officer's import: %d, want 403", status)
	}
	if status, body := post("z0-admin", "/api/v1/import/roads?zone=zone-1", roads); status != http.StatusBadRequest || !strings.Contains(string(body), `"zone"`) {
		t.Errorf("zone 0's admin importing into zone 1: %d %s, want 400 on zone", status, body)
	}
	// Nothing loadable: 422-like invalid input, the layer left as it was.
	far := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"远"},"geometry":{"type":"LineString","coordinates":[[120,30],[120.1,30]]}}]}`
	if status, body := post("z0-admin", "/api/v1/import/roads?replace=true", far); status != http.StatusBadRequest || !strings.Contains(string(body), "未写入") {
		t.Errorf("a file with nothing in the zone: %d %s, want 400 that writes nothing", status, body)
	}
	if status, layers := baseTile(t, z.srv, z.sessions["z0-admin"], path); status != http.StatusOK || len(layers["roads"].Features) != 1 {
		t.Errorf("after a refused --replace the tile is %d %v, want 一号路 still", status, layers)
	}
}

// TestBaseLayerDemo: the demo dataset brings its streets, so the demo
// zone's tile holds roads with their names; minor streets only from
// zoom 13.
func TestBaseLayerDemo(t *testing.T) {
	ctx := context.Background()
	_, db := ownDatabase(t, "gridgis_test_base_demo")
	ds := demo.Generate(demo.Options{Now: time.Now(), Scale: 1})
	const password = "demo-liaison-Passw0rd"
	hash, err := grid.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	var liaisonUser string
	if err := db.LoadDataset(ctx, ds.Dataset, func(username string) (string, error) {
		if liaisonUser == "" && strings.HasPrefix(username, "liaison-") {
			liaisonUser = username
			return hash, nil
		}
		return "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", nil
	}); err != nil {
		t.Fatal(err)
	}
	web := t.TempDir()
	if err := os.WriteFile(web+"/index.html", []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{WebDir: web}, db, discardLog)
	resp, err := srv.App().Test(jsonRequest(http.MethodPost, "/api/v1/session",
		fmt.Sprintf(`{"username":%q,"password":%q}`, liaisonUser, password)), -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "gridgis_session" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("login %s: %d", liaisonUser, resp.StatusCode)
	}
	centre := orb.Point{113.30, 33.75}
	// A liaison, the narrowest role, reads the zone's streets.
	status, layers := baseTile(t, srv, session, baseTilePath(centre, 12))
	roads := roadNames(layers["roads"])
	if status != http.StatusOK || !slices.Contains(roads, "创新大道") || !slices.Contains(roads, "学府路") || len(layers["places"].Features) == 0 {
		t.Fatalf("demo z12 tile: %d, roads %v, places %v", status, roads, roadNames(layers["places"]))
	}
	if slices.ContainsFunc(roads, func(n string) bool { return strings.HasPrefix(n, "经") }) {
		t.Errorf("z12 holds 支路: %v", roads)
	}
	var minor int
	for _, p := range []orb.Point{{113.27, 33.74}, {113.30, 33.75}, {113.33, 33.76}} {
		_, l := baseTile(t, srv, session, baseTilePath(p, 14))
		for _, n := range roadNames(l["roads"]) {
			if strings.HasPrefix(n, "经") {
				minor++
			}
		}
	}
	if minor == 0 {
		t.Error("no 支路 at zoom 14")
	}
}
