package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gridgis/server"
)

// webApp is a built map app in a temporary folder: index.html, a hashed
// script with smaller .br and .gz forms, a hashed style whose .br would be
// larger (so only .gz is kept), and a hashed script with no compressed form.
type webApp struct {
	srv                     *server.Server
	index, script, br, gz   []byte
	style, styleBr, styleGz []byte
	plain                   []byte
}

func newWebApp(t *testing.T) *webApp {
	t.Helper()
	dir := t.TempDir()
	built := time.Now().Add(-time.Hour).Truncate(time.Second)
	w := &webApp{
		index:   []byte(`<!doctype html><title>gridgis</title><script type="module" src="/assets/index-abc123.js"></script>`),
		script:  []byte(strings.Repeat("export const grids = ['G01', 'G02'];\n", 100)),
		br:      []byte("brotli form of the script"),
		gz:      []byte("gzip form of the script, a little longer"),
		style:   []byte("a{color:red}"),
		styleBr: []byte("a brotli form longer than the style"),
		styleGz: []byte("a{}"),
		plain:   []byte(strings.Repeat("export const orgs = [];\n", 100)),
	}
	for name, body := range map[string][]byte{
		"index.html":                 w.index,
		"favicon.svg":                []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
		"assets/index-abc123.js":     w.script,
		"assets/index-abc123.js.br":  w.br,
		"assets/index-abc123.js.gz":  w.gz,
		"assets/index-def456.css":    w.style,
		"assets/index-def456.css.br": w.styleBr,
		"assets/index-def456.css.gz": w.styleGz,
		"assets/mapview-789abc.js":   w.plain,
		"../outside.txt":             []byte("not part of the app"),
	} {
		file := filepath.Join(dir, "web", name)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		// One build: the compressed forms are as new as their files.
		if err := os.Chtimes(file, built, built); err != nil {
			t.Fatal(err)
		}
	}
	w.srv = server.New(server.Config{WebDir: filepath.Join(dir, "web")}, nil, discardLog)
	return w
}

// fetch sends a GET (or another method) with the given headers.
func (w *webApp) fetch(t *testing.T, method, target string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, w.srv, req)
}

// Hashed files are kept for a year; the page and the other files are
// revalidated; every answer has validators.
func TestWebAppCaching(t *testing.T) {
	w := newWebApp(t)
	for target, want := range map[string]string{
		"/assets/index-abc123.js":   "public, max-age=31536000, immutable",
		"/assets/index-def456.css":  "public, max-age=31536000, immutable",
		"/assets/mapview-789abc.js": "public, max-age=31536000, immutable",
		"/":                         "no-cache",
		"/index.html":               "no-cache",
		"/grids/7":                  "no-cache", // an app path: index.html
		"/favicon.svg":              "no-cache",
	} {
		status, h, _ := w.fetch(t, http.MethodGet, target)
		if status != http.StatusOK || h.Get("Cache-Control") != want {
			t.Errorf("GET %s: status %d, Cache-Control %q, want 200 and %q", target, status, h.Get("Cache-Control"), want)
		}
		if etag := h.Get("ETag"); !strings.HasPrefix(etag, `"`) || h.Get("Last-Modified") == "" {
			t.Errorf("GET %s: ETag %q, Last-Modified %q; want a strong ETag and a date", target, etag, h.Get("Last-Modified"))
		}
	}
	if _, h, _ := w.fetch(t, http.MethodGet, "/assets/index-abc123.js"); !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") &&
		!strings.HasPrefix(h.Get("Content-Type"), "application/javascript") {
		t.Errorf("script Content-Type %q", h.Get("Content-Type"))
	}
	if _, _, body := w.fetch(t, http.MethodGet, "/grids/7"); !bytes.Equal(body, w.index) {
		t.Errorf("an app path answered %q, want index.html", body)
	}
}

