package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgis/geo"
)

// ogcAccess are the access matrix rows of the OGC API routes: every one
// needs a signed-in user or a token, and single features keep to scope.
var ogcAccess = []accessRow{
	{method: "GET", route: "/ogc", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/ogc/conformance", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/ogc/api", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/ogc/collections", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/ogc/collections/:collectionId", path: "/ogc/collections/organizations",
		want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/ogc/collections/:collectionId/items", path: "/ogc/collections/organizations/items",
		want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/ogc/collections/:collectionId/items/:featureId", path: "/ogc/collections/grids/items/{grid}",
		want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/ogc/collections/:collectionId/items/:featureId", path: "/ogc/collections/organizations/items/{orgA}",
		want: statuses{unauth, ok, ok, notFound, ok, ok}},
	{method: "GET", route: "/ogc/collections/:collectionId/items/:featureId", path: "/ogc/collections/organizations/items/{orgA2}",
		want: statuses{unauth, ok, ok, notFound, notFound, ok}},
	{method: "GET", route: "/ogc/collections/:collectionId/items/:featureId", path: "/ogc/collections/organizations/items/{orgB}",
		want: statuses{unauth, ok, notFound, ok, notFound, ok}},
}

// fixtureBBox covers the fixture zone and nothing else the tests make.
const fixtureBBox = "112.99,32.99,113.21,33.11"

// ogcPage is the part of an items answer the tests read.
type ogcPage struct {
	Features       []json.RawMessage `json:"features"`
	Links          []geo.Link        `json:"links"`
	NumberMatched  *int64            `json:"numberMatched"`
	NumberReturned *int              `json:"numberReturned"`
	TimeStamp      string            `json:"timeStamp"`
}

func (pg ogcPage) link(rel string) string { return collection{Links: pg.Links}.link(rel) }

// ids are the page's feature ids, in order.
func (pg ogcPage) ids(t *testing.T) []int64 {
	t.Helper()
	ids := make([]int64, len(pg.Features))
	for i, f := range pg.Features {
		var v struct{ ID int64 }
		if err := json.Unmarshal(f, &v); err != nil {
			t.Fatal(err)
		}
		ids[i] = v.ID
	}
	return ids
}

// getJSON GETs target as p, wants 200 with the content type, and decodes
// the body into v.
func getJSON(t *testing.T, fx *fixture, p persona, target, contentType string, v any) []byte {
	t.Helper()
	status, h, body := fx.do(t, p, http.MethodGet, target, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, status, body)
	}
	if ct := h.Get("Content-Type"); ct != contentType {
		t.Errorf("GET %s: Content-Type %q, want %q", target, ct, contentType)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", target, err, body)
	}
	return body
}

// getPage GETs one page of items, checked as GeoJSON.
func getPage(t *testing.T, fx *fixture, p persona, target string) ogcPage {
	t.Helper()
	var pg ogcPage
	body := getJSON(t, fx, p, target, "application/geo+json", &pg)
	checkGeoJSON(t, target, body)
	if first := !strings.Contains(target, "cursor="); (pg.NumberMatched != nil) != first {
		t.Errorf("GET %s: numberMatched %v, want it on the first page only", target, pg.NumberMatched)
	}
	if pg.NumberReturned == nil || pg.TimeStamp == "" {
		t.Errorf("GET %s: numberReturned or timeStamp missing", target)
	}
	if pg.NumberReturned != nil && *pg.NumberReturned != len(pg.Features) {
		t.Errorf("GET %s: numberReturned %d, %d features", target, *pg.NumberReturned, len(pg.Features))
	}
	return pg
}

// pathOf strips the scheme and host of an absolute link, so the fixture
// can follow it through the Fiber app.
func pathOf(t *testing.T, href string) string {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil || !u.IsAbs() {
		t.Fatalf("link %q is not an absolute URL", href)
	}
	return u.RequestURI()
}

