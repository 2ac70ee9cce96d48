package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis"
)

// Config is every setting gridgis reads from the environment.
type Config struct {
	DatabaseURL string // DATABASE_URL
	Addr        string // GRIDGIS_ADDR
	Password    string // GRIDGIS_PASSWORD, for `user add`
	WebDir      string // GRIDGIS_WEB_DIR, the built map app
	// SecureCookies (GRIDGIS_SECURE_COOKIES=true) marks the session cookie
	// Secure, for deployments behind HTTPS.
	SecureCookies bool
	// TrustedProxies (GRIDGIS_TRUSTED_PROXIES, comma-separated IPs or
	// CIDRs) may set X-Forwarded-For.
	TrustedProxies []string
	// serve reads its pool and query limits with dbOptionsFromEnv, the
	// request deadlines with slaFromEnv and the basemaps with
	// basemapsFromEnv (basemap.go), which report a bad value.
}

// dbOptionsFromEnv reads serve's pool settings. GRIDGIS_DB_MAX_CONNS
// (default max(8, 4 × CPUs)): handlers mostly wait on PostgreSQL rather
// than use Go's CPU, so a few connections per core keep the database busy
// without queueing inside it, and 8 leaves room for slow streams on small
// machines; keep it well under the server's max_connections.
// GRIDGIS_STATEMENT_TIMEOUT (a duration such as 30s or 2m, default 30s)
// ends any one statement that runs longer. Transactions left idle are
// ended after a minute, and connecting gives up after 3 s.
func dbOptionsFromEnv(getenv func(string) string) (postgis.Options, error) {
	opts := postgis.Options{
		MaxConns:         int32(max(8, 4*runtime.NumCPU())),
		MinIdleConns:     2,
		StatementTimeout: 30 * time.Second,
		IdleInTxTimeout:  time.Minute,
		ConnectTimeout:   postgis.DefaultConnectTimeout,
	}
	if text := getenv("GRIDGIS_DB_MAX_CONNS"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 2 || n > 1000 {
			return opts, fmt.Errorf("GRIDGIS_DB_MAX_CONNS=%q: want a whole number from 2 to 1000", text)
		}
		opts.MaxConns = int32(n)
	}
	if text := getenv("GRIDGIS_STATEMENT_TIMEOUT"); text != "" {
		d, err := time.ParseDuration(text)
		if err != nil || d < time.Second || d > time.Hour {
			return opts, fmt.Errorf("GRIDGIS_STATEMENT_TIMEOUT=%q: want a duration from 1s to 1h, such as 30s", text)
		}
		opts.StatementTimeout = d
	}
	return opts, nil
}

func configFromEnv() Config {
	env := func(key, def string) string {
		if v := os.Getenv(key); v != "" {
			return v
		}
		return def
	}
	return Config{
		DatabaseURL: env("DATABASE_URL", postgis.DefaultURL),
		Addr:        env("GRIDGIS_ADDR", "127.0.0.1:8080"),
		Password:    os.Getenv("GRIDGIS_PASSWORD"),
		WebDir:      env("GRIDGIS_WEB_DIR", "frontend/dist"),

		SecureCookies:  os.Getenv("GRIDGIS_SECURE_COOKIES") == "true",
		TrustedProxies: splitList(os.Getenv("GRIDGIS_TRUSTED_PROXIES")),
	}
}

// slaFromEnv reads the request deadlines: GRIDGIS_SLA_RESPONSE_HOURS
// (default 24), GRIDGIS_SLA_ORDINARY_DAYS (7) and GRIDGIS_SLA_COMPLEX_DAYS
// (30).
func slaFromEnv(getenv func(string) string) (grid.SLAPolicy, error) {
	p := grid.DefaultSLA
	for _, v := range []struct {
		key  string
		unit time.Duration
		into *time.Duration
	}{
		{"GRIDGIS_SLA_RESPONSE_HOURS", time.Hour, &p.Response},
		{"GRIDGIS_SLA_ORDINARY_DAYS", 24 * time.Hour, &p.Ordinary},
		{"GRIDGIS_SLA_COMPLEX_DAYS", 24 * time.Hour, &p.Complex},
	} {
		text := getenv(v.key)
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > 3650 {
			return p, fmt.Errorf("%s=%q: want a whole number from 1 to 3650", v.key, text)
		}
		*v.into = time.Duration(n) * v.unit
	}
	return p, p.Validate()
}

