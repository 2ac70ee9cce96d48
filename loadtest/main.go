// Command loadtest (`make loadtest`, not part of `make test`) runs a mixed
// workload of officers, admins and planners against the real gridgis
// server at a fixed rate on loopback, prints throughput, p50/p99 per
// endpoint and errors by status, then raises the rate step by step to
// find where the server saturates, and finally holds the database to
// every write it acknowledged (faulttest.CheckIntegrity).
//
// It uses its own database, gridgis_loadtest (-db), loaded with the demo
// zone once, and adds its users (lt-*) with the CLI. See README "Load test".
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/faulttest"
	"gridgis/geo"
)

type options struct {
	db, bin        string
	rate           float64
	duration, step time.Duration
	factor         float64
	maxSteps       int
	p99Limit       time.Duration
	maxInflight    int
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", envOr("GRIDGIS_LOADTEST_DATABASE_URL", "host=/var/run/postgresql dbname=gridgis_loadtest"),
		"the load test's database (GRIDGIS_LOADTEST_DATABASE_URL); never your real one")
	flag.StringVar(&o.bin, "bin", "bin/gridgis", "the gridgis binary to serve")
	flag.Float64Var(&o.rate, "rate", 40, "requests per second of the fixed-rate run")
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "length of the fixed-rate run")
	flag.DurationVar(&o.step, "step", 20*time.Second, "length of each step of the ramp (0: no ramp)")
	flag.Float64Var(&o.factor, "factor", 1.5, "rate multiplier from one ramp step to the next")
	flag.IntVar(&o.maxSteps, "steps", 10, "most ramp steps")
	flag.DurationVar(&o.p99Limit, "p99", time.Second, "a step whose p99 exceeds this is saturated")
	flag.IntVar(&o.maxInflight, "inflight", 256, "most requests in flight; beyond it the generator drops (saturated)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// gridFixture is what an officer of one grid works on.
type gridFixture struct {
	code      string
	id        int64
	bbox      [4]float64
	liaisonID int64
	orgIDs    []int64
}

func loadGrids(ctx context.Context, dsn string) ([]gridFixture, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT g.code, g.id, ST_XMin(g.geom), ST_YMin(g.geom), ST_XMax(g.geom), ST_YMax(g.geom),
  (SELECT min(l.id) FROM liaison l WHERE l.grid_id = g.id AND l.active),
  (SELECT array_agg(o.id ORDER BY o.id) FROM organization o WHERE o.grid_id = g.id AND o.active)
FROM grid g ORDER BY g.code`)
	if err != nil {
		return nil, err
	}
	var out []gridFixture
	var g gridFixture
	var liaison *int64
	_, err = pgx.ForEachRow(rows, []any{&g.code, &g.id, &g.bbox[0], &g.bbox[1], &g.bbox[2], &g.bbox[3], &liaison, &g.orgIDs}, func() error {
		if liaison != nil && len(g.orgIDs) > 0 {
			g.liaisonID = *liaison
			out = append(out, g)
		}
		g = gridFixture{}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no grid with a liaison and organizations: is the demo loaded?")
	}
	return out, err
}

// tile names a random tile at zoom z inside bbox b.
func tile(z int, b [4]float64) string {
	p := orb.Point{b[0] + mrand.Float64()*(b[2]-b[0]), b[1] + mrand.Float64()*(b[3]-b[1])}
	return geo.TileAt(p, z).String()
}

// officer is one signed-in officer with the flows it has under way.
type officer struct {
	c    *faulttest.Client
	grid gridFixture
	mu   sync.Mutex
	idle []*faulttest.Flow // flows not being stepped
}

// op is one kind of call in the mix, with its weight.
type op struct {
	weight float64
	do     func(ctx context.Context)
}

func run(ctx context.Context, o options) (bool, error) {
	if _, err := faulttest.Gridgis(ctx, o.bin, o.db, nil, "migrate"); err != nil {
		return false, err
	}
	if _, err := faulttest.Gridgis(ctx, o.bin, o.db, nil, "seed", "--demo"); err != nil {
		return false, err
	}
	grids, err := loadGrids(ctx, o.db)
	if err != nil {
		return false, err
	}
	password := rand.Text()
	users := map[string][]string{"lt-admin": {"--role", "admin"}, "lt-planner": {"--role", "planner"}}
	for _, g := range grids {
		users["lt-officer-"+strings.ToLower(g.code)] = []string{"--role", "officer", "--grid", g.code}
	}
	for name, args := range users {
		if err := faulttest.AddUser(ctx, o.bin, o.db, name, password, args...); err != nil {
			return false, err
		}
	}
	ledger := faulttest.NewLedger()
	srv, err := faulttest.StartServer(ctx, o.bin, o.db, os.TempDir())
	if err != nil {
		return false, err
	}
	defer func() {
		state, clean := srv.Stop(15 * time.Second)
		fmt.Printf("server stopped: %s (by itself after SIGTERM: %v); its log: %s\n", state, clean, srv.Log)
	}()
	fmt.Printf("serving %s (pid %d) on database %s, run %s\n", srv.Base, srv.Pid(), o.db, ledger.Run)
	rec := &faulttest.Recorder{}
	signIn := func(name string) (*faulttest.Client, error) {
		return faulttest.SignIn(ctx, srv.Base, name, password, 30*time.Second, rec)
	}
	admin, err := signIn("lt-admin")
	if err != nil {
		return false, err
	}
	planner, err := signIn("lt-planner")
	if err != nil {
		return false, err
	}
	var officers []*officer
	for _, g := range grids {
		c, err := signIn("lt-officer-" + strings.ToLower(g.code))
		if err != nil {
			return false, err
		}
		officers = append(officers, &officer{c: c, grid: g})
	}

	get := func(c *faulttest.Client, endpoint, path string) func(context.Context) {
		return func(ctx context.Context) { c.Do(ctx, "GET "+endpoint, "GET", path, nil, "") }
	}
	pick := func() *officer { return officers[mrand.IntN(len(officers))] }
	indicators := []string{"party_org", "liaison", "contact_7d", "visit_30d"}
	mix := []op{
		// Officers: their grid's organizations and requests, tiles,
		// contacts and request steps.
		{15, func(ctx context.Context) {
			of := pick()
			get(of.c, "/organizations?grid", "/api/v1/organizations?limit=1000&grid="+strconv.FormatInt(of.grid.id, 10))(ctx)
		}},
		{5, func(ctx context.Context) {
			of := pick()
			b := of.grid.bbox
			bbox := url.QueryEscape(fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", b[0], b[1], (b[0]+b[2])/2, (b[1]+b[3])/2))
			get(of.c, "/organizations?bbox", "/api/v1/organizations?limit=1000&bbox="+bbox)(ctx)
		}},
		{10, func(ctx context.Context) {
			of := pick()
			get(of.c, "/requests", "/api/v1/requests?grid="+strconv.FormatInt(of.grid.id, 10))(ctx)
		}},
		{20, func(ctx context.Context) {
			of := pick()
			get(of.c, "/tiles/organizations", "/api/v1/tiles/organizations/"+tile(13+mrand.IntN(3), of.grid.bbox)+".mvt")(ctx)
		}},
		{8, func(ctx context.Context) {
			of := pick()
			ledger.LogContact(ctx, of.c, of.grid.orgIDs[mrand.IntN(len(of.grid.orgIDs))])
		}},
		{10, func(ctx context.Context) { pick().step(ctx, ledger, admin) }},
		// Admins: liaisons and assignments, a rebalance plan now and then.
		{6, get(admin, "/liaisons", "/api/v1/liaisons")},
		{6, get(admin, "/assignments", "/api/v1/assignments")},
		{0.3, func(ctx context.Context) {
			admin.Do(ctx, "POST /rebalance/plans", "POST", "/api/v1/rebalance/plans", map[string]any{}, "")
		}},
		// Planners: coverage and statistics.
		{6, func(ctx context.Context) {
			get(planner, "/coverage", "/api/v1/coverage?indicator="+indicators[mrand.IntN(len(indicators))])(ctx)
		}},
		{6, func(ctx context.Context) {
			get(planner, "/stats", "/api/v1/stats?by="+[]string{"grid", "zone", "liaison", "month"}[mrand.IntN(4)])(ctx)
		}},
		{2, get(planner, "/coverage/gaps", "/api/v1/coverage/gaps?indicator=visit_30d")},
	}

	g := &generator{mix: mix, maxInflight: o.maxInflight}
	for _, m := range mix {
		g.total += m.weight
	}
	if err := srv.ResetPeak(); err != nil {
		fmt.Println("cannot reset the server's peak memory:", err)
	}
	fmt.Printf("\n== fixed rate: %.0f requests/s for %v (%d officers, an admin, a planner)\n", o.rate, o.duration, len(officers))
	base := g.phase(ctx, rec, o.rate, o.duration)
	base.print(true)
	basePeak, _ := srv.PeakMemory()
	ok := true
	if n := base.errors(); n > 0 {
		fmt.Printf("FAIL: %d errors other than 429 at %.0f requests/s\n", n, o.rate)
		ok = false
	} else {
		fmt.Printf("ok: no errors other than 429 at %.0f requests/s\n", o.rate)
	}

	saturation := 0.0
	lastGood := o.rate
	if o.step > 0 {
		fmt.Printf("\n== ramp: ×%.2g every %v until p99 > %v, errors > 1 %%, dropped requests or throughput < 90 %% of the rate\n", o.factor, o.step, o.p99Limit)
		fmt.Printf("%10s %10s %9s %9s %8s %6s %8s\n", "rate/s", "done/s", "p50", "p99", "errors", "429", "dropped")
		rate := o.rate
		for i := 0; i < o.maxSteps && ctx.Err() == nil; i++ {
			rate *= o.factor
			p := g.phase(ctx, rec, rate, o.step)
			all := p.all()
			fmt.Printf("%10.0f %10.1f %9s %9s %8d %6d %8d\n", rate, p.throughput(), ms(all.p(0.5)), ms(all.p(0.99)),
				p.errors(), p.status[429], p.dropped)
			if all.p(0.99) > o.p99Limit || float64(p.errors()) > 0.01*float64(len(p.obs)) || p.dropped > 0 || p.throughput() < 0.9*rate {
				saturation = rate
				break
			}
			lastGood = rate
		}
	}
	peak, _ := srv.PeakMemory()
	g.wait()

	fmt.Println("\n== summary")
	fmt.Printf("fixed rate %.0f/s: %.1f done/s, p50 %s, p99 %s, errors other than 429: %d\n",
		o.rate, base.throughput(), ms(base.all().p(0.5)), ms(base.all().p(0.99)), base.errors())
	if saturation > 0 {
		fmt.Printf("saturation: at %.0f requests/s (the last step that held: %.0f/s)\n", saturation, lastGood)
	} else if o.step > 0 {
		fmt.Printf("saturation: not reached up to %.0f requests/s\n", lastGood)
	}
	fmt.Printf("server peak memory (VmHWM): %.1f MiB during the fixed-rate run, %.1f MiB in all\n",
		float64(basePeak)/1024, float64(peak)/1024)
	fmt.Printf("writes:\n%s", ledger.Summary())

	in, err := faulttest.CheckIntegrity(ctx, o.db, ledger)
	if err != nil {
		return false, err
	}
	if len(in.Findings) > 0 {
		fmt.Printf("FAIL: integrity (%v checked):\n%s", in.Checked, in.Report(10))
		ok = false
	} else {
		fmt.Printf("ok: integrity: every acknowledged write is in the database once, every request whole (%v checked)\n", in.Checked)
	}
	return ok, nil
}

// step takes one step of one of the officer's requests: a new request
// when all of its flows are busy or few are under way. The admin reviews,
// since the officer resolves.
func (of *officer) step(ctx context.Context, l *faulttest.Ledger, admin *faulttest.Client) {
	of.mu.Lock()
	var f *faulttest.Flow
	if n := len(of.idle); n > 0 && (n >= 4 || mrand.IntN(2) == 0) {
		f, of.idle = of.idle[n-1], of.idle[:n-1]
	}
	of.mu.Unlock()
	if f == nil {
		f = &faulttest.Flow{Crew: faulttest.Crew{Officer: of.c, Worker: of.c, Reviewer: admin, LiaisonID: of.grid.liaisonID},
			OrgID: of.grid.orgIDs[mrand.IntN(len(of.grid.orgIDs))]}
	}
	f.Step(ctx, l)
	if !f.Done {
		of.mu.Lock()
		of.idle = append(of.idle, f)
		of.mu.Unlock()
	}
}
