package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// get sends an anonymous GET through the real Fiber app.
func get(t *testing.T, srv *server.Server, target string) (int, http.Header, []byte) {
	t.Helper()
	return send(t, srv, httptest.NewRequest(http.MethodGet, target, nil))
}

// collection is the part of a FeatureCollection the tests read.
type collection struct {
	Type     string `json:"type"`
	Features []struct {
		ID         int64          `json:"id"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	NumberReturned int        `json:"numberReturned"`
	Links          []geo.Link `json:"links"`
}

func (c collection) link(rel string) string {
	for _, l := range c.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// getCollection GETs target, expects 200 GeoJSON that passes both the
// independent validator and our winding check, and decodes it.
func getCollection(t *testing.T, fx *fixture, p persona, target string) collection {
	t.Helper()
	status, h, body := fx.do(t, p, http.MethodGet, target, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, status, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("GET %s: Content-Type %q", target, ct)
	}
	checkGeoJSON(t, target, body)
	var c collection
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return c
}

// checkGeoJSON validates body with @placemarkio/check-geojson (through the
// front end's script) and checks RFC 7946 winding in Go.
func checkGeoJSON(t *testing.T, what string, body []byte) {
	t.Helper()
	var fc struct {
		Features []struct {
			ID       any `json:"id"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("%s: not a FeatureCollection: %v", what, err)
	}
	for _, f := range fc.Features {
		var polys []orb.Polygon
		switch f.Geometry.Type {
		case "Polygon":
			var p orb.Polygon
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				t.Fatalf("%s: feature %v: %v", what, f.ID, err)
			}
			polys = append(polys, p)
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
				t.Fatalf("%s: feature %v: %v", what, f.ID, err)
			}
		}
		for _, p := range polys {
			for i, r := range p {
				if geo.RingIsCCW(r) != (i == 0) {
					t.Errorf("%s: feature %v ring %d has the wrong winding", what, f.ID, i)
				}
			}
		}
	}
	runValidator(t, what, body)
}

func runValidator(t *testing.T, what string, body []byte) {
	t.Helper()
	script, _ := filepath.Abs("../frontend/scripts/check-geojson.mjs")
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat("../frontend/node_modules/@placemarkio/check-geojson")
	if nodeErr != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("GeoJSON validator unavailable (node: %v, module: %v): run `make test`", nodeErr, modErr)
		}
		t.Skip("GeoJSON validator not installed (run `make test`)")
	}
	file := filepath.Join(t.TempDir(), "response.geojson")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", script, file).CombinedOutput()
	if err != nil {
		t.Errorf("%s: check-geojson refused the response: %v\n%s", what, err, out)
	}
}

// The grids list carries org_total, the organizations the caller's scope
// holds on the map (what the app weighs against map_tiles_above): each
// role's own, the same as its unfiltered organization listing, never the
// zone's for an officer or a liaison.
func TestGridsOrgTotalIsTheCallersScope(t *testing.T) {
	fx := setup(t)
	for _, p := range personas[1:] {
		_, _, body := fx.do(t, p, http.MethodGet, "/api/v1/grids", "")
		var grids struct {
			OrgTotal *int `json:"org_total"`
		}
		if err := json.Unmarshal(body, &grids); err != nil || grids.OrgTotal == nil {
			t.Fatalf("%s: no org_total in the grids list (%v): %.200s", p, err, body)
		}
		listed := getCollection(t, fx, p, "/api/v1/organizations?limit=10000")
		if *grids.OrgTotal != len(listed.Features) || len(listed.Features) == 0 {
			t.Errorf("%s: org_total %d, but the organization listing holds %d", p, *grids.OrgTotal, len(listed.Features))
		}
	}
}

func TestGrids(t *testing.T) {
	fx := setup(t)
	c := getCollection(t, fx, admin, "/api/v1/grids")
	got := map[string]map[string]any{}
	for _, f := range c.Features {
		if f.Properties["zone_id"] == float64(fx.zone.ID) {
			got[f.Properties["code"].(string)] = f.Properties
		}
	}
	if len(got) != 2 {
		t.Fatalf("got %d grids of the test zone, want 2", len(got))
	}
	// 5 columns at 113.01..113.17: three left of 113.1, two right of it.
	if n := got["G01"]["org_count"]; n != float64(15) {
		t.Errorf("G01 org_count = %v, want 15", n)
	}
	if n := got["G02"]["org_count"]; n != float64(10) {
		t.Errorf("G02 org_count = %v, want 10", n)
	}
	if got["G01"]["officer"] != "王芳" || got["G01"]["instructor"] != "李强" || got["G01"]["name"] != "新材料产业网格" {
		t.Errorf("G01 properties = %v", got["G01"])
	}
}

