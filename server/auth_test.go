package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

func loginBody(user, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
}

// An unknown user and a wrong password get the very same answer.
func TestLoginFailuresLookAlike(t *testing.T) {
	fx := setup(t)
	// The same request id for both: each answer names its request's.
	s1, _, unknown := fx.do(t, anonymous, "POST", "/api/v1/session", loginBody("t-ghost", "whatever-password"), "X-Request-ID", "same")
	s2, _, wrong := fx.do(t, anonymous, "POST", "/api/v1/session", loginBody(username(planner), "wrong-password"), "X-Request-ID", "same")
	if s1 != unauth || s2 != unauth || string(unknown) != string(wrong) {
		t.Errorf("unknown user: %d %s\nwrong password: %d %s", s1, unknown, s2, wrong)
	}
}

// A session id chosen by the client is never accepted: sign-in issues a
// fresh one, and the planted one stays anonymous.
func TestSessionFixation(t *testing.T) {
	fx := setup(t)
	planted := "attacker-chosen-session-id"
	req := jsonRequest("POST", "/api/v1/session", loginBody(username(planner), fx.passwords[planner]))
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: planted})
	resp, err := fx.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var issued *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "gridgis_session" {
			issued = c
		}
	}
	if resp.StatusCode != ok || issued == nil || issued.Value == planted {
		t.Fatalf("status %d, cookie %v: want a fresh session id", resp.StatusCode, issued)
	}
	if !issued.HttpOnly || issued.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie flags: HttpOnly=%v SameSite=%v", issued.HttpOnly, issued.SameSite)
	}
	if status, _, _ := fx.withSession(planner, planted).do(t, planner, "GET", "/api/v1/me", ""); status != unauth {
		t.Errorf("planted id answered %d, want 401", status)
	}
	// Two sign-ins never share an id.
	again, err := fx.login(planner)
	if err != nil || again == issued.Value {
		t.Errorf("second sign-in reused the id (%v)", err)
	}
}

// Sessions end after the idle limit and after the absolute limit.
func TestSessionExpiry(t *testing.T) {
	fx := setup(t)
	sid, err := fx.login(planner)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	db := pgtest.Open(t, testDSN)
	db.Now = func() time.Time { return clock }
	srv := server.New(server.Config{}, db, discardLog)
	me := func() int {
		req := jsonRequest("GET", "/api/v1/me", "")
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: sid})
		status, _, _ := send(t, srv, req)
		return status
	}
	if me() != ok {
		t.Fatal("fresh session refused")
	}
	// Used every hour, it lives until the absolute limit.
	start := clock
	for h := 1; h < int(grid.SessionMax/time.Hour); h++ {
		clock = start.Add(time.Duration(h) * time.Hour)
		if status := me(); status != ok {
			t.Fatalf("session refused after %dh while in use", h)
		}
	}
	clock = time.Now().Add(grid.SessionMax + time.Minute)
	if status := me(); status != unauth {
		t.Errorf("session past its absolute limit answered %d", status)
	}

	idle, err := fx.login(planner)
	if err != nil {
		t.Fatal(err)
	}
	sid = idle
	clock = time.Now().Add(grid.SessionIdle + time.Minute)
	if status := me(); status != unauth {
		t.Errorf("idle session answered %d", status)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	fx := setup(t)
	sid, err := fx.login(liaison)
	if err != nil {
		t.Fatal(err)
	}
	own := fx.withSession(liaison, sid)
	if status, _, _ := own.do(t, liaison, "DELETE", "/api/v1/session", ""); status != noContent {
		t.Fatalf("logout: %d", status)
	}
	if status, _, _ := own.do(t, liaison, "GET", "/api/v1/me", ""); status != unauth {
		t.Errorf("after logout /me answered %d", status)
	}
}

