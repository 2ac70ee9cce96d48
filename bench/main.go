// Command bench measures gridgis on a million organizations against
// issue 14's targets (`make bench`; not part of `make test`).
//
// It loads the demo zone at scale into its own database (once: a later run
// reuses it), starts the real server (bin/gridgis serve, tile cache off) on
// a free local port, and beside it the baseline server: the gridgis of
// commit baselineCommit (57f2d70, before issue 14), built from this
// repository's history into a temporary directory and serving the same
// database (baselineserver.go). It gives an admin an API token, which both
// servers accept, and for each map scenario (bboxes of about 100, 1,000 and
// 10,000 organizations; the organizations tile at z6, z10 and z14)
// measures in one run, taking turns so that a noisy machine weighs on each
// alike:
//
//   - the baseline endpoint: the same request to the baseline server,
//     over HTTP: today's code path, HTTP, auth and streaming included;
//   - the baseline SQL: the SQL these requests ran at that commit, frozen
//     as text (baseline.go), run bare through pgx;
//   - the bare SQL: the very query the endpoint runs now, from the store's
//     own query functions, through pgx with the server's pool settings;
//   - the endpoint over HTTP, plain and with gzip, and for tiles the same
//     request to a third server with the tile cache on (cached hits);
//
// then both endpoints at concurrency 8, and prints p50, p99, the speed-up
// (baseline endpoint p50 ÷ endpoint p50) against the targets, the
// SQL's speed-up (baseline SQL p50 ÷ bare SQL p50) beside it, requests per
// second at concurrency 1 and 8, and the server's resident memory (VmRSS,
// and its peak VmHWM) after each scenario. Before timing, it checks that
// the endpoint sends exactly the bytes the bare SQL returns, and that the
// baseline endpoint sends as many features as the baseline SQL (a
// non-empty tile): their bytes differ (its JSON has padding spaces).
//
// Then the write path with the map-maintenance triggers on and off
// (writes.go), search (search.go) and the load of a million organizations
// into a fresh database (load.go).
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
	"strconv"
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
	flag.IntVar(&o.budget.burst, "burst", 5, "calls of each in a row, per turn of a concurrency-1 measurement")
	flag.DurationVar(&o.budget.maxTime, "maxtime", 60*time.Second, "most time of a measurement, once it has 5 calls (0: no limit)")
	flag.StringVar(&o.only, "run", "", "measure only the parts whose name matches this regular expression: "+
		"the scenarios (bbox ~100, bbox ~1,000, bbox ~10,000, tile z6, tile z10, tile z14), write, search, load, seed")
	flag.IntVar(&o.loadRows, "loadrows", loadTargetRows, "organizations in the register the load part imports")
	flag.BoolVar(&o.seed, "seed", false, "also time seed --demo --scale (the load part; several minutes)")
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
	loadRows   int
	seed       bool
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// result is everything measured for one scenario.
type result struct {
	s             scenario
	body, gzipped int64
	// baseBytes: the baseline SQL's features (or tile); oldBytes: the
	// baseline endpoint's body.
	baseBytes, oldBytes int64
	old1, base1, bare1  stats // concurrency 1, taking turns: baseline endpoint, baseline SQL, bare SQL,
	end1, gz1           stats // the endpoint, plain and with gzip,
	cached1             stats // tiles: the tile cache's hits
	endC, oldC          stats // the endpoint and the baseline endpoint at concurrency o.conc
	rss, peak           int64 // KiB, after the scenario
}

// The parts of a run besides the map scenarios, for -run.
const (
	partWrites = "write"
	partSearch = "search"
	partLoad   = "load"
	partSeed   = "seed"
)

