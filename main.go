// Command gridgis serves the grid-management GIS and administers its data.
//
//	gridgis serve                      migrate, then serve the API and map app
//	gridgis migrate                    apply database migrations
//	gridgis seed --demo [--scale N]    load the synthetic demo zone (once)
//	gridgis user add NAME --role ROLE [--grid CODE]...
//	gridgis rebalance [--apply] [--min N --max N ...]  optimize liaison assignments
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
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/grid/rebalance"
	"gridgis/server"
)

// Config is every setting gridgis reads from the environment.
type Config struct {
	DatabaseURL string // DATABASE_URL
	Addr        string // GRIDGIS_ADDR
	Password    string // GRIDGIS_PASSWORD, for `user add`
	Basemap     string // GRIDGIS_BASEMAP, optional raster tile URL template
	WebDir      string // GRIDGIS_WEB_DIR, the built map app
	// SecureCookies (GRIDGIS_SECURE_COOKIES=true) marks the session cookie
	// Secure, for deployments behind HTTPS.
	SecureCookies bool
	// TrustedProxies (GRIDGIS_TRUSTED_PROXIES, comma-separated IPs or
	// CIDRs) may set X-Forwarded-For.
	TrustedProxies []string
	// serve reads its pool and query limits with dbOptionsFromEnv and the
	// request deadlines with slaFromEnv, which report a bad value.
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
		Basemap:     os.Getenv("GRIDGIS_BASEMAP"),
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
  gridgis user passwd NAME             set a new password (ends sessions, revokes tokens)
                                       passwords from GRIDGIS_PASSWORD or standard input
  gridgis user list                    list users, roles and grids
  gridgis user disable|enable NAME     disable (ends sessions, revokes tokens) or re-enable
  gridgis rebalance [--apply] [--zone CODE] [--min N] [--max N] [--stability M] [--keep-in-grid=false]
                    [--cross-grid-penalty M] [--moves N] [--plan ID]
                                       build an optimized liaison plan (saved as a draft) and print it;
                                       --apply makes it the active assignment; --plan ID shows (and with
                                       --apply applies) a plan built earlier, e.g. in the web app

environment:
  DATABASE_URL         PostgreSQL/PostGIS connection (default: local socket, database gridgis)
  GRIDGIS_ADDR         listen address (default 127.0.0.1:8080)
  GRIDGIS_PASSWORD     password for "user add" (else read from standard input)
  GRIDGIS_BASEMAP      optional raster tile URL template for the map background
  GRIDGIS_WEB_DIR      built map app (default frontend/dist)
  GRIDGIS_SECURE_COOKIES  "true" to mark the session cookie Secure (behind HTTPS)
  GRIDGIS_TRUSTED_PROXIES comma-separated proxy IPs/CIDRs allowed to set X-Forwarded-For
  GRIDGIS_DB_MAX_CONNS    serve's database connections at most (default max(8, 4 × CPUs))
  GRIDGIS_STATEMENT_TIMEOUT  longest any one query may run, e.g. 30s (default 30s)
  GRIDGIS_HASH_CONCURRENCY password checks (64 MiB each) run at once (default 2)
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
	case "rebalance":
		return rebalanceZone(ctx, cfg, args[1:], stdout)
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
	opts, err := dbOptionsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	if err := postgis.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := postgis.OpenWith(ctx, cfg.DatabaseURL, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.SLA, err = slaFromEnv(os.Getenv); err != nil {
		return err
	}
	heavyPerUser, heavyTotal, err := heavyFromEnv(os.Getenv, int(db.Pool.Config().MaxConns))
	if err != nil {
		return err
	}
	hashes, err := hashConcurrencyFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	srv := server.New(server.Config{WebDir: cfg.WebDir, Basemap: cfg.Basemap,
		SecureCookies: cfg.SecureCookies, TrustedProxies: cfg.TrustedProxies, Classify: postgis.Classify,
		HeavyPerUser: heavyPerUser, HeavyTotal: heavyTotal, HashConcurrency: hashes}, db, log)
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
	err = db.LoadDataset(ctx, ds.Dataset, func(username string) (string, error) {
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
	// The passwords are shown this once and kept nowhere in plain text.
	fmt.Fprintf(stdout, "演示账号（密码只显示这一次）/ demo logins (shown only now):\n%s", formatLogins(ds, logins))
	fmt.Fprintln(stdout, "忘记密码可重设 / to set a new one: gridgis user passwd NAME")
	return nil
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
		return errors.New("usage: gridgis user add NAME --role ROLE [--grid CODE] (repeatable)")
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

// optionalInt is an integer flag that remembers whether it was given.
type optionalInt struct{ v *int }

func (o *optionalInt) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.Itoa(*o.v)
}

func (o *optionalInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("must be an integer")
	}
	o.v = &n
	return nil
}

// optionalFloat is a number flag that remembers whether it was given.
type optionalFloat struct{ v *float64 }

func (o *optionalFloat) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.FormatFloat(*o.v, 'f', -1, 64)
}

func (o *optionalFloat) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("must be a number")
	}
	o.v = &f
	return nil
}

