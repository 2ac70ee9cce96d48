package grid

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"
)

// StatsBy is how the KPIs are grouped.
type StatsBy string

// The KPI groupings. A request belongs to the group of its zone, of its
// organization's grid, of the liaison and of the alliance unit it was
// handed to (交办), or of the calendar month (China Standard Time) it was
// reported in. Requests without a grid, liaison or unit form a group of
// their own, keyed "none".
const (
	StatsByZone    StatsBy = "zone"
	StatsByGrid    StatsBy = "grid"
	StatsByLiaison StatsBy = "liaison"
	StatsByUnit    StatsBy = "unit"
	StatsByMonth   StatsBy = "month"
)

// StatsGroupings lists every grouping.
var StatsGroupings = []StatsBy{StatsByZone, StatsByGrid, StatsByLiaison, StatsByUnit, StatsByMonth}

// Ranges of a KPI query: a year up to now unless asked otherwise, at most
// three years. Months begin at midnight China Standard Time.
const (
	StatsDefaultYears = 1
	StatsMaxRange     = 3 * 366 * 24 * time.Hour
)

// StatsLocation is the time zone of calendar months and of from and to
// given as dates.
var StatsLocation = time.FixedZone("CST", 8*60*60)

// StatsNoneKey is the key of the group of requests without a grid, liaison
// or unit.
const StatsNoneKey = "none"

// StatsQuery asks for the KPIs of the requests reported in [From, To),
// grouped By, within Scope: officers their grids' organizations (so that by
// zone gives their grids' total), a liaison the requests handed to them or
// about their organizations, admins and planners everything.
type StatsQuery struct {
	Scope Scope
	From  time.Time
	To    time.Time
	By    StatsBy
}

// ParseStatsQuery reads the from, to and by parameters (each may be empty)
// at now: from and to are RFC 3339 times or dates (YYYY-MM-DD, midnight
// China Standard Time); to defaults to now, from to a year before to, by to
// zone. It refuses, naming the parameter, an unreadable time, from not
// before to, from not in the past, a range longer than StatsMaxRange and an
// unknown grouping.
func ParseStatsQuery(from, to, by string, now time.Time) (StatsQuery, error) {
	q := StatsQuery{To: now, By: StatsByZone}
	var err error
	if to != "" {
		if q.To, err = parseStatsTime(to); err != nil {
			return q, Invalid("to", "%v", err)
		}
	}
	// A to in the future reads as "through now": the default year ends now.
	q.From = minTime(q.To, now).AddDate(-StatsDefaultYears, 0, 0)
	if from != "" {
		if q.From, err = parseStatsTime(from); err != nil {
			return q, Invalid("from", "%v", err)
		}
	}
	switch {
	case !q.From.Before(q.To):
		return q, Invalid("from", "must be before to")
	case !q.From.Before(now):
		return q, Invalid("from", "must be in the past")
	case q.To.Sub(q.From) > StatsMaxRange && q.To.After(now):
		return q, Invalid("to", "the range from–to must be at most 3 years")
	case q.To.Sub(q.From) > StatsMaxRange:
		return q, Invalid("from", "the range from–to must be at most 3 years")
	}
	if by != "" {
		q.By = StatsBy(by)
		if !oneOf(q.By, StatsGroupings) {
			return q, Invalid("by", "must be one of zone, grid, liaison, unit, month")
		}
	}
	return q, nil
}

func parseStatsTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, StatsLocation); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("must be an RFC 3339 time (2025-06-01T00:00:00+08:00) or a date (2025-06-01)")
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// StatsPeriod is one period of a KPI answer: the whole range, or one
// month of it (the first and last clipped to the range).
type StatsPeriod struct {
	From time.Time
	To   time.Time
	// Label names a month (2025-06); empty for the whole range.
	Label string
}

// Periods splits q's range into the periods its groups cover: one, or for
// StatsByMonth each calendar month (China Standard Time) that begins before
// now.
func (q StatsQuery) Periods(now time.Time) []StatsPeriod {
	if q.By != StatsByMonth {
		return []StatsPeriod{{From: q.From, To: q.To}}
	}
	var out []StatsPeriod
	local := q.From.In(StatsLocation)
	start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, StatsLocation)
	for start.Before(q.To) && start.Before(now) {
		next := start.AddDate(0, 1, 0)
		p := StatsPeriod{From: start, To: next, Label: start.Format("2006-01")}
		if p.From.Before(q.From) {
			p.From = q.From
		}
		if p.To.After(q.To) {
			p.To = q.To
		}
		out = append(out, p)
		start = next
	}
	return out
}

// Stats is the answer to a StatsQuery.
type Stats struct {
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	By     StatsBy      `json:"by"`
	Groups []StatsGroup `json:"groups"`
}

