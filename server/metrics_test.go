package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridgis/server"
)

// scrape reads base's /metrics as Prometheus would: from this machine,
// with no credential.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %d %s\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return string(body)
}

// sample is the value of the series named exactly (name{labels}) in a
// scrape, or -1 when there is none.
func sample(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// /metrics is for a local scraper and admins: not the web app's index
// page, and hidden from everyone else.
func TestMetricsAccess(t *testing.T) {
	fx := setup(t)
	for _, tt := range []struct {
		p       persona
		headers []string
		want    int
	}{
		{anonymous, nil, 404}, // app.Test's peer is 0.0.0.0, not loopback
		{officerA, nil, 403},
		{planner, nil, 403},
		{admin, nil, 200},
	} {
		status, h, body := fx.do(t, tt.p, "GET", "/metrics", "", tt.headers...)
		if status != tt.want {
			t.Errorf("%s: status %d, want %d: %.200s", tt.p, status, tt.want, body)
		}
		if status == 200 && (!strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
			!strings.Contains(string(body), "# TYPE gridgis_http_requests_total counter")) {
			t.Errorf("%s: not Prometheus text: %s\n%.300s", tt.p, h.Get("Content-Type"), body)
		}
		if strings.Contains(string(body), "<!doctype html>") {
			t.Errorf("%s: /metrics answered the web app", tt.p)
		}
	}

	base := listen(t, server.New(server.Config{}, fx.db, discardLog))
	scrape(t, base) // loopback, no credential
	// Through a proxy on this machine the peer is loopback too, but the
	// proxy says for whom it asks.
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		req.Header.Set(h, "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("relayed with %s: status %d, want 404", h, resp.StatusCode)
		}
	}
	// A trusted proxy on this machine that adds no header still relays
	// other machines' requests.
	proxied := listen(t, server.New(server.Config{TrustedProxies: []string{"127.0.0.1"}}, fx.db, discardLog))
	resp, err := http.Get(proxied + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("through a trusted proxy without a header: status %d, want 404", resp.StatusCode)
	}
}

// Requests are counted per route pattern and status, never per path; the
// pool, the open streams, login failures and SLA escalations are shown.
func TestMetricsContent(t *testing.T) {
	fx := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := server.New(server.Config{EscalateEvery: 50 * time.Millisecond, EventStreamMax: time.Minute}, fx.db, discardLog)
	base := listen(t, srv)
	srv.Run(ctx) // the SLA clock and the live event hub

	get := func(p persona, path string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[p]})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, o := range fx.orgs[:3] {
		if status := get(admin, fmt.Sprintf("/api/v1/organizations/%d", o.ID)); status != 200 {
			t.Fatalf("organization %d: %d", o.ID, status)
		}
	}
	get(admin, "/api/v1/organizations/999999999")
	get(anonymous, "/api/v1/grids")
	for range 2 {
		resp, err := http.Post(base+"/api/v1/session", "application/json",
			strings.NewReader(`{"username":"t-nobody-metrics","password":"wrong-password"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	// One live stream, held open while scraping.
	req, _ := http.NewRequest("GET", base+"/api/v1/events", nil)
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[officerA]})
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stream.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream: %q %v", line, err)
	}

	text := scrape(t, base)
	for series, want := range map[string]float64{
		`gridgis_http_requests_total{method="GET",route="/api/v1/organizations/:id",status="200"}`:                 3,
		`gridgis_http_requests_total{method="GET",route="/api/v1/organizations/:id",status="404"}`:                 1,
		`gridgis_http_requests_total{method="GET",route="/api/v1/grids",status="401"}`:                             1,
		`gridgis_http_requests_total{method="POST",route="/api/v1/session",status="401"}`:                          2,
		`gridgis_http_request_duration_seconds_count{method="GET",route="/api/v1/organizations/:id",status="200"}`: 3,
		`gridgis_login_failures_total`: 2,
		`gridgis_event_streams_open`:   1,
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if regexp.MustCompile(`route="[^"]*/\d+`).MatchString(text) {
		t.Errorf("a route label holds a raw id:\n%s", grepLines(text, "gridgis_http_requests_total"))
	}
	for _, series := range []string{`gridgis_db_pool_max_connections`, `gridgis_db_pool_connections{state="idle"}`,
		`gridgis_db_pool_acquires_total`, `gridgis_db_pool_waits_total`, `gridgis_db_pool_wait_seconds_total`,
		`gridgis_db_pool_canceled_acquires_total`, `gridgis_sla_escalations_total`, `go_goroutines`, `process_resident_memory_bytes`} {
		if sample(text, series) < 0 {
			t.Errorf("no %s", series)
		}
	}
	if sample(text, "gridgis_db_pool_max_connections") < 1 || sample(text, "gridgis_db_pool_acquires_total") < 1 {
		t.Errorf("pool stats look empty:\n%s", grepLines(text, "gridgis_db_pool"))
	}
	// A request past its deadline: the SLA clock raises a card on it.
	const title = "指标督办测试"
	fx.forgetRequests(t, title)
	r := fx.newRequest(t, officerA, fx.orgs[0].ID, title)
	if _, err := fx.db.Pool.Exec(ctx, `UPDATE request SET reported_at = now() - interval '40 days',
		response_due_at = now() - interval '39 days', due_at = now() - interval '30 days' WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); sample(scrape(t, base), "gridgis_sla_escalations_total") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("no escalation counted")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Shutting down ends the stream, and it is no longer counted.
	cancel()
	for deadline := time.Now().Add(10 * time.Second); sample(scrape(t, base), "gridgis_event_streams_open") != 0; {
		if time.Now().After(deadline) {
			t.Fatal("the ended stream is still counted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stream.Body.Close()
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