// API tokens work as Bearer credentials until revoked or expired.
func TestTokens(t *testing.T) {
	fx := setup(t)
	status, _, body := fx.do(t, officerA, "POST", "/api/v1/tokens", `{"name":"QGIS 桌面","expires_in_days":30}`)
	if status != created {
		t.Fatalf("create: %d %s", status, body)
	}
	var tok struct {
		ID    int64
		Token string
	}
	if err := json.Unmarshal(body, &tok); err != nil || !strings.HasPrefix(tok.Token, "ggt_") {
		t.Fatalf("token answer %s (%v)", body, err)
	}
	bearer := func(token string) int {
		req := jsonRequest("GET", "/api/v1/organizations?limit=1", "")
		req.Header.Set("Authorization", "Bearer "+token)
		status, _, _ := send(t, fx.srv, req)
		return status
	}
	if s := bearer(tok.Token); s != ok {
		t.Errorf("fresh token answered %d", s)
	}
	altered := tok.Token[:len(tok.Token)-1] + "A"
	if altered == tok.Token {
		altered = tok.Token[:len(tok.Token)-1] + "B"
	}
	if s := bearer(altered); s != unauth {
		t.Errorf("altered token answered %d", s)
	}
	if s := bearer("not-a-token"); s != unauth {
		t.Errorf("malformed token answered %d", s)
	}
	// The list never shows the secret.
	if _, _, list := fx.do(t, officerA, "GET", "/api/v1/tokens", ""); strings.Contains(string(list), tok.Token) {
		t.Error("token list shows the secret")
	}
	if status, _, _ := fx.do(t, officerA, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), ""); status != noContent {
		t.Fatalf("revoke: %d", status)
	}
	if s := bearer(tok.Token); s != unauth {
		t.Errorf("revoked token answered %d", s)
	}

	status, _, body = fx.do(t, officerA, "POST", "/api/v1/tokens", `{"name":"short","expires_in_days":1}`)
	if status != created || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("create: %d %s", status, body)
	}
	db := pgtest.Open(t, testDSN)
	db.Now = func() time.Time { return time.Now().Add(49 * time.Hour) }
	req := jsonRequest("GET", "/api/v1/me", "")
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if status, _, _ := send(t, server.New(server.Config{}, db, discardLog), req); status != unauth {
		t.Errorf("expired token answered %d", status)
	}

	for _, bad := range []string{`{"name":""}`, `{"name":"x","expires_in_days":0}`, `{"name":"x","expires_in_days":"soon"}`, `{"nom":"x"}`} {
		if status, _, body := fx.do(t, officerA, "POST", "/api/v1/tokens", bad); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, status, body)
		}
	}
}

