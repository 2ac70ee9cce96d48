package postgis_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// statsDemoNow anchors the demo the KPI tests and benchmarks load.
var statsDemoNow = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

// demoDB creates a database of the caller's own holding only the demo at
// scale, so that every scope's figures are the demo's alone, and drops it
// at the end. Its clock stands an hour after the demo's Now.
func demoDB(tb testing.TB, scale int) *postgis.DB {
	tb.Helper()
	ctx := context.Background()
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		base = postgis.DefaultURL
	}
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("gridgis_test_demo_%d", os.Getpid())
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`"`); err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			tb.Errorf("drop %s: %v", name, err)
		}
		admin.Close(context.Background())
	})
	dsn := pgtest.WithDatabase(base, name)
	if err := postgis.Migrate(ctx, dsn); err != nil {
		tb.Fatal(err)
	}
	db := pgtest.Open(tb, dsn)
	if err := db.LoadDataset(ctx, demo.Generate(demo.Options{Now: statsDemoNow, Scale: scale}).Dataset, seedFakeHash); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, "ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	db.Now = func() time.Time { return statsDemoNow.Add(time.Hour) }
	return db
}

// statsScopes are the scopes the KPIs are checked in: everything, an
// officer of two grids, and the liaison with the most requests.
func statsScopes(t *testing.T, db *postgis.DB) map[string]grid.Scope {
	t.Helper()
	ctx := context.Background()
	var grids []int64
	rows, err := db.Pool.Query(ctx, `SELECT id FROM grid ORDER BY id LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	if grids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil || len(grids) != 2 {
		t.Fatalf("grids %v: %v", grids, err)
	}
	var liaison int64
	if err := db.Pool.QueryRow(ctx, `SELECT liaison_id FROM request WHERE liaison_id IS NOT NULL
GROUP BY liaison_id ORDER BY count(*) DESC, liaison_id LIMIT 1`).Scan(&liaison); err != nil {
		t.Fatal(err)
	}
	return map[string]grid.Scope{
		"all":     {All: true},
		"officer": {GridIDs: grids},
		"liaison": {LiaisonID: liaison},
	}
}

// Independent formulations of the KPIs, per grouping: the group key of a
// request r (a bare request row), and of an organization o with x its
// assignment at the instant. They read each row's columns through
// subqueries rather than the joins the store uses.
var expectRequestKey = map[grid.StatsBy]string{
	grid.StatsByZone:    "r.zone_id",
	grid.StatsByGrid:    "(SELECT og.grid_id FROM organization og WHERE og.id = r.org_id)",
	grid.StatsByLiaison: "r.liaison_id",
	grid.StatsByUnit:    "r.unit_id",
	grid.StatsByMonth:   "NULL::bigint",
}

var expectOrgKey = map[grid.StatsBy]string{
	grid.StatsByZone:    "o.zone_id",
	grid.StatsByGrid:    "o.grid_id",
	grid.StatsByLiaison: "x.liaison_id",
	grid.StatsByMonth:   "NULL::bigint",
}

var expectNames = map[grid.StatsBy]string{
	grid.StatsByZone: "zone", grid.StatsByGrid: "grid", grid.StatsByLiaison: "liaison", grid.StatsByUnit: "unit",
}

// expectScope is the scope as conditions on a request r and on an
// organization o with its assignment x at the instant; @scope is the
// scope's grids or liaison.
func expectScope(s grid.Scope) (requests, orgs string, arg any) {
	switch {
	case s.All:
		return "true", "true", int64(0)
	case len(s.GridIDs) > 0:
		return "(SELECT og.grid_id FROM organization og WHERE og.id = r.org_id) = ANY(@scope)", "o.grid_id = ANY(@scope)", s.GridIDs
	}
	return `(r.liaison_id = @scope OR r.org_id IN (SELECT sa.org_id FROM assignment sa
  WHERE sa.liaison_id = @scope AND sa.valid_to IS NULL))`, "x.liaison_id = @scope", s.LiaisonID
}

// expectRequestSQL computes one group's request figures over CTE g.
const expectRequestSQL = `
WITH g AS (
  SELECT r.* FROM request r
  WHERE r.reported_at >= @from AND r.reported_at < @to AND (%[1]s) AND (%[2]s) IS NOT DISTINCT FROM @key::bigint
), response AS (
  SELECT extract(epoch FROM assigned_at - reported_at) / 3600 AS h FROM g WHERE assigned_at IS NOT NULL
), resolution AS (
  SELECT extract(epoch FROM closed_at - reported_at) / 3600 AS h FROM g WHERE status = 'verified'
)
SELECT
  (SELECT count(*) FROM g),
  (SELECT count(*) FROM g WHERE status = 'rejected'),
  (SELECT count(*) FROM g WHERE status = 'verified'),
  (SELECT count(*) FROM g WHERE status <> 'rejected'),
  (SELECT count(*) FROM g WHERE status = 'verified' AND NOT resolved_at > due_at),
  (SELECT count(*) FROM g WHERE resolved_at IS NOT NULL OR rework_count > 0),
  (SELECT count(*) FROM g WHERE rework_count >= 1),
  (SELECT count(*) FROM g WHERE assigned_at IS NOT NULL)
    + (SELECT count(*) FROM g WHERE assigned_at IS NULL AND status = 'reported' AND response_due_at < @now),
  (SELECT count(*) FROM g WHERE assigned_at IS NOT NULL AND NOT assigned_at > response_due_at),
  (SELECT count(*) FROM response),
  (SELECT round(avg(h), 2) FROM (SELECT h, row_number() OVER (ORDER BY h) AS n, count(*) OVER () AS c
     FROM response) m WHERE n IN ((c + 1) / 2, (c + 2) / 2)),
  (SELECT round(avg(h), 2) FROM (SELECT h, row_number() OVER (ORDER BY h) AS n, count(*) OVER () AS c
     FROM resolution) m WHERE n IN ((c + 1) / 2, (c + 2) / 2)),
  (SELECT coalesce(sum(satisfaction), 0) FROM g WHERE status = 'verified'),
  (SELECT count(satisfaction) FROM g WHERE status = 'verified')`

// expectComplianceSQL counts one group's liaison-covered organizations at
// the instant, and those whose last contact (of either kind) and last
// visit up to it fall in the 7 and 30 days before it.
const expectComplianceSQL = `
SELECT count(*),
  count(*) FILTER (WHERE last_contact > @instant::timestamptz - interval '7 days'),
  count(*) FILTER (WHERE last_visit > @instant::timestamptz - interval '30 days')
FROM (
  SELECT (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.at <= @instant) AS last_contact,
         (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'visit' AND c.at <= @instant) AS last_visit
  FROM organization o
  WHERE o.active AND EXISTS (
    SELECT 1 FROM assignment x
    WHERE x.org_id = o.id AND tstzrange(x.valid_from, x.valid_to) @> @instant::timestamptz
      AND (%[1]s) AND (%[2]s) IS NOT DISTINCT FROM @key::bigint)
) q`

// expectStats recomputes q's answer group by group with the formulations
// above, keyed and ordered as the store orders them.
func expectStats(t *testing.T, db *postgis.DB, q grid.StatsQuery) grid.Stats {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	reqScope, orgScope, scopeArg := expectScope(q.Scope)
	out := grid.Stats{From: q.From, To: q.To, By: q.By, Groups: []grid.StatsGroup{}}
	for _, p := range q.Periods(now) {
		instant := p.To
		if now.Before(instant) {
			instant = now
		}
		keys := map[string]*int64{}
		collect := func(sql string, args pgx.NamedArgs) {
			rows, err := db.Pool.Query(ctx, sql, args)
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			ks, err := pgx.CollectRows(rows, pgx.RowTo[*int64])
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range ks {
				keys[grid.StatsKey(k)] = k
			}
		}
		args := pgx.NamedArgs{"from": p.From, "to": p.To, "now": now, "instant": instant, "scope": scopeArg}
		collect(`SELECT DISTINCT `+expectRequestKey[q.By]+` FROM request r
WHERE r.reported_at >= @from AND r.reported_at < @to AND (`+reqScope+`)`, args)
		if key, ok := expectOrgKey[q.By]; ok {
			collect(`SELECT DISTINCT `+key+` FROM organization o JOIN assignment x ON x.org_id = o.id
WHERE o.active AND tstzrange(x.valid_from, x.valid_to) @> @instant::timestamptz AND (`+orgScope+`)`, args)
		}
		if q.By == grid.StatsByMonth {
			keys = map[string]*int64{grid.StatsNoneKey: nil} // every month, once
		}
		order := make([]string, 0, len(keys))
		for k := range keys {
			order = append(order, k)
		}
		slices.SortFunc(order, func(a, b string) int { // by id, none last
			ka, kb := keys[a], keys[b]
			switch {
			case ka == nil && kb == nil:
				return 0
			case ka == nil:
				return 1
			case kb == nil:
				return -1
			}
			return cmp.Compare(*ka, *kb)
		})
		for _, k := range order {
			args["key"] = keys[k]
			g := grid.StatsGroup{Key: k, From: p.From, To: p.To}
			var verified, accepted, onTime, resolved, reworked, due, answered, responded, satSum, satN int64
			var responseHours, resolutionHours *float64
			if err := db.Pool.QueryRow(ctx, fmt.Sprintf(expectRequestSQL, reqScope, expectRequestKey[q.By]), args).Scan(
				&g.Reported, &g.Rejected, &verified, &accepted, &onTime, &resolved, &reworked, &due, &answered,
				&responded, &responseHours, &resolutionHours, &satSum, &satN); err != nil {
				t.Fatalf("request figures: %v", err)
			}
			g.Closed = verified
			g.ClosureRate = grid.NewRate(verified, accepted)
			g.OnTimeRate = grid.NewRate(onTime, verified)
			g.ReworkRate = grid.NewRate(reworked, resolved)
			g.Answered24h = grid.NewRate(answered, due)
			g.MedianResponseHours = grid.Median{Count: responded, Value: responseHours}
			g.MedianResolutionHours = grid.Median{Count: verified, Value: resolutionHours}
			g.Satisfaction = grid.NewMean(satSum, satN)
			if key, ok := expectOrgKey[q.By]; ok {
				var covered, contacted, visited int64
				if err := db.Pool.QueryRow(ctx, fmt.Sprintf(expectComplianceSQL, orgScope, key), args).Scan(&covered, &contacted, &visited); err != nil {
					t.Fatalf("compliance: %v", err)
				}
				c, v := grid.NewRate(contacted, covered), grid.NewRate(visited, covered)
				g.ContactCompliance, g.VisitCompliance = &c, &v
			}
			if table, ok := expectNames[q.By]; ok && keys[k] != nil {
				if err := db.Pool.QueryRow(ctx, `SELECT name FROM `+table+` WHERE id = $1`, *keys[k]).Scan(&g.Name); err != nil {
					t.Fatal(err)
				}
			}
			if q.By == grid.StatsByMonth {
				g.Key, g.Name = p.Label, p.Label
			}
			out.Groups = append(out.Groups, g)
		}
	}
	return out
}

// addStatsEdges adds a zone whose requests sit on the edges of the KPI
// definitions, and returns its id. Its figures are worked out by hand in
// TestStatsAgreesWithIndependentSQL.
func addStatsEdges(t *testing.T, db *postgis.DB) int64 {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	var zone, org int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO zone (code, name, boundary)
VALUES ('stats-edges', '边界测试区', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326))) RETURNING id`).Scan(&zone); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `INSERT INTO organization (zone_id, name, uscc, kind, industry, geom)
VALUES ($1, '边界测试有限公司', $2, 'enterprise', '物流', ST_SetSRID(ST_MakePoint(0.5, 0.5), 4326)) RETURNING id`,
		zone, testUSCC(990001)).Scan(&org); err != nil {
		t.Fatal(err)
	}
	h, s := time.Hour, time.Second
	week := 7 * 24 * h
	for _, r := range []struct {
		status                     string
		reported                   time.Duration // before now
		assigned, resolved, closed time.Duration // after the report; 0 for none
		rework, satisfaction       int
	}{
		// Resolved and verified exactly at its due time, assigned exactly
		// at the response deadline: on time and answered in 24 h.
		{status: "verified", reported: 40 * 24 * h, assigned: 24 * h, resolved: week, closed: week, satisfaction: 5},
		// A second late in both, and sent back once.
		{status: "verified", reported: 30 * 24 * h, assigned: 24*h + s, resolved: week + s, closed: week + s, rework: 1, satisfaction: 2},
		// Rejected unassigned: neither accepted nor answered.
		{status: "rejected", reported: 20 * 24 * h, closed: 3 * h},
		// Unassigned past its response deadline: answered late.
		{status: "reported", reported: 30 * h},
		// Unassigned and not yet due: not counted for the response.
		{status: "reported", reported: 2 * h},
		// At work, never resolved.
		{status: "in_progress", reported: 3 * 24 * h, assigned: h},
		// Resolved, awaiting review.
		{status: "resolved", reported: 4 * 24 * h, assigned: 2 * h, resolved: 3 * 24 * h},
	} {
		reported := now.Add(-r.reported)
		at := func(d time.Duration) any {
			if d == 0 {
				return nil
			}
			return reported.Add(d)
		}
		satisfaction := any(nil)
		if r.satisfaction > 0 {
			satisfaction = r.satisfaction
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO request (zone_id, org_id, title, category, status, reported_at,
  response_due_at, due_at, assigned_at, resolved_at, closed_at, rework_count, satisfaction)
VALUES ($1, $2, '边界诉求', 'ordinary', $3, $4::timestamptz, $4::timestamptz + interval '24 hours',
  $4::timestamptz + interval '7 days', $5, $6, $7, $8, $9)`,
			zone, org, r.status, reported, at(r.assigned), at(r.resolved), at(r.closed), r.rework, satisfaction); err != nil {
			t.Fatal(err)
		}
	}
	return zone
}

// Every figure of every group, for every grouping, scope and a few
// ranges, equals the independent recomputation on the demo dataset (and
// a zone of edge cases, whose figures are also worked out by hand).
func TestStatsAgreesWithIndependentSQL(t *testing.T) {
	db := demoDB(t, 1)
	now := db.Now()
	edges := addStatsEdges(t, db)
	t.Run("edge cases by hand", func(t *testing.T) {
		q, err := grid.ParseStatsQuery("", "", "zone", now)
		if err != nil {
			t.Fatal(err)
		}
		q.Scope = grid.Scope{All: true}
		st, err := db.Stats(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(st.Groups, func(g grid.StatsGroup) bool { return g.Key == fmt.Sprint(edges) })
		if i < 0 {
			t.Fatalf("no group for zone %d", edges)
		}
		hours := func(v float64) *float64 { return &v }
		none := grid.NewRate(0, 0)
		want := grid.StatsGroup{Key: fmt.Sprint(edges), Name: "边界测试区", From: q.From, To: q.To,
			Reported: 7, Rejected: 1, Closed: 2,
			ClosureRate:           grid.NewRate(2, 6),
			OnTimeRate:            grid.NewRate(1, 2),
			ReworkRate:            grid.NewRate(1, 3),
			Answered24h:           grid.NewRate(3, 5),
			MedianResponseHours:   grid.Median{Count: 4, Value: hours(13)},
			MedianResolutionHours: grid.Median{Count: 2, Value: hours(168)},
			Satisfaction:          grid.NewMean(7, 2),
			ContactCompliance:     &none, VisitCompliance: &none,
		}
		if diff := gocmp.Diff(want, st.Groups[i]); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	ranges := []struct{ name, from, to string }{
		{"default year", "", ""},
		{"a past quarter", "2025-09-01", "2025-12-01"},
		{"the last 45 days", now.Add(-45 * 24 * time.Hour).Format(time.RFC3339), ""},
		{"into the future", "2026-02-10T08:00:00+08:00", "2026-05-01"},
	}
	for scopeName, scope := range statsScopes(t, db) {
		for _, by := range grid.StatsGroupings {
			for _, r := range ranges {
				t.Run(fmt.Sprintf("%s by %s, %s", scopeName, by, r.name), func(t *testing.T) {
					q, err := grid.ParseStatsQuery(r.from, r.to, string(by), now)
					if err != nil {
						t.Fatal(err)
					}
					q.Scope = scope
					got, err := db.Stats(context.Background(), q)
					if err != nil {
						t.Fatal(err)
					}
					want := expectStats(t, db, q)
					if diff := gocmp.Diff(want, got); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
					reported := int64(0)
					for _, g := range got.Groups {
						reported += g.Reported
					}
					if reported == 0 && r.name == "default year" {
						t.Errorf("no requests at all: the comparison proves nothing")
					}
				})
			}
		}
	}
}

// On the demo dataset the default KPIs read like the zone's own record:
// 128 requests, about 96 % closed, most answered within a day.
func TestStatsDemoFigures(t *testing.T) {
	db := demoDB(t, 1)
	q, err := grid.ParseStatsQuery("", "", "", db.Now())
	if err != nil {
		t.Fatal(err)
	}
	q.Scope = grid.Scope{All: true}
	st, err := db.Stats(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Groups) != 1 || st.Groups[0].Name != demo.ZoneName {
		t.Fatalf("groups %+v, want the demo zone", st.Groups)
	}
	g := st.Groups[0]
	var b strings.Builder
	fmt.Fprintf(&b, "reported %d, rejected %d, closed %d\n", g.Reported, g.Rejected, g.Closed)
	for _, r := range []struct {
		name string
		grid.Rate
	}{{"closure", g.ClosureRate}, {"on time", g.OnTimeRate}, {"rework", g.ReworkRate}, {"answered in 24 h", g.Answered24h},
		{"contact compliance", *g.ContactCompliance}, {"visit compliance", *g.VisitCompliance}} {
		fmt.Fprintf(&b, "%s %d/%d = %.4f\n", r.name, r.Numerator, r.Denominator, *r.Rate.Rate)
	}
	fmt.Fprintf(&b, "median response %.2f h (%d), median resolution %.2f h (%d), satisfaction %.2f (%d)",
		*g.MedianResponseHours.Value, g.MedianResponseHours.Count, *g.MedianResolutionHours.Value,
		g.MedianResolutionHours.Count, *g.Satisfaction.Value, g.Satisfaction.Count)
	t.Logf("demo KPIs, default range:\n%s", b.String())

	between := func(name string, r grid.Rate, lo, hi float64) {
		t.Helper()
		if r.Rate == nil || *r.Rate < lo || *r.Rate > hi {
			t.Errorf("%s %+v, want within [%.2f, %.2f]", name, r, lo, hi)
		}
	}
	if g.Reported != demo.RequestsPerScale {
		t.Errorf("reported %d, want the demo's %d", g.Reported, demo.RequestsPerScale)
	}
	between("closure", g.ClosureRate, 0.955, 0.965)
	between("answered in 24 h", g.Answered24h, 0.85, 0.99)
	between("on time", g.OnTimeRate, 0.75, 0.97)
	between("rework", g.ReworkRate, 0.02, 0.2)
	between("contact compliance", *g.ContactCompliance, 0.75, 0.98)
	between("visit compliance", *g.VisitCompliance, 0.75, 0.98)
	if v := *g.MedianResponseHours.Value; v <= 0 || v >= 24 {
		t.Errorf("median response %.2f h, want within the day", v)
	}
	if v := *g.Satisfaction.Value; v < 4 || v > 5 {
		t.Errorf("satisfaction %.2f, want mostly 4 and 5", v)
	}

	// By month: every month of the year appears once, in order, and the
	// months add up to the year.
	q.By = grid.StatsByMonth
	months, err := db.Stats(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for i, m := range months.Groups {
		sum += m.Reported
		if i > 0 && !m.From.Equal(months.Groups[i-1].To) {
			t.Errorf("month %s does not start where %s ends", m.Key, months.Groups[i-1].Key)
		}
	}
	if n := len(months.Groups); n != 13 || sum != g.Reported || !months.Groups[0].From.Equal(q.From) ||
		!months.Groups[n-1].To.Equal(q.To) {
		t.Errorf("%d months adding up to %d requests, from %v to %v", n, sum, months.Groups[0].From, months.Groups[n-1].To)
	}
}
