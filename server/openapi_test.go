package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// openAPIDoc fetches the server's OpenAPI document from /ogc/api, loads
// it and validates it against the OpenAPI 3.0 specification.
func openAPIDoc(t *testing.T, fx *fixture) *openapi3.T {
	t.Helper()
	status, h, body := fx.do(t, planner, http.MethodGet, "/ogc/api", "")
	if status != http.StatusOK {
		t.Fatalf("GET /ogc/api: status %d: %s", status, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/vnd.oai.openapi+json;version=3.0" {
		t.Errorf("GET /ogc/api: Content-Type %q", ct)
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	fx := setup(t)
	doc := openAPIDoc(t, fx)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for _, scheme := range []string{"sessionCookie", "bearerToken"} {
		if doc.Components.SecuritySchemes[scheme] == nil {
			t.Errorf("no security scheme %s", scheme)
		}
	}
	// The property names clients rely on (DESIGN.md) are all described.
	for schema, props := range map[string][]string{
		"GridProperties":     {"code", "name", "industry", "officer", "instructor", "org_count"},
		"OrgProperties":      {"name", "uscc", "kind", "industry", "grid_id", "grid_reason", "party_org", "party_members", "liaison_id", "last_contact_at", "last_visit_at", "open_requests"},
		"LiaisonProperties":  {"name", "grid_id", "load", "min", "max"},
		"RequestProperties":  {"org_id", "title", "category", "status", "sla", "reported_at", "due_at", "version"},
		"CoverageProperties": {"indicator", "numerator", "denominator", "rate"},
	} {
		s := doc.Components.Schemas[schema]
		if s == nil {
			t.Errorf("no schema %s", schema)
			continue
		}
		for _, p := range props {
			if s.Value.Properties[p] == nil || !slices.Contains(s.Value.Required, p) {
				t.Errorf("%s does not require property %s", schema, p)
			}
		}
	}
}

// fiberParam matches a Fiber route parameter.
var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// Every route the Fiber app registers is in the document, and the
// document describes no route the app does not serve.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	fx := setup(t)
	doc := openAPIDoc(t, fx)
	served := map[string]bool{}
	for _, r := range fx.srv.App().GetRoutes(true) {
		if r.Method == http.MethodHead || r.Path == "/" || r.Path == "/*" {
			continue
		}
		if strings.ContainsAny(r.Path, "*+?") {
			t.Errorf("route %s %s: wildcard or optional parameters cannot be described", r.Method, r.Path)
			continue
		}
		path := fiberParam.ReplaceAllString(r.Path, "{$1}")
		served[r.Method+" "+path] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s is not in the OpenAPI document (as %s)", r.Method, r.Path, path)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !served[method+" "+path] {
				t.Errorf("the OpenAPI document describes %s %s, which the server does not serve", method, path)
			}
		}
	}
}

// apiCheck is one request whose answer is validated against the document.
type apiCheck struct {
	p              persona
	method, target string
	body           string
	status         int
	// binary answers are checked for status and media type only.
	binary bool
}

