package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// assignmentFeatureSQL draws each active assignment as a line from the
// liaison's base to the organization, with its great-circle length.
var assignmentFeatureSQL = `
SELECT a.id, ST_MakeLine(l.base, o.geom), ` + featureSQL("a.id", "ST_AsGeoJSON(ST_MakeLine(l.base, o.geom), 6)",
	jsonMember{"org_id", "a.org_id"}, jsonMember{"liaison_id", "a.liaison_id"}, jsonMember{"grid_id", "o.grid_id"},
	jsonMember{"liaison_grid_id", "l.grid_id"}, jsonMember{"cause", "a.cause"}, jsonMember{"pinned", "a.pinned"},
	jsonMember{"valid_from", "a.valid_from"}, jsonMember{"distance_m", "round(ST_DistanceSphere(l.base, o.geom))"}) + `
FROM assignment a
JOIN organization o ON o.id = a.org_id
JOIN liaison l ON l.id = a.liaison_id
`

// EachAssignmentFeature implements grid.MapStore.
func (db *DB) EachAssignmentFeature(ctx context.Context, f grid.AssignmentFilter, fn grid.FeatureFunc) error {
	w := &where{}
	w.add("a.valid_to IS NULL AND o.active AND o.geom IS NOT NULL")
	w.add(scopeCond(f.Scope, w.bind))
	eq(w, "a.liaison_id", f.LiaisonID)
	eq(w, "o.grid_id", f.GridID)
	if f.AfterID > 0 {
		w.add("a.id > " + w.bind(f.AfterID))
	}
	return db.eachFeature(ctx, fn, w.limit(assignmentFeatureSQL+w.String()+" ORDER BY a.id", f.Limit), w.args...)
}

// SetOrgLiaison implements grid.AssignmentStore. It locks the
// organization's zone (shared, so manual changes run side by side but
// never during a rebalance apply, which takes the zone's row first as
// well) and then the organization.
func (db *DB) SetOrgLiaison(ctx context.Context, scope grid.Scope, who grid.Actor, orgID int64, ch grid.LiaisonChange) (grid.OrgLiaison, error) {
	out := grid.OrgLiaison{OrgID: orgID}
	if err := ch.Validate(); err != nil {
		return out, err
	}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		notFound := grid.Errorf(grid.ENotFound, "no organization %d", orgID)
		var zoneID int64
		err := tx.QueryRow(ctx, `SELECT zone_id FROM organization WHERE id = $1`, orgID).Scan(&zoneID)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM zone WHERE id = $1 FOR SHARE`, zoneID); err != nil {
			return err
		}
		o, _, err := findOrg(ctx, tx, scope, orgID)
		if err != nil {
			return err
		}
		if !scope.Permits(grid.AssignLiaisons) {
			return grid.Errorf(grid.EForbidden, "only admins and grid officers assign liaisons")
		}
		cur, err := activeAssignment(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if ch.LiaisonID != nil {
			if err := checkLiaisonFor(ctx, tx, scope, o, *ch.LiaisonID); err != nil {
				return err
			}
		}
		if cur != nil {
			out.PreviousLiaisonID = &cur.LiaisonID
		}
		if sameAssignment(cur, ch) {
			if cur != nil {
				out.LiaisonID, out.Pinned, out.Cause, out.ValidFrom = &cur.LiaisonID, cur.Pinned, &cur.Cause, &cur.ValidFrom
			}
			return nil
		}
		now := db.Now()
		if cur != nil {
			if _, err := endAssignments(ctx, tx, []int64{orgID}, now); err != nil {
				return err
			}
		}
		out.Changed = true
		if ch.LiaisonID != nil {
			cause := grid.CauseManual
			if _, err := tx.Exec(ctx, `
INSERT INTO assignment (org_id, liaison_id, valid_from, cause, pinned, created_by)
VALUES ($1, $2, $3, $4, $5, $6)`, orgID, *ch.LiaisonID, now, cause, ch.Pinned, actorID(who)); err != nil {
				return err
			}
			out.LiaisonID, out.Pinned, out.Cause, out.ValidFrom = ch.LiaisonID, ch.Pinned, &cause, &now
		}
		detail := map[string]any{"from_liaison_id": out.PreviousLiaisonID, "to_liaison_id": ch.LiaisonID, "pinned": ch.Pinned}
		if cur != nil {
			detail["was_pinned"] = cur.Pinned
		}
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr, Action: "assignment_set",
			Target: "organization:" + strconv.FormatInt(orgID, 10), Detail: detail}, now)
	})
	return out, translate(err)
}

// activeAssignment returns the organization's active assignment, locked,
// or nil.
func activeAssignment(ctx context.Context, tx pgx.Tx, orgID int64) (*grid.Assignment, error) {
	var a grid.Assignment
	err := tx.QueryRow(ctx, `
SELECT id, org_id, liaison_id, valid_from, cause, pinned FROM assignment
WHERE org_id = $1 AND valid_to IS NULL FOR UPDATE`, orgID).Scan(&a.ID, &a.OrgID, &a.LiaisonID, &a.ValidFrom, &a.Cause, &a.Pinned)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// sameAssignment reports whether ch asks for what cur already is.
func sameAssignment(cur *grid.Assignment, ch grid.LiaisonChange) bool {
	if cur == nil || ch.LiaisonID == nil {
		return cur == nil && ch.LiaisonID == nil
	}
	return cur.LiaisonID == *ch.LiaisonID && cur.Pinned == ch.Pinned
}

// checkLiaisonFor checks that liaison id may be given to organization o
// by a caller of scope: an active liaison of o's zone and, for a
// grid-scoped caller, of o's own grid. A liaison the caller cannot see is
// reported as missing, not forbidden.
func checkLiaisonFor(ctx context.Context, tx pgx.Tx, scope grid.Scope, o grid.Org, id int64) error {
	var gridID int64
	err := tx.QueryRow(ctx, `SELECT grid_id FROM liaison WHERE id = $1 AND zone_id = $2 AND active`, id, o.ZoneID).Scan(&gridID)
	missing := grid.Invalid("liaison_id", "no active liaison %d in the organization's zone", id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return missing
	case err != nil:
		return err
	case scope.All:
		return nil
	case !slices.Contains(scope.GridIDs, gridID):
		return grid.Invalid("liaison_id", "no active liaison %d in your grids", id)
	case gridID != o.GridID:
		return &grid.Error{Code: grid.EForbidden, Field: "liaison_id",
			Message: fmt.Sprintf("liaison %d belongs to another grid: officers assign liaisons of the organization's own grid", id)}
	}
	return nil
}

// endAssignments ends the active assignments of orgs at now: each gets
// valid_to, so its history stays. One that began at now or later (with
// the same clock reading, as in tests) was never in effect and is
// removed instead, since a period must not be empty.
func endAssignments(ctx context.Context, tx pgx.Tx, orgs []int64, now time.Time) (int64, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM assignment WHERE org_id = ANY($1) AND valid_to IS NULL AND valid_from >= $2`,
		orgs, now); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `UPDATE assignment SET valid_to = $2 WHERE org_id = ANY($1) AND valid_to IS NULL`, orgs, now)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