func TestOGCLandingAndConformance(t *testing.T) {
	fx := setup(t)
	var landing collection
	getJSON(t, fx, planner, "/ogc", "application/json", &landing)
	want := map[string]string{
		"self":         "application/json",
		"service-desc": "application/vnd.oai.openapi+json;version=3.0",
		"conformance":  "application/json",
		"data":         "application/json",
	}
	for _, l := range landing.Links {
		if typ, ok := want[l.Rel]; ok {
			if l.Type != typ {
				t.Errorf("link %s has type %q, want %q", l.Rel, l.Type, typ)
			}
			delete(want, l.Rel)
		}
	}
	if len(want) > 0 {
		t.Errorf("landing page lacks links %v: %+v", want, landing.Links)
	}
	if got := pathOf(t, landing.link("service-desc")); got != "/ogc/api" {
		t.Errorf("service-desc %s", got)
	}

	var conf struct{ ConformsTo []string }
	getJSON(t, fx, planner, "/ogc/conformance?f=json", "application/json", &conf)
	for _, class := range []string{"core", "geojson", "oas30"} {
		uri := "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/" + class
		if !slices.Contains(conf.ConformsTo, uri) {
			t.Errorf("conformance lacks %s: %v", uri, conf.ConformsTo)
		}
	}
}

func TestOGCCollections(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	var cols struct {
		Links       []json.RawMessage
		Collections []struct {
			ID, Title, ItemType string
			CRS                 []string
			Extent              struct {
				Spatial struct {
					BBox [][]float64
					CRS  string
				}
			}
			Links []struct{ Href, Rel, Type string }
		}
	}
	getJSON(t, fx, officerA, "/ogc/collections", "application/json", &cols)
	covers := map[string][4]float64{
		"grids":         {113, 33, 113.2, 33.1},
		"organizations": {113.01, 33.01, 113.17, 33.09},
		"liaisons":      {113.02, 33.02, 113.02, 33.02},
		"requests":      {113.01, 33.01, 113.17, 33.01},
	}
	var ids []string
	for _, c := range cols.Collections {
		ids = append(ids, c.ID)
		t.Run(c.ID, func(t *testing.T) {
			if c.ItemType != "feature" || !strings.Contains(c.Title, " / ") || !slices.Contains(c.CRS, "http://www.opengis.net/def/crs/OGC/1.3/CRS84") {
				t.Errorf("collection %+v", c)
			}
			// The extent covers the collection's fixture rows.
			if len(c.Extent.Spatial.BBox) != 1 || c.Extent.Spatial.CRS != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
				t.Fatalf("extent %+v", c.Extent)
			}
			b, w := c.Extent.Spatial.BBox[0], covers[c.ID]
			if len(b) != 4 || b[0] > w[0] || b[1] > w[1] || b[2] < w[2] || b[3] < w[3] {
				t.Errorf("extent bbox %v does not cover %v", b, w)
			}
			var items string
			for _, l := range c.Links {
				if l.Rel == "items" && l.Type == "application/geo+json" {
					items = l.Href
				}
			}
			if pathOf(t, items) != "/ogc/collections/"+c.ID+"/items" {
				t.Errorf("items link %q", items)
			}
			var one struct{ ID string }
			getJSON(t, fx, officerA, "/ogc/collections/"+c.ID, "application/json", &one)
			if one.ID != c.ID {
				t.Errorf("/ogc/collections/%s describes %q", c.ID, one.ID)
			}
		})
	}
	if d := cmp.Diff([]string{"grids", "organizations", "liaisons", "requests"}, ids); d != "" {
		t.Errorf("collections (-want +got):\n%s", d)
	}
}

