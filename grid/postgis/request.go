package postgis

import (
	"context"

	"gridgis/grid"
)

// requestFeatureSQL writes each request at its organization's point, with
// its status and SLA colour at $1 (now).
var requestFeatureSQL = `
SELECT r.id, ` + boxColumns("o.geom") + `, json_build_object(
  'type', 'Feature',
  'id', r.id,
  'geometry', ST_AsGeoJSON(o.geom, 6)::json,
  'properties', json_build_object(
    'org_id', r.org_id, 'org_name', o.name, 'grid_id', o.grid_id, 'zone_id', r.zone_id,
    'title', r.title, 'category', r.category, 'topic', r.topic, 'status', r.status,
    'sla', request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, $1),
    'reported_at', r.reported_at, 'response_due_at', r.response_due_at, 'due_at', r.due_at,
    'closed_at', r.closed_at, 'liaison_id', r.liaison_id, 'unit_id', r.unit_id,
    'supervision', r.supervision, 'rework_count', r.rework_count, 'version', r.version)
)::text
FROM request r
JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
`

// EachRequestFeature implements grid.MapStore.
func (db *DB) EachRequestFeature(ctx context.Context, f grid.RequestFilter, fn grid.FeatureFunc) error {
	w := &where{}
	w.bind(db.Now())
	requestWhere(w, f, func() string { return "$1" })
	return db.eachFeature(ctx, fn, w.limit(requestFeatureSQL+w.String()+" ORDER BY r.id", f.Limit), w.args...)
}

// CountRequests implements grid.MapStore.
func (db *DB) CountRequests(ctx context.Context, f grid.RequestFilter) (int64, error) {
	f.AfterID = 0
	w := &where{}
	var now string
	requestWhere(w, f, func() string {
		if now == "" {
			now = w.bind(db.Now())
		}
		return now
	})
	return db.count(ctx, `SELECT count(*) FROM request r JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL `+w.String(), w.args)
}

// requestScopeCond limits requests (alias r, organization o, its active
// assignment a) to a scope: officers the requests of their grids'
// organizations, a liaison those handed to them or about their
// organizations.
func requestScopeCond(s grid.Scope, bind func(any) string) string {
	switch {
	case s.All:
		return "true"
	case len(s.GridIDs) > 0:
		return "o.grid_id = ANY(" + bind(s.GridIDs) + ")"
	case s.LiaisonID > 0:
		id := bind(s.LiaisonID)
		return "(r.liaison_id = " + id + " OR a.liaison_id = " + id + ")"
	}
	return "false"
}

// openStatusCond is true for requests still in the loop.
const openStatusCond = "r.status NOT IN ('verified', 'rejected')"

// requestWhere selects the requests f asks for; now gives the placeholder
// of the current time, binding it on first use.
func requestWhere(w *where, f grid.RequestFilter, now func() string) {
	w.add(requestScopeCond(f.Scope, w.bind))
	eq(w, "r.id", f.ID)
	w.bbox("o.geom", f.BBox)
	eq(w, "o.grid_id", f.GridID)
	if f.Status != nil {
		if *f.Status == grid.StatusOpen {
			w.add(openStatusCond)
		} else {
			eq(w, "r.status", f.Status)
		}
	}
	if f.Overdue != nil {
		overdue := openStatusCond + " AND request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, " + now() + ") = 'red'"
		if *f.Overdue {
			w.add(overdue)
		} else {
			w.add("NOT (" + overdue + ")")
		}
	}
	if f.AfterID > 0 {
		w.add("r.id > " + w.bind(f.AfterID))
	}
}
