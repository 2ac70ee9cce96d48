package main

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"gridgis/grid"
)

func TestDBOptionsFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	opts, err := dbOptionsFromEnv(env(nil))
	if err != nil || opts.MaxConns != int32(max(8, 4*runtime.NumCPU())) || opts.MinIdleConns != 2 ||
		opts.StatementTimeout != 30*time.Second || opts.IdleInTxTimeout != time.Minute || opts.ConnectTimeout != 3*time.Second {
		t.Errorf("defaults: %+v %v", opts, err)
	}
	opts, err = dbOptionsFromEnv(env(map[string]string{"GRIDGIS_DB_MAX_CONNS": "20", "GRIDGIS_STATEMENT_TIMEOUT": "2m"}))
	if err != nil || opts.MaxConns != 20 || opts.StatementTimeout != 2*time.Minute {
		t.Errorf("set: %+v %v", opts, err)
	}
	for _, bad := range []map[string]string{
		{"GRIDGIS_DB_MAX_CONNS": "1"}, {"GRIDGIS_DB_MAX_CONNS": "many"}, {"GRIDGIS_DB_MAX_CONNS": "5000"},
		{"GRIDGIS_STATEMENT_TIMEOUT": "30"}, {"GRIDGIS_STATEMENT_TIMEOUT": "10ms"}, {"GRIDGIS_STATEMENT_TIMEOUT": "2h"},
	} {
		if _, err := dbOptionsFromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
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

// oneVar is an environment of one variable.
func oneVar(name, v string) func(string) string {
	return func(k string) string {
		if k == name {
			return v
		}
		return ""
	}
}

func TestTileCacheFromEnv(t *testing.T) {
	for v, want := range map[string]int64{"": 32 << 20, "64": 64 << 20, "0": -1} {
		if got, err := tileCacheFromEnv(oneVar("GRIDGIS_TILE_CACHE_MB", v)); err != nil || got != want {
			t.Errorf("GRIDGIS_TILE_CACHE_MB=%q: %d, %v; want %d", v, got, err, want)
		}
	}
	for _, bad := range []string{"-1", "lots", "1.5", "100000"} {
		if _, err := tileCacheFromEnv(oneVar("GRIDGIS_TILE_CACHE_MB", bad)); err == nil {
			t.Errorf("GRIDGIS_TILE_CACHE_MB=%s accepted", bad)
		}
	}
}

func TestAuthCacheFromEnv(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 0, "30": 30 * time.Second, "0": -1} {
		if got, err := authCacheFromEnv(oneVar("GRIDGIS_AUTH_CACHE_SECONDS", v)); err != nil || got != want {
			t.Errorf("GRIDGIS_AUTH_CACHE_SECONDS=%q: %v, %v; want %v", v, got, err, want)
		}
	}
	for _, bad := range []string{"-1", "soon", "1.5", "901"} {
		if _, err := authCacheFromEnv(oneVar("GRIDGIS_AUTH_CACHE_SECONDS", bad)); err == nil {
			t.Errorf("GRIDGIS_AUTH_CACHE_SECONDS=%s accepted", bad)
		}
	}
}

func TestTimeoutsFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	got, err := timeoutsFromEnv(env(nil))
	if want := (Timeouts{Query: time.Minute, Call: 10 * time.Second, Lookup: 5 * time.Second, Plan: 2 * time.Minute, Shutdown: 10 * time.Second}); err != nil || got != want {
		t.Errorf("defaults %+v, %v; want %+v", got, err, want)
	}
	got, err = timeoutsFromEnv(env(map[string]string{"GRIDGIS_QUERY_TIMEOUT": "90s", "GRIDGIS_CALL_TIMEOUT": "3s",
		"GRIDGIS_LOOKUP_TIMEOUT": "2s", "GRIDGIS_PLAN_TIMEOUT": "10m", "GRIDGIS_SHUTDOWN_TIMEOUT": "1m"}))
	if want := (Timeouts{Query: 90 * time.Second, Call: 3 * time.Second, Lookup: 2 * time.Second, Plan: 10 * time.Minute, Shutdown: time.Minute}); err != nil || got != want {
		t.Errorf("set %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{"ten", "10", "0s", "500ms", "2h"} {
		if _, err := timeoutsFromEnv(env(map[string]string{"GRIDGIS_CALL_TIMEOUT": bad})); err == nil || !strings.Contains(err.Error(), "GRIDGIS_CALL_TIMEOUT") {
			t.Errorf("GRIDGIS_CALL_TIMEOUT=%s: %v", bad, err)
		}
	}
}

func TestMapTilesAboveFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if n, err := mapTilesAboveFromEnv(env(nil)); err != nil || n != 0 {
		t.Errorf("unset: %d, %v; want 0 (the server's default)", n, err)
	}
	if n, err := mapTilesAboveFromEnv(env(map[string]string{"GRIDGIS_MAP_TILES_ABOVE": "50"})); err != nil || n != 50 {
		t.Errorf("50: %d, %v", n, err)
	}
	for _, bad := range []string{"many", "0", "-5", "1e9"} {
		if _, err := mapTilesAboveFromEnv(env(map[string]string{"GRIDGIS_MAP_TILES_ABOVE": bad})); err == nil {
			t.Errorf("GRIDGIS_MAP_TILES_ABOVE=%s accepted", bad)
		}
	}
}