// cliActor is who the CLI's changes are audited as: no user, from the
// command line.
var cliActor = grid.Actor{ClientAddr: "cli"}

// rebalanceZone builds a plan for a zone (or reads --plan), prints its
// report, and with --apply applies it.
func rebalanceZone(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rebalance", flag.ContinueOnError)
	apply := fs.Bool("apply", false, "make the plan the active assignment")
	zoneRef := fs.String("zone", "", "zone code or id (default: the only zone)")
	planID := fs.Int64("plan", 0, "show (and with --apply apply) this plan instead of building one")
	shown := fs.Int("moves", 20, "how many moves to list")
	keep := fs.Bool("keep-in-grid", true, "liaisons keep to their own grid")
	var minLoad, maxLoad optionalInt
	var stability, penalty optionalFloat
	fs.Var(&minLoad, "min", "every liaison's minimum load (default: their own)")
	fs.Var(&maxLoad, "max", "every liaison's maximum load (default: their own)")
	fs.Var(&stability, "stability", "what moving an organization costs, metres (default 2000)")
	fs.Var(&penalty, "cross-grid-penalty", "what a pair across grids costs without --keep-in-grid, metres (default 5000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (try gridgis --help)", fs.Arg(0))
	}
	if *planID > 0 {
		var other string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "plan" && f.Name != "apply" && f.Name != "moves" {
				other = f.Name
			}
		})
		if other != "" {
			return fmt.Errorf("--%s builds a new plan: it does not go with --plan", other)
		}
	}
	opts, err := rebalance.Request{Min: minLoad.v, Max: maxLoad.v, Stability: stability.v,
		KeepInGrid: keep, CrossGridPenalty: penalty.v}.Options()
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	var plan rebalance.SavedPlan
	var in rebalance.Input
	var zone grid.Zone
	if *planID > 0 {
		if plan, err = db.FindRebalancePlan(ctx, *planID); err != nil {
			return err
		}
		if zone, err = db.FindZone(ctx, strconv.FormatInt(plan.ZoneID, 10)); err != nil {
			return err
		}
		in, err = db.RebalanceInput(ctx, plan.ZoneID, plan.Options)
	} else {
		if zone, err = db.FindZone(ctx, *zoneRef); err != nil {
			return err
		}
		plan, in, err = rebalance.DraftPlan(ctx, db, cliActor, zone.ID, opts)
	}
	if err != nil {
		return err
	}
	if *apply {
		if plan, err = db.ApplyRebalancePlan(ctx, cliActor, plan.ID); err != nil {
			return err
		}
	}
	writeRebalanceReport(stdout, zone, plan, in, *shown)
	return nil
}

