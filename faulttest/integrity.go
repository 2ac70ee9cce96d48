package faulttest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Finding is one way the database disagrees with the ledger or with the
// request loop's invariants.
type Finding struct {
	Kind   string // lost, duplicated, unacknowledged, gave_up, extra_event, half_done
	Detail string
}

// Integrity is the result of holding a database to a ledger.
type Integrity struct {
	Checked  map[string]int // writes checked, by kind
	Findings []Finding
}

// Count is the number of findings of kind.
func (in Integrity) Count(kind string) int {
	n := 0
	for _, f := range in.Findings {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// Report lists the findings, at most max of each kind.
func (in Integrity) Report(max int) string {
	var b strings.Builder
	shown := map[string]int{}
	for _, f := range in.Findings {
		if shown[f.Kind]++; shown[f.Kind] <= max {
			fmt.Fprintf(&b, "  %s: %s\n", f.Kind, f.Detail)
		}
	}
	kinds := make([]string, 0, len(shown))
	for k := range shown {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if shown[k] > max {
			fmt.Fprintf(&b, "  … %d %s findings in all\n", shown[k], k)
		}
	}
	return b.String()
}

// CheckIntegrity holds the database at dsn to the ledger:
//
//   - every acknowledged write is there, exactly once (lost, duplicated);
//   - no write is there that the client never saw acknowledged, unless it
//     was still being retried when the run ended (unacknowledged, gave_up);
//   - the run's requests have one event per acknowledged step, and no other
//     (extra_event);
//   - every request in the database, not only the run's, is whole: its
//     history starts with report, each step leaves from the status the
//     previous one reached, its status is the last step's and its version
//     counts its steps (supervision cards do not bump it) (half_done).
func CheckIntegrity(ctx context.Context, dsn string, l *Ledger) (Integrity, error) {
	in := Integrity{Checked: map[string]int{}}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return in, err
	}
	defer conn.Close(ctx)
	add := func(kind, format string, args ...any) {
		in.Findings = append(in.Findings, Finding{kind, fmt.Sprintf(format, args...)})
	}

	// How many rows carry each key of the run.
	rows := map[string]int{}
	for _, q := range []string{
		`SELECT note, count(*) FROM contact WHERE starts_with(note, $1) GROUP BY note`,
		`SELECT idempotency_key, count(*) FROM request WHERE starts_with(idempotency_key, $1) GROUP BY idempotency_key`,
		`SELECT note, count(*) FROM request_event WHERE starts_with(note, $1) GROUP BY note`,
	} {
		r, err := conn.Query(ctx, q, l.Run+"-")
		if err != nil {
			return in, err
		}
		var key string
		var n int
		if _, err := pgx.ForEachRow(r, []any{&key, &n}, func() error { rows[key] += n; return nil }); err != nil {
			return in, err
		}
	}
	acked := map[string]Write{}
	for _, w := range l.Writes() {
		in.Checked[w.Kind]++
		n := rows[w.Key]
		what := fmt.Sprintf("%s %s by %s (org %d, request %d %s, %d attempts, transient answers %v, last %d)",
			w.Kind, w.Key, w.User, w.OrgID, w.RequestID, w.Action, w.Attempts, w.Statuses, w.Status)
		switch {
		case w.Acked && n == 0:
			add("lost", "%s: acknowledged but not in the database", what)
		case n > 1:
			add("duplicated", "%s: %d rows for one Idempotency-Key (its retries were not deduplicated)", what, n)
		case !w.Acked && w.GaveUp:
			add("gave_up", "%s: still unacknowledged when the run ended; %d rows", what, n)
		case !w.Acked && n > 0:
			add("unacknowledged", "%s: in the database, but the client got %d after losing an answer: it cannot know its write was kept", what, w.Status)
		}
		if w.Acked {
			acked[w.Key] = w
		}
	}

	// The run's request histories hold exactly the acknowledged steps.
	r, err := conn.Query(ctx, `
SELECT e.request_id, e.action, e.note FROM request_event e JOIN request r ON r.id = e.request_id
WHERE starts_with(r.idempotency_key, $1) AND e.action NOT IN ('report', 'supervise')
ORDER BY e.request_id, e.at, e.id`, l.Run+"-")
	if err != nil {
		return in, err
	}
	var reqID int64
	var action, note string
	seen := map[string]bool{}
	if _, err := pgx.ForEachRow(r, []any{&reqID, &action, &note}, func() error {
		w, ok := acked[note]
		switch {
		case !ok:
			add("extra_event", "request %d: %s event (note %q) matches no acknowledged transition", reqID, action, note)
		case w.RequestID != reqID || w.Action != action:
			add("extra_event", "request %d: %s event carries the key of %s on request %d", reqID, action, w.Action, w.RequestID)
		}
		seen[note] = true
		return nil
	}); err != nil {
		return in, err
	}
	for key, w := range acked {
		if w.Kind == KindTransition && !seen[key] && rows[key] > 0 {
			add("extra_event", "%s on request %d (%s) is recorded on another request", w.Action, w.RequestID, key)
		}
	}

	// Every request is whole.
	r, err = conn.Query(ctx, `
WITH e AS (
  SELECT request_id, id, action, from_status, to_status,
         lag(to_status) OVER w AS prev_status, row_number() OVER w AS n,
         row_number() OVER (PARTITION BY request_id ORDER BY at DESC, id DESC) AS from_end
  FROM request_event WINDOW w AS (PARTITION BY request_id ORDER BY at, id)
)
SELECT r.id, r.status, r.version,
  coalesce((SELECT to_status FROM e WHERE e.request_id = r.id AND from_end = 1), ''),
  (SELECT count(*) FROM e WHERE e.request_id = r.id AND action <> 'supervise'),
  coalesce((SELECT action FROM e WHERE e.request_id = r.id AND n = 1), ''),
  (SELECT count(*) FROM e WHERE e.request_id = r.id AND n > 1 AND from_status IS DISTINCT FROM prev_status)
FROM request r ORDER BY r.id`)
	if err != nil {
		return in, err
	}
	var status, last, first string
	var version, steps, broken int
	if _, err := pgx.ForEachRow(r, []any{&reqID, &status, &version, &last, &steps, &first, &broken}, func() error {
		in.Checked["request (whole)"]++
		switch {
		case first != "report":
			add("half_done", "request %d: its history starts with %q, not report", reqID, first)
		case status != last:
			add("half_done", "request %d: status %s but its last event reached %s", reqID, status, last)
		case version != steps:
			add("half_done", "request %d: version %d but %d steps recorded", reqID, version, steps)
		case broken > 0:
			add("half_done", "request %d: %d steps leave from a status the previous step did not reach", reqID, broken)
		}
		return nil
	}); err != nil {
		return in, err
	}
	return in, nil
}
