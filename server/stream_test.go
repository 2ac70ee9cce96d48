package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/server"
)

// bigScale makes the demo zone large enough that a page of maxOrgLimit
// organizations is several megabytes: far over sendWhole and over the
// socket buffers of a client that never reads.
const bigScale = 25

// bigPage is the largest organizations page.
const bigPage = "/api/v1/organizations?limit=10000"

// smallPool is the pool size of the big zone's server: fewer connections
// than stalled clients.
const smallPool = 4

// bigZone is a database of its own holding the demo zone at bigScale, with
// two admins, opened with a pool of smallPool connections.
type bigZone struct {
	db        *postgis.DB
	passwords map[string]string
}

var (
	bigOnce sync.Once
	big     *bigZone
	bigErr  error
)

func setupBig(t *testing.T) *bigZone {
	t.Helper()
	bigOnce.Do(func() { big, bigErr = buildBig() })
	if bigErr != nil {
		t.Fatalf("big zone: %v", bigErr)
	}
	return big
}

func buildBig() (*bigZone, error) {
	ctx := context.Background()
	dsn, err := migratedDatabase(ctx, fmt.Sprintf("gridgis_test_stream_%d", os.Getpid()))
	if err != nil {
		return nil, err
	}
	// pgxpool reads its size from the connection string.
	db, err := postgis.Open(ctx, withPoolSize(dsn, smallPool))
	if err != nil {
		return nil, err
	}
	ds := demo.Generate(demo.Options{Now: time.Now(), Scale: bigScale})
	if err := db.LoadDataset(ctx, ds.Dataset, func(string) (string, error) {
		return "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", nil // nobody signs in as a demo user
	}); err != nil {
		return nil, err
	}
	z := &bigZone{db: db, passwords: map[string]string{}}
	for _, u := range []string{"big-a", "big-b"} {
		z.passwords[u] = "pw-" + u + "-Secret-7f3a"
		hash, err := grid.HashPassword(z.passwords[u])
		if err != nil {
			return nil, err
		}
		if _, err := db.CreateUser(ctx, grid.User{ZoneID: ds.Zone.ID, Username: u, Role: grid.RoleAdmin}, hash, nil); err != nil {
			return nil, err
		}
	}
	return z, nil
}

func withPoolSize(dsn string, n int) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return fmt.Sprintf("%s%spool_max_conns=%d", dsn, sep, n)
	}
	return fmt.Sprintf("%s pool_max_conns=%d", dsn, n)
}

// liveServer serves the big zone on a loopback port, as `gridgis serve`
// does, until the test ends.
type liveServer struct {
	srv  *server.Server
	addr string
	// sessions of the big zone's admins.
	sessions map[string]string
}

func startBig(t *testing.T, cfg server.Config) *liveServer {
	t.Helper()
	z := setupBig(t)
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.WebDir = web
	srv := server.New(cfg, z.db, discardLog)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	ls := &liveServer{srv: srv, addr: ln.Addr().String(), sessions: map[string]string{}}
	for u, pw := range z.passwords {
		resp, err := http.Post("http://"+ls.addr+"/api/v1/session", "application/json",
			strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, u, pw)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "gridgis_session" {
				ls.sessions[u] = c.Value
			}
		}
		if ls.sessions[u] == "" {
			t.Fatalf("sign in %s: status %d, no session", u, resp.StatusCode)
		}
	}
	return ls
}

// stall sends a GET as user from a client that reads the status line and
// headers, then never reads again: the server can write only what the
// (small) socket buffers take. It answers the connection (closed when the
// test ends) and the status line, or an error when none came within wait.
func (ls *liveServer) stall(t *testing.T, user, target string, wait time.Duration, headers ...string) (net.Conn, string, error) {
	t.Helper()
	conn := server.DialSmall(t, ls.addr)
	req := "GET " + target + " HTTP/1.1\r\nHost: " + ls.addr + "\r\nCookie: gridgis_session=" + ls.sessions[user] + "\r\n"
	for i := 0; i+1 < len(headers); i += 2 {
		req += headers[i] + ": " + headers[i+1] + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	// One byte at a time, so that nothing past the headers is read.
	r := bufio.NewReaderSize(oneByte{conn}, 16)
	status, err := r.ReadString('\n')
	if err != nil {
		return conn, "", fmt.Errorf("no answer to a stalled %s: %w", target, err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return conn, "", fmt.Errorf("headers of a stalled %s: %w", target, err)
		}
		if line == "\r\n" {
			return conn, strings.TrimSpace(status), nil
		}
	}
}

// oneByte reads at most one byte per call.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(b []byte) (int, error) { return o.r.Read(b[:min(len(b), 1)]) }

// response is what a client got.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get fetches target as user, within the bound that ordinary API calls
// must meet beside stalled clients (a bound, not a speed claim).
func (ls *liveServer) get(user, target string) (response, error) {
	return ls.getWithin(user, target, 5*time.Second)
}

// getWithin fetches target as user, within limit for the whole exchange.
func (ls *liveServer) getWithin(user, target string, limit time.Duration) (response, error) {
	client := &http.Client{Timeout: limit}
	req, err := http.NewRequest(http.MethodGet, "http://"+ls.addr+target, nil)
	if err != nil {
		return response{}, err
	}
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: ls.sessions[user]})
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, body}, err
}

// TestStalledClientsHoldNoConnections: clients that ask for a large
// collection and never read it must not hold the database pool, so that
// everybody else's requests still succeed.
func TestStalledClientsHoldNoConnections(t *testing.T) {
	// The limiter is out of the way here: this is about the streams.
	ls := startBig(t, server.Config{HeavyPerUser: 100, HeavyTotal: 100})
	r, err := ls.getWithin("big-a", bigPage, time.Minute)
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %v", bigPage, r.status, err)
	}
	if len(r.body) < 3<<20 {
		t.Fatalf("the big page is %d bytes, want several megabytes", len(r.body))
	}

	const stalled = 2 * smallPool
	var wg sync.WaitGroup
	for i := range stalled {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var gzip []string
			if i%2 == 1 {
				gzip = []string{"Accept-Encoding", "gzip"}
			}
			_, status, err := ls.stall(t, "big-a", bigPage, 20*time.Second, gzip...)
			if err != nil {
				t.Error(err)
			} else if status != "HTTP/1.1 200 OK" {
				t.Errorf("stalled client: %s", status)
			}
		}()
	}
	wg.Wait()
	if server.OpenSpillFiles(t) == 0 {
		t.Errorf("no stalled answer is waiting in a spill file")
	}

	for _, target := range []string{"/api/v1/me", "/api/v1/grids", "/api/v1/organizations?limit=10"} {
		r, err := ls.get("big-b", target)
		if err != nil {
			t.Errorf("GET %s beside %d stalled clients: %v", target, stalled, err)
			continue
		}
		if r.status != http.StatusOK {
			t.Errorf("GET %s beside %d stalled clients: %d %.200s", target, stalled, r.status, r.body)
		}
	}
}
