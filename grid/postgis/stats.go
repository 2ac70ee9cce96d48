package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// statsGrouping holds a grouping's SQL: the group key of a request (over
// request r and its organization o), of a compliance organization (over
// organization o and its assignment x at the period's instant; empty when
// the grouping carries no organizations), and the table naming the keys.
// Groupings only ever select from this map; nothing a client sends is put
// in SQL.
type statsGrouping struct {
	requestKey, orgKey, names string
	// remindKey groups a reminder (remind event e of request r): by
	// liaison and unit, whoever was chased then, as the event names them.
	remindKey string
	// deadlineKey groups a request for 按期办结率 (over r, o and h, the
	// first 改派 after the deadline, if any): by liaison and unit, whoever
	// held it when the deadline passed, so a late finish stays with them.
	deadlineKey string
}

// heldAtDeadline are the liaison and unit who had request r when its
// deadline passed: those the first 改派 after it handed on, else the
// current ones.
const (
	liaisonAtDeadline = "CASE WHEN h.data IS NULL THEN r.liaison_id ELSE (h.data->>'from_liaison_id')::bigint END"
	unitAtDeadline    = "CASE WHEN h.data IS NULL THEN r.unit_id ELSE (h.data->>'from_unit_id')::bigint END"
)

var statsGroupings = map[grid.StatsBy]statsGrouping{
	grid.StatsByZone:    {"r.zone_id", "o.zone_id", "zone", "r.zone_id", "r.zone_id"},
	grid.StatsByGrid:    {"o.grid_id", "o.grid_id", "grid", "o.grid_id", "o.grid_id"},
	grid.StatsByLiaison: {"r.liaison_id", "x.liaison_id", "liaison", "(e.data->>'liaison_id')::bigint", liaisonAtDeadline},
	grid.StatsByUnit:    {"r.unit_id", "", "unit", "(e.data->>'unit_id')::bigint", unitAtDeadline},
	grid.StatsByMonth:   {"0::bigint", "0::bigint", "", "0::bigint", "0::bigint"},
}

// statsScopes are a scope's conditions: on requests (r, o, and the
// organization's active assignment a; needA says whether it reads a), on
// compliance organizations (o, and x, the assignment at the period's
// instant), and on what counts against a liaison who has since handed a
// request on: the reminders made to them (e) and the lateness they
// held (h). The last two are the request condition outside a liaison's
// scope.
type statsScopes struct {
	requests, orgs, reminders, deadlines string
	needA                                bool
}

// statsScope is statsReach kept to the scope's zone.
func statsScope(s grid.Scope, bind func(any) string) statsScopes {
	sc := statsReach(s, bind)
	if s.ZoneID > 0 {
		// One placeholder for all: a grouping without organizations
		// leaves orgs out of the query.
		z := bind(s.ZoneID)
		inZone := func(table, cond string) string { return "(" + table + ".zone_id = " + z + " AND " + cond + ")" }
		sc.requests, sc.reminders, sc.deadlines = inZone("r", sc.requests), inZone("r", sc.reminders), inZone("r", sc.deadlines)
		sc.orgs = inZone("o", sc.orgs)
	}
	return sc
}

// statsReach is statsScope without the zone.
func statsReach(s grid.Scope, bind func(any) string) statsScopes {
	switch {
	case s.All:
		return statsScopes{"true", "true", "true", "true", false}
	case len(s.GridIDs) > 0:
		g := "o.grid_id = ANY(" + bind(s.GridIDs) + ")"
		return statsScopes{g, g, g, g, false}
	case s.LiaisonID > 0:
		l := bind(s.LiaisonID)
		r := "(r.liaison_id = " + l + " OR a.liaison_id = " + l + ")"
		return statsScopes{r, "x.liaison_id = " + l,
			"(" + r + " OR (e.data->>'liaison_id')::bigint = " + l + ")",
			"(" + r + " OR " + liaisonAtDeadline + " = " + l + ")", true}
	}
	return statsScopes{"false", "false", "false", "false", false}
}

