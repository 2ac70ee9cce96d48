package postgis

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
	"gridgis/grid/rebalance"
)

// RebalanceInput implements rebalance.Store.
func (db *DB) RebalanceInput(ctx context.Context, zoneID int64, opts rebalance.Options) (rebalance.Input, error) {
	in, err := loadRebalanceInput(ctx, db.Pool, zoneID, opts, false)
	return in, translate(err)
}

// Rebalancing input queries; forShare is appended when applying, so that
// the rows the fingerprint covers cannot change until the plan commits.
const (
	rebalanceLiaisonsSQL = `
SELECT l.id, l.name, l.grid_id, ST_X(l.base), ST_Y(l.base), l.min_load, l.max_load
FROM liaison l WHERE l.zone_id = $1 AND l.active ORDER BY l.id`
	// An organization's class counts its requests not yet verified or
	// rejected (rebalance.OrgPriority).
	rebalanceOrgsSQL = `
SELECT o.id, o.name, coalesce(o.grid_id, 0), ST_X(o.geom), ST_Y(o.geom), o.kind, o.high_tech, o.specialized,
  (SELECT count(*) FROM request r WHERE r.org_id = o.id AND r.status NOT IN ('verified', 'rejected'))
FROM organization o WHERE o.zone_id = $1 AND o.active AND o.geom IS NOT NULL ORDER BY o.id`
	// Only pairs of an active organization and an active liaison of the
	// zone count: an organization whose liaison was deactivated is
	// uncovered, and a plan that gives it a liaison closes the old pair.
	rebalanceCurrentSQL = `
SELECT a.org_id, a.liaison_id, a.pinned
FROM assignment a
JOIN organization o ON o.id = a.org_id
JOIN liaison l ON l.id = a.liaison_id
WHERE a.valid_to IS NULL AND o.zone_id = $1 AND o.active AND o.geom IS NOT NULL AND l.zone_id = $1 AND l.active
ORDER BY a.org_id`
	rebalanceGridsSQL = `SELECT id, name FROM grid WHERE zone_id = $1`
)

// loadRebalanceInput reads zone zoneID's rebalancing input through q;
// with lock, the liaison and organization rows stay share-locked until
// q's transaction ends.
func loadRebalanceInput(ctx context.Context, q querier, zoneID int64, opts rebalance.Options, lock bool) (rebalance.Input, error) {
	in := rebalance.Input{Options: opts, GridNames: map[int64]string{}}
	liaisonSQL, orgSQL := rebalanceLiaisonsSQL, rebalanceOrgsSQL
	if lock {
		liaisonSQL += " FOR SHARE OF l"
		orgSQL += " FOR SHARE OF o"
	}
	rows, err := q.Query(ctx, liaisonSQL, zoneID)
	if err != nil {
		return in, err
	}
	in.Liaisons, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rebalance.Liaison, error) {
		var l rebalance.Liaison
		err := r.Scan(&l.ID, &l.Name, &l.GridID, &l.Base[0], &l.Base[1], &l.Min, &l.Max)
		return l, err
	})
	if err != nil {
		return in, err
	}
	if rows, err = q.Query(ctx, orgSQL, zoneID); err != nil {
		return in, err
	}
	in.Orgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rebalance.Org, error) {
		var o grid.Org
		var open int
		err := r.Scan(&o.ID, &o.Name, &o.GridID, &o.Location[0], &o.Location[1], &o.Kind, &o.HighTech, &o.Specialized, &open)
		return rebalance.OrgOf(o, open), err
	})
	if err != nil {
		return in, err
	}
	if rows, err = q.Query(ctx, rebalanceCurrentSQL, zoneID); err != nil {
		return in, err
	}
	in.Current, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rebalance.Pair, error) {
		var p rebalance.Pair
		err := r.Scan(&p.OrgID, &p.LiaisonID, &p.Pinned)
		return p, err
	})
	if err != nil {
		return in, err
	}
	if rows, err = q.Query(ctx, rebalanceGridsSQL, zoneID); err != nil {
		return in, err
	}
	var id int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		in.GridNames[id] = name
		return nil
	})
	return in, err
}

// planColumns selects a stored plan for scanPlan; moves is NULL in
// listings. A plan's tradeoffs are kept in its after object, under
// "tradeoffs" (NULL for plans built before they were), so that the table
// needs no new column.
const planColumns = `p.id, p.zone_id, p.status, p.options, p.fingerprint, p.objective, p.move_count,
  p.before, p.after - 'tradeoffs', p.after -> 'tradeoffs', coalesce(p.created_by, 0), p.created_at,
  coalesce(p.applied_by, 0), p.applied_at`

func scanPlan(row pgx.Row, extra ...any) (rebalance.SavedPlan, error) {
	var p rebalance.SavedPlan
	dest := append([]any{&p.ID, &p.ZoneID, &p.Status, &p.Options, &p.Fingerprint, &p.Objective, &p.MoveCount,
		&p.Before, &p.After, &p.Tradeoffs, &p.CreatedBy, &p.CreatedAt, &p.AppliedBy, &p.AppliedAt}, extra...)
	err := row.Scan(dest...)
	return p, err
}

