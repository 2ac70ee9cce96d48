package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

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

// TestUserCommands must be the first to seed the demo zone (it reads the
// logins printed once): go test runs files in name order, so it stays here,
// before rebalance_test.go.
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
