package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

var testDSN string

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, "cli", &testDSN)) }

// gridgis runs the CLI with args and stdin against the test database.
func gridgis(t *testing.T, env Config, stdin string, args ...string) (string, error) {
	t.Helper()
	env.DatabaseURL = testDSN
	var out bytes.Buffer
	err := run(context.Background(), env, args, strings.NewReader(stdin), &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return out.String(), err
}

func TestUserCommands(t *testing.T) {
	// seed --demo prints the generated logins once, and keeps them in no
	// file: the working directory holds nothing new afterwards.
	t.Chdir(t.TempDir())
	cfg := Config{}
	out, err := gridgis(t, cfg, "", "seed", "--demo")
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	for _, want := range []string{"admin", "officer-g01", "planner", "liaison-", "gridgis user passwd"} {
		if !strings.Contains(out, want) {
			t.Errorf("seed output lacks %q:\n%s", want, out)
		}
	}
	if left, _ := os.ReadDir("."); len(left) != 0 {
		t.Errorf("seed left %v in the working directory", left)
	}
	if out, _ := gridgis(t, cfg, "", "seed", "--demo"); !strings.Contains(out, "already loaded") || strings.Contains(out, "officer-g01") {
		t.Errorf("second seed: %q, want it to change nothing and show no login", out)
	}

	// The password comes from stdin when GRIDGIS_PASSWORD is unset.
	if _, err := gridgis(t, cfg, "a-long-enough-pw\n", "user", "add", "wang.fang", "--role", "officer", "--grid", "G02"); err != nil {
		t.Fatalf("user add: %v", err)
	}
	out, err = gridgis(t, cfg, "", "user", "list")
	if err != nil || !strings.Contains(out, "wang.fang") || !strings.Contains(out, "officer") {
		t.Errorf("user list: %v\n%s", err, out)
	}
	withPw := cfg
	withPw.Password = "another-long-pw"
	if _, err := gridgis(t, withPw, "", "user", "passwd", "wang.fang"); err != nil {
		t.Errorf("passwd: %v", err)
	}
	if _, err := gridgis(t, cfg, "", "user", "disable", "wang.fang"); err != nil {
		t.Errorf("disable: %v", err)
	}
	if out, _ := gridgis(t, cfg, "", "user", "list"); !strings.Contains(out, "(disabled)") {
		t.Errorf("disabled user not shown as such:\n%s", out)
	}

	bad := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"short password", "short\n", []string{"user", "add", "li.si", "--role", "planner"}, "password"},
		{"unknown role", "a-long-enough-pw\n", []string{"user", "add", "li.si", "--role", "boss"}, "role"},
		{"officer without grid", "a-long-enough-pw\n", []string{"user", "add", "li.si", "--role", "officer"}, "grid"},
		{"unknown grid", "a-long-enough-pw\n", []string{"user", "add", "li.si", "--role", "officer", "--grid", "G99"}, "G99"},
		{"bad username", "a-long-enough-pw\n", []string{"user", "add", "Li Si", "--role", "planner"}, "username"},
		{"duplicate", "a-long-enough-pw\n", []string{"user", "add", "wang.fang", "--role", "planner"}, "conflict"},
		{"unknown user", "", []string{"user", "disable", "nobody"}, "nobody"},
		{"no password", "", []string{"user", "add", "li.si", "--role", "planner"}, "password"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gridgis(t, cfg, tt.stdin, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if out, _ := gridgis(t, cfg, "", "user", "list"); strings.Contains(out, "li.si") {
		t.Error("a refused user was written")
	}
}

// serve never prints a password, not even the demo's that seed --demo
// showed once: a logins file an older gridgis left behind is not read.
func TestServePrintsNoPasswords(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll(".gridgis", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(".gridgis/demo-logins.txt", []byte("  admin  Sekrit-Old-Pw  admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := configFromEnv()
	cfg.DatabaseURL, cfg.Addr, cfg.WebDir = testDSN, "127.0.0.1:0", t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, cfg, []string{"serve"}, strings.NewReader(""), out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), "http://") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if got := out.String(); !strings.Contains(got, "http://") || strings.Contains(got, "Sekrit-Old-Pw") {
		t.Errorf("serve printed:\n%s", got)
	}
}

// lockedBuffer is a bytes.Buffer that a running command may write while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSLAFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	p, err := slaFromEnv(env(nil))
	if err != nil || p != grid.DefaultSLA {
		t.Errorf("defaults: %+v %v", p, err)
	}
	p, err = slaFromEnv(env(map[string]string{"GRIDGIS_SLA_RESPONSE_HOURS": "12", "GRIDGIS_SLA_COMPLEX_DAYS": "45"}))
	if err != nil || p.Response != 12*time.Hour || p.Ordinary != grid.OrdinaryResolveTime || p.Complex != 45*24*time.Hour {
		t.Errorf("set: %+v %v", p, err)
	}
	for _, bad := range []map[string]string{
		{"GRIDGIS_SLA_ORDINARY_DAYS": "seven"},
		{"GRIDGIS_SLA_ORDINARY_DAYS": "0"},
		{"GRIDGIS_SLA_RESPONSE_HOURS": "240", "GRIDGIS_SLA_ORDINARY_DAYS": "7"}, // response after resolution
	} {
		if _, err := slaFromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestHeavyFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if u, n, err := heavyFromEnv(env(nil), 10); err != nil || u != 2 || n != 5 {
		t.Errorf("defaults with a pool of 10: %d per user, %d in all, %v; want 2 and 5", u, n, err)
	}
	if _, n, _ := heavyFromEnv(env(nil), 1); n != 1 {
		t.Errorf("a pool of 1: %d in all, want 1", n)
	}
	u, n, err := heavyFromEnv(env(map[string]string{"GRIDGIS_HEAVY_PER_USER": "3", "GRIDGIS_HEAVY_TOTAL": "12"}), 10)
	if err != nil || u != 3 || n != 12 {
		t.Errorf("set: %d, %d, %v", u, n, err)
	}
	for _, bad := range []string{"two", "0", "-1", "100000"} {
		if _, _, err := heavyFromEnv(env(map[string]string{"GRIDGIS_HEAVY_TOTAL": bad}), 10); err == nil {
			t.Errorf("GRIDGIS_HEAVY_TOTAL=%s accepted", bad)
		}
	}
}
