package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// Audit implements grid.AuthStore.
func (db *DB) Audit(ctx context.Context, e grid.AuditEntry) error {
	return audit(ctx, db.Pool, e, db.Now())
}

func audit(ctx context.Context, x execer, e grid.AuditEntry, now time.Time) error {
	var actor *int64
	if e.ActorID != 0 {
		actor = &e.ActorID
	}
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	var zone *int64
	if e.ZoneID != 0 {
		zone = &e.ZoneID
	}
	// The row's zone, unless given, is its target's or actor's
	// (migrations/013_import_grids.sql).
	_, err := x.Exec(ctx, `
INSERT INTO audit_log (at, actor_id, action, target, client_addr, detail, zone_id)
VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, audit_zone($4, $2)))`, now, actor, e.Action, e.Target, e.ClientAddr, e.Detail, zone)
	return translate(err)
}

// ListAudit implements grid.AuthStore.
func (db *DB) ListAudit(ctx context.Context, zoneID, beforeID int64, limit int) ([]grid.AuditEntry, error) {
	w := &where{}
	if zoneID > 0 {
		w.add("a.zone_id = " + w.bind(zoneID))
	}
	if beforeID > 0 {
		w.add("a.id < " + w.bind(beforeID))
	}
	sql := w.limit(`
SELECT a.id, a.at, coalesce(a.actor_id, 0), coalesce(u.username, ''), a.action, a.target, a.client_addr, a.detail,
  coalesce(a.zone_id, 0)
FROM audit_log a LEFT JOIN app_user u ON u.id = a.actor_id
`+w.String()+`
ORDER BY a.id DESC`, limit)
	rows, err := db.Pool.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, translate(err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.AuditEntry, error) {
		var e grid.AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.Target, &e.ClientAddr, &e.Detail, &e.ZoneID)
		return e, err
	})
	return entries, translate(err)
}