// Real answers, through the real Fiber app, match the document: status,
// content type and body schema. The requests themselves must match it too.
func TestOpenAPIValidatesResponses(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	doc := openAPIDoc(t, fx)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	org, grid := id(fx.orgs[0].ID), id(fx.grids[0].ID)
	fx.forgetRequests(t, "接口文档测试")
	req := id(fx.newRequest(t, admin, fx.orgs[0].ID, "接口文档测试").ID)
	checks := []apiCheck{
		{p: planner, target: "/ogc"},
		{p: planner, target: "/ogc?f=json"},
		{p: planner, target: "/ogc/conformance"},
		{p: planner, target: "/ogc/api"},
		{p: planner, target: "/ogc/collections"},
		{p: officerA, target: "/ogc/collections/organizations"},
		{p: officerA, target: "/ogc/collections/grids/items"},
		{p: officerA, target: "/ogc/collections/organizations/items?limit=5&bbox=" + fixtureBBox},
		{p: officerA, target: "/ogc/collections/organizations/items?limit=5&cursor=" +
			base64.RawURLEncoding.EncodeToString([]byte(id(fx.orgs[4].ID)))},
		{p: officerA, target: "/ogc/collections/liaisons/items?f=json"},
		{p: liaison, target: "/ogc/collections/requests/items?bbox=" + fixtureBBox},
		{p: liaison, target: "/ogc/collections/organizations/items/" + org},
		{p: planner, target: "/ogc/collections/grids/items/" + grid + "?f=geojson"},
		{p: planner, target: "/ogc/collections/parcels", status: http.StatusNotFound},
		{p: planner, target: "/ogc/collections/grids/items?limit=0", status: http.StatusBadRequest},
		{p: anonymous, target: "/ogc/collections", status: http.StatusUnauthorized},

		{p: admin, target: "/api/v1/me"},
		{p: liaison, target: "/api/v1/me"},
		{p: anonymous, target: "/api/v1/me", status: http.StatusUnauthorized},
		{p: planner, method: "POST", target: "/api/v1/tokens", body: `{"name":"openapi"}`, status: http.StatusCreated},
		{p: planner, target: "/api/v1/tokens"},
		{p: admin, target: "/api/v1/audit?limit=5"},
		{p: planner, target: "/api/v1/audit", status: http.StatusForbidden},
		{p: anonymous, target: "/api/v1/config"},
		{p: anonymous, target: "/healthz"},
		{p: anonymous, target: "/readyz"},
		{p: anonymous, method: "POST", target: "/api/v1/session", body: `{"username":"t-nobody","password":"wrong-password"}`,
			status: http.StatusUnauthorized},
		{p: planner, target: "/api/v1/grids"},
		{p: liaison, target: "/api/v1/search?q=%E6%B5%8B%E8%AF%950&limit=3"}, // 测试0
		{p: admin, target: "/api/v1/search?q=G01"},
		{p: admin, target: "/api/v1/search?q=", status: http.StatusBadRequest},
		{p: planner, target: "/api/v1/grids/" + grid},
		{p: admin, target: "/api/v1/organizations?limit=3&bbox=" + fixtureBBox + "&kind=enterprise"},
		{p: officerA, target: "/api/v1/organizations/" + org},
		{p: officerA, target: "/api/v1/organizations?party_org=bogus", status: http.StatusBadRequest},
		{p: admin, method: "PATCH", target: "/api/v1/organizations/" + org, body: `{"version":1000,"address":"x"}`,
			status: http.StatusConflict},
		{p: admin, target: "/api/v1/liaisons"},
		{p: officerA, target: "/api/v1/assignments"},
		{p: admin, target: "/api/v1/requests?status=open"},
		{p: liaison, target: "/api/v1/units"},
		{p: admin, target: "/api/v1/jobs/" + id(fx.dryRunJob(t))},
		{p: planner, target: "/api/v1/jobs/" + id(fx.dryRunJob(t)), status: http.StatusNotFound},
		{p: liaison, method: "POST", target: "/api/v1/requests", status: http.StatusCreated,
			body: `{"org_id":` + org + `,"category":"ordinary","title":"接口文档测试","topic":"innovation"}`},
		{p: liaison, target: "/api/v1/requests/" + req},
		{p: officerA, method: "POST", target: "/api/v1/requests/" + req + "/transitions", status: http.StatusOK,
			body: `{"action":"assign","version":1,"liaison_id":` + id(fx.liaisonID) + `,"note":"请联络员跟进"}`},
		{p: officerA, method: "POST", target: "/api/v1/requests/" + req + "/transitions", status: http.StatusConflict,
			body: `{"action":"assign","version":1,"unit_id":1}`},
		{p: officerA, method: "POST", target: "/api/v1/requests", status: http.StatusBadRequest,
			body: `{"org_id":` + org + `,"category":"ordinary","title":""}`},
		{p: planner, method: "POST", target: "/api/v1/requests/" + req + "/transitions", status: http.StatusForbidden,
			body: `{"action":"start","version":2}`},
		{p: planner, target: "/api/v1/coverage?indicator=party_org"},
		{p: planner, target: "/api/v1/coverage/gaps?indicator=standalone_gap&limit=10"},
		{p: officerB, target: "/api/v1/tiles/organizations.json"},
		{p: officerB, target: "/api/v1/tiles/grids/0/0/0.mvt", binary: true},
		{p: officerB, target: "/api/v1/tiles/parcels/0/0/0.mvt", status: http.StatusBadRequest},
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

// validateAgainst checks a request and its answer against the document.
func validateAgainst(t *testing.T, router routers.Router, ck apiCheck, status int, header http.Header, body []byte) {
	t.Helper()
	var reqBody io.Reader
	if ck.body != "" {
		reqBody = strings.NewReader(ck.body)
	}
	req := httptest.NewRequest(ck.method, "http://127.0.0.1"+ck.target, reqBody)
	if ck.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("the document has no route for %s %s: %v", ck.method, ck.target, err)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	// Requests meant to be refused need not match the document.
	if status < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("the request does not match the document: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: ck.binary},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("the answer does not match the document: %v\n%s", err, truncate(body, 2000))
	}
	if ck.binary {
		resp := route.Operation.Responses.Status(status)
		if ct := header.Get("Content-Type"); resp == nil || resp.Value.Content.Get(ct) == nil {
			t.Errorf("the document does not describe a %d answer of type %q", status, ct)
		}
	}
	if strings.Contains(header.Get("Content-Type"), "geo+json") && status == http.StatusOK {
		checkGeoJSON(t, ck.target, body)
	}
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d bytes)", b[:n], len(b))
}

// Every query parameter the document lists for a GET route is one the
// handler accepts: each, given an example value (with the route's
// required parameters), gets an answer, not a 400.
func TestOpenAPIParametersAreAccepted(t *testing.T) {
	fx := setup(t)
	doc := openAPIDoc(t, fx)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	pathValues := strings.NewReplacer("{collectionId}", "organizations", "{featureId}", id(fx.orgs[0].ID),
		"{layer}", "grids", "{z}", "0", "{x}", "0", "{y}", "0")
	example := func(p *openapi3.Parameter) string {
		s := p.Schema.Value
		switch {
		case p.Name == "cursor":
			return base64.RawURLEncoding.EncodeToString([]byte("1"))
		case s.Example != nil:
			return fmt.Sprint(s.Example)
		case len(s.Enum) > 0:
			return fmt.Sprint(s.Enum[0])
		case s.Type.Is("array"):
			return "113,33,113.2,33.1"
		case s.Type.Is("integer") && s.Default != nil:
			return fmt.Sprint(s.Default)
		case s.Type.Is("integer"):
			return "1"
		case s.Type.Is("boolean"):
			return "true"
		}
		return "x"
	}
	for path, item := range doc.Paths.Map() {
		o := item.Get
		if o == nil {
			continue
		}
		target := pathValues.Replace(path)
		if strings.Contains(target, "{id}") {
			target = strings.Replace(target, "{id}", id(fx.orgs[0].ID), 1)
			if strings.HasPrefix(path, "/api/v1/grids/") {
				target = strings.Replace(pathValues.Replace(path), "{id}", id(fx.grids[0].ID), 1)
			}
			if strings.HasPrefix(path, "/api/v1/requests/") {
				target = strings.Replace(pathValues.Replace(path), "{id}", id(fx.someRequest(t)), 1)
			}
			if strings.HasPrefix(path, "/api/v1/rebalance/plans/") {
				target = strings.Replace(pathValues.Replace(path), "{id}", id(fx.stalePlan(t)), 1)
			}
			if strings.HasPrefix(path, "/api/v1/jobs/") {
				target = strings.Replace(pathValues.Replace(path), "{id}", id(fx.dryRunJob(t)), 1)
			}
		}
		var required url.Values = url.Values{}
		var optional []*openapi3.Parameter
		for _, ref := range o.Parameters {
			p := ref.Value
			if p.In != "query" {
				continue
			}
			if p.Required {
				required.Set(p.Name, example(p))
			} else {
				optional = append(optional, p)
			}
		}
		for _, p := range append(optional, nil) {
			q := url.Values{}
			for k, v := range required {
				q[k] = v
			}
			name := "(required only)"
			if p != nil {
				name = p.Name
				q.Set(p.Name, example(p))
			}
			u := target
			if len(q) > 0 {
				u += "?" + q.Encode()
			}
			t.Run("GET "+path+" "+name, func(t *testing.T) {
				status, _, body := fx.do(t, admin, http.MethodGet, u, "")
				if status >= 400 {
					t.Errorf("GET %s: status %d: %s", u, status, truncate(body, 300))
				}
			})
		}
	}
}

// someRequest is the id of one of the fixture's requests.
func (fx *fixture) someRequest(t *testing.T) int64 {
	t.Helper()
	fx.addRequests(t)
	var id int64
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT min(id) FROM request WHERE zone_id = $1`, fx.zone.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
