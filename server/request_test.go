package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgis/server"
)

// requestOut is the part of a request answer the tests read.
type requestOut struct {
	ID          int64    `json:"id"`
	Status      string   `json:"status"`
	Version     int      `json:"version"`
	SLA         string   `json:"sla"`
	ReworkCount int      `json:"rework_count"`
	LiaisonID   *int64   `json:"liaison_id"`
	Actions     []string `json:"actions"`
	Events      []struct {
		Action     string  `json:"action"`
		FromStatus *string `json:"from_status"`
		ToStatus   string  `json:"to_status"`
		ActorName  string  `json:"actor_name"`
		Note       string  `json:"note"`
	} `json:"events"`
}

func decodeRequest(t *testing.T, body []byte) requestOut {
	t.Helper()
	var r requestOut
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return r
}

// forgetRequests deletes the requests a test made when it ends, so the
// fixture's request layer stays as other tests know it.
func (fx *fixture) forgetRequests(t *testing.T, title string) {
	t.Cleanup(func() {
		if _, err := fx.db.Pool.Exec(context.Background(), `DELETE FROM request WHERE zone_id = $1 AND title = $2`,
			fx.zone.ID, title); err != nil {
			t.Errorf("clean up requests: %v", err)
		}
	})
}

// newRequest reports a request on an organization as p.
func (fx *fixture) newRequest(t *testing.T, p persona, org int64, title string) requestOut {
	t.Helper()
	status, _, body := fx.do(t, p, "POST", "/api/v1/requests",
		fmt.Sprintf(`{"org_id":%d,"category":"ordinary","title":%q}`, org, title))
	if status != http.StatusCreated {
		t.Fatalf("report: %d %s", status, body)
	}
	return decodeRequest(t, body)
}

func (fx *fixture) transition(t *testing.T, p persona, id int64, body string, want int) requestOut {
	t.Helper()
	status, _, got := fx.do(t, p, "POST", fmt.Sprintf("/api/v1/requests/%d/transitions", id), body)
	if status != want {
		t.Fatalf("transition %s as %s: %d, want %d: %s", body, p, status, want, got)
	}
	if status != http.StatusOK {
		return requestOut{}
	}
	return decodeRequest(t, got)
}