// After five failures from one address an account waits before its next
// try from there, even with the right password, and the wait doubles with
// each further failure; a success clears the count. Other addresses and
// accounts go on, but an address that sprays many accounts waits too.
func TestLoginThrottling(t *testing.T) {
	fx := setup(t)
	th := newThrottled(t, server.Config{})
	const addr = "198.51.100.20"
	right := fx.passwords[officerB]
	for i := 0; i < 5; i++ {
		if s, _ := th.try(t, addr, username(officerB), "wrong-password"); s != unauth {
			t.Fatalf("failure %d answered %d", i+1, s)
		}
	}
	if s, retry := th.try(t, addr, username(officerB), right); s != http.StatusTooManyRequests || retry != "1" {
		t.Errorf("right password after 5 failures: %d, Retry-After %q; want 429 with Retry-After 1", s, retry)
	}
	// Neither the account from another address nor another account from
	// this address is held back.
	if s, _ := th.try(t, "198.51.100.21", username(officerB), right); s != ok {
		t.Errorf("the account from another address answered %d", s)
	}
	if s, _ := th.try(t, addr, username(planner), fx.passwords[planner]); s != ok {
		t.Errorf("another account answered %d", s)
	}
	th.advance(time.Second)
	if s, _ := th.try(t, addr, username(officerB), "wrong-password"); s != unauth {
		t.Errorf("after the wait: %d", s)
	}
	if s, retry := th.try(t, addr, username(officerB), right); s != http.StatusTooManyRequests || retry != "2" {
		t.Errorf("after a sixth failure: %d, Retry-After %q; want 429 with Retry-After 2", s, retry)
	}
	th.advance(2 * time.Second)
	if s, _ := th.try(t, addr, username(officerB), right); s != ok {
		t.Errorf("right password after the doubled wait: %d", s)
	}
	if s, _ := th.try(t, addr, username(officerB), "wrong-password"); s != unauth {
		t.Errorf("a failure after a success answered %d: the success should clear the count", s)
	}

	// Spraying accounts from one address: a stand-in check, since every
	// attempt takes its slot before any check and twenty argon2 checks
	// would only slow the test.
	server.SetPasswordCheck(th.srv, func(_, _ string) (bool, error) { return false, nil })
	const sprayer = "198.51.100.22"
	for i := 0; i < grid.AddressFreeFailures; i++ {
		if s, _ := th.try(t, sprayer, fmt.Sprintf("t-spray-%d", i), "wrong-password"); s != unauth {
			t.Fatalf("spray %d answered %d", i, s)
		}
	}
	if s, retry := th.try(t, sprayer, username(planner), fx.passwords[planner]); s != http.StatusTooManyRequests || retry != "1" {
		t.Errorf("address after 20 failures: %d, Retry-After %q; want 429, 1", s, retry)
	}
}

// The client address comes from X-Forwarded-For only through a trusted proxy.
func TestClientAddressFromTrustedProxyOnly(t *testing.T) {
	fx := setup(t)
	addrOfLastFailure := func(srv *server.Server, user string, forwarded ...string) string {
		req := jsonRequest("POST", "/api/v1/session", loginBody(user, "wrong-password"))
		req.Header.Set("X-Forwarded-For", append(forwarded, "203.0.113.7")[0])
		send(t, srv, req)
		var addr string
		if err := fx.db.Pool.QueryRow(context.Background(),
			`SELECT client_addr FROM audit_log WHERE action = 'login_failed' AND target = $1 ORDER BY id DESC LIMIT 1`,
			"user:"+user).Scan(&addr); err != nil {
			t.Fatal(err)
		}
		return addr
	}
	untrusted := server.New(server.Config{}, fx.db, discardLog)
	if addr := addrOfLastFailure(untrusted, "t-proxy-a"); addr == "203.0.113.7" {
		t.Error("X-Forwarded-For from an untrusted peer was believed")
	}
	trusted := server.New(server.Config{TrustedProxies: []string{"0.0.0.0", "10.0.0.0/8"}}, fx.db, discardLog)
	if addr := addrOfLastFailure(trusted, "t-proxy-b", "203.0.113.7"); addr != "203.0.113.7" {
		t.Errorf("address through a trusted proxy = %q, want 203.0.113.7", addr)
	}
	// The proxy appends what it saw to what the client sent: only the
	// rightmost entry that is not a trusted proxy counts, and a header
	// that is not a list of addresses is no address at all.
	for i, tt := range []struct{ header, want string }{
		{"198.51.100.9, 203.0.113.7", "203.0.113.7"},
		{"198.51.100.9, 10.0.0.1, 203.0.113.7", "203.0.113.7"},
		{"198.51.100.9, 203.0.113.7, 10.2.3.4", "203.0.113.7"},
		{"nonsense, 203.0.113.8", "203.0.113.8"},
		{"203.0.113.9, nonsense", "0.0.0.0"},
		{"10.0.0.1", "10.0.0.1"},
	} {
		if addr := addrOfLastFailure(trusted, fmt.Sprintf("t-proxy-c%d", i), tt.header); addr != tt.want {
			t.Errorf("X-Forwarded-For %q: address %q, want %q", tt.header, addr, tt.want)
		}
	}
}