func TestOrganizationsPaging(t *testing.T) {
	fx := setup(t)
	bbox := "112.99,32.99,113.21,33.11"
	seen := map[int64]bool{}
	next := "/api/v1/organizations?bbox=" + bbox + "&limit=10"
	pages := 0
	for next != "" {
		c := getCollection(t, fx, admin, next)
		pages++
		if c.NumberReturned != len(c.Features) {
			t.Errorf("numberReturned %d, features %d", c.NumberReturned, len(c.Features))
		}
		for _, f := range c.Features {
			if seen[f.ID] {
				t.Errorf("organization %d on two pages", f.ID)
			}
			seen[f.ID] = true
		}
		next = c.link("next")
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if pages != 3 || len(seen) != 25 {
		t.Errorf("got %d organizations over %d pages, want 25 over 3", len(seen), pages)
	}
}

func TestOrganizationFilters(t *testing.T) {
	fx := setup(t)
	tests := []struct {
		query string
		want  int
	}{
		{"bbox=113.0,33.0,113.06,33.1", 10}, // the first two columns
		{"bbox=113.0,33.0,113.02,33.02", 1},
		{"bbox=10,10,11,11", 0},
		{fmt.Sprintf("grid=%d", fx.grids[0].ID), 15},
		{fmt.Sprintf("grid=%d&kind=enterprise", fx.grids[1].ID), 4}, // i%5 in {3,4} and i%3 == 0
		{"kind=social&bbox=112.99,32.99,113.21,33.11", 8},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			c := getCollection(t, fx, admin, "/api/v1/organizations?"+tt.query)
			if len(c.Features) != tt.want {
				t.Errorf("got %d organizations, want %d", len(c.Features), tt.want)
			}
			for _, f := range c.Features {
				for _, key := range []string{"name", "uscc", "kind", "industry", "grid_id", "grid_reason", "party_org",
					"party_members", "liaison_id", "last_contact_at", "last_visit_at", "open_requests"} {
					if _, ok := f.Properties[key]; !ok {
						t.Errorf("feature %d lacks property %q", f.ID, key)
					}
				}
			}
		})
	}
}

func TestBadParameters(t *testing.T) {
	fx := setup(t)
	tests := []struct {
		query string
		field string
	}{
		{"bbox=1,2,3", "bbox"},
		{"bbox=3,0,1,1", "bbox"},
		{"bbox=0,0,1,95", "bbox"},
		{"bbox=NaN,0,1,1", "bbox"},
		{"limit=0", "limit"},
		{"limit=10001", "limit"},
		{"limit=ten", "limit"},
		{"cursor=%%%", "cursor"},
		{"cursor=bm90LWEtbnVtYmVy", "cursor"},
		{"grid=-3", "grid"},
		{"kind=factory", "kind"},
		{"colour=red", "colour"},
		{"limit=5&limit=6", "limit"},
		{"name%27%3B+DROP+TABLE+organization%3B--=1", "name';+DROP+TABLE+organization;--"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, h, body := fx.do(t, admin, http.MethodGet, "/api/v1/organizations?"+tt.query, "")
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type %q", ct)
			}
			var p struct{ Code, Field, Detail string }
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Code != "invalid" || (p.Field != tt.field && p.Field != strings.ReplaceAll(tt.field, "+", " ")) {
				t.Errorf("problem = %+v, want code invalid naming %q", p, tt.field)
			}
		})
	}
	if status, _, _ := fx.do(t, admin, http.MethodGet, "/api/v1/grids?bbox=1,2,3,4", ""); status != http.StatusBadRequest {
		t.Errorf("grids with an unknown parameter: status %d, want 400", status)
	}
}

func TestHealthAndUnknownRoutes(t *testing.T) {
	fx := setup(t)
	for target, want := range map[string]int{
		"/healthz":        http.StatusOK,
		"/readyz":         http.StatusOK,
		"/api/v1/nothing": http.StatusNotFound,
		"/api/v1/config":  http.StatusOK,
		"/":               http.StatusOK, // the "not built" page: this server has no WebDir
	} {
		if status, _, body := fx.do(t, admin, http.MethodGet, target, ""); status != want {
			t.Errorf("GET %s: status %d, want %d: %s", target, status, want, body)
		}
	}
}

// readyz answers 503 when the database is gone.
func TestReadyzWithoutDatabase(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	srv := server.New(server.Config{}, db, discardLog)
	db.Close()
	if status, _, body := get(t, srv, "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503: %s", status, body)
	}
}

// The validator the tests rely on must refuse what RFC 7946 forbids.
func TestValidatorRefusesBadGeoJSON(t *testing.T) {
	script, _ := filepath.Abs("../frontend/scripts/check-geojson.mjs")
	if _, err := os.Stat("../frontend/node_modules/@placemarkio/check-geojson"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("validator not installed: %v", err)
		}
		t.Skip("validator not installed (run `make test`)")
	}
	bad := map[string]string{
		"clockwise exterior": `{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{},
			"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}}]}`,
		"not closed": `{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{},
			"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]}`,
		"seven decimals": `{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{},
			"geometry":{"type":"Point","coordinates":[113.1234567,33.1]}}]}`,
	}
	for name, doc := range bad {
		file := filepath.Join(t.TempDir(), "bad.geojson")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("node", script, file).CombinedOutput(); err == nil {
			t.Errorf("%s: validator accepted it:\n%s", name, out)
		}
	}
}