// StatsGroup holds the KPIs of one group over its requests: those reported
// in [From, To) within the query's scope. Times are compared as stored;
// "now" is the store's clock at the query.
//
//   - Reported counts the group's requests. Rejected counts those rejected
//     (不予受理): they are answered, not worked, so they leave the
//     closure denominators. Closed counts those verified (复核通过).
//   - ClosureRate (办结率) is Closed / (Reported − Rejected): of the
//     accepted requests, the share verified.
//   - OnTimeRate (按期办结率) is, of the verified requests, the share
//     resolved (销号, the last time) by their resolution deadline:
//     resolved_at ≤ due_at; the review that follows does not count. By
//     liaison and by unit a request counts for whoever held it when the
//     deadline passed: one handed on (改派) after its deadline (接手时已
//     超期) stays with the one who handed it on, as does a liaison's own
//     scope.
//   - ReworkRate (返工率) is, of the requests resolved at least once
//     (resolved_at set, or sent back at least once), the share sent back
//     at least once (rework_count > 0).
//   - Answered24h is, of the requests whose first response (assignment,
//     交办) is in or due — assigned, or still unassigned and unrejected
//     past response_due_at at now — the share assigned by response_due_at
//     (24 hours after the report). Requests rejected without assignment
//     and requests younger than their response deadline do not count.
//   - MedianResponseHours is the median of assigned_at − reported_at over
//     the assigned requests; MedianResolutionHours the median of
//     closed_at − reported_at over the verified ones (medians of an even
//     count average the middle two).
//   - Satisfaction is the mean rating (1–5) over the verified requests.
//   - ContactCompliance and VisitCompliance (每周一联系、每月一走访) are
//     taken at the instant T = min(To, now) over the group's active
//     organizations that had a liaison at T (for by=liaison, that liaison;
//     for a liaison's scope, their organizations): the share contacted
//     (either kind) in (T − 7 days, T], and the share visited in
//     (T − 30 days, T]. At T = now they equal the organization layer's
//     overdue flags and the liaison layer's compliance. Units carry no
//     organizations: nil for by=unit.
//   - Reminders (催办次数) counts the reminders (催办) made in [From, To)
//     on the group's requests, whenever those were reported. By liaison
//     and by unit a reminder belongs to the liaison and unit that were
//     chased, whoever has the request now; a liaison's own scope keeps
//     those made to them.
type StatsGroup struct {
	// Key is the group's row id (zone, grid, liaison, unit), the month
	// (2025-06), or "none".
	Key                   string    `json:"key"`
	Name                  string    `json:"name"`
	From                  time.Time `json:"from"`
	To                    time.Time `json:"to"`
	Reported              int64     `json:"reported"`
	Rejected              int64     `json:"rejected"`
	Closed                int64     `json:"closed"`
	ClosureRate           Rate      `json:"closure_rate"`
	OnTimeRate            Rate      `json:"on_time_rate"`
	ReworkRate            Rate      `json:"rework_rate"`
	Answered24h           Rate      `json:"answered_24h"`
	MedianResponseHours   Median    `json:"median_response_hours"`
	MedianResolutionHours Median    `json:"median_resolution_hours"`
	Satisfaction          Mean      `json:"satisfaction"`
	ContactCompliance     *Rate     `json:"contact_compliance"`
	VisitCompliance       *Rate     `json:"visit_compliance"`
	Reminders             int64     `json:"reminders"`
}

// Median is a median with the number of values it was taken over.
type Median struct {
	Count int64    `json:"count"`
	Value *float64 `json:"value"` // nil when Count is 0; 2 decimals
}

// NewMedianHours is a median of n durations given in seconds, as hours
// rounded to 2 decimals (half away from zero). Seconds, and their halves,
// are exact in a float64, so the rounding does not depend on how hours
// would be represented.
func NewMedianHours(n int64, seconds float64) Median {
	m := Median{Count: n}
	if n > 0 {
		v := math.Round(seconds/36) / 100
		m.Value = &v
	}
	return m
}

// Mean is an average with its sum and count.
type Mean struct {
	Sum   int64    `json:"sum"`
	Count int64    `json:"count"`
	Value *float64 `json:"value"` // Sum / Count, 2 decimals; nil when Count is 0
}

// NewMean returns sum / n rounded to 2 decimals.
func NewMean(sum, n int64) Mean {
	m := Mean{Sum: sum, Count: n}
	if n > 0 {
		v := math.Round(float64(sum)/float64(n)*100) / 100
		m.Value = &v
	}
	return m
}

// StatsKey is the key of the group with row id id, or StatsNoneKey.
func StatsKey(id *int64) string {
	if id == nil {
		return StatsNoneKey
	}
	return strconv.FormatInt(*id, 10)
}

// StatsStore computes the KPIs.
type StatsStore interface {
	// Stats answers q at the store's clock.
	Stats(ctx context.Context, q StatsQuery) (Stats, error)
}