// Paging through next links visits every feature once, the pages in id
// order (within a page, any order); the first page tells how many there
// are.
func TestOGCItemsPaging(t *testing.T) {
	fx := setup(t)
	target := "/ogc/collections/organizations/items?limit=7&bbox=" + fixtureBBox
	var ids []int64
	pages := 0
	for target != "" {
		pg := getPage(t, fx, admin, target)
		pages++
		if pages == 1 && *pg.NumberMatched != 25 {
			t.Errorf("numberMatched %d, want 25", *pg.NumberMatched)
		}
		page := pg.ids(t)
		if len(ids) > 0 && len(page) > 0 && slices.Min(page) < slices.Max(ids) {
			t.Errorf("page %d %v goes back before %d", pages, page, slices.Max(ids))
		}
		ids = append(ids, page...)
		if pathOf(t, pg.link("collection")) != "/ogc/collections/organizations" || pg.link("self") == "" {
			t.Errorf("page %d links %+v", pages, pg.Links)
		}
		target = ""
		if next := pg.link("next"); next != "" {
			target = pathOf(t, next)
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	sorted := slices.Sorted(slices.Values(ids))
	if pages != 4 || len(ids) != 25 || len(slices.Compact(sorted)) != 25 {
		t.Errorf("%d pages, ids %v", pages, ids)
	}
}

// Items keep to the caller's scope, and numberMatched counts only what
// the caller may see.
func TestOGCItemsScope(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	tests := []struct {
		p                 persona
		orgs, liaisons    int64
		requests, gridsIn int64
	}{
		{admin, 25, 1, 3, 2},
		{officerA, 15, 1, 2, 2},
		{officerB, 10, 0, 1, 2},
		{liaison, 2, 1, 2, 2},
		{planner, 25, 1, 3, 2},
	}
	for _, tt := range tests {
		t.Run(string(tt.p), func(t *testing.T) {
			for col, want := range map[string]int64{"organizations": tt.orgs, "liaisons": tt.liaisons,
				"requests": tt.requests, "grids": tt.gridsIn} {
				pg := getPage(t, fx, tt.p, "/ogc/collections/"+col+"/items?bbox="+fixtureBBox)
				if *pg.NumberMatched != want || int64(len(pg.Features)) != want {
					t.Errorf("%s: numberMatched %d, %d features, want %d", col, *pg.NumberMatched, len(pg.Features), want)
				}
			}
		})
	}
}

// The OGC collections serve the /api/v1 layers' features byte for byte.
func TestOGCItemsMatchAPILayers(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	for col, api := range map[string]string{
		"grids":         "/api/v1/grids",
		"organizations": "/api/v1/organizations?limit=30&bbox=" + fixtureBBox,
		"liaisons":      "/api/v1/liaisons?bbox=" + fixtureBBox,
		"requests":      "/api/v1/requests?bbox=" + fixtureBBox,
	} {
		t.Run(col, func(t *testing.T) {
			var want struct{ Features []json.RawMessage }
			getJSON(t, fx, officerA, api, "application/geo+json", &want)
			query := "?limit=30&bbox=" + fixtureBBox
			if col == "grids" {
				query = ""
			}
			got := getPage(t, fx, officerA, "/ogc/collections/"+col+"/items"+query)
			if len(want.Features) == 0 || len(want.Features) != len(got.Features) {
				t.Fatalf("%d features from %s, %d from OGC", len(want.Features), api, len(got.Features))
			}
			for i := range want.Features {
				if string(want.Features[i]) != string(got.Features[i]) {
					t.Errorf("feature %d differs:\n api: %s\n ogc: %s", i, want.Features[i], got.Features[i])
				}
			}
		})
	}
}

func TestOGCGridsBBox(t *testing.T) {
	fx := setup(t)
	pg := getPage(t, fx, planner, "/ogc/collections/grids/items?bbox=113.15,33.01,113.19,33.09")
	if ids := pg.ids(t); *pg.NumberMatched != 1 || len(ids) != 1 || ids[0] != fx.grids[1].ID {
		t.Errorf("bbox inside G02: %d matched, ids %v", *pg.NumberMatched, ids)
	}
	pg = getPage(t, fx, planner, "/ogc/collections/grids/items?limit=1&bbox="+fixtureBBox)
	if *pg.NumberMatched != 2 || len(pg.Features) != 1 || pg.link("next") == "" {
		t.Fatalf("first page of grids: %d matched, %d features, next %q", *pg.NumberMatched, len(pg.Features), pg.link("next"))
	}
	pg = getPage(t, fx, planner, pathOf(t, pg.link("next")))
	if ids := pg.ids(t); len(ids) != 1 || ids[0] != fx.grids[1].ID || pg.link("next") != "" {
		t.Errorf("second page of grids: ids %v, next %q", ids, pg.link("next"))
	}
}

func TestOGCItem(t *testing.T) {
	fx := setup(t)
	id := strconv.FormatInt(fx.orgs[0].ID, 10)
	target := "/ogc/collections/organizations/items/" + id
	var f struct {
		Type       string
		ID         int64
		Properties map[string]any
		Links      []struct{ Href, Rel, Type string }
	}
	body := getJSON(t, fx, liaison, target+"?f=geojson", "application/geo+json", &f)
	checkGeoJSON(t, target, body)
	if f.Type != "Feature" || f.ID != fx.orgs[0].ID || f.Properties["uscc"] != fx.orgs[0].USCC {
		t.Errorf("feature %+v", f)
	}
	rels := map[string]string{}
	for _, l := range f.Links {
		rels[l.Rel] = pathOf(t, l.Href)
	}
	if rels["self"] != target || rels["collection"] != "/ogc/collections/organizations" {
		t.Errorf("links %+v", f.Links)
	}
	// The feature is the /api/v1 one with links added.
	var api, ogc map[string]json.RawMessage
	_, _, apiBody := fx.do(t, liaison, http.MethodGet, "/api/v1/organizations/"+id, "")
	if err := json.Unmarshal(apiBody, &api); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &ogc); err != nil {
		t.Fatal(err)
	}
	delete(ogc, "links")
	if d := cmp.Diff(api, ogc, cmp.Transformer("string", func(r json.RawMessage) string { return string(r) })); d != "" {
		t.Errorf("OGC feature differs from /api/v1 (-api +ogc):\n%s", d)
	}
}

// Bad input gets a 400 problem naming the parameter; unknown things 404.
func TestOGCBadInput(t *testing.T) {
	fx := setup(t)
	items := "/ogc/collections/organizations/items"
	tests := []struct {
		target string
		status int
		field  string
	}{
		{items + "?name=x", 400, "name"},
		{items + "?bbox=113.2,33,113,33.1", 400, "bbox"},
		{items + "?bbox=113,33,113.2", 400, "bbox"},
		{items + "?bbox=NaN,33,113.2,33.1", 400, "bbox"},
		{items + "?bbox=113,33,0,113.2,33.1,x", 400, "bbox"},
		{items + "?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", 400, "bbox-crs"},
		{items + "?limit=0", 400, "limit"},
		{items + "?limit=-3", 400, "limit"},
		{items + "?limit=ten", 400, "limit"},
		{items + "?cursor=bogus", 400, "cursor"},
		{items + "?f=html", 400, "f"},
		{items + "?limit=5&limit=6", 400, "limit"},
		{"/ogc?f=xml", 400, "f"},
		{"/ogc/collections?page=2", 400, "page"},
		{"/ogc/collections/parcels", 404, ""},
		{"/ogc/collections/parcels/items", 404, ""},
		{"/ogc/collections/organizations/items/abc", 404, ""},
		{"/ogc/collections/organizations/items/999999999", 404, ""},
		{"/ogc/nothing", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			status, h, body := fx.do(t, admin, http.MethodGet, tt.target, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if ct := h.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p struct{ Code, Field string }
			if err := json.Unmarshal(body, &p); err != nil || p.Field != tt.field {
				t.Errorf("problem %s: want field %q", body, tt.field)
			}
		})
	}
	// Limits above the maximum are served as the maximum, as the standard asks.
	for _, limit := range []string{"10001", "99999999999999999999"} {
		pg := getPage(t, fx, admin, items+"?bbox="+fixtureBBox+"&limit="+limit)
		if len(pg.Features) != 25 {
			t.Errorf("limit=%s: %d features", limit, len(pg.Features))
		}
	}
	// 6-number bboxes carry heights, which are ignored.
	if pg := getPage(t, fx, admin, items+"?bbox=112.99,32.99,-10,113.21,33.11,100&bbox-crs="+
		url.QueryEscape("http://www.opengis.net/def/crs/OGC/1.3/CRS84")); *pg.NumberMatched != 25 {
		t.Errorf("3D bbox matched %d", *pg.NumberMatched)
	}
}