// SaveRebalancePlan implements rebalance.Store.
func (db *DB) SaveRebalancePlan(ctx context.Context, who grid.Actor, zoneID int64, fingerprint string,
	opts rebalance.Options, p *rebalance.Plan) (rebalance.SavedPlan, error) {
	var saved rebalance.SavedPlan
	moves := p.Moves
	if moves == nil {
		moves = []rebalance.Move{}
	}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		now := db.Now()
		var err error
		saved, err = scanPlan(tx.QueryRow(ctx, `
INSERT INTO rebalance_plan AS p (zone_id, options, fingerprint, objective, moves, move_count, before, after,
  created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb || jsonb_build_object('tradeoffs', $11::jsonb), $9, $10)
RETURNING `+planColumns, zoneID, opts, fingerprint, p.Objective, moves, len(moves), p.Before, p.After,
			actorID(who), now, p.Tradeoffs))
		if err != nil {
			return err
		}
		saved.Moves = moves
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr,
			Action: "rebalance_plan_create", Target: planTarget(saved.ID),
			Detail: map[string]any{"zone_id": zoneID, "moves": len(moves), "objective": p.Objective,
				"objective_before": p.Before.Objective}}, now)
	})
	return saved, translate(err)
}

func planTarget(id int64) string { return "rebalance_plan:" + strconv.FormatInt(id, 10) }

// FindRebalancePlan implements rebalance.Store.
func (db *DB) FindRebalancePlan(ctx context.Context, id int64) (rebalance.SavedPlan, error) {
	return findPlan(ctx, db.Pool, id, "")
}

// findPlan reads plan id with its moves; suffix may lock it.
func findPlan(ctx context.Context, q rowQuerier, id int64, suffix string) (rebalance.SavedPlan, error) {
	var moves []rebalance.Move
	p, err := scanPlan(q.QueryRow(ctx, `SELECT `+planColumns+`, p.moves FROM rebalance_plan p WHERE p.id = $1`+suffix, id), &moves)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, grid.Errorf(grid.ENotFound, "no rebalance plan %d", id)
	}
	p.Moves = moves
	return p, translate(err)
}

// ListRebalancePlans implements rebalance.Store.
func (db *DB) ListRebalancePlans(ctx context.Context, f rebalance.PlanFilter) ([]rebalance.SavedPlan, error) {
	w := &where{}
	eq(w, "p.zone_id", f.ZoneID)
	if f.BeforeID > 0 {
		w.add("p.id < " + w.bind(f.BeforeID))
	}
	rows, err := db.Pool.Query(ctx, w.limit(`SELECT `+planColumns+` FROM rebalance_plan p `+w.String()+` ORDER BY p.id DESC`, f.Limit), w.args...)
	if err != nil {
		return nil, translate(err)
	}
	plans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rebalance.SavedPlan, error) { return scanPlan(r) })
	return plans, translate(err)
}

// moveFeatureSQL draws each move of plan $1 as a line from the old
// liaison's base through the organization to the new liaison's base (an
// end is left out when there is no liaison on that side), with both
// great-circle distances.
var moveFeatureSQL = `
SELECT m.org_id, g.line, ` + featureSQL("m.org_id", "ST_AsGeoJSON(g.line, 6)",
	jsonMember{"org_id", "m.org_id"}, jsonMember{"org_name", "o.name"}, jsonMember{"grid_id", "o.grid_id"},
	jsonMember{"from_liaison_id", "nullif(m.from_liaison_id, 0)"}, jsonMember{"from_liaison_name", "lf.name"},
	jsonMember{"to_liaison_id", "nullif(m.to_liaison_id, 0)"}, jsonMember{"to_liaison_name", "lt.name"},
	jsonMember{"distance_m", "round(ST_DistanceSphere(lt.base, o.geom))"},
	jsonMember{"from_distance_m", "round(ST_DistanceSphere(lf.base, o.geom))"}) + `
FROM rebalance_plan p
CROSS JOIN LATERAL jsonb_to_recordset(p.moves) AS m(org_id bigint, from_liaison_id bigint, to_liaison_id bigint)
JOIN organization o ON o.id = m.org_id
LEFT JOIN liaison lf ON lf.id = m.from_liaison_id
LEFT JOIN liaison lt ON lt.id = m.to_liaison_id
CROSS JOIN LATERAL (SELECT ST_MakeLine(ARRAY[lf.base, o.geom, lt.base]) AS line) g
`