// statsSQL builds the KPI query: the periods $1 (starts) and $2 (ends),
// each with its instant t = least(end, now) for compliance; per period and
// group the request aggregates, the compliance counts, the reminders made
// in the period and the on-time counts by holder at the deadline; joined
// so that a group appears when it has any. Keys are row ids, with 0
// standing for none inside the query so that the joins hash. Its fragments
// come from statsGrouping and statsScope only.
func statsSQL(g statsGrouping, sc statsScopes, now string) string {
	assignment := ""
	if sc.needA {
		assignment = "LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL"
	}
	orgs := `SELECT NULL::bigint AS i, NULL::bigint AS k, 0::bigint AS covered, 0::bigint AS contacted, 0::bigint AS visited WHERE false`
	if g.orgKey != "" {
		orgs = `
  SELECT p.i, coalesce(` + g.orgKey + `, 0) AS k, count(*) AS covered,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact c WHERE c.org_id = o.id
      AND c.kind IN ('contact', 'visit') AND c.at > p.t - interval '7 days' AND c.at <= p.t)) AS contacted,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact c WHERE c.org_id = o.id
      AND c.kind = 'visit' AND c.at > p.t - interval '30 days' AND c.at <= p.t)) AS visited
  FROM p
  JOIN assignment x ON x.valid_from <= p.t AND (x.valid_to IS NULL OR x.valid_to > p.t)
  JOIN organization o ON o.id = x.org_id AND o.active
  WHERE ` + sc.orgs + `
  GROUP BY 1, 2`
	}
	name := "NULL::text"
	if g.names != "" {
		name = "(SELECT n.name FROM " + g.names + " n WHERE n.id = s.k)"
	}
	return `
WITH p AS (
  SELECT i, start_at, end_at, least(end_at, ` + now + `::timestamptz) AS t
  FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS u(start_at, end_at, i)
), req AS (
  SELECT p.i, coalesce(` + g.requestKey + `, 0) AS k,
    count(*) AS reported,
    count(*) FILTER (WHERE r.status = 'rejected') AS rejected,
    count(*) FILTER (WHERE r.status = 'verified') AS verified,
    count(*) FILTER (WHERE r.resolved_at IS NOT NULL OR r.rework_count > 0) AS resolved,
    count(*) FILTER (WHERE r.rework_count > 0) AS reworked,
    count(*) FILTER (WHERE r.assigned_at IS NOT NULL
                     OR (r.status = 'reported' AND r.response_due_at < ` + now + `)) AS response_due,
    count(*) FILTER (WHERE r.assigned_at <= r.response_due_at) AS answered,
    count(r.assigned_at) AS responded,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.assigned_at - r.reported_at))
      FILTER (WHERE r.assigned_at IS NOT NULL) AS response_seconds,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.closed_at - r.reported_at))
      FILTER (WHERE r.status = 'verified') AS resolution_seconds,
    coalesce(sum(r.satisfaction) FILTER (WHERE r.status = 'verified'), 0) AS satisfaction_sum,
    count(r.satisfaction) FILTER (WHERE r.status = 'verified') AS satisfaction_n
  FROM p
  JOIN request r ON r.reported_at >= p.start_at AND r.reported_at < p.end_at
  JOIN organization o ON o.id = r.org_id
  ` + assignment + `
  WHERE ` + sc.requests + `
  GROUP BY 1, 2
), due AS (
  SELECT p.i, coalesce(` + g.deadlineKey + `, 0) AS k,
    count(*) AS verified, count(*) FILTER (WHERE r.resolved_at <= r.due_at) AS on_time
  FROM p
  JOIN request r ON r.reported_at >= p.start_at AND r.reported_at < p.end_at AND r.status = 'verified'
  JOIN organization o ON o.id = r.org_id
  ` + assignment + `
  LEFT JOIN LATERAL (SELECT e.data FROM request_event e
    WHERE e.request_id = r.id AND e.action = 'reassign' AND e.at > r.due_at
    ORDER BY e.at, e.id LIMIT 1) h ON true
  WHERE ` + sc.deadlines + `
  GROUP BY 1, 2
), org AS (` + orgs + `
), rem AS (
  SELECT p.i, coalesce(` + g.remindKey + `, 0) AS k, count(*) AS reminders
  FROM p
  JOIN request_event e ON e.action = 'remind' AND e.at >= p.start_at AND e.at < p.end_at
  JOIN request r ON r.id = e.request_id
  JOIN organization o ON o.id = r.org_id
  ` + assignment + `
  WHERE ` + sc.reminders + `
  GROUP BY 1, 2
), keys AS (
  SELECT i, k FROM req UNION SELECT i, k FROM due UNION SELECT i, k FROM org UNION SELECT i, k FROM rem
), s AS (
  SELECT keys.i, keys.k,
    req.reported, req.rejected, req.verified, req.resolved, req.reworked, req.response_due,
    req.answered, req.responded, req.response_seconds, req.resolution_seconds, req.satisfaction_sum,
    req.satisfaction_n, org.covered, org.contacted, org.visited, rem.reminders,
    due.verified AS due_verified, due.on_time
  FROM keys
  LEFT JOIN req ON req.i = keys.i AND req.k = keys.k
  LEFT JOIN due ON due.i = keys.i AND due.k = keys.k
  LEFT JOIN org ON org.i = keys.i AND org.k = keys.k
  LEFT JOIN rem ON rem.i = keys.i AND rem.k = keys.k
)
SELECT s.i, nullif(s.k, 0), ` + name + `,
  coalesce(s.reported, 0), coalesce(s.rejected, 0), coalesce(s.verified, 0),
  coalesce(s.due_verified, 0), coalesce(s.on_time, 0),
  coalesce(s.resolved, 0), coalesce(s.reworked, 0), coalesce(s.response_due, 0), coalesce(s.answered, 0),
  coalesce(s.responded, 0), coalesce(s.response_seconds, 0), coalesce(s.resolution_seconds, 0),
  coalesce(s.satisfaction_sum, 0), coalesce(s.satisfaction_n, 0),
  coalesce(s.covered, 0), coalesce(s.contacted, 0), coalesce(s.visited, 0), coalesce(s.reminders, 0)
FROM s
ORDER BY s.i, s.k = 0, s.k`
}

