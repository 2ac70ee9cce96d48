package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/server"
)

// problemCode is the code and field of a problem body.
func problemCode(body []byte) (code, field string) {
	var p struct{ Code, Field string }
	_ = json.Unmarshal(body, &p)
	return p.Code, p.Field
}

func (fx *fixture) countContacts(t *testing.T, note string) int {
	t.Helper()
	var n int
	if err := fx.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM contact WHERE note = $1`, note).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (fx *fixture) forgetContacts(t *testing.T, note string) {
	t.Cleanup(func() {
		if _, err := fx.db.Pool.Exec(context.Background(), `DELETE FROM contact WHERE note = $1`, note); err != nil {
			t.Error(err)
		}
	})
}

// A contact logged again after its answer was lost is logged once: the
// retry gets the first answer again.
func TestIdempotentContactRetry(t *testing.T) {
	fx := setup(t)
	const note = "幂等重试测试"
	fx.forgetContacts(t, note)
	path := fmt.Sprintf("/api/v1/organizations/%d/contacts", fx.orgs[0].ID)
	body := fmt.Sprintf(`{"kind":"visit","at":%q,"note":%q}`, time.Now().Add(-10*24*time.Hour).Format(time.RFC3339), note)

	status, _, first := fx.do(t, liaison, "POST", path, body, "Idempotency-Key", "contact-retry-1")
	if status != http.StatusCreated {
		t.Fatalf("first: %d %s", status, first)
	}
	// The answer was lost; the client sends the same request again.
	status, h, again := fx.do(t, liaison, "POST", path, body, "Idempotency-Key", "contact-retry-1")
	if status != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || string(again) != string(first) {
		t.Errorf("retry: %d replayed=%q %s, want 200 with the first answer %s", status, h.Get("Idempotent-Replayed"), again, first)
	}
	if n := fx.countContacts(t, note); n != 1 {
		t.Errorf("%d contacts logged, want 1", n)
	}
	// The same key for another request is refused; another user's key of
	// the same name is theirs.
	other := strings.Replace(body, "visit", "contact", 1)
	status, _, got := fx.do(t, liaison, "POST", path, other, "Idempotency-Key", "contact-retry-1")
	if code, field := problemCode(got); status != http.StatusUnprocessableEntity || code != "idempotency_key_reused" || field != "Idempotency-Key" {
		t.Errorf("same key, other body: %d %s", status, got)
	}
	if status, _, got := fx.do(t, admin, "POST", path, body, "Idempotency-Key", "contact-retry-1"); status != http.StatusCreated {
		t.Errorf("another user's key: %d %s", status, got)
	}
	if n := fx.countContacts(t, note); n != 2 {
		t.Errorf("%d contacts logged, want 2", n)
	}

	t.Run("answer lost in a crash", func(t *testing.T) {
		// The claim committed with the write but the answer was never
		// saved: a retry neither runs the write again nor pretends.
		status, _, _ := fx.do(t, liaison, "POST", path, body, "Idempotency-Key", "contact-crash")
		if status != http.StatusCreated {
			t.Fatalf("first: %d", status)
		}
		setKey := func(sql string) {
			if _, err := fx.db.Pool.Exec(context.Background(), `UPDATE idempotency_key SET `+sql+` WHERE key = 'contact-crash'`); err != nil {
				t.Fatal(err)
			}
		}
		setKey(`status = NULL, body = NULL`)
		status, h, got := fx.do(t, liaison, "POST", path, body, "Idempotency-Key", "contact-crash")
		if code, _ := problemCode(got); status != http.StatusConflict || code != "idempotency_in_progress" || h.Get("Retry-After") == "" {
			t.Errorf("just claimed: %d %s, want 409 idempotency_in_progress with Retry-After", status, got)
		}
		setKey(`created_at = created_at - interval '1 minute'`)
		status, _, got = fx.do(t, liaison, "POST", path, body, "Idempotency-Key", "contact-crash")
		if code, _ := problemCode(got); status != http.StatusConflict || code != "idempotency_answer_unavailable" {
			t.Errorf("answer lost: %d %s, want 409 idempotency_answer_unavailable", status, got)
		}
		if n := fx.countContacts(t, note); n != 3 {
			t.Errorf("%d contacts logged, want 3", n)
		}
		// After 24 hours the key is free again.
		setKey(`created_at = created_at - interval '25 hours'`)
		if status, _, got := fx.do(t, liaison, "POST", path, body, "Idempotency-Key", "contact-crash"); status != http.StatusCreated {
			t.Errorf("expired key: %d %s", status, got)
		}
	})
}

// Concurrent retries of one key write once.
func TestIdempotentConcurrentRetries(t *testing.T) {
	fx := setup(t)
	const note = "幂等并发测试"
	fx.forgetContacts(t, note)
	path := fmt.Sprintf("/api/v1/organizations/%d/contacts", fx.orgs[0].ID)
	body := fmt.Sprintf(`{"kind":"contact","at":%q,"note":%q}`, time.Now().Add(-10*24*time.Hour).Format(time.RFC3339), note)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := jsonRequest("POST", path, body)
			req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[liaison]})
			req.Header.Set("Idempotency-Key", "concurrent-1")
			resp, err := fx.srv.App().Test(req, -1)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusOK, http.StatusConflict: // replayed, or still in progress
		default:
			t.Errorf("status %d", s)
		}
	}
	if created != 1 || fx.countContacts(t, note) != 1 {
		t.Errorf("%d created answers and %d contacts, want one of each (statuses %v)", created, fx.countContacts(t, note), statuses)
	}
}

// Every write route accepts an Idempotency-Key: the retry of a success
// is replayed, the retry of a failure runs again.
func TestEveryWriteRouteTakesAnIdempotencyKey(t *testing.T) {
	fx := setup(t)
	t.Cleanup(func() {
		for _, sql := range []string{`DELETE FROM request WHERE title = '幂等矩阵诉求'`, `DELETE FROM contact WHERE note = '幂等矩阵'`} {
			if _, err := fx.db.Pool.Exec(context.Background(), sql); err != nil {
				t.Error(err)
			}
		}
	})
	status, _, body := fx.do(t, admin, "POST", "/api/v1/tokens", `{"name":"幂等矩阵"}`)
	if status != http.StatusCreated {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct{ ID int64 }
	_ = json.Unmarshal(body, &tok)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	req := fx.newRequest(t, admin, fx.orgs[0].ID, "幂等矩阵诉求")
	expand := strings.NewReplacer("{request}", id(req.ID), "{grid}", id(fx.grids[0].ID), "{orgA}", id(fx.orgs[0].ID),
		"{orgA2}", id(fx.orgs[2].ID), "{orgB}", id(fx.orgs[4].ID), "{adminToken}", id(tok.ID), "{plan}", id(fx.stalePlan(t)),
		"{who}", "admin", "{liaison}", id(fx.liaisonID), "矩阵诉求", "幂等矩阵诉求", "矩阵测试走访", "幂等矩阵",
		"{tenDaysAgo}", time.Now().Add(-10*24*time.Hour).Format(time.RFC3339))
	seen := 0
	for i, row := range accessMatrix {
		if row.method == "GET" || strings.HasPrefix(row.route, "/api/v1/session") {
			continue
		}
		seen++
		path := expand.Replace(row.path)
		if path == "" {
			path = row.route
		}
		t.Run(row.method+" "+path, func(t *testing.T) {
			body := strings.ReplaceAll(expand.Replace(row.body), "{version}", fx.versionAt(t, path))
			key := "every-route-" + strconv.Itoa(i)
			status, _, first := fx.do(t, admin, row.method, path, body, "Idempotency-Key", key)
			if status != row.want[1] {
				t.Fatalf("with a key: %d, want %d: %s", status, row.want[1], first)
			}
			again, h, got := fx.do(t, admin, row.method, path, body, "Idempotency-Key", key)
			code, _ := problemCode(got)
			switch {
			case row.route == "/api/v1/tokens": // a secret is not kept
				if again != http.StatusConflict || code != "idempotency_answer_unavailable" {
					t.Errorf("retry: %d %s", again, got)
				}
			case status >= 200 && status < 300:
				want := status
				if want == http.StatusCreated {
					want = http.StatusOK
				}
				if again != want || h.Get("Idempotent-Replayed") != "true" || string(got) != string(first) {
					t.Errorf("retry: %d replayed=%q %s, want %d with %s", again, h.Get("Idempotent-Replayed"), got, want, first)
				}
			case h.Get("Idempotent-Replayed") == "true":
				// A failure that wrote (applying a stale plan marks it
				// stale) is replayed as it was.
				if again != status || string(got) != string(first) {
					t.Errorf("replayed failure: %d %s, want %d %s", again, got, status, first)
				}
			default: // a failure that wrote nothing runs again
				if again != status {
					t.Errorf("retry of a failure: %d, want %d", again, status)
				}
			}
		})
	}
	if seen < 9 {
		t.Errorf("%d write routes, want every one", seen)
	}

	t.Run("bad keys", func(t *testing.T) {
		path := "/api/v1/organizations/" + id(fx.orgs[0].ID) + "/liaison"
		for _, key := range []string{strings.Repeat("k", 256), "has space", "中文键", "tab\tkey"} {
			status, _, got := fx.do(t, admin, "PUT", path, `{"liaison_id":`+id(fx.liaisonID)+`}`, "Idempotency-Key", key)
			if code, field := problemCode(got); status != http.StatusBadRequest || code != "invalid" || field != "Idempotency-Key" {
				t.Errorf("key %q: %d %s", key, status, got)
			}
		}
	})
}

// A value out of its column's range is a 400, not a 500.
func TestOutOfRangeIsBadRequest(t *testing.T) {
	fx := setup(t)
	path := fmt.Sprintf("/api/v1/organizations/%d", fx.orgs[3].ID)
	status, _, got := fx.do(t, admin, "PATCH", path, `{"version":`+fx.versionAt(t, path)+`,"employees":10000000000}`)
	if code, _ := problemCode(got); status != http.StatusBadRequest || code != "invalid" {
		t.Errorf("employees out of range: %d %s", status, got)
	}
}

// The OpenAPI document gives every write the Idempotency-Key header and
// every route its 503.
func TestOpenAPIDocumentsFaults(t *testing.T) {
	fx := setup(t)
	status, _, body := fx.do(t, admin, "GET", "/ogc/api", "")
	if status != http.StatusOK {
		t.Fatalf("/ogc/api: %d", status)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []map[string]any `json:"parameters"`
			Responses  map[string]any   `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	writes := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if _, ok := op.Responses["503"]; !ok && path != "/healthz" {
				t.Errorf("%s %s: no 503", method, path)
			}
			if method == "get" || path == "/api/v1/session" {
				continue
			}
			writes++
			found := false
			for _, p := range op.Parameters {
				found = found || p["name"] == "Idempotency-Key" || p["$ref"] == "#/components/parameters/Idempotency-Key"
			}
			if !found {
				t.Errorf("%s %s: no Idempotency-Key", method, path)
			}
		}
	}
	if writes < 9 {
		t.Errorf("%d write operations documented", writes)
	}
}