// A client whose copy is current gets 304 with no body, by ETag or by date.
func TestWebAppNotModified(t *testing.T) {
	w := newWebApp(t)
	for _, target := range []string{"/", "/assets/index-abc123.js"} {
		for _, enc := range []string{"", "br"} {
			_, h, _ := w.fetch(t, http.MethodGet, target, "Accept-Encoding", enc)
			etag := h.Get("ETag")
			status, h2, body := w.fetch(t, http.MethodGet, target, "Accept-Encoding", enc, "If-None-Match", etag)
			if status != http.StatusNotModified || len(body) != 0 || h2.Get("ETag") != etag || h2.Get("Cache-Control") == "" {
				t.Errorf("GET %s (%q) If-None-Match %s: status %d, ETag %q, Cache-Control %q, %d bytes; want 304, same ETag, no body",
					target, enc, etag, status, h2.Get("ETag"), h2.Get("Cache-Control"), len(body))
			}
			if status, _, _ := w.fetch(t, http.MethodGet, target, "Accept-Encoding", enc, "If-None-Match", `"other", W/`+etag); status != http.StatusNotModified {
				t.Errorf("GET %s: a list holding the weak form of the ETag answered %d, want 304", target, status)
			}
			if status, _, _ := w.fetch(t, http.MethodGet, target, "Accept-Encoding", enc, "If-None-Match", `"stale"`); status != http.StatusOK {
				t.Errorf("GET %s: a stale ETag answered %d, want 200", target, status)
			}
			if status, _, _ := w.fetch(t, http.MethodGet, target, "Accept-Encoding", enc, "If-Modified-Since", h.Get("Last-Modified")); status != http.StatusNotModified {
				t.Errorf("GET %s If-Modified-Since its date: status %d, want 304", target, status)
			}
		}
	}
	// The Brotli form has a tag of its own: a cached plain copy's tag does not match it.
	_, plain, _ := w.fetch(t, http.MethodGet, "/assets/index-abc123.js")
	_, br, _ := w.fetch(t, http.MethodGet, "/assets/index-abc123.js", "Accept-Encoding", "br")
	if plain.Get("ETag") == br.Get("ETag") {
		t.Errorf("the plain and Brotli forms share the ETag %s", br.Get("ETag"))
	}
}

// The compressed form a client accepts is sent, only when the build made
// it smaller; none is made on the fly; caches are told it varies.
func TestWebAppEncodings(t *testing.T) {
	w := newWebApp(t)
	for _, tt := range []struct {
		target, accept, encoding string
		body                     []byte
	}{
		{"/assets/index-abc123.js", "gzip, deflate, br, zstd", "br", w.br},
		{"/assets/index-abc123.js", "br", "br", w.br},
		{"/assets/index-abc123.js", "gzip", "gzip", w.gz},
		{"/assets/index-abc123.js", "gzip, br;q=0", "gzip", w.gz},
		{"/assets/index-abc123.js", "BR;q=0.5", "br", w.br},
		{"/assets/index-abc123.js", "*", "br", w.br},
		{"/assets/index-abc123.js", "*, br;q=0", "gzip", w.gz},
		{"/assets/index-abc123.js", "", "", w.script},
		{"/assets/index-abc123.js", "identity", "", w.script},
		{"/assets/index-abc123.js", "deflate", "", w.script},
		{"/assets/index-abc123.js", "br;q=0, gzip;q=0", "", w.script},
		// The style's Brotli form is larger than the style: gzip or nothing.
		{"/assets/index-def456.css", "br", "", w.style},
		{"/assets/index-def456.css", "br, gzip", "gzip", w.styleGz},
		// No compressed form: sent as it is, not compressed here.
		{"/assets/mapview-789abc.js", "br, gzip", "", w.plain},
	} {
		status, h, body := w.fetch(t, http.MethodGet, tt.target, "Accept-Encoding", tt.accept)
		if status != http.StatusOK || h.Get("Content-Encoding") != tt.encoding || !bytes.Equal(body, tt.body) {
			t.Errorf("GET %s, Accept-Encoding %q: status %d, Content-Encoding %q, body %.40q; want %q, %.40q",
				tt.target, tt.accept, status, h.Get("Content-Encoding"), body, tt.encoding, tt.body)
		}
		varies := strings.Contains(h.Get("Vary"), "Accept-Encoding")
		if hasForms := tt.target != "/assets/mapview-789abc.js"; varies != hasForms {
			t.Errorf("GET %s, Accept-Encoding %q: Vary %q", tt.target, tt.accept, h.Get("Vary"))
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/") && !strings.HasPrefix(h.Get("Content-Type"), "application/javascript") {
			t.Errorf("GET %s: Content-Type %q, want the file's, not the compressed form's", tt.target, h.Get("Content-Type"))
		}
	}
}