// Stats implements grid.StatsStore in one query at the store's clock.
func (db *DB) Stats(ctx context.Context, q grid.StatsQuery) (grid.Stats, error) {
	g, ok := statsGroupings[q.By]
	if !ok {
		return grid.Stats{}, grid.Invalid("by", "unknown grouping %q", q.By)
	}
	now := db.Now()
	periods := q.Periods(now)
	out := grid.Stats{From: q.From, To: q.To, By: q.By, Groups: []grid.StatsGroup{}}
	starts, ends := make([]time.Time, len(periods)), make([]time.Time, len(periods))
	for i, p := range periods {
		starts[i], ends[i] = p.From, p.To
	}
	w := &where{}
	w.bind(starts)
	w.bind(ends)
	nowP := w.bind(now)
	rows, err := db.Pool.Query(ctx, statsSQL(g, statsScope(q.Scope, w.bind), nowP), w.args...)
	if err != nil {
		return out, translate(err)
	}
	groups, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.StatsGroup, error) {
		var (
			i                                      int
			key                                    *int64
			name                                   *string
			s                                      grid.StatsGroup
			verified, dueVerified, onTime          int64
			resolved, reworked                     int64
			due, answered, responded, satSum, satN int64
			covered, contacted, visited            int64
			responseSeconds, resolutionSeconds     float64
		)
		err := r.Scan(&i, &key, &name, &s.Reported, &s.Rejected, &verified, &dueVerified, &onTime, &resolved, &reworked,
			&due, &answered, &responded, &responseSeconds, &resolutionSeconds, &satSum, &satN,
			&covered, &contacted, &visited, &s.Reminders)
		if err != nil {
			return s, err
		}
		p := periods[i-1]
		s.From, s.To, s.Key = p.From, p.To, grid.StatsKey(key)
		if name != nil {
			s.Name = *name
		}
		if q.By == grid.StatsByMonth {
			s.Key, s.Name = p.Label, p.Label
		}
		s.Closed = verified
		s.ClosureRate = grid.NewRate(verified, s.Reported-s.Rejected)
		s.OnTimeRate = grid.NewRate(onTime, dueVerified)
		s.ReworkRate = grid.NewRate(reworked, resolved)
		s.Answered24h = grid.NewRate(answered, due)
		s.MedianResponseHours = grid.NewMedianHours(responded, responseSeconds)
		s.MedianResolutionHours = grid.NewMedianHours(verified, resolutionSeconds)
		s.Satisfaction = grid.NewMean(satSum, satN)
		if g.orgKey != "" {
			c, v := grid.NewRate(contacted, covered), grid.NewRate(visited, covered)
			s.ContactCompliance, s.VisitCompliance = &c, &v
		}
		return s, nil
	})
	if err != nil {
		return out, translate(err)
	}
	if q.By != grid.StatsByMonth {
		out.Groups = append(out.Groups, groups...)
		return out, nil
	}
	// Every month appears, with zeros when nothing happened in it.
	next := 0
	for _, p := range periods {
		if next < len(groups) && groups[next].Key == p.Label {
			out.Groups = append(out.Groups, groups[next])
			next++
			continue
		}
		none, c, v := grid.NewRate(0, 0), grid.NewRate(0, 0), grid.NewRate(0, 0)
		out.Groups = append(out.Groups, grid.StatsGroup{Key: p.Label, Name: p.Label, From: p.From, To: p.To,
			ClosureRate: none, OnTimeRate: none, ReworkRate: none, Answered24h: none,
			ContactCompliance: &c, VisitCompliance: &v})
	}
	return out, nil
}
