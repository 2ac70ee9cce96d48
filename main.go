// Command gridgis serves the grid-management GIS and administers its data.
//
//	gridgis serve                      migrate, then serve the API and map app
//	gridgis migrate                    apply database migrations
//	gridgis seed --demo [--scale N]    load the synthetic demo zone (once)
//	gridgis user add NAME --role ROLE [--grid CODE]...
//
// Configuration comes from the environment; see Config.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/server"
)

// Config is every setting gridgis reads from the environment.
type Config struct {
	DatabaseURL string // DATABASE_URL
	Addr        string // GRIDGIS_ADDR
	Password    string // GRIDGIS_PASSWORD, for `user add`
	Basemap     string // GRIDGIS_BASEMAP, optional raster tile URL template
	WebDir      string // GRIDGIS_WEB_DIR, the built map app
	DemoLogins  string // GRIDGIS_DEMO_LOGINS, where demo passwords are kept for the console
	// SecureCookies (GRIDGIS_SECURE_COOKIES=true) marks the session cookie
	// Secure, for deployments behind HTTPS.
	SecureCookies bool
	// TrustedProxies (GRIDGIS_TRUSTED_PROXIES, comma-separated IPs or
	// CIDRs) may set X-Forwarded-For.
	TrustedProxies []string
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
		Basemap:     os.Getenv("GRIDGIS_BASEMAP"),
		WebDir:      env("GRIDGIS_WEB_DIR", "frontend/dist"),
		DemoLogins:  env("GRIDGIS_DEMO_LOGINS", filepath.Join(".gridgis", "demo-logins.txt")),

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

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

const usage = `gridgis — grid-management GIS for an industrial zone

usage:
  gridgis serve                        migrate, then serve the API and map app on GRIDGIS_ADDR
  gridgis migrate                      apply database migrations
  gridgis seed --demo [--scale N]      load the synthetic demo zone if it is not loaded yet
  gridgis user add NAME --role admin|officer|liaison|planner [--grid CODE]... [--liaison ID]
  gridgis user passwd NAME             set a new password (ends the user's sessions)
                                       passwords from GRIDGIS_PASSWORD or standard input
  gridgis user list                    list users, roles and grids
  gridgis user disable|enable NAME     disable (ends sessions, revokes tokens) or re-enable

environment:
  DATABASE_URL         PostgreSQL/PostGIS connection (default: local socket, database gridgis)
  GRIDGIS_ADDR         listen address (default 127.0.0.1:8080)
  GRIDGIS_PASSWORD     password for "user add" (else read from standard input)
  GRIDGIS_BASEMAP      optional raster tile URL template for the map background
  GRIDGIS_WEB_DIR      built map app (default frontend/dist)
  GRIDGIS_DEMO_LOGINS  file keeping the generated demo logins (default .gridgis/demo-logins.txt)
  GRIDGIS_SECURE_COOKIES  "true" to mark the session cookie Secure (behind HTTPS)
  GRIDGIS_TRUSTED_PROXIES comma-separated proxy IPs/CIDRs allowed to set X-Forwarded-For
`

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, configFromEnv(), os.Args[1:], os.Stdin, os.Stdout, log)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gridgis:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, stdout, log)
	case "migrate":
		if err := postgis.Migrate(ctx, cfg.DatabaseURL); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "database is up to date")
		return nil
	case "seed":
		return seed(ctx, cfg, args[1:], stdout)
	case "user":
		return user(ctx, cfg, args[1:], stdin, stdout)
	}
	return fmt.Errorf("unknown command %q (try gridgis --help)", args[0])
}

// openMigrated brings the database up to date and connects to it.
func openMigrated(ctx context.Context, cfg Config) (*postgis.DB, error) {
	if err := postgis.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	return postgis.Open(ctx, cfg.DatabaseURL)
}

func serve(ctx context.Context, cfg Config, stdout io.Writer, log *slog.Logger) error {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.SLA, err = slaFromEnv(os.Getenv); err != nil {
		return err
	}
	srv := server.New(server.Config{WebDir: cfg.WebDir, Basemap: cfg.Basemap,
		SecureCookies: cfg.SecureCookies, TrustedProxies: cfg.TrustedProxies}, db, log)
	if logins, err := os.ReadFile(cfg.DemoLogins); err == nil {
		fmt.Fprintf(stdout, "演示账号 / demo logins:\n%s", summarizeLogins(string(logins), cfg.DemoLogins))
	}
	fmt.Fprintf(stdout, "gridgis 已启动，请在浏览器打开 / open http://%s\n", cfg.Addr)
	return srv.Listen(ctx, cfg.Addr, 10*time.Second)
}

