package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lifecycleBound is how long shutting down may take at most: the drain
// grace (10 s) and some.
const lifecycleBound = 20 * time.Second

// SIGTERM ends `gridgis serve` cleanly: it stops accepting, finishes the
// request in flight, ends open event streams properly (not after their 90
// s limit), drops a client that stalls past the grace period, and exits 0.
func TestServeShutsDownOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gridgis")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const password = "lifecycle-pw-7f3a"
	if _, err := gridgis(t, Config{Password: password}, "", "user", "add", "lifecycle-admin", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	web := filepath.Join(dir, "web")
	if err := os.MkdirAll(web, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+testDSN, "GRIDGIS_ADDR="+addr, "GRIDGIS_WEB_DIR="+web,
		"GRIDGIS_DB_MAX_CONNS=4")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()
	base := "http://" + addr
	up := false
	for end := time.Now().Add(30 * time.Second); !up && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			up = resp.StatusCode == http.StatusOK
		}
	}
	if !up {
		t.Fatalf("serve did not come up:\n%s", output.String())
	}
	resp, err := http.Post(base+"/api/v1/session", "application/json",
		strings.NewReader(`{"username":"lifecycle-admin","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "gridgis_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		t.Fatalf("sign-in: %d, no session cookie", resp.StatusCode)
	}

	// An open event stream, and a request whose head is half sent.
	req, _ := http.NewRequest("GET", base+"/api/v1/events", nil)
	req.Header.Set("Cookie", cookie)
	stream, err := http.DefaultClient.Do(req)
	if err != nil || stream.StatusCode != http.StatusOK {
		t.Fatalf("event stream: %v", err)
	}
	defer stream.Body.Close()
	if line, err := bufio.NewReader(io.LimitReader(stream.Body, 64)).ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("event stream began %q: %v", line, err)
	}
	inFlight, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer inFlight.Close()
	if _, err := io.WriteString(inFlight, "GET /api/v1/me HTTP/1.1\r\nHost: "+addr+"\r\nCookie: "+cookie+"\r\n"); err != nil {
		t.Fatal(err)
	}
	// A client that stalls in the middle of its request (its read timeout
	// is longer than the grace period).
	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	if _, err := io.WriteString(stalled, "GET /api/v1/me HTTP/1.1\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server has read part of both

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	streamEnd := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(stream.Body)
		streamEnd <- err
	}()
	select {
	case err := <-streamEnd:
		if err != nil {
			t.Errorf("event stream ended with %v, want a clean end", err)
		}
	case <-time.After(lifecycleBound):
		t.Fatalf("event stream still open %s after SIGTERM", lifecycleBound)
	}
	// No new connections once shutting down.
	time.Sleep(200 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("still accepting connections after SIGTERM")
	}
	// The request in flight is answered.
	if _, err := io.WriteString(inFlight, "\r\n"); err != nil {
		t.Fatalf("finish the request in flight: %v", err)
	}
	_ = inFlight.SetReadDeadline(time.Now().Add(lifecycleBound))
	answer, err := http.ReadResponse(bufio.NewReader(inFlight), nil)
	if err != nil || answer.StatusCode != http.StatusOK {
		t.Errorf("request in flight: %v %v", answer, err)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want status 0\n%s", err, output.String())
		}
		t.Logf("serve exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(lifecycleBound):
		t.Fatalf("serve still running %s after SIGTERM\n%s", lifecycleBound, output.String())
	}
}
