// Command bench measures gridgis's map endpoints against the bare SQL they
// run, on a million organizations (`make bench`; not part of `make test`).
// Then it measures search the same way, and without its trigram indexes
// (search.go).
//
// It loads the demo zone at scale into its own database (once: a later run
// reuses it), starts the real server (bin/gridgis serve) on a free local
// port, signs in as an admin with an API token and, for each scenario,
// measures in one run:
//
//   - the bare SQL: the very query the endpoint runs, through pgx with the
//     server's pool settings (postgis.Open), reading every byte;
//   - the endpoint over HTTP at concurrency 1 (taking turns with the bare
//     SQL, so that a noisy machine weighs on both alike) and at 8;
//
// and prints p50, p99 and requests per second, the ratio endpoint p50 ÷
// bare SQL p50, and the server's resident memory (VmRSS, and its peak
// VmHWM) after each scenario. Before timing, it checks that the endpoint
// sends exactly the bytes the bare SQL returns.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"gridgis/geo"
	"gridgis/grid/postgis"
)

// goal is the largest endpoint ÷ bare SQL ratio of p50s at concurrency 1
// that the benchmark calls good.
const goal = 1.3

func main() {
	var o options
	flag.StringVar(&o.dbURL, "db", envOr("GRIDGIS_BENCH_DATABASE_URL", "host=/var/run/postgresql dbname=gridgis_bench"),
		"the bench database (GRIDGIS_BENCH_DATABASE_URL); never your real one")
	flag.StringVar(&o.bin, "bin", "bin/gridgis", "the gridgis binary to serve")
	flag.IntVar(&o.scale, "scale", 2476, "demo scale: 404 organizations each")
	flag.IntVar(&o.conc, "c", 8, "the higher concurrency")
	flag.DurationVar(&o.budget.minTime, "time", 5*time.Second, "least time of each measurement")
	flag.IntVar(&o.budget.minRuns, "runs", 50, "least calls of each measurement")
	flag.StringVar(&o.only, "run", "", "measure only the scenarios whose name matches this regular expression")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	dbURL, bin string
	scale      int
	conc       int
	budget     budget
	only       string
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// result is everything measured for one scenario.
type result struct {
	s                scenario
	body, gzipped    int64
	bare1, end1, gz1 stats // concurrency 1
	bareC, endC      stats // concurrency o.conc
	rss, peak        int64 // KiB, after the scenario
}

func run(ctx context.Context, o options) error {
	db, err := prepareDB(ctx, o.bin, o.dbURL, o.scale)
	if err != nil {
		return err
	}
	defer db.Close()
	srv, err := startServer(ctx, o.bin, o.dbURL)
	if err != nil {
		return err
	}
	defer srv.stop()
	token, tokenID, err := apiToken(ctx, o.bin, o.dbURL, srv.base)
	if err != nil {
		return err
	}
	defer func() {
		if err := revokeToken(srv.base, token, tokenID); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}()

	only, err := regexp.Compile(o.only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	scenarios, err := makeScenarios(ctx, db, only)
	if err != nil {
		return err
	}
	if len(scenarios) == 0 && !only.MatchString("search") {
		return fmt.Errorf("-run %q matches no scenario", o.only)
	}
	c := newClient(srv.base, token, o.conc)
	// Signing in hashed passwords with argon2id (64 MiB): let the server
	// hand that memory back before the first scenario's peak is taken.
	rss0, err := settle(ctx, srv, c, "/api/v1/organizations?limit=1000")
	if err != nil {
		return srv.explain(err)
	}
	fmt.Printf("server %s (pid %d, log %s): RSS %s after start, sign-in and settling\n",
		srv.base, srv.cmd.Process.Pid, srv.log, mib(rss0))
	fmt.Printf("each measurement: at least %s and %d calls; %d CPUs\n\n", o.budget.minTime, o.budget.minRuns, runtime.NumCPU())

	var results []result
	for _, s := range scenarios {
		fmt.Printf("measuring %-10s %s\n", s.name, s.path)
		r, err := measure(ctx, db, c, srv, s, o)
		if err != nil {
			return srv.explain(err)
		}
		results = append(results, r)
	}
	if len(results) > 0 {
		fmt.Println()
		report(os.Stdout, results, o.conc, rss0)
	}
	if only.MatchString("search") {
		if err := measureSearch(ctx, db, c, o); err != nil {
			return srv.explain(err)
		}
	}
	return nil
}

// makeScenarios picks bboxes around the zone's centre holding about 100,
// 1,000 and 10,000 organizations, and the densest z14 tile with the z10
// tile around it.
func makeScenarios(ctx context.Context, db *postgis.DB, only *regexp.Regexp) ([]scenario, error) {
	centre, err := zoneCentre(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []scenario
	for _, target := range []int64{100, 1000, 10000} {
		name := "bbox ~" + thousands(target)
		if !only.MatchString(name) {
			continue
		}
		b, n, err := bboxFor(ctx, db, centre, target)
		if err != nil {
			return nil, err
		}
		s, err := orgScenario(db, name, b, n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if !only.MatchString("tile z10") && !only.MatchString("tile z14") {
		return out, nil
	}
	z14, n14, err := densestTile(ctx, db, 14)
	if err != nil {
		return nil, err
	}
	z10 := geo.Tile{Z: 10, X: z14.X >> 4, Y: z14.Y >> 4}
	n10, err := countInTile(ctx, db, z10)
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		tile geo.Tile
		n    int64
	}{{z10, n10}, {z14, n14}} {
		s, err := tileScenario(db, t.tile, t.n)
		if err != nil {
			return nil, err
		}
		if only.MatchString(s.name) {
			out = append(out, s)
		}
	}
	return out, nil
}

// settle calls path until the server's resident set has held within
// 1 MiB for five seconds (at most 90 s), so that memory left from start-up
// and sign-in (argon2id hashes take 64 MiB each) is not counted as the
// first scenario's, and returns the resident set then.
func settle(ctx context.Context, srv *server, c *client, path string) (int64, error) {
	var readings []int64
	for len(readings) < 90 {
		rss, _, err := srv.memory()
		if err != nil {
			return 0, err
		}
		readings = append(readings, rss)
		if n := len(readings); n > 5 {
			last := readings[n-6:]
			if slices.Max(last)-slices.Min(last) < 1024 {
				break
			}
		}
		for end := time.Now().Add(time.Second); time.Now().Before(end); {
			if _, _, err := c.get(ctx, path, false, false); err != nil {
				return 0, err
			}
		}
	}
	return readings[len(readings)-1], nil
}

// measure checks that endpoint and bare SQL agree byte for byte, warms
// both up and times them.
func measure(ctx context.Context, db *postgis.DB, c *client, srv *server, s scenario, o options) (result, error) {
	r := result{s: s}
	if err := srv.resetPeak(); err != nil {
		return r, fmt.Errorf("reset the server's peak RSS: %w", err)
	}
	// Right after a fresh load the server's SLA clock is still raising
	// cards, which changes features between the two reads: a mismatch is
	// read again a few times before it counts.
	var n int64
	var err error
	for attempt := 1; ; attempt++ {
		var bare, body []byte
		bare, _, err = s.bare(ctx, db, true)
		if err != nil {
			return r, fmt.Errorf("%s: bare SQL: %w", s.name, err)
		}
		body, n, err = c.get(ctx, s.path, false, true)
		if err != nil {
			return r, err
		}
		err = s.checkSameBytes(body, bare)
		if err == nil {
			break
		}
		if attempt == 5 {
			return r, err
		}
		time.Sleep(2 * time.Second)
	}
	r.body = n
	if _, r.gzipped, err = c.get(ctx, s.path, true, false); err != nil {
		return r, err
	}

	bareCall := func(ctx context.Context) error { _, _, err := s.bare(ctx, db, false); return err }
	endCall := func(ctx context.Context) error { _, _, err := c.get(ctx, s.path, false, false); return err }
	gzCall := func(ctx context.Context) error { _, _, err := c.get(ctx, s.path, true, false); return err }
	if err := warmUp(ctx, 3, bareCall, endCall, gzCall); err != nil {
		return r, err
	}
	one, err := interleaved(ctx, o.budget, bareCall, endCall, gzCall)
	if err != nil {
		return r, err
	}
	r.bare1, r.end1, r.gz1 = one[0], one[1], one[2]
	if r.bareC, err = concurrent(ctx, o.budget, o.conc, bareCall); err != nil {
		return r, err
	}
	if r.endC, err = concurrent(ctx, o.budget, o.conc, endCall); err != nil {
		return r, err
	}
	r.rss, r.peak, err = srv.memory()
	return r, err
}

// report prints the tables and the verdict.
func report(out *os.File, results []result, conc int, rss0 int64) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t") }

	fmt.Fprintln(out, "Responses (the endpoint's body is checked to hold exactly the bare SQL's bytes):")
	row("scenario", "holds", "body bytes", "gzip bytes")
	for _, r := range results {
		row(r.s.name, r.s.rows, thousands(r.body), thousands(r.gzipped))
	}
	tw.Flush()

	fmt.Fprintln(out, "\nConcurrency 1 (bare SQL, endpoint and endpoint with gzip taking turns); times in ms:")
	row("scenario", "bare p50", "bare p99", "bare req/s", "endpoint p50", "p99", "req/s", "ratio p50", "gzip p50", "gzip ratio")
	for _, r := range results {
		row(r.s.name, ms(r.bare1.p50), ms(r.bare1.p99), fmt.Sprintf("%.1f", r.bare1.rps),
			ms(r.end1.p50), ms(r.end1.p99), fmt.Sprintf("%.1f", r.end1.rps),
			fmt.Sprintf("%.2f×", ratio(r.end1.p50, r.bare1.p50)),
			ms(r.gz1.p50), fmt.Sprintf("%.2f×", ratio(r.gz1.p50, r.bare1.p50)))
	}
	tw.Flush()

	fmt.Fprintf(out, "\nConcurrency %d (bare SQL, then the endpoint); times in ms:\n", conc)
	row("scenario", "bare p50", "bare p99", "bare req/s", "endpoint p50", "p99", "req/s", "ratio p50")
	for _, r := range results {
		row(r.s.name, ms(r.bareC.p50), ms(r.bareC.p99), fmt.Sprintf("%.1f", r.bareC.rps),
			ms(r.endC.p50), ms(r.endC.p99), fmt.Sprintf("%.1f", r.endC.rps),
			fmt.Sprintf("%.2f×", ratio(r.endC.p50, r.bareC.p50)))
	}
	tw.Flush()

	fmt.Fprintln(out, "\nServer memory (VmRSS after the scenario; VmHWM, its peak while the scenario ran):")
	row("after", "body bytes", "RSS", "peak RSS")
	row("start, settled", "", mib(rss0), "")
	for _, r := range results {
		row(r.s.name, thousands(r.body), mib(r.rss), mib(r.peak))
	}
	tw.Flush()

	met, worst, worstName := 0, 0.0, ""
	for _, r := range results {
		q := ratio(r.end1.p50, r.bare1.p50)
		if q <= goal {
			met++
		}
		if q > worst {
			worst, worstName = q, r.s.name
		}
	}
	fmt.Fprintf(out, "\nGoal endpoint p50 ≤ %.1f × bare SQL p50 at concurrency 1: met in %d of %d scenarios (worst %.2f×, %s).\n",
		goal, met, len(results), worst, worstName)
	small, large := results[0], results[0]
	lo, hi := results[0].peak, results[0].peak
	for _, r := range results {
		if r.body < small.body {
			small = r
		}
		if r.body > large.body {
			large = r
		}
		lo, hi = min(lo, r.peak), max(hi, r.peak)
	}
	fmt.Fprintf(out, "Server peak RSS per scenario: %s to %s; %s with the smallest body (%s bytes), %s with the largest (%s bytes).\n",
		mib(lo), mib(hi), mib(small.peak), thousands(small.body), mib(large.peak), thousands(large.body))
}