func seed(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	useDemo := fs.Bool("demo", false, "load the synthetic demo zone")
	scale := fs.Int("scale", 1, "multiply the demo organizations this many times (benchmarks)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*useDemo && *scale == 1 {
		return errors.New("usage: gridgis seed --demo [--scale N]")
	}
	if *scale < 1 || *scale > 10000 {
		return fmt.Errorf("--scale must be from 1 to 10000, got %d", *scale)
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	start := time.Now()
	ds := demo.Generate(demo.Options{Now: time.Now(), Scale: *scale})
	logins := map[string]string{}
	err = db.LoadDataset(ctx, ds, func(username string) (string, error) {
		pw := randomPassword()
		logins[username] = pw
		return grid.HashPassword(pw)
	})
	if grid.ErrorCode(err) == grid.EConflict {
		fmt.Fprintln(stdout, "demo zone already loaded; nothing to do")
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded demo zone %q: %d organizations in %s\n", ds.Zone.Name, ds.Scale*demo.OrgsPerScale, time.Since(start).Round(time.Millisecond))
	text := formatLogins(ds, logins)
	if err := os.MkdirAll(filepath.Dir(cfg.DemoLogins), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.DemoLogins, []byte(text), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo logins saved to %s (mode 0600); `gridgis serve` prints them\n", cfg.DemoLogins)
	return nil
}

// summarizeLogins keeps the staff logins and the first two liaisons of a
// demo logins file, and says where the rest are.
func summarizeLogins(text, file string) string {
	var b strings.Builder
	liaisons := 0
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.Contains(line, " liaison ") {
			liaisons++
			if liaisons > 2 {
				continue
			}
		}
		b.WriteString(line + "\n")
	}
	if liaisons > 2 {
		fmt.Fprintf(&b, "  …另有 %d 个联络员账号 / %d more liaison logins: %s\n", liaisons-2, liaisons-2, file)
	}
	return b.String()
}

// formatLogins lists one login per role first, then the rest, as
// "username  password  role".
func formatLogins(ds *demo.Dataset, logins map[string]string) string {
	var b strings.Builder
	for _, u := range ds.Users {
		if pw, ok := logins[u.Username]; ok {
			fmt.Fprintf(&b, "  %-14s %-14s %s %s\n", u.Username, pw, u.Role, u.DisplayName)
		}
	}
	return b.String()
}

// randomPassword returns 14 characters from an alphabet without look-alikes.
func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

func randIntn(n int) int {
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		if int(buf[0]) < 256-256%n {
			return int(buf[0]) % n
		}
	}
}

// gridCodes collects repeated --grid flags.
type gridCodes []string

func (g *gridCodes) String() string     { return strings.Join(*g, ",") }
func (g *gridCodes) Set(v string) error { *g = append(*g, v); return nil }

const userUsage = "usage: gridgis user add NAME --role ROLE [--grid CODE]... | passwd NAME | list | disable NAME | enable NAME"

func user(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(userUsage)
	}
	if args[0] == "add" {
		return userAdd(ctx, cfg, args[1:], stdin, stdout)
	}
	name := ""
	if len(args) == 2 {
		name = args[1]
	} else if args[0] != "list" || len(args) != 1 {
		return errors.New(userUsage)
	}
	var hash string
	if args[0] == "passwd" {
		var err error
		if hash, err = readPasswordHash(cfg, stdin); err != nil {
			return err
		}
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "list":
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			state := ""
			if u.Disabled {
				state = " (disabled)"
			}
			fmt.Fprintf(stdout, "%-16s %-8s grids=%v liaison=%d %s%s\n", u.Username, u.Role, u.GridIDs, u.LiaisonID, u.DisplayName, state)
		}
		return nil
	case "passwd":
		err = db.SetPassword(ctx, name, hash)
	case "disable", "enable":
		err = db.SetUserDisabled(ctx, name, args[0] == "disable")
	default:
		return errors.New(userUsage)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s: %s done\n", name, args[0])
	return nil
}

// readPasswordHash reads a new password from GRIDGIS_PASSWORD or the first
// line of stdin (never argv, which other users can see), checks and
// hashes it.
func readPasswordHash(cfg Config, stdin io.Reader) (string, error) {
	password := cfg.Password
	if password == "" {
		fmt.Fprint(os.Stderr, "password: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password: set GRIDGIS_PASSWORD or give it on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if err := grid.ValidatePassword(password); err != nil {
		return "", err
	}
	return grid.HashPassword(password)
}

func userAdd(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: gridgis user add NAME --role ROLE [--grid CODE]...")
	}
	name := args[0]
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	role := fs.String("role", "", "admin, officer, liaison or planner")
	liaison := fs.Int64("liaison", 0, "liaison id, for role liaison")
	display := fs.String("display-name", "", "name shown in the app")
	var grids gridCodes
	fs.Var(&grids, "grid", "grid code in the officer's scope (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	u := grid.User{Username: name, DisplayName: *display, Role: grid.Role(*role), LiaisonID: *liaison}
	if err := u.Validate(len(grids)); err != nil {
		return err
	}
	hash, err := readPasswordHash(cfg, stdin)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err = db.CreateUser(ctx, u, hash, grids)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added (id %d, role %s)\n", u.Username, u.ID, u.Role)
	return nil
}