// EachRebalanceMoveFeature implements rebalance.Store.
func (db *DB) EachRebalanceMoveFeature(ctx context.Context, id int64, f rebalance.MoveFilter, fn grid.FeatureFunc) error {
	var exists bool
	if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rebalance_plan WHERE id = $1)`, id).Scan(&exists); err != nil {
		return translate(err)
	}
	if !exists {
		return grid.Errorf(grid.ENotFound, "no rebalance plan %d", id)
	}
	w := &where{}
	w.add("p.id = " + w.bind(id))
	if f.AfterOrgID > 0 {
		w.add("m.org_id > " + w.bind(f.AfterOrgID))
	}
	return db.eachFeature(ctx, fn, w.limit(moveFeatureSQL+w.String()+" ORDER BY m.org_id", f.Limit), w.args...)
}

// ApplyRebalancePlan implements rebalance.Store. Locks, in this order
// (PUT liaison takes the zone's first too, so the two never deadlock):
// the plan row, so one apply of it wins and the other finds it applied;
// the zone row, so applies and manual changes in the zone run one at a
// time; and the zone's liaison and organization rows while the input is
// rebuilt, so the data the fingerprint covers cannot change before the
// commit. Requests raised meanwhile can still change a priority class
// unseen: that changes what is optimal, never what is valid.
func (db *DB) ApplyRebalancePlan(ctx context.Context, who grid.Actor, id int64) (rebalance.SavedPlan, error) {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return rebalance.SavedPlan{}, translate(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	claim := grid.IdempotencyClaimFrom(ctx)
	if err := db.takeClaim(ctx, tx, claim); err != nil {
		return rebalance.SavedPlan{}, translate(err)
	}
	p, err := findPlan(ctx, tx, id, " FOR UPDATE")
	if err != nil {
		return p, err
	}
	switch p.Status {
	case rebalance.PlanApplied:
		return p, grid.Errorf(grid.EConflict, "rebalance plan %d was applied at %s", id, p.AppliedAt.Format(time.RFC3339))
	case rebalance.PlanStale:
		return p, grid.Errorf(grid.EConflict, "rebalance plan %d is stale: the zone's data changed after it was built; build a new plan", id)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM zone WHERE id = $1 FOR NO KEY UPDATE`, p.ZoneID); err != nil {
		return p, translate(err)
	}
	in, err := loadRebalanceInput(ctx, tx, p.ZoneID, p.Options, true)
	if err != nil {
		return p, translate(err)
	}
	now := db.Now()
	if in.Fingerprint() != p.Fingerprint {
		if _, err := tx.Exec(ctx, `UPDATE rebalance_plan SET status = 'stale' WHERE id = $1`, id); err != nil {
			return p, translate(err)
		}
		if err := audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr,
			Action: "rebalance_plan_stale", Target: planTarget(id)}, now); err != nil {
			return p, err
		}
		if err := tx.Commit(ctx); err != nil {
			return p, translate(err)
		}
		markCommitted(claim)
		return p, grid.Errorf(grid.EConflict, "rebalance plan %d is stale: the zone's liaisons, organizations, "+
			"requests or assignments changed after it was built; build a new plan", id)
	}
	closed, opened, err := applyMoves(ctx, tx, who, id, p.Moves, now)
	if err != nil {
		return p, translate(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE rebalance_plan SET status = 'applied', applied_at = $2, applied_by = $3 WHERE id = $1`,
		id, now, actorID(who)); err != nil {
		return p, translate(err)
	}
	if err := audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr,
		Action: "rebalance_plan_apply", Target: planTarget(id),
		Detail: map[string]any{"zone_id": p.ZoneID, "moves": len(p.Moves), "closed": closed, "opened": opened}}, now); err != nil {
		return p, err
	}
	if err := tx.Commit(ctx); err != nil {
		return p, translate(err)
	}
	markCommitted(claim)
	p.Status, p.AppliedAt, p.AppliedBy = rebalance.PlanApplied, &now, who.UserID
	return p, nil
}

// applyMoves ends the active assignment of every moved organization and
// opens the new ones (cause rebalance, not pinned: pinned pairs never
// move). It returns how many assignments it ended and opened.
func applyMoves(ctx context.Context, tx pgx.Tx, who grid.Actor, planID int64, moves []rebalance.Move, now time.Time) (closed, opened int64, err error) {
	orgs := make([]int64, 0, len(moves))
	var toOrgs, toLiaisons []int64
	for _, m := range moves {
		orgs = append(orgs, m.OrgID)
		if m.ToLiaisonID != 0 {
			toOrgs = append(toOrgs, m.OrgID)
			toLiaisons = append(toLiaisons, m.ToLiaisonID)
		}
	}
	n, err := endAssignments(ctx, tx, orgs, now)
	if err != nil {
		return 0, 0, err
	}
	tag, err := tx.Exec(ctx, `
INSERT INTO assignment (org_id, liaison_id, valid_from, cause, pinned, created_by, plan_id)
SELECT m.org_id, m.liaison_id, $3, 'rebalance', false, $4, $5
FROM unnest($1::bigint[], $2::bigint[]) AS m(org_id, liaison_id)`, toOrgs, toLiaisons, now, actorID(who), planID)
	if err != nil {
		return 0, 0, err
	}
	return n, tag.RowsAffected(), nil
}
