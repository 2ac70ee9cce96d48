package postgis

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// ReassignRequest implements grid.RequestActionStore (改派): the new
// liaison and unit are checked as for 交办, so an officer hands requests
// only to the liaisons of their grids.
func (db *DB) ReassignRequest(ctx context.Context, by grid.User, who grid.Actor, id int64, a grid.Reassignment) (grid.RequestDetail, error) {
	if err := a.Validate(); err != nil {
		return grid.RequestDetail{}, err
	}
	return db.keepStep(ctx, by, who, id, "request_reassign",
		func(d grid.RequestDetail, now time.Time) (grid.Request, grid.RequestEvent, error) {
			return d.Reassign(a, by, now)
		},
		func(tx pgx.Tx, d grid.RequestDetail) error {
			return checkAssignees(ctx, tx, d.ZoneID, by.Scope(), a.LiaisonID, a.UnitID)
		})
}

// RemindRequest implements grid.RequestActionStore (催办).
func (db *DB) RemindRequest(ctx context.Context, by grid.User, who grid.Actor, id int64, m grid.Reminder) (grid.RequestDetail, error) {
	if err := m.Validate(); err != nil {
		return grid.RequestDetail{}, err
	}
	return db.keepStep(ctx, by, who, id, "request_remind",
		func(d grid.RequestDetail, now time.Time) (grid.Request, grid.RequestEvent, error) {
			return d.Remind(m, by, now)
		}, nil)
}

// keepStep runs a step that leaves the request's status as it is: the
// domain decides it on the locked row, check (if any) vets it against the
// database, and one UPDATE guarded by id, status and version writes the
// assignees and the reminder count, with the history event (whose trigger
// tells the live stream) and the audit row, in one transaction.
func (db *DB) keepStep(ctx context.Context, by grid.User, who grid.Actor, id int64, audited string,
	decide func(grid.RequestDetail, time.Time) (grid.Request, grid.RequestEvent, error),
	check func(pgx.Tx, grid.RequestDetail) error) (grid.RequestDetail, error) {
	var out grid.RequestDetail
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		d, err := findRequest(ctx, tx, by.Scope(), id, true)
		if err != nil {
			return err
		}
		now := db.Now()
		next, ev, err := decide(d, now)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(tx, d); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `
UPDATE request SET liaison_id = nullif($4, 0), unit_id = nullif($5, 0), reminders = $6, version = version + 1
WHERE id = $1 AND status = $2 AND version = $3`, id, d.Status, d.Version, next.LiaisonID, next.UnitID, next.Reminders)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return grid.Errorf(grid.EConflict, "request %d changed since version %d: reload and retry", id, d.Version)
		}
		if err := insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		detail := map[string]any{"version": next.Version, "status": string(next.Status)}
		for k, v := range ev.Data {
			detail[k] = v
		}
		if ev.Note != "" {
			detail["note"] = ev.Note
		}
		if err := audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr, Action: audited,
			Target: "request:" + strconv.FormatInt(id, 10), Detail: detail}, now); err != nil {
			return err
		}
		out = d
		out.Request = next
		out.Events, err = requestEvents(ctx, tx, id)
		return err
	})
	return out, translate(err)
}
