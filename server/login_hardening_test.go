package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// gzipBomb is 700 MiB of zeros gzipped twice (gzip -9 | gzip -9): 1,838
// bytes that, sent with Content-Encoding "gzip, gzip", Fiber's c.Body()
// would inflate in memory with no cap.
var gzipBomb = mustBase64(
	"H4sIAAAAAAACA+3doQ7zXh3H4bf0kPyDaDcxNUE9NzCzpDMFWTH0MonYNbRJM0VCuAW4AdQ8uN1BhyDpBRDExNTgwOkdIE/y" +
		"POroj/7m/H75+59+JD8r//m3ovjfY/zjf/7yr59+8QMAAAAAAAAAyNz496lMY4AfTZy7/rcAAAAAAAAAQO6udRXWUcD3sj/J" +
		"AQAAAAAAAADZux8Pm/WHgPdwC3IAAAAAAAAAQPZ2n6VdtwDP+Nie9QAAAAAAAACA7L2mskhbgCbOXS8HAAAAAAAAAGTvWlch" +
		"bQHG72V/kgMAAAAAAAAAsnc/HjbrkYD3cAtyAAAAAAAAAED2dp+lXbcAz/jYnvUAAAAAAAAAgOy9prJIW4Amzl0vBwAAAAAA" +
		"AABk71pXIW0Bxu9lf5IDAAAAAAAAALJ3Px4265GA93ALcgAAAAAAAABA9nafpV23AM/42J71AAAAAAAAAIDsvaaySFuAJs5d" +
		"LwcAAAAAAAAAZO9aVyFtAcbvZX+SAwAAAAAAAACydz8eNuuRgPdwC3IAAAAAAAAAQPZ2n6VdtwDP+Nie9QAAAAAAAACA7L2m" +
		"skhbgCbOXS8HAAAAAAAAAGTvWlchbQHG72V/kgMAAAAAAAAAsnc/HjbrkYD3cAtyAAAAAAAAAED2dp+lXbcAz/jYnvUAAAAA" +
		"AAAAgOy9prJIW4Amzl0vBwAAAAAAAABk71pXIW0Bxu9lf5IDAAAAAAAAALJ3Px4265GA93ALcgAAAAAAAABA9nafpV23AM/4" +
		"2J71AAAAAAAAAIDsvaaySFuAJs5dLwcAAAAAAAAAZO9aVyFtAcbvZX+SAwAAAAAAAACydz8eNuuRgPdwC3IAAAAAAAAAQPZ2" +
		"n6VdtwDP+Nie9QAAAAAAAACA7L2mskhbgCbOXS8HAAAAAAAAAGTvWlchbQHG72V/kgMAAAAAAAAAsnc/HjbrkYD3cAtyAAAA" +
		"AAAAAED2dp+lXbcAz/jYnvUAAAAAAAAAgOy9prJIW4Amzl0vBwAAAAAAAABk71pXIW0Bxu9lf5IDAAAAAAAAALJ3Px4265GA" +
		"93ALcgAAAAAAAABA9nafpV23AM/42J71AAAAAAAAAIDsvaaySFuAJs5dLwcAAAAAAAAAZO9aVyFtAcbvZX+SAwAAAAAAAACy" +
		"dz8eNuuRgPdwC3IAAAAAAAAAQPZ2n6VdtwDP+Nie9QAAAAAAAACA7L2mskhbgCbOXS8HAAAAAAAAAGTvWlchbQHG72V/kgMA" +
		"AAAAAAAAsnc/HjbrkYD3cAtyAAAAAAAAAED2dp+lXbcAz/jYnvUAAAAAAAAAgOy9prJIW4Amzl0vBwAAAAAAAABk71pXIW0B" +
		"xu9lf5IDAAAAAAAAALJ3Px4265GA93ALcgAAAAAAAABA9nafpV23AM/42J71AAAAAAAAAIDsvaaySFuAJs5dLwcAAAAAAAAA" +
		"ZO9aVyFtAcbvZX+SAwAAAAAAAACydz8eNuuRgPdwC3IAAAAAAAAAQPZ2n6VdtwDP+Nie9QAAAAAAAACA7L2mskhbgCbOXS8H" +
		"AAAAAAAAAGTvWlchbQHG72V/kgMAAAAAAAAAsnc/HjbrkYD3cAtyAAAAAAAAAED2dp+lXbcAz/jYnvUAAAAAAAAAgOy9prJI" +
		"W4Amzl0vBwAAAAAAAABk71pXIW0Bxu9lf5IDAAAAAAAAALJ3Px4265GA93ALcgAAAAAAAABA9nafpV23AM/42J71AAAAAAAA" +
		"AIDsvaaySFuAJs5dLwcAAAAAAAAAZO9aVyFtAcbvZX+SAwAAAAAAAACydz8eNuuRgPdwC3IAAAAAAAAAQPZ2n6VdtwDP+Nie" +
		"9QAAAAAAAACA7L2mskhbgCbOXS8HAAAAAAAAAGTvWlchbQHG72V/kgMAAAAAAAAAsnc/HjbrkYD3cAtyAAAAAAAAAED2dp+l" +
		"XbcAz/jYnvUAAAAAAAAAgOy9prJIW4Amzl0vBwAAAAAAAABk71pXIW0Bxu9lf5IDAAAAAAAAALJ3Px4265GA93ALcgAAAAAA" +
		"AABA9nafpV23AM/42J71AAAAAAAAAIDsvaaySFuAJs5dLwcAAAAAAAAAZO9aVyFtAcbvZX+SAwAAAAAAAACydz8eNuuRgPdw" +
		"C3IAAAAAAAAAQPZ2n6VdtwDP+Nie9QAAAAAAAACA7L2mskhbgCbOXS8HAAAAAAAAAGTvWlchbQHG72V/kgMAAAAAAAAAsnc/" +
		"HjbrkYD3cAtyAAAAAAAAAED2dp+lXbcAz/jYnvUAAAAAAAAAgOy9prJIW4Amzl0vBwAAAAAAAABk71pXIW0Bxu9lf5IDAAAA" +
		"AAAAALJ3Px4265GA93ALcgAAAAAAAABA9nafpV23AM/42J71AAAAAAAAAIDsvaaySFuAJs5dLwcAAAAAAAAAZO93dfWbtAUI" +
		"/x7+8Yf25z8AAAAAAADg/7A0y59//acfP/76q/8CnpNdc6HeCgA=",
)

func mustBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	z.Write([]byte(s))
	z.Close()
	return b.Bytes()
}

// A compressed request body is refused with 415 before anything inflates
// it: the double-gzip bomb costs the server no memory and leaves it
// healthy.
func TestCompressedBodiesRefused(t *testing.T) {
	fx := setup(t)
	if len(gzipBomb) > 2048 {
		t.Fatalf("the bomb is %d bytes", len(gzipBomb))
	}
	send := func(target, encoding string, body []byte) (int, []byte) {
		req := httptest.NewRequest("POST", target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
		resp, err := fx.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, got
	}
	isRefusal := func(status int, body []byte) bool {
		var p struct{ Code, Field string }
		json.Unmarshal(body, &p)
		return status == http.StatusUnsupportedMediaType && p.Code == "unsupported_encoding" && p.Field == "Content-Encoding"
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	status, body := send("/api/v1/session", "gzip, gzip", gzipBomb)
	runtime.ReadMemStats(&after)
	if !isRefusal(status, body) {
		t.Errorf("double-gzip bomb: %d %.200s, want 415 unsupported_encoding on Content-Encoding", status, body)
	}
	grown := after.TotalAlloc - before.TotalAlloc
	if grown > 200<<20 {
		t.Errorf("the bomb made the server allocate %d MiB", grown>>20)
	}
	t.Logf("the bomb's request allocated %d KiB", grown>>10)

	login := loginBody("t-nobody", "wrong-password")
	for _, tt := range []struct {
		target, encoding string
		body             []byte
	}{
		{"/api/v1/session", "gzip", gzipped(login)},
		{"/api/v1/session", "GZIP", gzipped(login)},
		{"/api/v1/session", "deflate", []byte(login)},
		{"/api/v1/session", "br", []byte(login)},
		{"/api/v1/session", "identity, gzip", gzipped(login)},
		{"/api/v1/tokens", "gzip", gzipped(`{"name":"zipped"}`)},
		{"/api/v1/rebalance/plans", "gzip", gzipped(`{}`)},
	} {
		if status, body := send(tt.target, tt.encoding, tt.body); !isRefusal(status, body) {
			t.Errorf("%s with Content-Encoding %q: %d %.200s, want 415", tt.target, tt.encoding, status, body)
		}
	}
	// identity is no encoding at all.
	if status, body := send("/api/v1/tokens", "identity", []byte(`{"name":"plain"}`)); status != created {
		t.Errorf("Content-Encoding identity: %d %s", status, body)
	}
	if status, _ := send("/api/v1/session", "", []byte(login)); status != unauth {
		t.Errorf("plain sign-in after the bomb: %d", status)
	}
	req := httptest.NewRequest("GET", "/healthz", nil)
	if resp, err := fx.srv.App().Test(req, -1); err != nil || resp.StatusCode != ok {
		t.Errorf("healthz after the bomb: %v %v", resp, err)
	}
}

// throttled is a server that believes X-Forwarded-For (so each test
// picks its client addresses) on a database handle with a clock the test
// moves.
type throttled struct {
	srv   *server.Server
	mu    sync.Mutex
	clock time.Time
}

func newThrottled(t *testing.T, cfg server.Config) *throttled {
	th := &throttled{clock: time.Now()}
	db := pgtest.Open(t, testDSN)
	db.Now = th.now
	cfg.TrustedProxies = []string{"0.0.0.0"}
	logs := &syncBuffer{}
	th.srv = server.New(cfg, db, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return th
}

func (th *throttled) now() time.Time {
	th.mu.Lock()
	defer th.mu.Unlock()
	return th.clock
}

func (th *throttled) advance(d time.Duration) {
	th.mu.Lock()
	defer th.mu.Unlock()
	th.clock = th.clock.Add(d)
}

// signIn tries user and password from addr; safe from any goroutine.
func signIn(srv *server.Server, addr, user, password string) (int, http.Header, error) {
	req := jsonRequest("POST", "/api/v1/session", loginBody(user, password))
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := srv.App().Test(req, -1)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, nil
}

func (th *throttled) try(t *testing.T, addr, user, password string) (int, string) {
	t.Helper()
	status, h, err := signIn(th.srv, addr, user, password)
	if err != nil {
		t.Fatal(err)
	}
	return status, h.Get("Retry-After")
}

// addUser creates a planner with password and returns their username.
func addUser(t *testing.T, name, password string) string {
	t.Helper()
	fx := setup(t)
	hash, err := grid.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.CreateUser(context.Background(), grid.User{ZoneID: fx.zone.ID, Username: name, Role: grid.RolePlanner}, hash, nil); err != nil {
		t.Fatal(err)
	}
	return name
}

// A burst of concurrent wrong passwords for one account from one address
// gets five password checks, not fifty: each attempt takes its slot
// before its password is checked.
func TestLoginBurstGetsFiveChecks(t *testing.T) {
	th := newThrottled(t, server.Config{})
	user := addUser(t, "t-burst", "burst-right-password")
	var checks atomic.Int32
	server.SetPasswordCheck(th.srv, func(hash, password string) (bool, error) {
		checks.Add(1)
		return grid.CheckPassword(hash, password)
	})
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, h, err := signIn(th.srv, "198.51.100.1", user, "wrong-password")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			if status == http.StatusTooManyRequests && h.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			statuses[status]++
		}()
	}
	wg.Wait()
	// A check that found no room in time (503) was not made and gave its
	// slot back.
	if statuses[unauth] > 5 || statuses[unauth]+statuses[http.StatusServiceUnavailable]+statuses[http.StatusTooManyRequests] != 50 {
		t.Errorf("50 concurrent wrong passwords answered %v: want at most 5 × 401, the rest 429 (or 503)", statuses)
	}
	if n := checks.Load(); n > 5 {
		t.Errorf("%d passwords checked, want at most 5", n)
	}
}

// Throttling lives in the database: a new server on it still refuses.
func TestThrottleSurvivesRestart(t *testing.T) {
	th := newThrottled(t, server.Config{})
	user := addUser(t, "t-persist", "persist-right-password")
	for i := 0; i < 5; i++ {
		if s, _ := th.try(t, "198.51.100.2", user, "wrong-password"); s != unauth {
			t.Fatalf("failure %d answered %d", i+1, s)
		}
	}
	again := newThrottled(t, server.Config{})
	again.clock = th.clock
	if s, retry := again.try(t, "198.51.100.2", user, "persist-right-password"); s != http.StatusTooManyRequests || retry == "" {
		t.Errorf("a new server let the throttled pair in: %d, Retry-After %q", s, retry)
	}
}

// A stranger's wrong guesses do not lock the real user out of their usual
// address.
func TestStrangerCannotLockOutUser(t *testing.T) {
	th := newThrottled(t, server.Config{})
	user := addUser(t, "t-victim", "victim-right-password")
	const home = "192.0.2.10"
	if s, _ := th.try(t, home, user, "victim-right-password"); s != ok {
		t.Fatalf("first sign-in: %d", s)
	}
	for i := 0; i < 8; i++ {
		th.try(t, "203.0.113.66", user, "stranger-guess")
	}
	if s, retry := th.try(t, home, user, "victim-right-password"); s != ok {
		t.Errorf("after a stranger's 8 guesses the user answered %d (Retry-After %q)", s, retry)
	}
}

// A password change revokes the user's API tokens, as a disable does.
func TestPasswordChangeRevokesTokens(t *testing.T) {
	fx := setup(t)
	ctx := context.Background()
	user := addUser(t, "t-rotated", "rotate-me-password")
	u, _, err := fx.db.UserForLogin(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	token, hash := grid.NewSecret(grid.TokenPrefix)
	if _, err := fx.db.CreateToken(ctx, u.ID, "before the change", hash, nil); err != nil {
		t.Fatal(err)
	}
	bearer := func() int {
		req := jsonRequest("GET", "/api/v1/me", "")
		req.Header.Set("Authorization", "Bearer "+token)
		status, _, _ := send(t, fx.srv, req)
		return status
	}
	if s := bearer(); s != ok {
		t.Fatalf("fresh token answered %d", s)
	}
	newHash, _ := grid.HashPassword("rotated-password-2")
	if err := fx.db.SetPassword(ctx, user, newHash); err != nil {
		t.Fatal(err)
	}
	if s := bearer(); s != unauth {
		t.Errorf("token after a password change answered %d, want 401", s)
	}
}

// Strangers from many addresses slow down once the account has taken
// AccountFreeFailures failures, but the address the user signed in from
// before keeps working.
func TestDistributedGuessingSlowsStrangersOnly(t *testing.T) {
	th := newThrottled(t, server.Config{})
	user := addUser(t, "t-target", "target-right-password")
	// A stand-in check: fifty argon2 checks would only slow the test.
	server.SetPasswordCheck(th.srv, func(_, password string) (bool, error) {
		return password == "target-right-password", nil
	})
	const home = "192.0.2.20"
	if s, _ := th.try(t, home, user, "target-right-password"); s != ok {
		t.Fatalf("first sign-in: %d", s)
	}
	for i := 0; i < grid.AccountFreeFailures; i++ {
		if s, _ := th.try(t, fmt.Sprintf("10.20.%d.%d", i/200, i%200), user, "guess"); s != unauth {
			t.Fatalf("stranger %d answered %d", i, s)
		}
	}
	if s, retry := th.try(t, "10.21.0.1", user, "guess"); s != http.StatusTooManyRequests || retry != "1" {
		t.Errorf("a stranger past the account's limit: %d, Retry-After %q; want 429, 1", s, retry)
	}
	if s, _ := th.try(t, home, user, "target-right-password"); s != ok {
		t.Errorf("the user from their usual address answered %d", s)
	}
	th.advance(time.Second)
	if s, _ := th.try(t, "10.21.0.2", user, "guess"); s != unauth {
		t.Errorf("a stranger after the wait answered %d", s)
	}
	if s, retry := th.try(t, "10.21.0.3", user, "guess"); s != http.StatusTooManyRequests || retry != "2" {
		t.Errorf("the next stranger: %d, Retry-After %q; want 429, 2", s, retry)
	}
}

// No more than HashConcurrency password checks run at once, whatever the
// burst; every sign-in gets an answer, none a 500.
func TestPasswordChecksBounded(t *testing.T) {
	fx := setup(t)
	const n = 2
	th := newThrottled(t, server.Config{HashConcurrency: n})
	var mu sync.Mutex
	running, most, total := 0, 0, 0
	server.SetPasswordCheck(th.srv, func(hash, password string) (bool, error) {
		mu.Lock()
		running++
		total++
		most = max(most, running)
		mu.Unlock()
		defer func() {
			mu.Lock()
			running--
			mu.Unlock()
		}()
		return grid.CheckPassword(hash, password)
	})
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		user, password := username(personas[1+i%5]), fx.passwords[personas[1+i%5]]
		switch i % 3 {
		case 1:
			password = "wrong-password"
		case 2:
			user = fmt.Sprintf("t-nobody-%d", i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, h, err := signIn(th.srv, fmt.Sprintf("10.30.0.%d", i), user, password)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			if (status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests) && h.Get("Retry-After") == "" {
				t.Errorf("%d without Retry-After", status)
			}
			statuses[status]++
		}()
	}
	wg.Wait()
	if most > n || total == 0 {
		t.Errorf("%d password checks ran at once (of %d), want 1 to %d", most, total, n)
	}
	for status := range statuses {
		switch status {
		case ok, unauth, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		default:
			t.Errorf("answers %v: want only 200, 401, 429 and 503", statuses)
		}
	}
	t.Logf("answers %v, %d checks, at most %d at once", statuses, total, most)
}

// Beyond the queue, and after the longest wait, a sign-in is answered 503
// busy at once, and gives its slot back: its password was never checked.
func TestPasswordCheckQueueBounded(t *testing.T) {
	th := newThrottled(t, server.Config{HashConcurrency: 1})
	user := addUser(t, "t-queued", "queued-right-password")
	entered, release := make(chan struct{}, 64), make(chan struct{})
	server.SetPasswordCheck(th.srv, func(_, _ string) (bool, error) {
		entered <- struct{}{}
		<-release
		return false, nil
	})
	server.SetHashWait(th.srv, time.Hour) // only the queue's length refuses here
	const pair = "10.40.0.99"
	for i := 0; i < 4; i++ { // four failures: the fifth is the pair's last free one
		go func() { <-entered; release <- struct{}{} }()
		if s, _ := th.try(t, pair, user, "wrong"); s != unauth {
			t.Fatalf("failure %d: %d", i+1, s)
		}
	}

	var wg sync.WaitGroup
	answers := make(chan int, 64)
	start := func(addr string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, err := signIn(th.srv, addr, user, "wrong")
			if err != nil {
				t.Error(err)
			}
			answers <- status
		}()
	}
	start("10.40.0.0")
	<-entered // it holds the only check
	for i := 1; i <= 32; i++ {
		start(fmt.Sprintf("10.40.0.%d", i))
	}
	deadline := time.Now().Add(time.Minute)
	for server.HashesWaiting(th.srv) < 32 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d sign-ins queued", server.HashesWaiting(th.srv))
		}
		time.Sleep(10 * time.Millisecond)
	}
	status, retry := th.try(t, pair, user, "wrong")
	if status != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("sign-in beyond the queue: %d, Retry-After %q; want 503 with Retry-After", status, retry)
	}
	close(release)
	wg.Wait()
	for range 33 {
		if status := <-answers; status != unauth {
			t.Errorf("a queued sign-in answered %d, want 401", status)
		}
	}
	// The refused attempt was not counted: the pair still has its fifth try.
	if s, _ := th.try(t, pair, user, "wrong"); s != unauth {
		t.Errorf("the pair's fifth try answered %d, want 401", s)
	}

	// The wait is bounded too.
	holding, hold := make(chan struct{}, 1), make(chan struct{})
	server.SetPasswordCheck(th.srv, func(_, _ string) (bool, error) {
		holding <- struct{}{}
		<-hold
		return false, nil
	})
	server.SetHashWait(th.srv, 50*time.Millisecond)
	start("10.40.1.0")
	<-holding
	if s, retry := th.try(t, "10.40.1.1", user, "wrong"); s != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("sign-in past the longest wait: %d, Retry-After %q; want 503", s, retry)
	}
	close(hold)
	wg.Wait()
}

// A stranger behind the user's own address (a shared NAT or proxy) who
// sprays accounts slows strangers from that address, never the user who
// has signed in from it before.
func TestSharedAddressSprayDoesNotLockOutUser(t *testing.T) {
	th := newThrottled(t, server.Config{})
	user := addUser(t, "t-natted", "natted-right-password")
	server.SetPasswordCheck(th.srv, func(_, password string) (bool, error) {
		return password == "natted-right-password", nil
	})
	const office = "192.0.2.77"
	if s, _ := th.try(t, office, user, "natted-right-password"); s != ok {
		t.Fatalf("first sign-in: %d", s)
	}
	for i := 0; i < grid.AddressFreeFailures+3; i++ {
		th.try(t, office, fmt.Sprintf("t-nobody-%d", i), "guess")
	}
	if s, _ := th.try(t, office, "t-nobody-x", "guess"); s != http.StatusTooManyRequests {
		t.Errorf("the sprayer past the address's limit: %d, want 429", s)
	}
	if s, retry := th.try(t, office, user, "natted-right-password"); s != ok {
		t.Errorf("the user from their known address answered %d (Retry-After %q), want 200", s, retry)
	}
}