func run(ctx context.Context, o options) error {
	only, err := regexp.Compile(o.only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	fmt.Printf("machine: %s\n", machine())
	db, err := prepareDB(ctx, o.bin, o.dbURL, o.scale)
	if err != nil {
		return err
	}
	defer db.Close()
	scenarios, err := makeScenarios(ctx, db, only)
	if err != nil {
		return err
	}
	writes, search := only.MatchString(partWrites), only.MatchString(partSearch)
	load, seed := only.MatchString(partLoad), o.seed && only.MatchString(partSeed)
	if len(scenarios) == 0 && !writes && !search && !load && !seed {
		return fmt.Errorf("-run %q matches no part", o.only)
	}
	if len(scenarios) > 0 || writes || search {
		if err := measureServer(ctx, db, o, scenarios, writes, search); err != nil {
			return err
		}
	}
	if load || seed {
		return measureLoad(ctx, o, load, seed)
	}
	return nil
}

// measureServer measures what needs the server: the map scenarios, the
// write path and search.
func measureServer(ctx context.Context, db *postgis.DB, o options, scenarios []scenario, writes, search bool) error {
	// The baseline server, first: it fails early when it cannot be built,
	// and its build (about a minute of CPU) ends before anything is timed.
	var oldSrv *server
	if len(scenarios) > 0 {
		var stopOld func()
		var err error
		oldSrv, stopOld, err = startBaseline(ctx, db, o.dbURL)
		defer stopOld()
		if err != nil {
			return err
		}
		fmt.Printf("baseline server of %s: %s (pid %d, log %s)\n", baselineCommit, oldSrv.base, oldSrv.cmd.Process.Pid, oldSrv.log)
	}
	// The headline tiles are rendered for each request: no tile cache.
	srv, err := startServer(ctx, o.bin, o.dbURL, "GRIDGIS_TILE_CACHE_MB=0")
	if err != nil {
		return err
	}
	defer srv.stop()
	token, tokenID, err := apiToken(ctx, o.bin, o.dbURL, db)
	if err != nil {
		return err
	}
	defer func() {
		if err := revokeToken(srv.base, token, tokenID); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}()
	c := newClient(srv.base, token, o.conc)
	// Let the server's memory settle after start-up before the first
	// scenario's peak is taken.
	rss0, err := settle(ctx, srv, c, "/api/v1/organizations?limit=1000")
	if err != nil {
		return srv.explain(err)
	}
	fmt.Printf("server %s (pid %d, log %s): RSS %s after start and settling\n",
		srv.base, srv.cmd.Process.Pid, srv.log, mib(rss0))
	fmt.Printf("each measurement: at least %s and %d calls; at concurrency 1 in turns of %d calls in a row\n\n",
		o.budget.minTime, o.budget.minRuns, max(o.budget.burst, 1))

	if len(scenarios) > 0 {
		old := newClient(oldSrv.base, token, o.conc)
		// Tiles served from the tile cache, an extra line: a third
		// server with the cache on, taking turns with the others.
		var cached *client
		var cachedSrv *server
		if slices.ContainsFunc(scenarios, func(s scenario) bool { return s.tile }) {
			if cachedSrv, err = startServer(ctx, o.bin, o.dbURL, "GRIDGIS_TILE_CACHE_MB="+strconv.Itoa(cachedTileMB)); err != nil {
				return err
			}
			defer cachedSrv.stop()
			cached = newClient(cachedSrv.base, token, o.conc)
		}
		var results []result
		for _, s := range scenarios {
			fmt.Printf("measuring %-12s %s\n", s.name, s.path)
			r, err := measure(ctx, db, c, old, cached, srv, s, o)
			if err != nil {
				return oldSrv.explain(srv.explain(err))
			}
			results = append(results, r)
		}
		var cachedRSS int64
		if cachedSrv != nil {
			cachedRSS, _, _ = cachedSrv.memory()
			cachedSrv.stop()
		}
		oldRSS, _, _ := oldSrv.memory()
		oldSrv.stop()
		fmt.Println()
		report(os.Stdout, results, o.conc, rss0, cachedRSS, oldRSS)
	}
	if writes {
		if err := measureWrites(ctx, db, c, o); err != nil {
			return srv.explain(err)
		}
	}
	if search {
		if err := measureSearch(ctx, db, c, o); err != nil {
			return srv.explain(err)
		}
	}
	return nil
}

// cachedTileMB is the tile cache of the server whose cached hits are
// measured.
const cachedTileMB = 64

// makeScenarios picks bboxes around the zone's centre holding about 100,
// 1,000 and 10,000 organizations, and the densest z14 tile with the z10
// and z6 tiles around it.
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
	if !only.MatchString("tile z6") && !only.MatchString("tile z10") && !only.MatchString("tile z14") {
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
	z6 := geo.Tile{Z: 6, X: z14.X >> 8, Y: z14.Y >> 8}
	n6, err := countInTile(ctx, db, z6)
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		tile geo.Tile
		n    int64
	}{{z6, n6}, {z10, n10}, {z14, n14}} {
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
// is not counted as the first scenario's, and returns the resident set
// then.
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

// measure checks that endpoint and bare SQL agree byte for byte, and that
// the baseline endpoint answers as the baseline SQL does, warms up and
// times, taking turns: the baseline endpoint, the baseline SQL, the bare
// SQL, the endpoint, the endpoint with gzip and, for tiles, the cached
// server's endpoint; then both endpoints at concurrency o.conc.
func measure(ctx context.Context, db *postgis.DB, c, old, cached *client, srv *server, s scenario, o options) (result, error) {
	r := result{s: s}
	if err := srv.resetPeak(); err != nil {
		return r, fmt.Errorf("reset the server's peak RSS: %w", err)
	}
	if !s.tile {
		cached = nil
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
		if err == nil && cached != nil {
			if body, _, err = cached.get(ctx, s.path, false, true); err != nil {
				return r, err
			}
			if err = s.checkSameBytes(body, bare); err != nil {
				err = fmt.Errorf("with the tile cache: %w", err)
			}
		}
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
	base, _, err := s.baseline(ctx, db, true)
	if err != nil {
		return r, fmt.Errorf("%s: baseline SQL: %w", s.name, err)
	}
	r.baseBytes = int64(len(base))
	oldBody, _, err := old.get(ctx, s.path, false, true)
	if err != nil {
		return r, fmt.Errorf("%s: the baseline server: %w", s.name, err)
	}
	if err := s.checkBaseline(oldBody, base); err != nil {
		return r, err
	}
	r.oldBytes = int64(len(oldBody))

	endCall := func(ctx context.Context) error { _, _, err := c.get(ctx, s.path, false, false); return err }
	oldCall := func(ctx context.Context) error { _, _, err := old.get(ctx, s.path, false, false); return err }
	calls := []call{
		oldCall,
		func(ctx context.Context) error { _, _, err := s.baseline(ctx, db, false); return err },
		func(ctx context.Context) error { _, _, err := s.bare(ctx, db, false); return err },
		endCall,
	}
	// The fifth turn: with gzip for a collection (a tile gains little);
	// the cached server for a tile.
	if cached != nil {
		calls = append(calls, func(ctx context.Context) error { _, _, err := cached.get(ctx, s.path, false, false); return err })
	} else if !s.tile {
		calls = append(calls, func(ctx context.Context) error { _, _, err := c.get(ctx, s.path, true, false); return err })
	}
	if err := warmUp(ctx, 2, calls...); err != nil {
		return r, err
	}
	one, err := interleaved(ctx, o.budget, calls...)
	if err != nil {
		return r, err
	}
	r.old1, r.base1, r.bare1, r.end1 = one[0], one[1], one[2], one[3]
	switch {
	case cached != nil:
		r.cached1 = one[4]
	case !s.tile:
		r.gz1 = one[4]
	}
	if r.endC, err = concurrent(ctx, o.budget, o.conc, endCall); err != nil {
		return r, err
	}
	if r.oldC, err = concurrent(ctx, o.budget, o.conc, oldCall); err != nil {
		return r, fmt.Errorf("%s: the baseline server: %w", s.name, err)
	}
	r.rss, r.peak, err = srv.memory()
	return r, err
}

// report prints the tables and the target lines.
func report(out *os.File, results []result, conc int, rss0, cachedRSS, oldRSS int64) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t") }
	x := func(v float64) string { return fmt.Sprintf("%.2f×", v) }

	fmt.Fprintln(out, "Responses (the endpoint's body is checked to hold exactly the bare SQL's bytes; the baseline endpoint's")
	fmt.Fprintln(out, "as many features as the baseline SQL's, or a non-empty tile):")
	row("scenario", "holds", "body bytes", "gzip bytes", "baseline bytes", "baseline SQL bytes")
	for _, r := range results {
		row(r.s.name, r.s.rows, thousands(r.body), thousands(r.gzipped), thousands(r.oldBytes), thousands(r.baseBytes))
	}
	tw.Flush()

	fmt.Fprintf(out, "\nConcurrency 1, taking turns (the baseline: the endpoint of %s's server; its SQL, bare; the current bare SQL;\n", baselineCommit)
	fmt.Fprintln(out, "the endpoint; for a bbox the endpoint with gzip, for a tile the endpoint of a server with the tile cache on);")
	fmt.Fprintln(out, "times in ms; tiles uncached unless said; speed-up = baseline p50 ÷ endpoint p50, SQL speed-up = baseline SQL ÷ bare:")
	row("scenario", "baseline p50", "p99", "endpoint p50", "p99", "speed-up", "target",
		"base SQL p50", "p99", "bare p50", "p99", "SQL speed-up", "endpoint÷bare", "gzip p50", "cached p50", "cached speed-up")
	for _, r := range results {
		target, cachedP50, cachedUp := "", "", ""
		if r.s.target > 0 {
			target = fmt.Sprintf("≥%g×", r.s.target)
		}
		if r.cached1.n > 0 {
			cachedP50, cachedUp = ms(r.cached1.p50), x(ratio(r.old1.p50, r.cached1.p50))
		}
		gzP50 := ""
		if r.gz1.n > 0 {
			gzP50 = ms(r.gz1.p50)
		}
		row(r.s.name, ms(r.old1.p50), ms(r.old1.p99), ms(r.end1.p50), ms(r.end1.p99), x(ratio(r.old1.p50, r.end1.p50)), target,
			ms(r.base1.p50), ms(r.base1.p99), ms(r.bare1.p50), ms(r.bare1.p99), x(ratio(r.base1.p50, r.bare1.p50)),
			x(ratio(r.end1.p50, r.bare1.p50)), gzP50, cachedP50, cachedUp)
	}
	tw.Flush()

	fmt.Fprintf(out, "\nThroughput of the endpoint and the baseline's: concurrency 1 (from the turns above) and %d (%d CPUs); times in ms:\n", conc, runtime.NumCPU())
	cc := fmt.Sprintf("c=%d", conc)
	row("scenario", "c=1 req/s", cc+" req/s", cc+" p50", "p99", "scaling",
		"baseline c=1 req/s", cc+" req/s", cc+" p50", "scaling", cc+" req/s ÷ baseline's")
	for _, r := range results {
		row(r.s.name, fmt.Sprintf("%.1f", r.end1.rps), fmt.Sprintf("%.1f", r.endC.rps), ms(r.endC.p50), ms(r.endC.p99),
			x(scaling(r.end1.rps, r.endC.rps)),
			fmt.Sprintf("%.1f", r.old1.rps), fmt.Sprintf("%.1f", r.oldC.rps), ms(r.oldC.p50),
			x(scaling(r.old1.rps, r.oldC.rps)), x(scaling(r.oldC.rps, r.endC.rps)))
	}
	tw.Flush()

	fmt.Fprintln(out, "\nServer memory (VmRSS after the scenario; VmHWM, its peak while the scenario ran):")
	row("after", "body bytes", "RSS", "peak RSS")
	row("start, settled", "", mib(rss0), "")
	for _, r := range results {
		row(r.s.name, thousands(r.body), mib(r.rss), mib(r.peak))
	}
	tw.Flush()
	if cachedRSS > 0 {
		fmt.Fprintf(out, "The server with the tile cache on (%d MiB): RSS %s after the tile scenarios.\n", cachedTileMB, mib(cachedRSS))
	}
	fmt.Fprintf(out, "The baseline server: RSS %s after the scenarios.\n", mib(oldRSS))

	fmt.Fprintf(out, "\nTargets (issue 14: the endpoint's p50 against the baseline's, %s's endpoint, concurrency 1, uncached):\n", baselineCommit)
	for _, r := range results {
		if r.s.target > 0 {
			fmt.Fprintln(out, speedUpLine(r.s.name, ratio(r.old1.p50, r.end1.p50), ratio(r.base1.p50, r.bare1.p50), r.s.target))
		}
	}
	for _, r := range results {
		if r.cached1.n > 0 {
			fmt.Fprintf(out, "%-12s (extra) cached hits %.1f× as fast as the baseline\n", r.s.name, ratio(r.old1.p50, r.cached1.p50))
		}
	}
	scaled := 0
	for _, r := range results {
		if scaling(r.end1.rps, r.endC.rps) >= 1 {
			scaled++
		}
	}
	fmt.Fprintf(out, "Throughput at c=%d ≥ c=1 on %d CPUs (no collapse) in %d of %d scenarios: %s\n",
		conc, runtime.NumCPU(), scaled, len(results), verdict(scaled == len(results)))

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
	fmt.Fprintf(out, "Endpoint p50 ≤ %.1f × its bare SQL's p50 (the cost of HTTP): %d of %d scenarios (worst %.2f×, %s).\n",
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
