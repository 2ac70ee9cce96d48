package faulttest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/geo"
)

// Bounds of the fault test. They are not speed targets: a request that
// takes longer than hangBound is a hang, a server that still fails
// recoveryBound after the database is back has not recovered.
const (
	clientTimeout = 15 * time.Second
	hangBound     = 10 * time.Second
	recoveryBound = 10 * time.Second
	// minAcked acknowledged writes of each kind make the integrity check
	// mean something.
	minAcked   = 20
	loadTime   = 27 * time.Second
	drainTime  = 30 * time.Second
	outageTime = 3 * time.Second
)

// fixture is what the load needs to know about the demo zone.
type fixture struct {
	gridID    int64
	bbox      string // minLon,minLat,maxLon,maxLat of the grid
	tile      string // z/x/y of a z14 tile in the grid
	liaisonID int64  // the grid's busiest liaison
	orgIDs    []int64
}

// loadFixture reads the first grid of the demo zone and its busiest
// liaison from the database.
func loadFixture(ctx context.Context, dsn string) (fixture, error) {
	var f fixture
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return f, err
	}
	defer conn.Close(ctx)
	var minX, minY, maxX, maxY float64
	if err := conn.QueryRow(ctx, `SELECT id, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)
FROM grid WHERE code = 'G01'`).Scan(&f.gridID, &minX, &minY, &maxX, &maxY); err != nil {
		return f, fmt.Errorf("demo grid G01: %w", err)
	}
	f.bbox = fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", minX, minY, maxX, maxY)
	f.tile = geo.TileAt(orb.Point{(minX + maxX) / 2, (minY + maxY) / 2}, 14).String()
	if err := conn.QueryRow(ctx, `SELECT l.id FROM liaison l
LEFT JOIN assignment a ON a.liaison_id = l.id AND a.valid_to IS NULL
WHERE l.grid_id = $1 AND l.active GROUP BY l.id ORDER BY count(a.id) DESC, l.id LIMIT 1`, f.gridID).Scan(&f.liaisonID); err != nil {
		return f, fmt.Errorf("a liaison of G01: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT o.id FROM organization o
JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
WHERE o.grid_id = $1 AND o.active AND a.liaison_id = $2 ORDER BY o.id`, f.gridID, f.liaisonID)
	if err != nil {
		return f, err
	}
	f.orgIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err == nil && len(f.orgIDs) == 0 {
		err = fmt.Errorf("liaison %d has no organization", f.liaisonID)
	}
	return f, err
}

// outage is one time the database was away: from the moment the test
// asked it to stop until it accepted connections again.
type outage struct {
	how        string
	start, end time.Time
}

// TestDatabaseRestartUnderLoad serves the demo zone from a private
// PostgreSQL cluster, runs officers, a liaison, an admin and a planner
// against it — map reads, tiles, contacts, requests and their steps, each
// write with an Idempotency-Key and retried with it — and restarts the
// database three times meanwhile: pg_ctl restart -m fast, a stop -m fast
// with the database away for a few seconds, and a crash (-m immediate).
// Then every acknowledged write must be in the database exactly once,
// every request whole, the request events one for one with the
// acknowledged steps; while the database was away the API must have
// answered 503 with Retry-After (never 500, never hanging), and served
// again within seconds of its return.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cluster, err := NewCluster(ctx)
	need(t, err)
	t.Cleanup(cluster.Remove)
	setup := time.Now()
	bin := gridgisBin(t)
	dsn := cluster.DSN("gridgis", "gridgis")
	logDir := t.TempDir()
	if _, err := Gridgis(ctx, bin, dsn, nil, "migrate"); err != nil {
		t.Fatal(err)
	}
	// What `gridgis seed --demo` loads, without its forty argon2id
	// hashings (most of a minute on a busy machine): the test signs in as
	// users of its own.
	if err := loadDemo(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	fx, err := loadFixture(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	password := rand.Text()
	users := map[string][]string{
		"fault-admin":   {"--role", "admin"},
		"fault-officer": {"--role", "officer", "--grid", "G01"},
		"fault-liaison": {"--role", "liaison", "--liaison", strconv.FormatInt(fx.liaisonID, 10)},
		"fault-planner": {"--role", "planner"},
	}
	for name, args := range users {
		if err := AddUser(ctx, bin, dsn, name, password, args...); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := StartServer(ctx, bin, dsn, logDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		state, clean := srv.Stop(15 * time.Second)
		t.Logf("server stopped: %s (ended by itself after SIGTERM: %v)", state, clean)
	})
	t.Logf("cluster, build, migrate, demo and users ready in %v", time.Since(setup).Round(time.Second))
	rec := &Recorder{}
	clients := map[string]*Client{}
	for name := range users {
		c, err := SignIn(ctx, srv.Base, name, password, clientTimeout, rec)
		if err != nil {
			t.Fatal(err)
		}
		clients[name] = c
	}
	admin, officer, liaison, planner := clients["fault-admin"], clients["fault-officer"], clients["fault-liaison"], clients["fault-planner"]

	// Writers start nothing new once load ends, but finish retrying what
	// they started while drain lasts; readers stop at once.
	load, stopLoad := context.WithCancel(ctx)
	drain, stopDrain := context.WithTimeout(ctx, 2*loadTime+drainTime)
	defer stopDrain()
	ledger := NewLedger()
	var wg sync.WaitGroup
	loop := func(pause time.Duration, op func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; load.Err() == nil; i++ {
				op(i)
				select {
				case <-load.Done():
				case <-time.After(pause):
				}
			}
		}()
	}
	get := func(c *Client, endpoint, path string) func(int) {
		return func(int) { c.Do(load, "GET "+endpoint, "GET", path, nil, "") }
	}
	reads := func(c *Client, ops ...func(int)) func(int) {
		return func(i int) { ops[i%len(ops)](i) }
	}
	bbox := url.QueryEscape(fx.bbox)
	loop(20*time.Millisecond, reads(officer,
		get(officer, "/organizations?bbox", "/api/v1/organizations?limit=500&bbox="+bbox),
		get(officer, "/grids", "/api/v1/grids"),
		get(officer, "/requests", "/api/v1/requests?grid="+strconv.FormatInt(fx.gridID, 10)),
		get(officer, "/tiles/organizations", "/api/v1/tiles/organizations/"+fx.tile+".mvt"),
	))
	loop(40*time.Millisecond, reads(admin,
		get(admin, "/liaisons", "/api/v1/liaisons"),
		get(admin, "/assignments", "/api/v1/assignments"),
		get(admin, "/requests", "/api/v1/requests?status=open"),
	))
	loop(60*time.Millisecond, reads(planner,
		get(planner, "/coverage", "/api/v1/coverage?indicator=contact_7d"),
		get(planner, "/stats", "/api/v1/stats?by=grid"),
		get(planner, "/tiles/grids", "/api/v1/tiles/grids/12/"+strings.SplitN(geo.TileAt(orb.Point{113.3, 33.75}, 12).String(), "/", 2)[1]+".mvt"),
	))
	loop(200*time.Millisecond, get(planner, "/readyz", "/readyz"))
	org := func(i int) int64 { return fx.orgIDs[i%len(fx.orgIDs)] }
	loop(30*time.Millisecond, func(i int) { ledger.LogContact(drain, liaison, org(i)) })
	loop(50*time.Millisecond, func(i int) { ledger.LogContact(drain, officer, org(i+7)) })
	for k, crew := range []Crew{
		{Officer: officer, Worker: liaison, Reviewer: officer, LiaisonID: fx.liaisonID},
		{Officer: officer, Worker: liaison, Reviewer: officer, LiaisonID: fx.liaisonID},
		{Officer: admin, Worker: liaison, Reviewer: admin, LiaisonID: fx.liaisonID},
	} {
		var f *Flow
		loop(20*time.Millisecond, func(i int) {
			if f == nil || f.Done {
				f = &Flow{Crew: crew, OrgID: org(i*3 + k)}
			}
			f.Step(drain, ledger)
		})
	}

	// The faults.
	var outages []outage
	fault := func(after time.Duration, how string, do func() error) {
		select {
		case <-time.After(after):
		case <-ctx.Done():
			return
		}
		o := outage{how: how, start: time.Now()}
		if err := do(); err != nil {
			t.Errorf("%s: %v\n%s", how, err, cluster.LogTail())
		}
		o.end = time.Now()
		outages = append(outages, o)
	}
	began := time.Now()
	fault(5*time.Second, "pg_ctl restart -m fast", func() error { return cluster.Restart(ctx, "fast") })
	fault(4*time.Second, "pg_ctl stop -m fast, away 3 s, start", func() error {
		if err := cluster.Stop(ctx, "fast"); err != nil {
			return err
		}
		time.Sleep(outageTime)
		return cluster.Start(ctx)
	})
	fault(5*time.Second, "pg_ctl stop -m immediate (a crash), away 3 s, start", func() error {
		if err := cluster.Stop(ctx, "immediate"); err != nil {
			return err
		}
		time.Sleep(outageTime)
		return cluster.Start(ctx)
	})
	// Load goes on a while after the last fault, however slow the machine,
	// so that recovery is seen.
	time.Sleep(max(time.Until(began.Add(loadTime)), 4*time.Second))
	stopLoad()
	ended := time.Now()
	wg.Wait()
	stopDrain()
	t.Logf("load ran %v; the writes under way when it ended took %v more", ended.Sub(began).Round(100*time.Millisecond),
		time.Since(ended).Round(100*time.Millisecond))
	if exited, state := srv.Exited(); exited {
		t.Fatalf("the server died under the faults: %s\n%s", state, srv.LogTail())
	}

	obs := rec.All()
	checkOutages(t, obs, outages)
	integrity, err := CheckIntegrity(ctx, cluster.DSN("postgres", "gridgis"), ledger)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("integrity: checked %v", integrity.Checked)
	for kind, why := range map[string]string{
		"lost":           "acknowledged writes missing from the database",
		"duplicated":     "writes stored more than once after a retry with the same Idempotency-Key",
		"unacknowledged": "writes kept although the client's retry was refused: it could not know (no idempotent replay)",
		"gave_up":        "writes still unacknowledged at the end, although the database was back",
		"extra_event":    "request events without an acknowledged transition",
		"half_done":      "requests whose status, version and history disagree",
	} {
		if n := integrity.Count(kind); n > 0 {
			t.Errorf("%d %s: %s", n, kind, why)
		}
	}
	if len(integrity.Findings) > 0 {
		t.Logf("findings:\n%s", integrity.Report(8))
	}
	// The checks above prove something only if the load did write.
	acked := map[string]int{}
	for _, w := range ledger.Writes() {
		if w.Acked {
			acked[w.Kind]++
		}
	}
	for _, kind := range []string{KindContact, KindRequest, KindTransition} {
		if acked[kind] < minAcked {
			t.Errorf("only %d acknowledged %s writes (want at least %d): the load did not exercise them", acked[kind], kind, minAcked)
		}
	}
	t.Logf("writes:\n%s", ledger.Summary())
}

// checkOutages holds the API's answers to what the faults allow: never a
// 500 or any 5xx but 503, a 503 always with Retry-After and code
// unavailable, no answer later than hangBound, no connection refused or
// broken by the server, and served again within recoveryBound of the
// database's return. It logs what it saw.
func checkOutages(t *testing.T, obs []Observation, outages []outage) {
	t.Helper()
	sort.Slice(obs, func(i, j int) bool { return obs[i].Start.Before(obs[j].Start) })
	byStatus := map[string]int{}
	bad := map[string]map[string]int{} // problem → endpoint → count
	flag := func(problem, endpoint string) {
		if bad[problem] == nil {
			bad[problem] = map[string]int{}
		}
		bad[problem][endpoint]++
	}
	for _, o := range obs {
		key := strconv.Itoa(o.Status)
		if o.Status == 0 {
			key = "no answer (" + o.Err + ")"
		}
		byStatus[key]++
		switch {
		case o.Status == 0 && o.Err == "timeout":
			flag(fmt.Sprintf("no answer within the client's %v", clientTimeout), o.Endpoint)
		case o.Status == 0:
			flag("no answer: "+o.Err, o.Endpoint)
		case o.Status == 503 && o.RetryAfter == "":
			flag("503 without Retry-After", o.Endpoint)
		case o.Status == 503 && o.Code != "unavailable":
			flag(fmt.Sprintf("503 with code %q, not unavailable", o.Code), o.Endpoint)
		case o.Status >= 500 && o.Status != 503:
			flag(fmt.Sprintf("%d (code %q) instead of 503", o.Status, o.Code), o.Endpoint)
		}
		if o.Status != 0 && o.Dur > hangBound {
			flag(fmt.Sprintf("answered after more than %v", hangBound), o.Endpoint)
		}
	}
	var summary []string
	for i, o := range outages {
		// Failures count against recovery until the next fault.
		until := o.end.Add(2 * recoveryBound)
		if i+1 < len(outages) {
			until = outages[i+1].start
		}
		var first, lastFailure time.Time
		during := map[int]int{}
		for _, ob := range obs {
			if !ob.Start.Before(o.start) && ob.Start.Before(o.end) {
				during[ob.Status]++
			}
			failed := ob.Status == 0 || ob.Status >= 500
			if failed && ob.Start.After(o.end) && (lastFailure.IsZero() || ob.Start.After(lastFailure)) &&
				ob.Start.Before(until) {
				lastFailure = ob.Start
			}
			if first.IsZero() && ob.OK() && ob.Endpoint != "GET /readyz" && !ob.Start.Before(o.end) {
				first = ob.Start.Add(ob.Dur)
			}
		}
		recovery := "never"
		if !first.IsZero() {
			recovery = first.Sub(o.end).Round(10 * time.Millisecond).String()
		}
		summary = append(summary, fmt.Sprintf("%s: away %v, answers meanwhile %v, first API 2xx %s after its return",
			o.how, o.end.Sub(o.start).Round(10*time.Millisecond), during, recovery))
		if during[503] == 0 {
			t.Errorf("%s: no 503 answered while the database was away (%v): the outage was not seen", o.how, during)
		}
		if first.IsZero() || first.Sub(o.end) > recoveryBound {
			t.Errorf("%s: no API answer succeeded within %v of the database's return (first: %s)", o.how, recoveryBound, recovery)
		}
		if !lastFailure.IsZero() && lastFailure.Sub(o.end) > recoveryBound {
			t.Errorf("%s: requests still failed %v after the database's return", o.how, lastFailure.Sub(o.end).Round(time.Millisecond))
		}
	}
	t.Logf("answers by status: %v\n%s", byStatus, strings.Join(summary, "\n"))
	problems := make([]string, 0, len(bad))
	for p := range bad {
		problems = append(problems, p)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("%s: %v", p, bad[p])
	}
}
