package postgis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// requestFeatureSQL writes each request at its organization's point, with
// its status and SLA colour at $1 (now); requestJoins follows it.
var requestFeatureSQL = `
SELECT r.id, o.geom, ` + featureSQL("r.id", "ST_AsGeoJSON(o.geom, 6)",
	jsonMember{"org_id", "r.org_id"}, jsonMember{"org_name", "o.name"}, jsonMember{"grid_id", "o.grid_id"},
	jsonMember{"zone_id", "r.zone_id"}, jsonMember{"title", "r.title"}, jsonMember{"category", "r.category"},
	jsonMember{"topic", "r.topic"}, jsonMember{"status", "r.status"},
	jsonMember{"sla", "request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, r.resolved_at, $1)"},
	jsonMember{"reported_at", "r.reported_at"}, jsonMember{"response_due_at", "r.response_due_at"},
	jsonMember{"due_at", "r.due_at"}, jsonMember{"closed_at", "r.closed_at"}, jsonMember{"liaison_id", "r.liaison_id"},
	jsonMember{"unit_id", "r.unit_id"}, jsonMember{"supervision", "r.supervision"},
	jsonMember{"rework_count", "r.rework_count"}, jsonMember{"reminders", "r.reminders"},
	jsonMember{"version", "r.version"}) + `
FROM request r
JOIN organization o ON o.id = r.org_id
`

// requestJoins joins the organization's active assignment (alias a) when
// the scope reads it: only a liaison's does, and for the others the join
// would hash every active assignment for nothing.
func requestJoins(s grid.Scope) string {
	if !scopeReadsAssignment(s) {
		return ""
	}
	return "LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL\n"
}

// requestFeatureProjSQL reads open requests' Features from
// request_feature and request_org, the projection migration 023 keeps:
// the same Feature requestFeatureSQL builds, its stored parts around the
// SLA colour at $1 (now). requestProjJoins follows it.
var requestFeatureProjSQL = `
SELECT r.id, o.geom, concat('{"type":"Feature","id":', r.id, o.org_part, r.head,
  ',"sla":', coalesce(to_json(request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, r.resolved_at, $1))::text, 'null'),
  r.tail)
FROM request_feature r`

// requestProjJoins gives the projection's request r its organization's
// part o (grid_id, geom, org_part): request_org's row, or for a request
// whose organization has none yet (filed since the last fold) the one
// rendered live, a lookup made only for those (OFFSET 0 keeps the
// condition on g a gate of the lookup).
const requestProjJoins = `
LEFT JOIN request_org g ON g.org_id = r.org_id
LEFT JOIN LATERAL (SELECT x.grid_id, x.geom, map_request_feature_org_part(x) AS org_part
  FROM organization x WHERE g.org_id IS NULL AND x.id = r.org_id OFFSET 0) lo ON true
CROSS JOIN LATERAL (SELECT
  CASE WHEN g.org_id IS NULL THEN lo.grid_id ELSE g.grid_id END AS grid_id,
  CASE WHEN g.org_id IS NULL THEN lo.geom ELSE g.geom END AS geom,
  coalesce(g.org_part, lo.org_part) AS org_part) o
`

// EachRequestFeature implements grid.MapStore. The open requests, which
// the map loads, are read from the projection; other filters (every
// status, a closed one) from the live tables.
func (db *DB) EachRequestFeature(ctx context.Context, f grid.RequestFilter, fn grid.FeatureFunc) error {
	sql, args := requestFeatureQuery(f, db.Now(), requestFromProjection(f))
	return db.eachFeature(ctx, fn, sql, args...)
}

// requestFromProjection is true when every request f selects is open,
// and so in request_feature.
func requestFromProjection(f grid.RequestFilter) bool {
	if f.Overdue != nil && *f.Overdue { // overdue is only ever an open request
		return true
	}
	return f.Status != nil && (*f.Status == grid.StatusOpen || !f.Status.Closed())
}