func TestRequestLoopAPI(t *testing.T) {
	fx := setup(t)
	const title = "闭环接口测试"
	fx.forgetRequests(t, title)
	orgA := fx.orgs[0].ID
	body := fmt.Sprintf(`{"org_id":%d,"category":"complex","title":%q,"description":"厂房需增容","topic":"construction"}`, orgA, title)

	status, h, got := fx.do(t, officerA, "POST", "/api/v1/requests", body, "Idempotency-Key", "req-7f3a")
	if status != http.StatusCreated || h.Get("Location") == "" {
		t.Fatalf("report: %d %s", status, got)
	}
	r := decodeRequest(t, got)
	if r.Status != "reported" || r.Version != 1 || r.SLA != "green" || len(r.Events) != 1 || r.Events[0].FromStatus != nil {
		t.Errorf("reported %+v", r)
	}
	if strings.Join(r.Actions, ",") != "assign,reject" {
		t.Errorf("officer's actions %v", r.Actions)
	}

	t.Run("idempotent retry", func(t *testing.T) {
		status, h, got := fx.do(t, officerA, "POST", "/api/v1/requests", body, "Idempotency-Key", "req-7f3a")
		if status != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || decodeRequest(t, got).ID != r.ID {
			t.Errorf("retry: %d %s %s", status, h.Get("Idempotent-Replayed"), got)
		}
		other := strings.Replace(body, "厂房需增容", "另一件事", 1)
		status, _, got = fx.do(t, officerA, "POST", "/api/v1/requests", other, "Idempotency-Key", "req-7f3a")
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(got), `"field":"Idempotency-Key"`) {
			t.Errorf("same key, other body: %d %s", status, got)
		}
	})

	t.Run("scope", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/requests/%d", r.ID)
		for p, want := range map[persona]int{officerB: 404, liaison: 200, planner: 200, admin: 200, anonymous: 401} {
			if status, _, got := fx.do(t, p, "GET", path, ""); status != want {
				t.Errorf("GET as %s: %d, want %d: %s", p, status, want, got)
			}
		}
	})

	v := func(n int) string { return fmt.Sprint(n) }
	r = fx.transition(t, officerA, r.ID, `{"action":"assign","version":1,"liaison_id":`+v(int(fx.liaisonID))+`}`, 200)
	if r.Status != "assigned" || r.LiaisonID == nil || *r.LiaisonID != fx.liaisonID {
		t.Fatalf("assigned %+v", r)
	}
	fx.transition(t, planner, r.ID, `{"action":"start","version":2}`, 403)
	fx.transition(t, officerA, r.ID, `{"action":"resolve","version":2,"note":"x"}`, 409) // not started
	r = fx.transition(t, liaison, r.ID, `{"action":"start","version":2}`, 200)
	r = fx.transition(t, liaison, r.ID, `{"action":"resolve","version":3,"note":"已协调供电公司增容"}`, 200)
	fx.transition(t, liaison, r.ID, `{"action":"verify","version":4,"satisfaction":5}`, 403)
	r = fx.transition(t, officerA, r.ID, `{"action":"send_back","version":4,"note":"企业反映尚未通电"}`, 200)
	if r.Status != "in_progress" || r.ReworkCount != 1 {
		t.Errorf("sent back %+v", r)
	}
	fx.transition(t, officerA, r.ID, `{"action":"start","version":4}`, 409) // stale
	r = fx.transition(t, officerA, r.ID, `{"action":"resolve","version":5,"note":"已通电"}`, 200)
	fx.transition(t, officerA, r.ID, `{"action":"verify","version":6,"satisfaction":4}`, 403) // resolver
	r = fx.transition(t, admin, r.ID, `{"action":"verify","version":6,"satisfaction":4}`, 200)
	if r.Status != "verified" || r.Version != 7 || len(r.Actions) != 0 {
		t.Errorf("verified %+v", r)
	}
	var steps []string
	for _, e := range r.Events {
		steps = append(steps, e.Action+":"+e.ToStatus)
	}
	want := "report:reported assign:assigned start:in_progress resolve:resolved send_back:in_progress resolve:resolved verify:verified"
	if strings.Join(steps, " ") != want {
		t.Errorf("history %v\nwant %s", steps, want)
	}
	if r.Events[0].ActorName == "" || r.Events[4].Note != "企业反映尚未通电" {
		t.Errorf("event details %+v", r.Events)
	}
}

