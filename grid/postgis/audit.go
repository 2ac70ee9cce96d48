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
	_, err := x.Exec(ctx, `
INSERT INTO audit_log (at, actor_id, action, target, client_addr, detail)
VALUES ($1, $2, $3, $4, $5, $6)`, now, actor, e.Action, e.Target, e.ClientAddr, e.Detail)
	return translate(err)
}

// ListAudit implements grid.AuthStore.
func (db *DB) ListAudit(ctx context.Context, beforeID int64, limit int) ([]grid.AuditEntry, error) {
	rows, err := db.Pool.Query(ctx, `
SELECT a.id, a.at, coalesce(a.actor_id, 0), coalesce(u.username, ''), a.action, a.target, a.client_addr, a.detail
FROM audit_log a LEFT JOIN app_user u ON u.id = a.actor_id
WHERE ($1::bigint = 0 OR a.id < $1)
ORDER BY a.id DESC LIMIT $2`, beforeID, limit)
	if err != nil {
		return nil, translate(err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.AuditEntry, error) {
		var e grid.AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.Target, &e.ClientAddr, &e.Detail)
		return e, err
	})
	return entries, translate(err)
}