// heavyFromEnv reads the caps of expensive requests running at once:
// GRIDGIS_HEAVY_PER_USER (default 2) and GRIDGIS_HEAVY_TOTAL (default half
// the database pool, so that cheap requests always find a connection).
func heavyFromEnv(getenv func(string) string, poolSize int) (perUser, total int, err error) {
	perUser, total = 2, max(1, poolSize/2)
	for _, v := range []struct {
		key  string
		into *int
	}{{"GRIDGIS_HEAVY_PER_USER", &perUser}, {"GRIDGIS_HEAVY_TOTAL", &total}} {
		text := getenv(v.key)
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > 10000 {
			return 0, 0, fmt.Errorf("%s=%q: want a whole number from 1 to 10000", v.key, text)
		}
		*v.into = n
	}
	return perUser, total, nil
}

// Timeouts are serve's deadlines (see server.Config).
type Timeouts struct {
	Query    time.Duration // GRIDGIS_QUERY_TIMEOUT, default 60s: a read, streaming included
	Call     time.Duration // GRIDGIS_CALL_TIMEOUT, default 10s: a write, sign-in, a short page
	Lookup   time.Duration // GRIDGIS_LOOKUP_TIMEOUT, default 5s: who is calling, tokens, audit and idempotency rows
	Plan     time.Duration // GRIDGIS_PLAN_TIMEOUT, default 2m: building or applying a rebalance plan
	Shutdown time.Duration // GRIDGIS_SHUTDOWN_TIMEOUT, default 10s: requests in flight at SIGTERM
}

// timeoutsFromEnv reads serve's deadlines, each a duration from 1s to 1h.
func timeoutsFromEnv(getenv func(string) string) (Timeouts, error) {
	t := Timeouts{Query: time.Minute, Call: 10 * time.Second, Lookup: 5 * time.Second, Plan: 2 * time.Minute, Shutdown: 10 * time.Second}
	for _, v := range []struct {
		key  string
		into *time.Duration
	}{
		{"GRIDGIS_QUERY_TIMEOUT", &t.Query},
		{"GRIDGIS_CALL_TIMEOUT", &t.Call},
		{"GRIDGIS_LOOKUP_TIMEOUT", &t.Lookup},
		{"GRIDGIS_PLAN_TIMEOUT", &t.Plan},
		{"GRIDGIS_SHUTDOWN_TIMEOUT", &t.Shutdown},
	} {
		text := getenv(v.key)
		if text == "" {
			continue
		}
		d, err := time.ParseDuration(text)
		if err != nil || d < time.Second || d > time.Hour {
			return t, fmt.Errorf("%s=%q: want a duration from 1s to 1h, such as 30s", v.key, text)
		}
		*v.into = d
	}
	return t, nil
}

// hashConcurrencyFromEnv reads GRIDGIS_HASH_CONCURRENCY, how many password
// checks (64 MiB each) may run at once; 0 leaves the server's default (2).
func hashConcurrencyFromEnv(getenv func(string) string) (int, error) {
	text := getenv("GRIDGIS_HASH_CONCURRENCY")
	if text == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > 64 {
		return 0, fmt.Errorf("GRIDGIS_HASH_CONCURRENCY=%q: want a whole number from 1 to 64", text)
	}
	return n, nil
}

// tileCacheFromEnv reads GRIDGIS_TILE_CACHE_MB, the bound of the vector
// tile cache in MiB (default 32; 0 turns it off), as server.Config's
// TileCacheBytes.
func tileCacheFromEnv(getenv func(string) string) (int64, error) {
	text := getenv("GRIDGIS_TILE_CACHE_MB")
	if text == "" {
		return 32 << 20, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 || n > 65536 {
		return 0, fmt.Errorf("GRIDGIS_TILE_CACHE_MB=%q: want a whole number from 0 (off) to 65536", text)
	}
	if n == 0 {
		return -1, nil
	}
	return int64(n) << 20, nil
}

// authCacheFromEnv reads GRIDGIS_AUTH_CACHE_SECONDS, how long a server
// keeps a checked credential's user (default 60; 0 turns it off), as
// server.Config's AuthCacheTTL.
func authCacheFromEnv(getenv func(string) string) (time.Duration, error) {
	text := getenv("GRIDGIS_AUTH_CACHE_SECONDS")
	if text == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 || n > 900 {
		return 0, fmt.Errorf("GRIDGIS_AUTH_CACHE_SECONDS=%q: want a whole number from 0 (off) to 900", text)
	}
	if n == 0 {
		return -1, nil
	}
	return time.Duration(n) * time.Second, nil
}

// mapTilesAboveFromEnv reads GRIDGIS_MAP_TILES_ABOVE, the scope size
// above which the map app draws organizations from vector tiles instead
// of loading them all; 0 leaves the server's default (20000).
func mapTilesAboveFromEnv(getenv func(string) string) (int, error) {
	text := getenv("GRIDGIS_MAP_TILES_ABOVE")
	if text == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > 100_000_000 {
		return 0, fmt.Errorf("GRIDGIS_MAP_TILES_ABOVE=%q: want a whole number from 1 to 100000000", text)
	}
	return n, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