// counts is how many requests and events the fixture holds.
func (fx *fixture) requestCounts(t *testing.T) [2]int {
	t.Helper()
	var n [2]int
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM request),
  (SELECT count(*) FROM request_event)`).Scan(&n[0], &n[1]); err != nil {
		t.Fatal(err)
	}
	return n
}

// Bad input is a 4xx naming the field, and nothing is written.
func TestRequestBadInput(t *testing.T) {
	fx := setup(t)
	const title = "坏输入测试"
	fx.forgetRequests(t, title)
	r := fx.newRequest(t, officerA, fx.orgs[0].ID, title)
	long := func(n int) string { return strings.Repeat("长", n) }
	org := fx.orgs[0].ID
	create := func(fields string) string {
		return `{"org_id":` + fmt.Sprint(org) + `,"category":"ordinary",` + fields + `}`
	}
	tests := []struct {
		name, path, body string
		headers          []string
		status           int
		field            string
	}{
		{"unknown organization", "/api/v1/requests", `{"org_id":99999999,"category":"ordinary","title":"x"}`, nil, 400, "org_id"},
		{"organization out of scope", "/api/v1/requests", `{"org_id":` + fmt.Sprint(fx.orgs[4].ID) + `,"category":"ordinary","title":"x"}`, nil, 400, "org_id"},
		{"no organization", "/api/v1/requests", `{"category":"ordinary","title":"x"}`, nil, 400, "org_id"},
		{"empty title", "/api/v1/requests", create(`"title":""`), nil, 400, "title"},
		{"blank title", "/api/v1/requests", create(`"title":"   "`), nil, 400, "title"},
		{"NUL in the title", "/api/v1/requests", create(`"title":"a\u0000b"`), nil, 400, "title"},
		{"over-long title", "/api/v1/requests", create(`"title":"` + long(201) + `"`), nil, 400, "title"},
		{"over-long description", "/api/v1/requests", create(`"title":"x","description":"` + long(5001) + `"`), nil, 400, "description"},
		{"unknown category", "/api/v1/requests", `{"org_id":1,"category":"urgent","title":"x"}`, nil, 400, "category"},
		{"unknown topic", "/api/v1/requests", create(`"title":"x","topic":"finance"`), nil, 400, "topic"},
		{"unknown field", "/api/v1/requests", create(`"title":"x","priority":1`), nil, 400, "priority"},
		{"org_id as text", "/api/v1/requests", `{"org_id":"1","category":"ordinary","title":"x"}`, nil, 400, "org_id"},
		{"bad idempotency key", "/api/v1/requests", create(`"title":"x"`), []string{"Idempotency-Key", "有 空格"}, 400, "Idempotency-Key"},
		{"unknown action", "/transitions", `{"action":"close","version":1}`, nil, 400, "action"},
		{"no action", "/transitions", `{"version":1}`, nil, 400, "action"},
		{"missing version", "/transitions", `{"action":"reject","note":"不属于服务范围"}`, nil, 400, "version"},
		{"version as text", "/transitions", `{"action":"reject","version":"1","note":"x"}`, nil, 400, "version"},
		{"satisfaction 0", "/transitions", `{"action":"verify","version":1,"satisfaction":0}`, nil, 400, "satisfaction"},
		{"satisfaction 6", "/transitions", `{"action":"verify","version":1,"satisfaction":6}`, nil, 400, "satisfaction"},
		{"reject without reason", "/transitions", `{"action":"reject","version":1}`, nil, 400, "note"},
		{"NUL in the note", "/transitions", `{"action":"reject","version":1,"note":"x\u0000"}`, nil, 400, "note"},
		{"over-long note", "/transitions", `{"action":"reject","version":1,"note":"` + long(2001) + `"}`, nil, 400, "note"},
		{"assign to nobody", "/transitions", `{"action":"assign","version":1}`, nil, 400, "liaison_id"},
		{"assign to an unknown liaison", "/transitions", `{"action":"assign","version":1,"liaison_id":99999999}`, nil, 400, "liaison_id"},
		{"assign to an unknown unit", "/transitions", `{"action":"assign","version":1,"unit_id":99999999}`, nil, 400, "unit_id"},
		{"illegal move", "/transitions", `{"action":"verify","version":1,"satisfaction":5}`, nil, 409, ""},
		{"stale version", "/transitions", `{"action":"reject","version":9,"note":"x"}`, nil, 409, ""},
		{"malformed JSON", "/transitions", `{"action":`, nil, 400, "body"},
	}
	before := fx.requestCounts(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "/transitions" {
				path = fmt.Sprintf("/api/v1/requests/%d/transitions", r.ID)
			}
			status, h, body := fx.do(t, officerA, "POST", path, tt.body, tt.headers...)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if ct := h.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p struct{ Field, Detail, Code string }
			if err := json.Unmarshal(body, &p); err != nil || p.Field != tt.field || p.Detail == "" {
				t.Errorf("problem %s, want field %q", body, tt.field)
			}
		})
	}
	if after := fx.requestCounts(t); after != before {
		t.Errorf("bad input wrote: requests and events %v, then %v", before, after)
	}
	status, _, body := fx.do(t, officerA, "GET", fmt.Sprintf("/api/v1/requests/%d", r.ID), "")
	if got := decodeRequest(t, body); status != 200 || got.Version != 1 || got.Status != "reported" {
		t.Errorf("request changed: %d %s", status, body)
	}
}

// Fifty concurrent transitions from one version through the API: one
// 200, forty-nine 409, one event.
func TestConcurrentTransitionsAPI(t *testing.T) {
	fx := setup(t)
	const title = "并发接口测试"
	fx.forgetRequests(t, title)
	r := fx.newRequest(t, admin, fx.orgs[0].ID, title)
	body := fmt.Sprintf(`{"action":"assign","version":1,"liaison_id":%d}`, fx.liaisonID)
	const n = 50
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p := officerA
			if i%2 == 0 {
				p = admin
			}
			statuses[i], _, _ = fx.do(t, p, "POST", fmt.Sprintf("/api/v1/requests/%d/transitions", r.ID), body)
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	var events int
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM request_event WHERE request_id = $1 AND action = 'assign'`,
		r.ID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if count[200] != 1 || count[409] != n-1 || events != 1 {
		t.Errorf("statuses %v and %d assign events; want one 200, %d 409 and one event", count, events, n-1)
	}
}

