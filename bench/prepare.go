package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
)

// benchUser is the admin account the benchmark signs in as.
const benchUser = "bench-admin"

// gridgis runs the gridgis binary with the bench database, printing what
// it prints.
func gridgis(ctx context.Context, bin, dbURL string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=" + dbURL}, env...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gridgis %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// prepareDB migrates the bench database and loads the demo zone at scale,
// or reuses it when it already holds exactly that many organizations.
func prepareDB(ctx context.Context, bin, dbURL string, scale int) (*postgis.DB, error) {
	if err := gridgis(ctx, bin, dbURL, nil, "migrate"); err != nil {
		return nil, err
	}
	db, err := postgis.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	want := int64(scale) * demo.OrgsPerScale
	var have int64
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM organization").Scan(&have); err != nil {
		db.Close()
		return nil, err
	}
	switch have {
	case want:
		fmt.Printf("reusing the loaded bench database: %s organizations (scale %d)\n", thousands(have), scale)
		return db, nil
	case 0:
		fmt.Printf("loading the demo zone at scale %d (%s organizations; takes a few minutes, once)\n", scale, thousands(want))
		// The demo logins of the bench database are of no use: seed's
		// output, which lists them, is dropped.
		if err := gridgisQuiet(ctx, bin, dbURL, nil, "seed", "--demo", "--scale", strconv.Itoa(scale)); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	db.Close()
	return nil, fmt.Errorf("the bench database holds %s organizations, not the %s of scale %d: drop it (dropdb gridgis_bench) and run again",
		thousands(have), thousands(want), scale)
}

// server is the gridgis server under test, a child process.
type server struct {
	cmd  *exec.Cmd
	base string        // http://127.0.0.1:port
	log  string        // the file its output goes to
	done chan struct{} // closed when the process has ended
}

// startServer runs `gridgis serve` on a free local port against the bench
// database and waits until it is ready.
func startServer(ctx context.Context, bin, dbURL string, env ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp("", "gridgis-bench-server-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	s := &server{
		cmd:  exec.Command(bin, "serve"),
		base: "http://127.0.0.1:" + strconv.Itoa(port),
		log:  logFile.Name(),
		done: make(chan struct{}),
	}
	s.cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"GRIDGIS_ADDR=127.0.0.1:"+strconv.Itoa(port),
		// The bench measures the endpoints, at its own concurrency: the
		// caps on expensive requests per user and in all stay out of it.
		"GRIDGIS_HEAVY_PER_USER=64", "GRIDGIS_HEAVY_TOTAL=64")
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("gridgis serve exited (%v); see %s", s.cmd.ProcessState, s.log)
		case <-deadline:
			s.stop()
			return nil, fmt.Errorf("gridgis serve not ready after 2 minutes; see %s", s.log)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
}

// stop ends the server gracefully, or kills it after 15 seconds.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// explain adds to err that the server has exited, when it has.
func (s *server) explain(err error) error {
	select {
	case <-s.done:
		return fmt.Errorf("%w (the server has exited: %v; see %s)", err, s.cmd.ProcessState, s.log)
	default:
		return err
	}
}

// resetPeak starts the server's peak resident set (VmHWM) afresh, so that
// the next reading is the peak of what ran since (Linux's clear_refs).
func (s *server) resetPeak() error {
	return os.WriteFile("/proc/"+strconv.Itoa(s.cmd.Process.Pid)+"/clear_refs", []byte("5"), 0)
}

// memory is the server's resident set: now (VmRSS) and its peak so far
// (VmHWM), in KiB, from /proc.
func (s *server) memory() (rss, peak int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kib
		} else {
			peak = kib
		}
	}
	return rss, peak, nil
}

// freePort asks the kernel for a free local TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// apiToken makes sure the bench admin exists (the CLI, as an operator
// would) and gives it an API token straight through the store, as the
// token endpoint does. It returns the token and its id, for revoking it at
// the end. No sign-in: hashing a password with argon2id takes 64 MiB in the
// server, which it keeps resident for minutes and which would count as the
// first scenario's memory.
func apiToken(ctx context.Context, bin, dbURL string, db *postgis.DB) (token string, id int64, err error) {
	u, _, err := db.UserForLogin(ctx, benchUser)
	if err != nil {
		// Not added yet: any password, nobody signs in with it.
		env := []string{"GRIDGIS_PASSWORD=" + rand.Text()}
		if err := gridgisQuiet(ctx, bin, dbURL, env, "user", "add", benchUser, "--role", "admin"); err != nil {
			return "", 0, err
		}
		if u, _, err = db.UserForLogin(ctx, benchUser); err != nil {
			return "", 0, err
		}
	}
	secret, hash := grid.NewSecret(grid.TokenPrefix)
	t, err := db.CreateToken(ctx, u.ID, "make bench", hash, nil)
	if err != nil {
		return "", 0, fmt.Errorf("create token: %w", err)
	}
	return secret, t.ID, nil
}

// gridgisQuiet is gridgis with the output kept for the error.
func gridgisQuiet(ctx context.Context, bin, dbURL string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=" + dbURL}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("gridgis %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// revokeToken revokes the bench's API token.
func revokeToken(base, token string, id int64) error {
	req, err := http.NewRequest(http.MethodDelete, base+"/api/v1/tokens/"+strconv.FormatInt(id, 10), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("revoke token: %s", resp.Status)
	}
	return nil
}