// A file changed after its compressed forms were written (a deploy step
// editing index.html, a hot-fix) is sent as it is now: the stale forms
// are skipped, not served under the new file's tag.
func TestWebAppStaleCompressedForm(t *testing.T) {
	dir := t.TempDir()
	old := []byte(strings.Repeat("<p>old page</p>", 50))
	write := func(name string, body []byte, at time.Time) {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, at, at); err != nil {
			t.Fatal(err)
		}
	}
	built := time.Now().Add(-time.Hour)
	write("index.html", old, built)
	write("index.html.br", []byte("brotli of the old page"), built)
	write("index.html.gz", []byte("gzip of the old page"), built)
	srv := server.New(server.Config{WebDir: dir}, nil, discardLog)
	get := func() (http.Header, []byte) {
		// By its name: "/" would be compressed again on the fly.
		req := httptest.NewRequest(http.MethodGet, "/index.html", nil)
		req.Header.Set("Accept-Encoding", "br, gzip")
		status, h, body := send(t, srv, req)
		if status != http.StatusOK {
			t.Fatalf("GET /index.html answered %d", status)
		}
		return h, body
	}
	if h, _ := get(); h.Get("Content-Encoding") != "br" {
		t.Fatalf("before the edit: Content-Encoding %q, want br", h.Get("Content-Encoding"))
	}
	edited := []byte(strings.Repeat("<p>edited page</p>", 50))
	write("index.html", edited, time.Now())
	h, body := get()
	if h.Get("Content-Encoding") != "" || !bytes.Equal(body, edited) {
		t.Errorf("after the edit: Content-Encoding %q, body %.30q; want the edited file itself", h.Get("Content-Encoding"), body)
	}
	if strings.Contains(h.Get("ETag"), "-br") || strings.Contains(h.Get("ETag"), "-gzip") {
		t.Errorf("after the edit: ETag %s names a compressed form", h.Get("ETag"))
	}
}

// HEAD answers the headers of GET; what is not a file of the app is not
// served as one.
func TestWebAppOtherRequests(t *testing.T) {
	w := newWebApp(t)
	status, h, body := w.fetch(t, http.MethodHead, "/assets/index-abc123.js", "Accept-Encoding", "br")
	if status != http.StatusOK || h.Get("Content-Encoding") != "br" || h.Get("Content-Length") != "25" || len(body) != 0 {
		t.Errorf("HEAD: status %d, Content-Encoding %q, Content-Length %q, %d bytes", status, h.Get("Content-Encoding"), h.Get("Content-Length"), len(body))
	}
	for _, target := range []string{"/assets/index-gone99.js", "/assets/index-abc123.js.br", "/assets/index-abc123.js.gz"} {
		if status, h, _ := w.fetch(t, http.MethodGet, target); status != http.StatusNotFound || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Errorf("GET %s: status %d, Content-Type %q; want a 404 problem", target, status, h.Get("Content-Type"))
		}
	}
	for _, target := range []string{"/../outside.txt", "/%2e%2e/outside.txt", "/assets/../../outside.txt"} {
		if _, _, body := w.fetch(t, http.MethodGet, target); bytes.Contains(body, []byte("not part of the app")) {
			t.Errorf("GET %s served a file outside the app", target)
		}
	}
}
