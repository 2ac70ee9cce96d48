package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// answerBound is how long any answer may take while the database is away:
// a hang is a failure, not a slow answer.
const answerBound = 20 * time.Second

// downServer is a server whose database connection runs through a proxy
// that the test can cut, with its background work (the event listener)
// running.
func downServer(t *testing.T, fx *fixture) (*server.Server, *pgtest.Proxy) {
	t.Helper()
	proxy := pgtest.NewProxy(t, testDSN)
	db, err := postgis.OpenWith(context.Background(), proxy.DSN, postgis.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{WebDir: web, EventStreamMax: time.Second, Classify: postgis.Classify},
		db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv.Run(ctx)
	return srv, proxy
}

// sendWithin sends req and fails the test if no answer comes within bound.
func sendWithin(t *testing.T, srv *server.Server, req *http.Request, bound time.Duration) (int, http.Header, []byte) {
	t.Helper()
	resp, err := srv.App().Test(req, int(bound.Milliseconds()))
	if err != nil {
		t.Fatalf("%s %s: no answer within %s: %v", req.Method, req.URL, bound, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// While the database is down every route that needs it answers 503
// "unavailable" with Retry-After, quickly; when it returns, the server
// recovers by itself, live events included.
func TestDatabaseDown(t *testing.T) {
	fx := setup(t)
	srv, proxy := downServer(t, fx)
	status, _, body := fx.do(t, admin, "POST", "/api/v1/tokens", `{"name":"db-down"}`)
	if status != http.StatusCreated {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	as := func(p persona, method, path, body string) *http.Request {
		req := jsonRequest(method, path, body)
		if sid := fx.sessions[p]; sid != "" {
			req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: sid})
		}
		return req
	}
	if status, _, body := sendWithin(t, srv, as(admin, "GET", "/api/v1/grids", ""), answerBound); status != http.StatusOK {
		t.Fatalf("before the cut: %d %s", status, body)
	}

	proxy.Cut()
	cut := time.Now()
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	expand := strings.NewReplacer("{request}", "1", "{grid}", id(fx.grids[0].ID), "{orgA}", id(fx.orgs[0].ID),
		"{orgA2}", id(fx.orgs[2].ID), "{orgB}", id(fx.orgs[4].ID), "{adminToken}", "1", "{plan}", "1",
		"{who}", "admin", "{version}", "1", "{liaison}", id(fx.liaisonID),
		"{tenDaysAgo}", time.Now().Add(-10*24*time.Hour).Format(time.RFC3339))
	// Routes that do not touch the database keep answering.
	withoutDB := map[string]bool{"/healthz": true, "/": true, "/*": true}
	unavailable := func(t *testing.T, status int, h http.Header, body []byte) {
		t.Helper()
		var p struct{ Code string }
		_ = json.Unmarshal(body, &p)
		if status != http.StatusServiceUnavailable || p.Code != "unavailable" || h.Get("Retry-After") == "" ||
			!strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Errorf("status %d, Retry-After %q: %s; want a 503 unavailable problem with Retry-After",
				status, h.Get("Retry-After"), body)
		}
	}
	for _, row := range accessMatrix {
		path := row.path
		if path == "" {
			path = row.route
		}
		path = expand.Replace(path)
		t.Run(row.method+" "+path, func(t *testing.T) {
			status, h, got := sendWithin(t, srv, as(admin, row.method, path, expand.Replace(row.body)), answerBound)
			if withoutDB[row.route] {
				if status != http.StatusOK {
					t.Errorf("status %d without the database: %s", status, got)
				}
				return
			}
			unavailable(t, status, h, got)
		})
	}
	t.Run("bearer token", func(t *testing.T) {
		req := jsonRequest("GET", "/api/v1/grids", "")
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		status, h, body := sendRaw(t, srv, req)
		unavailable(t, status, h, body)
	})
	t.Run("sign-in", func(t *testing.T) {
		status, h, body := sendRaw(t, srv, as(anonymous, "POST", "/api/v1/session",
			fmt.Sprintf(`{"username":%q,"password":%q}`, username(admin), fx.passwords[admin])))
		unavailable(t, status, h, body)
	})

	t.Logf("every route answered in %s with the database down", time.Since(cut).Round(time.Millisecond))
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	restored := time.Now()
	recovered := func(req func() *http.Request) bool {
		for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			if status, _, _ := sendWithin(t, srv, req(), answerBound); status == http.StatusOK {
				return true
			}
		}
		return false
	}
	if !recovered(func() *http.Request { return as(anonymous, "GET", "/readyz", "") }) {
		t.Fatal("/readyz did not recover within 15 s of the database's return")
	}
	if !recovered(func() *http.Request { return as(admin, "GET", "/api/v1/grids", "") }) {
		t.Fatal("the API did not recover within 15 s of the database's return")
	}
	t.Logf("the API answered again %s after the database returned", time.Since(restored).Round(time.Millisecond))
	// The live-event listener reconnects too: a contact logged now reaches
	// an open stream.
	contacts := "/api/v1/organizations/" + id(fx.orgs[0].ID) + "/contacts"
	t.Cleanup(func() {
		if _, err := fx.db.Pool.Exec(context.Background(), `DELETE FROM contact WHERE note = '断库测试'`); err != nil {
			t.Error(err)
		}
	})
	heard := false
	for end := time.Now().Add(20 * time.Second); !heard && time.Now().Before(end); {
		stream := make(chan string, 1)
		go func() {
			resp, err := srv.App().Test(as(admin, "GET", "/api/v1/events", ""), int(answerBound.Milliseconds()))
			if err != nil {
				stream <- ""
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			stream <- string(b)
		}()
		time.Sleep(300 * time.Millisecond)
		fx.do(t, liaison, "POST", contacts, `{"kind":"contact","note":"断库测试","at":"`+time.Now().Add(-10*24*time.Hour).Format(time.RFC3339)+`"}`)
		heard = strings.Contains(<-stream, "event: contact")
	}
	if !heard {
		t.Error("no live contact event within 20 s of the database's return")
	}
	t.Logf("live events flowed again %s after the database returned", time.Since(restored).Round(time.Millisecond))
}

func sendRaw(t *testing.T, srv *server.Server, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	return sendWithin(t, srv, req, answerBound)
}

// A database that stops answering without closing anything (a network
// partition) is met with 503s too, within the request deadlines, not a
// hang; when it answers again, so does the server.
func TestDatabaseUnreachable(t *testing.T) {
	fx := setup(t)
	srv, proxy := downServer(t, fx)
	as := func(p persona, method, path, body string) *http.Request {
		req := jsonRequest(method, path, body)
		if sid := fx.sessions[p]; sid != "" {
			req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: sid})
		}
		return req
	}
	if status, _, body := sendWithin(t, srv, as(admin, "GET", "/api/v1/grids", ""), answerBound); status != http.StatusOK {
		t.Fatalf("before the partition: %d %s", status, body)
	}
	time.Sleep(1100 * time.Millisecond) // idle connections are pinged before use after a second
	proxy.Stall()
	requests := map[string]*http.Request{
		"readyz":  as(anonymous, "GET", "/readyz", ""),
		"grids":   as(admin, "GET", "/api/v1/grids", ""),
		"contact": as(liaison, "POST", fmt.Sprintf("/api/v1/organizations/%d/contacts", fx.orgs[0].ID), `{"kind":"contact"}`),
		"sign-in": as(anonymous, "POST", "/api/v1/session",
			fmt.Sprintf(`{"username":%q,"password":%q}`, username(admin), fx.passwords[admin])),
	}
	var wg sync.WaitGroup
	for name, req := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			resp, err := srv.App().Test(req, int(answerBound.Milliseconds()))
			if err != nil {
				t.Errorf("%s: no answer within %s: %v", name, answerBound, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if code, _ := problemCode(body); resp.StatusCode != http.StatusServiceUnavailable || code != "unavailable" ||
				resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: %d %s, want 503 unavailable with Retry-After", name, resp.StatusCode, body)
			}
			t.Logf("%s answered %d in %s", name, resp.StatusCode, time.Since(start).Round(time.Millisecond))
		}()
	}
	wg.Wait()
	proxy.Resume()
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if status, _, _ := sendWithin(t, srv, as(admin, "GET", "/api/v1/grids", ""), answerBound); status == http.StatusOK {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the API did not recover within 15 s of the partition's end")
		}
	}
}
