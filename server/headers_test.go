package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"gridgis/server"
)

// checkSecurityHeaders reports what h lacks of the headers every response
// carries.
func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "strict-origin-when-cross-origin",
		"Cross-Origin-Opener-Policy": "same-origin",
		"Permissions-Policy":         "geolocation=(self)",
		"Content-Security-Policy":    "default-src 'self'",
		"X-Request-Id":               "", // any, but one
	} {
		got := h.Get(name)
		if got == "" || !strings.Contains(got, want) {
			t.Errorf("%s: %s is %q, want it to hold %q", what, name, got, want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"script-src 'self'", "worker-src 'self';", "object-src 'none'", "base-uri 'self'",
		"form-action 'self'", "frame-ancestors 'none'", "font-src 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP %q allows inline code", what, csp)
	}
}

// Every answer carries the security headers: the app, static files, API
// answers, problems, unknown routes, and errors raised before any route.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	fx := setup(t)
	for _, tt := range []struct {
		p            persona
		method, path string
		body         string
		headers      []string
		want         int
	}{
		{anonymous, "GET", "/", "", nil, 200},
		{anonymous, "GET", "/index.html", "", nil, 200},
		{anonymous, "GET", "/some/app/path", "", nil, 200},
		{anonymous, "GET", "/healthz", "", nil, 200},
		{anonymous, "GET", "/readyz", "", nil, 200},
		{admin, "GET", "/api/v1/grids", "", nil, 200},
		{anonymous, "GET", "/api/v1/grids", "", nil, 401},
		{officerA, "GET", "/api/v1/audit", "", nil, 403},
		{admin, "GET", "/api/v1/nothing", "", nil, 404},
		{admin, "GET", "/api/v1/organizations/999999999", "", nil, 404},
		{anonymous, "POST", "/api/v1/session", "{", nil, 400},
		{anonymous, "PUT", "/healthz", "", nil, 405},
		{anonymous, "GET", "/metrics", "", nil, 404},
	} {
		status, h, body := fx.do(t, tt.p, tt.method, tt.path, tt.body, tt.headers...)
		what := tt.method + " " + tt.path
		if status != tt.want {
			t.Errorf("%s: status %d, want %d: %.200s", what, status, tt.want, body)
		}
		checkSecurityHeaders(t, what, h)
	}

	// fasthttp refuses headers larger than its read buffer before any
	// route or middleware runs; the answer still carries the headers.
	base := listen(t, server.New(server.Config{}, fx.db, discardLog))
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Huge", strings.Repeat("x", 10_000))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge header: status %d, want 431", resp.StatusCode)
	}
	checkSecurityHeaders(t, "GET /healthz with a huge header", resp.Header)
}

// listen serves srv on a loopback port until the test ends.
func listen(t *testing.T, srv *server.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// The CSP lets the map load the configured basemap's tiles, and nothing
// else from elsewhere.
func TestContentSecurityPolicyNamesBasemap(t *testing.T) {
	for _, tt := range []struct{ basemap, want string }{
		{"", ""},
		{"https://tiles.example.com/{z}/{x}/{y}.png", "https://tiles.example.com"},
		{"https://tiles.example.com:8443/osm/{z}/{x}/{y}.png?key=abc", "https://tiles.example.com:8443"},
		{"https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"},
		{"/tiles/{z}/{x}/{y}.png", ""}, // this server: 'self'
		{"javascript:alert(1)", ""},
		{"https://a.example.com; script-src *", ""},
	} {
		srv := server.New(server.Config{Basemap: tt.basemap}, nil, discardLog)
		_, h, _ := get(t, srv, "/healthz")
		csp := h.Get("Content-Security-Policy")
		img := directive(csp, "img-src")
		connect := directive(csp, "connect-src")
		if img[0] != "'self'" || connect[0] != "'self'" {
			t.Errorf("%q: img-src %v, connect-src %v, want 'self' first", tt.basemap, img, connect)
		}
		hosts := func(srcs []string) []string {
			var out []string
			for _, s := range srcs {
				if strings.Contains(s, "://") {
					out = append(out, s)
				}
			}
			return out
		}
		var want []string
		if tt.want != "" {
			want = []string{tt.want}
		}
		if got := hosts(img); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q: img-src hosts %v, want %v (CSP %s)", tt.basemap, got, want, csp)
		}
		if got := hosts(connect); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q: connect-src hosts %v, want %v (CSP %s)", tt.basemap, got, want, csp)
		}
		if strings.Count(csp, "script-src") != 1 || !strings.Contains(csp, "script-src 'self';") {
			t.Errorf("%q: script-src changed: %s", tt.basemap, csp)
		}
	}
}

// directive returns the sources of one CSP directive.
func directive(csp, name string) []string {
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 && f[0] == name {
			return f[1:]
		}
	}
	return []string{""}
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// A request id comes from a safe X-Request-ID or is made up; it is sent
// back, logged with the request, and carried by problem bodies.
func TestRequestIDs(t *testing.T) {
	fx := setup(t)
	problemID := func(body []byte) string {
		var p struct {
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("problem body %s: %v", body, err)
		}
		return p.RequestID
	}

	// A safe incoming id is kept, end to end.
	const given = "lb-7f3a.42_Z"
	status, h, body := fx.do(t, admin, "GET", "/api/v1/nothing", "", "X-Request-ID", given)
	if status != 404 || h.Get("X-Request-ID") != given || problemID(body) != given {
		t.Errorf("given id: status %d, header %q, body %s", status, h.Get("X-Request-ID"), body)
	}
	if !strings.Contains(fx.logs.String(), "request_id="+given) {
		t.Errorf("the request log line lacks request_id=%s", given)
	}

	// Unsafe or oversized ones are replaced; each request gets its own.
	seen := map[string]bool{given: true}
	for _, bad := range []string{"", "has space", "<script>", "id\"quote", strings.Repeat("a", 65), "ünïcode", "a/b"} {
		status, h, body := fx.do(t, anonymous, "GET", "/api/v1/grids", "", "X-Request-ID", bad)
		id := h.Get("X-Request-ID")
		if status != 401 || !requestIDPattern.MatchString(id) || id == bad || seen[id] || problemID(body) != id {
			t.Errorf("X-Request-ID %q: status %d, answered id %q, problem id %q", bad, status, id, problemID(body))
		}
		seen[id] = true
		if !strings.Contains(fx.logs.String(), "request_id="+id) {
			t.Errorf("the request log line lacks request_id=%s", id)
		}
	}
	// A successful answer carries one too.
	if _, h, _ := fx.do(t, admin, "GET", "/healthz", ""); !requestIDPattern.MatchString(h.Get("X-Request-ID")) {
		t.Errorf("healthz X-Request-ID %q", h.Get("X-Request-ID"))
	}
}