// requestFeatureQuery is the SQL text and arguments EachRequestFeature
// runs for f at now, over the projection or the live tables.
func requestFeatureQuery(f grid.RequestFilter, now time.Time, proj bool) (string, []any) {
	w := &where{}
	w.bind(now)
	if proj {
		requestWhere(w, f, requestProjReachCond, func() string { return "$1" })
		return w.limit(requestFeatureProjSQL+requestProjJoins+w.String()+" ORDER BY r.id", f.Limit), w.args
	}
	requestWhere(w, f, requestReachCond, func() string { return "$1" })
	return w.limit(requestFeatureSQL+requestJoins(f.Scope)+w.String()+" ORDER BY r.id", f.Limit), w.args
}

// CountRequests implements grid.MapStore. Open requests are counted in
// the projection, as EachRequestFeature reads them.
func (db *DB) CountRequests(ctx context.Context, f grid.RequestFilter) (int64, error) {
	f.AfterID = 0
	w := &where{}
	var now string
	nowArg := func() string {
		if now == "" {
			now = w.bind(db.Now())
		}
		return now
	}
	if requestFromProjection(f) {
		requestWhere(w, f, requestProjReachCond, nowArg)
		return db.count(ctx, "SELECT count(*) FROM request_feature r"+requestProjJoins+w.String(), w.args)
	}
	requestWhere(w, f, requestReachCond, nowArg)
	return db.count(ctx, "SELECT count(*) FROM request r JOIN organization o ON o.id = r.org_id\n"+
		requestJoins(f.Scope)+w.String(), w.args)
}

// requestScopeCond limits requests (alias r, organization o, its active
// assignment a) to a scope: officers the requests of their grids'
// organizations, a liaison those handed to them or about their
// organizations.
func requestScopeCond(s grid.Scope, bind func(any) string) string {
	return zoneCond(s, "r.zone_id", bind, requestReachCond(s, bind))
}