// Cookie-authenticated unsafe requests from another site are refused.
func TestCrossSiteRequestsRefused(t *testing.T) {
	fx := setup(t)
	body := `{"name":"csrf"}`
	tests := []struct {
		headers []string
		want    int
	}{
		{[]string{"Origin", "https://evil.example"}, forbidden},
		{[]string{"Sec-Fetch-Site", "cross-site"}, forbidden},
		{[]string{"Sec-Fetch-Site", "same-site"}, forbidden},
		{[]string{"Origin", "http://example.com"}, created}, // httptest's Host
		{[]string{"Sec-Fetch-Site", "same-origin"}, created},
	}
	for _, tt := range tests {
		if status, _, got := fx.do(t, admin, "POST", "/api/v1/tokens", body, tt.headers...); status != tt.want {
			t.Errorf("%v: %d, want %d: %s", tt.headers, status, tt.want, got)
		}
	}
}

func TestMalformedBodies(t *testing.T) {
	fx := setup(t)
	tests := []struct {
		body, contentType string
		want              int
		field             string
	}{
		{`{"username":`, "application/json", http.StatusBadRequest, "body"},
		{`[1,2]`, "application/json", http.StatusBadRequest, ""},
		{`{"username":5,"password":"x"}`, "application/json", http.StatusBadRequest, "username"},
		{`{"username":"a","password":"b","extra":1}`, "application/json", http.StatusBadRequest, "extra"},
		{`{"username":"a","password":"b"} {}`, "application/json", http.StatusBadRequest, "body"},
		{`username=a&password=b`, "application/x-www-form-urlencoded", http.StatusBadRequest, "Content-Type"},
		{`{"username":"` + strings.Repeat("a", 5000) + `","password":"b"}`, "application/json", http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		req := jsonRequest("POST", "/api/v1/session", tt.body)
		req.Header.Set("Content-Type", tt.contentType)
		status, h, body := send(t, fx.srv, req)
		if status != tt.want || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%.40s: %d %s, want %d problem", tt.body, status, h.Get("Content-Type"), tt.want)
			continue
		}
		var p struct{ Field string }
		json.Unmarshal(body, &p)
		if tt.field != "" && p.Field != tt.field {
			t.Errorf("%.40s: field %q, want %q", tt.body, p.Field, tt.field)
		}
	}
}

// Sign-ins, sign-outs, tokens and user changes are audited, and only an
// admin may read the log.
func TestAuditTrail(t *testing.T) {
	fx := setup(t)
	ctx := context.Background()
	sid, err := fx.login(planner)
	if err != nil {
		t.Fatal(err)
	}
	fx.do(t, anonymous, "POST", "/api/v1/session", loginBody(username(planner), "wrong-password-x"))
	fx.withSession(planner, sid).do(t, planner, "DELETE", "/api/v1/session", "")
	_, _, body := fx.do(t, planner, "POST", "/api/v1/tokens", `{"name":"audit"}`)
	var tok struct{ ID int64 }
	json.Unmarshal(body, &tok)
	fx.do(t, planner, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), "")
	hash, _ := grid.HashPassword("a-new-password-123")
	u := grid.User{ZoneID: fx.zone.ID, Username: "t-audited", Role: grid.RolePlanner}
	if _, err := fx.db.CreateUser(ctx, u, hash, nil); err != nil {
		t.Fatal(err)
	}
	if err := fx.db.SetPassword(ctx, "t-audited", hash); err != nil {
		t.Fatal(err)
	}
	if err := fx.db.SetUserDisabled(ctx, "t-audited", true); err != nil {
		t.Fatal(err)
	}

	status, _, body := fx.do(t, admin, "GET", "/api/v1/audit?limit=1000", "")
	if status != ok {
		t.Fatalf("audit list: %d %s", status, body)
	}
	var got struct{ Entries []grid.AuditEntry }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range got.Entries {
		seen[e.Action+" "+e.Actor] = true
		seen[e.Action] = true
		if e.Action == "login" && e.ClientAddr == "" {
			t.Errorf("login entry without an address: %+v", e)
		}
	}
	for _, want := range []string{"login " + username(planner), "login_failed", "logout " + username(planner),
		"token_create " + username(planner), "token_revoke " + username(planner),
		"user_add", "user_password_reset", "user_disable"} {
		if !seen[want] {
			t.Errorf("no audit entry %q", want)
		}
	}
	if status, _, _ := fx.do(t, planner, "GET", "/api/v1/audit", ""); status != forbidden {
		t.Errorf("planner read the audit log: %d", status)
	}
}