// sseEvent is one server-sent event.
type sseEvent struct{ id, event, data string }

// sseStream reads server-sent events from a live server.
type sseStream struct {
	resp   *http.Response
	events chan sseEvent
}

func openStream(t *testing.T, base, session, lastID string) *sseStream {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/events", nil)
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: session})
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{resp: resp, events: make(chan sseEvent, 64)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.event != "" {
					s.events <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// next waits for the next event of the stream. Supervision cards the
// SLA clock raises on other tests' requests meanwhile are skipped.
func (s *sseStream) next(t *testing.T) sseEvent {
	t.Helper()
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if strings.Contains(e.data, `"action":"supervise"`) {
				continue
			}
			return e
		case <-time.After(15 * time.Second):
			t.Fatal("no event within 15 s")
		}
	}
}

// Open maps learn of new requests, steps and contacts they may see, a
// client that reconnects with Last-Event-ID misses nothing, and the feed
// survives losing its database connection.
func TestEventStream(t *testing.T) {
	fx := setup(t)
	const title = "实时推送测试"
	fx.forgetRequests(t, title)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live := server.New(server.Config{WebDir: t.TempDir(), EscalateEvery: time.Hour}, fx.db,
		slog.New(slog.NewTextHandler(fx.logs, nil)))
	live.Run(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go live.App().Listener(ln)
	defer func() {
		cancel() // ends the streams, so shutdown need not wait for them
		if err := live.App().ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	waitListening(t, fx)

	a := openStream(t, base, fx.sessions[officerA], "")
	lz := openStream(t, base, fx.sessions[liaison], "")

	sent := time.Now()
	r := fx.newRequest(t, officerA, fx.orgs[0].ID, title) // G01, the liaison's organization
	e := a.next(t)
	t.Logf("event arrived %v after the report's answer began", time.Since(sent))
	var got struct {
		Type, Action, Status string
		ID                   int64
		OrgID                int64 `json:"org_id"`
	}
	if err := json.Unmarshal([]byte(e.data), &got); err != nil || e.event != "request" || got.ID != r.ID ||
		got.Action != "report" || got.Status != "reported" || got.OrgID != fx.orgs[0].ID || e.id == "" {
		t.Fatalf("officer's event %+v (%v)", e, err)
	}
	if e := lz.next(t); e.event != "request" || e.id == "" {
		t.Fatalf("liaison's event %+v", e)
	}
	firstID := e.id

	// A G02 request is not the G01 officer's or the liaison's business: the
	// next event they get is the G01 step after it.
	fx.newRequest(t, admin, fx.orgs[4].ID, title)
	fx.transition(t, officerA, r.ID, fmt.Sprintf(`{"action":"assign","version":1,"liaison_id":%d}`, fx.liaisonID), 200)
	for _, s := range []*sseStream{a, lz} {
		if e := s.next(t); !strings.Contains(e.data, `"action":"assign"`) {
			t.Errorf("next event %+v, want the assignment", e)
		}
	}
	status, _, body := fx.do(t, liaison, "POST", fmt.Sprintf("/api/v1/requests/%d/transitions", r.ID), `{"action":"start","version":2}`)
	if status != 200 {
		t.Fatalf("start: %d %s", status, body)
	}
	if e := a.next(t); !strings.Contains(e.data, `"action":"start"`) {
		t.Errorf("next event %+v, want the start", e)
	}

	// Reconnecting with the first event's id replays the two after it.
	again := openStream(t, base, fx.sessions[officerA], firstID)
	for _, want := range []string{"assign", "start"} {
		if e := again.next(t); !strings.Contains(e.data, `"action":"`+want+`"`) {
			t.Errorf("replayed %+v, want %s", e, want)
		}
	}
	// An id from elsewhere cannot be replayed: the client is told to resync.
	if e := openStream(t, base, fx.sessions[officerA], "0000-5").next(t); e.event != "resync" {
		t.Errorf("unknown Last-Event-ID: %+v, want resync", e)
	}

	// The database drops the listener (as on a restart): clients are told
	// to resync, and later events still arrive.
	if _, err := fx.db.Pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN gridgis_events'`); err != nil {
		t.Fatal(err)
	}
	if e := a.next(t); e.event != "resync" {
		t.Errorf("after losing the listener: %+v, want resync", e)
	}
	var contactID int64
	if err := fx.db.Pool.QueryRow(ctx, `INSERT INTO contact (org_id, liaison_id, kind, at)
VALUES ($1, $2, 'contact', now() - interval '10 days') RETURNING id`, fx.orgs[0].ID, fx.liaisonID).Scan(&contactID); err != nil {
		t.Fatal(err)
	}
	if e := a.next(t); e.event != "contact" {
		t.Errorf("after reconnecting: %+v, want the contact", e)
	}
	if _, err := fx.db.Pool.Exec(ctx, `DELETE FROM contact WHERE id = $1`, contactID); err != nil {
		t.Fatal(err)
	}

	// A user may hold eight streams open; the ninth is refused until one
	// closes.
	for range 8 {
		openStream(t, base, fx.sessions[planner], "")
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/events", nil)
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[planner]})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("ninth stream: %d, want 429 with Retry-After", resp.StatusCode)
	}
}