// writeRebalanceReport prints a plan readably: the before/after metrics
// side by side, the number of moves and the first shown of them with
// names from in, and what to do next.
func writeRebalanceReport(w io.Writer, zone grid.Zone, p rebalance.SavedPlan, in rebalance.Input, shown int) {
	status := map[rebalance.PlanStatus]string{rebalance.PlanDraft: "草稿 draft", rebalance.PlanApplied: "已应用 applied", rebalance.PlanStale: "已过期 stale"}[p.Status]
	fmt.Fprintf(w, "联络员包联优化方案 #%d（%s）/ liaison rebalance plan #%d\n", p.ID, status, p.ID)
	fmt.Fprintf(w, "园区 / zone: %s (%s)\n", zone.Name, zone.Code)
	o := p.Options
	capacity := "各人容量 / each liaison's own"
	if o.Min != nil || o.Max != nil {
		bound := func(v *int) string {
			if v == nil {
				return "own"
			}
			return strconv.Itoa(*v)
		}
		capacity = bound(o.Min) + "–" + bound(o.Max)
	}
	grids := "仅本网格 / own grid only"
	if !o.KeepInGrid {
		grids = fmt.Sprintf("允许跨网格，加价 %.0f m / across grids at +%.0f m", o.CrossGridPenalty, o.CrossGridPenalty)
	}
	fmt.Fprintf(w, "选项 / options: 每人家数 / load %s; 调整成本 / stability %.0f m; %s\n\n", capacity, o.Stability, grids)

	b, a := p.Before, p.After
	km := func(m float64) string { return strconv.FormatFloat(m/1000, 'f', 2, 64) + " km" }
	frac := func(n, of int) string { return fmt.Sprintf("%d/%d", n, of) }
	rows := [][3]string{
		{"指标 / metric", "调整前 before", "调整后 after"},
		{"负荷最少 / load min", strconv.Itoa(b.LoadMin), strconv.Itoa(a.LoadMin)},
		{"负荷最多 / load max", strconv.Itoa(b.LoadMax), strconv.Itoa(a.LoadMax)},
		{"负荷差 / load spread", strconv.Itoa(b.LoadSpread), strconv.Itoa(a.LoadSpread)},
		{"低于下限 / under min", strconv.Itoa(b.UnderMin), strconv.Itoa(a.UnderMin)},
		{"超过上限 / over max", strconv.Itoa(b.OverMax), strconv.Itoa(a.OverMax)},
		{"总距离 / total distance", km(b.TotalDistance), km(a.TotalDistance)},
		{"最远距离 / longest distance", km(b.LongestDistance), km(a.LongestDistance)},
		{"已覆盖 / covered", frac(b.Covered, b.Covered+b.Uncovered), frac(a.Covered, a.Covered+a.Uncovered)},
	}
	classNames := map[rebalance.PriorityClass]string{
		rebalance.ClassOpenRequests:  "  有未结诉求 / open requests",
		rebalance.ClassKeyEnterprise: "  高新·专精特新 / key enterprises",
		rebalance.ClassEnterprise:    "  其他企业 / other enterprises",
		rebalance.ClassOther:         "  其他组织 / other organizations",
	}
	for _, c := range rebalance.PriorityClasses() {
		rows = append(rows, [3]string{classNames[c], frac(b.ByClass[c].Covered, b.ByClass[c].Total),
			frac(a.ByClass[c].Covered, a.ByClass[c].Total)})
	}
	rows = append(rows,
		[3]string{"跨网格 / cross-grid pairs", strconv.Itoa(b.CrossGrid), strconv.Itoa(a.CrossGrid)},
		[3]string{"目标值 / objective (m)", strconv.FormatFloat(b.Objective, 'f', 0, 64), strconv.FormatFloat(a.Objective, 'f', 0, 64)})
	var col [3]int
	for _, r := range rows {
		for i, cell := range r {
			col[i] = max(col[i], displayWidth(cell))
		}
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s  %s  %s\n", padRight(r[0], col[0]), padLeft(r[1], col[1]), padLeft(r[2], col[2]))
	}

	orgNames := make(map[int64]string, len(in.Orgs))
	for _, o := range in.Orgs {
		orgNames[o.ID] = o.Name
	}
	liaisonNames := make(map[int64]string, len(in.Liaisons))
	for _, l := range in.Liaisons {
		liaisonNames[l.ID] = l.Name
	}
	liaison := func(id int64) string {
		if id == 0 {
			return "（无 / none）"
		}
		return fmt.Sprintf("%s #%d", liaisonNames[id], id)
	}
	fmt.Fprintf(w, "\n调整 %d 家 / %d moves", p.MoveCount, p.MoveCount)
	if n := max(0, min(shown, len(p.Moves))); n > 0 {
		fmt.Fprintf(w, "，前 %d 家 / first %d:\n", n, n)
		for _, m := range p.Moves[:n] {
			fmt.Fprintf(w, "  %s #%d: %s → %s\n", orgNames[m.OrgID], m.OrgID, liaison(m.FromLiaisonID), liaison(m.ToLiaisonID))
		}
		if rest := len(p.Moves) - n; rest > 0 {
			fmt.Fprintf(w, "  …另有 %d 家 / %d more: gridgis rebalance --plan %d --moves %d\n", rest, rest, p.ID, len(p.Moves))
		}
	} else {
		fmt.Fprintln(w)
	}
	switch p.Status {
	case rebalance.PlanDraft:
		fmt.Fprintf(w, "\n方案已保存为草稿，尚未生效 / saved as a draft, not yet in effect.\n"+
			"应用 / to apply: gridgis rebalance --plan %d --apply  (or POST /api/v1/rebalance/plans/%d/apply)\n", p.ID, p.ID)
	case rebalance.PlanApplied:
		fmt.Fprintf(w, "\n已于 %s 应用 / applied at %s\n", p.AppliedAt.Format(time.RFC3339), p.AppliedAt.Format(time.RFC3339))
	case rebalance.PlanStale:
		fmt.Fprintln(w, "\n数据已变化，请重新生成方案 / the zone's data changed since: build a new plan")
	}
}

// displayWidth is how many terminal columns s takes: East Asian wide
// characters (CJK, fullwidth forms) take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if isWide(r) {
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115F || // Hangul Jamo
		(r >= 0x2E80 && r <= 0xA4CF && r != 0x303F) || // CJK radicals … Yi
		(r >= 0xAC00 && r <= 0xD7A3) || // Hangul syllables
		(r >= 0xF900 && r <= 0xFAFF) || // CJK compatibility ideographs
		(r >= 0xFE30 && r <= 0xFE4F) || // CJK compatibility forms
		(r >= 0xFF00 && r <= 0xFF60) || (r >= 0xFFE0 && r <= 0xFFE6) || // fullwidth forms
		(r >= 0x20000 && r <= 0x3FFFD))
}

func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-displayWidth(s)))
}

func padLeft(s string, width int) string {
	return strings.Repeat(" ", max(0, width-displayWidth(s))) + s
}