// Disabling a user ends their sessions and revokes their tokens.
func TestDisabledUserLosesAccess(t *testing.T) {
	fx := setup(t)
	ctx := context.Background()
	hash, _ := grid.HashPassword("disable-me-password")
	if _, err := fx.db.CreateUser(ctx, grid.User{ZoneID: fx.zone.ID, Username: "t-leaver", Role: grid.RolePlanner}, hash, nil); err != nil {
		t.Fatal(err)
	}
	status, h, _ := send(t, fx.srv, jsonRequest("POST", "/api/v1/session", loginBody("t-leaver", "disable-me-password")))
	if status != ok {
		t.Fatalf("login: %d", status)
	}
	sid := strings.TrimPrefix(strings.Split(h.Get("Set-Cookie"), ";")[0], "gridgis_session=")
	leaver := fx.withSession(planner, sid)
	_, _, body := leaver.do(t, planner, "POST", "/api/v1/tokens", `{"name":"leaver"}`)
	var tok struct{ Token string }
	json.Unmarshal(body, &tok)
	if err := fx.db.SetUserDisabled(ctx, "t-leaver", true); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := leaver.do(t, planner, "GET", "/api/v1/me", ""); status != unauth {
		t.Errorf("session of a disabled user answered %d", status)
	}
	req := jsonRequest("GET", "/api/v1/me", "")
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if status, _, _ := send(t, fx.srv, req); status != unauth {
		t.Errorf("token of a disabled user answered %d", status)
	}
	if status, _, _ := send(t, fx.srv, jsonRequest("POST", "/api/v1/session", loginBody("t-leaver", "disable-me-password"))); status != unauth {
		t.Errorf("disabled user signed in: %d", status)
	}
}

// No answer and no log line carries a password, a session id or a token.
// It runs last in the file's order but reads what every test so far did.
func TestNoSecretsInResponsesOrLogs(t *testing.T) {
	fx := setup(t)
	_, _, body := fx.do(t, admin, "POST", "/api/v1/tokens", `{"name":"secret-check"}`)
	var tok struct{ Token string }
	json.Unmarshal(body, &tok)
	var answers []string
	for _, p := range personas[1:] {
		for _, target := range []string{"/api/v1/me", "/api/v1/tokens", "/api/v1/audit?limit=1000", "/api/v1/organizations?limit=5"} {
			_, h, body := fx.do(t, p, "GET", target, "")
			answers = append(answers, string(body), fmt.Sprint(h))
		}
	}
	everything := strings.Join(answers, "\n") + fx.logs.String()
	secrets := []string{tok.Token}
	for p, pw := range fx.passwords {
		secrets = append(secrets, pw, fx.sessions[p])
	}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(everything, secret) {
			t.Errorf("a secret (%.6s…) appears in a response or the log", secret)
		}
	}
	if !strings.Contains(fx.logs.String(), "path=/api/v1/session") {
		t.Error("the log has no request lines: this test would pass vacuously")
	}
	var stored int
	if err := fx.db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM app_user WHERE password_hash NOT LIKE '$argon2id$%'`).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("%d stored passwords are not argon2id hashes (%v)", stored, err)
	}
}