// requestReachCond is requestScopeCond without the zone.
func requestReachCond(s grid.Scope, bind func(any) string) string {
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

// requestProjReachCond is requestReachCond over the projection (r, with
// the organization's part as o): an organization's liaison is read from
// org_activity, which keeps its active assignment's.
func requestProjReachCond(s grid.Scope, bind func(any) string) string {
	if s.LiaisonID > 0 && !s.All && len(s.GridIDs) == 0 {
		id := bind(s.LiaisonID)
		return "(r.liaison_id = " + id + " OR r.org_id IN (SELECT act.id FROM org_activity act WHERE act.liaison_id = " + id + "))"
	}
	return requestReachCond(s, bind)
}

// openStatusCond is true for requests still in the loop.
const openStatusCond = "r.status NOT IN ('verified', 'rejected')"

// requestWhere selects the requests f asks for, in the scope reach
// gives (without the zone); now gives the placeholder of the current
// time, binding it on first use.
func requestWhere(w *where, f grid.RequestFilter, reach func(grid.Scope, func(any) string) string, now func() string) {
	w.add(zoneCond(f.Scope, "r.zone_id", w.bind, reach(f.Scope, w.bind))) // requestScopeCond's
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
		overdue := openStatusCond + " AND request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, r.resolved_at, " + now() + ") = 'red'"
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

// requestColumns are the columns scanRequest reads, from request r and
// organization o.
const requestColumns = `r.id, r.zone_id, r.org_id, r.title, r.description, r.category, r.topic, r.status,
  coalesce(r.liaison_id, 0), coalesce(r.unit_id, 0), coalesce(r.reported_by, 0), coalesce(r.resolved_by, 0),
  r.reported_at, r.response_due_at, r.due_at, r.assigned_at, r.resolved_at, r.closed_at, r.resolution,
  coalesce(r.satisfaction, 0), r.rework_count, r.reminders, r.supervision, r.version,
  o.name, coalesce(o.grid_id, 0), round(ST_X(o.geom)::numeric, 6)::float8, round(ST_Y(o.geom)::numeric, 6)::float8`

// scanRequest reads requestColumns, then any extra columns into extra.
func scanRequest(row pgx.Row, extra ...any) (grid.RequestDetail, error) {
	var d grid.RequestDetail
	r := &d.Request
	err := row.Scan(append([]any{&r.ID, &r.ZoneID, &r.OrgID, &r.Title, &r.Description, &r.Category, &r.Topic, &r.Status,
		&r.LiaisonID, &r.UnitID, &r.ReportedBy, &r.ResolvedBy, &r.ReportedAt, &r.ResponseDueAt, &r.DueAt,
		&r.AssignedAt, &r.ResolvedAt, &r.ClosedAt, &r.Resolution, &r.Satisfaction, &r.ReworkCount, &r.Reminders,
		&r.Supervision, &r.Version, &d.OrgName, &d.GridID, &d.Location[0], &d.Location[1]}, extra...)...)
	return d, err
}

// findRequest reads request id if scope may see it; lock (FOR UPDATE)
// holds the row until the transaction ends.
func findRequest(ctx context.Context, q querier, scope grid.Scope, id int64, lock bool) (grid.RequestDetail, error) {
	w := &where{}
	requestWhere(w, grid.RequestFilter{Scope: scope, ID: &id}, requestReachCond, nil)
	sql := `SELECT ` + requestColumns + `
FROM request r JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL ` + w.String()
	if lock {
		sql += ` FOR UPDATE OF r`
	}
	d, err := scanRequest(q.QueryRow(ctx, sql, w.args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, grid.Errorf(grid.ENotFound, "no request %d", id)
	}
	return d, err
}

// requestEvents reads a request's history, oldest first.
func requestEvents(ctx context.Context, q querier, id int64) ([]grid.RequestEvent, error) {
	rows, err := q.Query(ctx, `
SELECT e.id, e.request_id, e.at, coalesce(e.actor_id, 0), coalesce(nullif(u.display_name, ''), u.username, ''),
  e.action, coalesce(e.from_status, ''), e.to_status, e.note, e.data
FROM request_event e LEFT JOIN app_user u ON u.id = e.actor_id
WHERE e.request_id = $1 ORDER BY e.at, e.id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (grid.RequestEvent, error) {
		var e grid.RequestEvent
		err := row.Scan(&e.ID, &e.RequestID, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.From, &e.To, &e.Note, &e.Data)
		return e, err
	})
}

// FindRequest implements grid.RequestStore.
func (db *DB) FindRequest(ctx context.Context, scope grid.Scope, id int64) (grid.RequestDetail, error) {
	d, err := findRequest(ctx, db.Pool, scope, id, false)
	if err != nil {
		return d, translate(err)
	}
	d.Events, err = requestEvents(ctx, db.Pool, id)
	return d, translate(err)
}

// insertEvent writes one step of a request's history.
func insertEvent(ctx context.Context, tx pgx.Tx, e grid.RequestEvent) error {
	var from *grid.RequestStatus
	if e.From != "" {
		from = &e.From
	}
	data := e.Data
	if data == nil {
		data = map[string]any{}
	}
	_, err := tx.Exec(ctx, `
INSERT INTO request_event (request_id, at, actor_id, action, from_status, to_status, note, data)
VALUES ($1, $2, nullif($3, 0), $4, $5, $6, $7, $8)`, e.RequestID, e.At, e.ActorID, e.Action, from, e.To, e.Note, data)
	return err
}

func (db *DB) slaPolicy() grid.SLAPolicy {
	if db.SLA == (grid.SLAPolicy{}) {
		return grid.DefaultSLA
	}
	return db.SLA
}

// CreateRequest implements grid.RequestStore. The idempotency key is
// claimed by the insert itself (a unique index per reporter), so two
// concurrent retries cannot both create a request.
func (db *DB) CreateRequest(ctx context.Context, by grid.User, key string, n grid.NewRequest) (grid.RequestDetail, bool, error) {
	var out grid.RequestDetail
	var replayed bool
	if err := n.Normalize(); err != nil {
		return out, false, err
	}
	scope, err := by.Permit(grid.ReportRequests)
	if err != nil {
		return out, false, err
	}
	err = db.writeTx(ctx, func(tx pgx.Tx) error {
		located := true // a request is drawn at its organization's point
		w := orgWhereAt(grid.OrgFilter{Scope: scope, ID: &n.OrgID, Located: &located})
		var zoneID int64
		err := tx.QueryRow(ctx, `SELECT o.zone_id FROM organization o
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL `+w.String(), w.args...).Scan(&zoneID)
		if errors.Is(err, pgx.ErrNoRows) {
			return grid.Invalid("org_id", "no active organization %d in your scope", n.OrgID)
		}
		if err != nil {
			return err
		}
		now := db.Now()
		responseDue, due := db.slaPolicy().Deadlines(n.Category, now)
		var keyArg *string
		if key != "" {
			keyArg = &key
		}
		var id int64
		err = tx.QueryRow(ctx, `
INSERT INTO request (zone_id, org_id, title, description, category, topic, reported_by, reported_at,
  response_due_at, due_at, idempotency_key, request_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (reported_by, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING id`, zoneID, n.OrgID, n.Title, n.Description, n.Category, n.Topic, by.ID, now,
			responseDue, due, keyArg, n.Hash()).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			// The key was used before: the same content is a retry.
			var hash string
			if err := tx.QueryRow(ctx, `SELECT id, request_hash FROM request
WHERE reported_by = $1 AND idempotency_key = $2`, by.ID, key).Scan(&id, &hash); err != nil {
				return err
			}
			if hash != n.Hash() {
				return &grid.Error{Code: grid.EUnprocessable, Field: "Idempotency-Key",
					Message: "this key was used for a different request: use a new key for a new request"}
			}
			replayed = true
		} else if err != nil {
			return err
		} else if err := insertEvent(ctx, tx, grid.RequestEvent{RequestID: id, At: now, ActorID: by.ID,
			Action: string(grid.ActionReport), To: grid.StatusReported}); err != nil {
			return err
		}
		if out, err = findRequest(ctx, tx, grid.Scope{All: true}, id, false); err != nil {
			return err
		}
		out.Events, err = requestEvents(ctx, tx, id)
		return err
	})
	return out, replayed, translate(err)
}

// TransitionRequest implements grid.RequestStore: the domain decides the
// step, and one UPDATE guarded by id, status and version records it.
func (db *DB) TransitionRequest(ctx context.Context, by grid.User, id int64, t grid.Transition) (grid.RequestDetail, error) {
	var out grid.RequestDetail
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		// Locked, so the SLA clock cannot raise a card between this read
		// and the update (which writes the card it read).
		d, err := findRequest(ctx, tx, by.Scope(), id, true)
		if err != nil {
			return err
		}
		next, ev, err := d.Apply(t, by, db.Now())
		if err != nil {
			return err
		}
		if t.Action == grid.ActionAssign {
			if err := checkAssignees(ctx, tx, d.ZoneID, by.Scope(), t.LiaisonID, t.UnitID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `
UPDATE request SET status = $4, liaison_id = nullif($5, 0), unit_id = nullif($6, 0), assigned_at = $7,
  resolved_at = $8, resolved_by = nullif($9, 0), closed_at = $10, resolution = $11,
  satisfaction = nullif($12, 0), rework_count = $13, supervision = $14, version = version + 1
WHERE id = $1 AND status = $2 AND version = $3`, id, d.Status, d.Version,
			next.Status, next.LiaisonID, next.UnitID, next.AssignedAt, next.ResolvedAt, next.ResolvedBy,
			next.ClosedAt, next.Resolution, next.Satisfaction, next.ReworkCount, supervisionOf(next))
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return grid.Errorf(grid.EConflict, "request %d changed since version %d: reload and retry", id, d.Version)
		}
		if err := insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		out = d
		out.Request = next
		out.Events, err = requestEvents(ctx, tx, id)
		return err
	})
	return out, translate(err)
}

func supervisionOf(r grid.Request) grid.Supervision {
	if r.Supervision == "" {
		return grid.SupervisionNone
	}
	return r.Supervision
}

// checkAssignees refuses an assignment to a liaison or unit that is not an
// active one of the zone (0, none, passes); officers hand requests only to the liaisons of
// their own grids, as for manual assignment.
func checkAssignees(ctx context.Context, tx pgx.Tx, zoneID int64, scope grid.Scope, liaisonID, unitID *int64) error {
	var ok bool
	// 0 clears (改派 to a unit alone): nothing to check.
	if liaisonID != nil && *liaisonID != 0 {
		grids := scope.GridIDs
		if scope.All {
			grids = nil
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM liaison
WHERE id = $1 AND zone_id = $2 AND active AND ($3::bigint[] IS NULL OR grid_id = ANY($3)))`,
			*liaisonID, zoneID, grids).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return grid.Invalid("liaison_id", "no active liaison %d in your grids", *liaisonID)
		}
	}
	if unitID != nil && *unitID != 0 {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM unit WHERE id = $1 AND zone_id = $2)`,
			*unitID, zoneID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return grid.Invalid("unit_id", "no alliance unit %d in this zone", *unitID)
		}
	}
	return nil
}

// EscalateRequests implements grid.RequestStore: one statement raises
// every card that is due (the set-based twin of grid.Request.Escalation)
// and writes its event. Raising is guarded by the card already recorded,
// so concurrent runs raise each card once.
func (db *DB) EscalateRequests(ctx context.Context) (int, error) {
	// The level is computed from the row being updated, so that a row a
	// concurrent step changed is judged as it now is.
	const level = `request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, r.resolved_at, $1)`
	tag, err := db.Pool.Exec(ctx, `
WITH raised AS (
  UPDATE request r SET supervision = `+level+`
  WHERE r.status IN ('reported', 'assigned', 'in_progress')
    AND `+level+` IN ('yellow', 'red')
    AND (r.supervision = 'none' OR (r.supervision = 'yellow' AND `+level+` = 'red'))
  RETURNING r.id, r.status, r.supervision
)
INSERT INTO request_event (request_id, at, action, from_status, to_status, note, data)
SELECT id, $1, 'supervise', status, status,
  CASE supervision WHEN 'yellow' THEN '黄牌督办：临近办理时限' ELSE '红牌督办：已超过办理时限' END,
  jsonb_build_object('level', supervision)
FROM raised`, db.Now())
	return int(tag.RowsAffected()), translate(err)
}

// EachRequestRow implements grid.ExportStore: the request ledger, with
// the names a reader needs and the SLA colour at now ($1).
func (db *DB) EachRequestRow(ctx context.Context, f grid.RequestLedgerFilter, fn func(grid.RequestRow) error) error {
	w := &where{}
	now := w.bind(db.Now())
	requestWhere(w, f.RequestFilter, requestReachCond, func() string { return now })
	if !f.From.IsZero() {
		w.add("r.reported_at >= " + w.bind(f.From))
	}
	if !f.To.IsZero() {
		w.add("r.reported_at < " + w.bind(f.To))
	}
	rows, err := db.Pool.Query(ctx, w.limit(`SELECT `+requestColumns+`,
  coalesce(g.name, ''), coalesce(l.name, ''), coalesce(u.name, ''),
  request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, r.resolved_at, `+now+`)
FROM request r JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
LEFT JOIN grid g ON g.id = o.grid_id
LEFT JOIN liaison l ON l.id = r.liaison_id
LEFT JOIN unit u ON u.id = r.unit_id
`+w.String()+` ORDER BY r.id`, f.Limit), w.args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var row grid.RequestRow
		d, err := scanRequest(rows, &row.GridName, &row.LiaisonName, &row.UnitName, &row.SLA)
		if err != nil {
			return translate(err)
		}
		row.Request, row.OrgName = d.Request, d.OrgName
		if err := fn(row); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