// waitListening waits until a listener is on the event channel.
func waitListening(t *testing.T, fx *fixture) {
	t.Helper()
	for range 200 {
		var n int
		if err := fx.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN gridgis_events'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("the server does not listen for events")
}

// The alliance units of the caller's zone are listed for the assign form,
// and organizations say whether their assignment is pinned.
func TestUnitsAndPinned(t *testing.T) {
	fx := setup(t)
	ctx := context.Background()
	var unitID int64
	if err := fx.db.Pool.QueryRow(ctx, `INSERT INTO unit (zone_id, name, kind) VALUES ($1, '高新区供电服务中心', 'service') RETURNING id`,
		fx.zone.ID).Scan(&unitID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fx.db.Pool.Exec(context.Background(), `DELETE FROM unit WHERE id = $1`, unitID) })
	status, _, body := fx.do(t, officerA, "GET", "/api/v1/units", "")
	var got struct {
		Units []struct {
			ID         int64
			Name, Kind string
		}
	}
	if err := json.Unmarshal(body, &got); err != nil || status != 200 {
		t.Fatalf("units: %d %s", status, body)
	}
	if len(got.Units) != 1 || got.Units[0].ID != unitID || got.Units[0].Kind != "service" {
		t.Errorf("units %+v", got.Units)
	}
	if status, _, _ := fx.do(t, officerA, "GET", "/api/v1/units?zone=2", ""); status != 400 {
		t.Errorf("unknown parameter: %d", status)
	}

	if _, err := fx.db.Pool.Exec(ctx, `UPDATE assignment SET pinned = true WHERE org_id = $1 AND valid_to IS NULL`, fx.orgs[1].ID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		fx.db.Pool.Exec(context.Background(), `UPDATE assignment SET pinned = false WHERE org_id = $1 AND valid_to IS NULL`, fx.orgs[1].ID)
	})
	for i, want := range map[int]bool{0: false, 1: true, 2: false} {
		status, _, body := fx.do(t, admin, "GET", fmt.Sprintf("/api/v1/organizations/%d", fx.orgs[i].ID), "")
		var f struct{ Properties map[string]any }
		if err := json.Unmarshal(body, &f); err != nil || status != 200 {
			t.Fatalf("organization: %d %s", status, body)
		}
		if f.Properties["pinned"] != want {
			t.Errorf("organization %d pinned %v, want %v", i, f.Properties["pinned"], want)
		}
	}
}