// failingSaves is a store whose answers cannot be saved while fail is set,
// as when the database goes away just after a write committed.
type failingSaves struct {
	server.Store
	fail atomic.Bool
}

func (f *failingSaves) SaveIdempotentResponse(ctx context.Context, c *grid.IdempotencyClaim, r grid.IdempotentResponse) error {
	if f.fail.Load() {
		return grid.Errorf(grid.EUnavailable, "database away")
	}
	return f.Store.SaveIdempotentResponse(ctx, c, r)
}

// When a write committed but its answer could not be saved, a retry to the
// same server still gets the answer (kept in memory), and the answer is
// saved once the database takes it again.
func TestIdempotentAnswerKeptUntilSaved(t *testing.T) {
	fx := setup(t)
	const note = "应答暂存测试"
	fx.forgetContacts(t, note)
	store := &failingSaves{Store: fx.db}
	srv := server.New(server.Config{WebDir: t.TempDir()}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.Run(ctx)
	path := fmt.Sprintf("/api/v1/organizations/%d/contacts", fx.orgs[0].ID)
	body := fmt.Sprintf(`{"kind":"contact","at":%q,"note":%q}`, time.Now().Add(-time.Hour).Format(time.RFC3339), note)
	post := func() (int, http.Header, []byte) {
		req := jsonRequest(http.MethodPost, path, body)
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[liaison]})
		req.Header.Set("Idempotency-Key", "kept-until-saved")
		return send(t, srv, req)
	}
	store.fail.Store(true)
	status, _, first := post()
	if status != http.StatusCreated {
		t.Fatalf("first: %d %s", status, first)
	}
	status, h, again := post()
	if status != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || string(again) != string(first) {
		t.Errorf("retry while the answer is unsaved: %d %s, want 200 with %s", status, again, first)
	}
	store.fail.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var saved *int
		if err := fx.db.Pool.QueryRow(ctx, `SELECT status FROM idempotency_key WHERE key = 'kept-until-saved'`).Scan(&saved); err != nil {
			t.Fatal(err)
		}
		if saved != nil && *saved == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("answer not saved once the database took it again (status %v)", saved)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := fx.countContacts(t, note); n != 1 {
		t.Errorf("%d contacts logged, want 1", n)
	}
}

// A new token's secret is never kept for replay, whichever spelling of
// the path reached the route (routes ignore case and a trailing slash).
func TestTokenSecretNeverKept(t *testing.T) {
	fx := setup(t)
	for i, path := range []string{"/api/v1/tokens", "/api/v1/TOKENS", "/api/v1/tokens/", "/API/v1/Tokens"} {
		key := fmt.Sprintf("token-secret-%d", i)
		status, _, body := fx.do(t, admin, "POST", path, `{"name":"密钥不留存"}`, "Idempotency-Key", key)
		if status != http.StatusCreated {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		var kept []byte
		if err := fx.db.Pool.QueryRow(context.Background(), `SELECT body FROM idempotency_key WHERE key = $1`, key).Scan(&kept); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if kept != nil {
			t.Errorf("%s: the answer with the secret was kept: %s", path, kept)
		}
		status, _, again := fx.do(t, admin, "POST", path, `{"name":"密钥不留存"}`, "Idempotency-Key", key)
		if strings.Contains(string(again), "ggt_") || status != http.StatusConflict {
			t.Errorf("%s retried: %d %s, want 409 without the secret", path, status, again)
		}
	}
}
