package postgis

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// CreateUser implements grid.UserStore: the user, their grids (by code,
// within their zone, or in any zone when the user has none) and an audit
// row, in one transaction.
func (db *DB) CreateUser(ctx context.Context, u grid.User, passwordHash string, gridCodes []string) (grid.User, error) {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var zoneID, liaisonID *int64
		if u.ZoneID != 0 {
			zoneID = &u.ZoneID
		}
		if u.LiaisonID != 0 {
			liaisonID = &u.LiaisonID
		}
		err := tx.QueryRow(ctx, `
INSERT INTO app_user (zone_id, username, display_name, role, password_hash, liaison_id)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			zoneID, u.Username, u.DisplayName, u.Role, passwordHash, liaisonID).Scan(&u.ID)
		if err != nil {
			return err
		}
		u.GridIDs = nil
		for _, code := range gridCodes {
			var gridID int64
			err := tx.QueryRow(ctx, `
INSERT INTO user_grid (user_id, grid_id)
SELECT $1, g.id FROM grid g WHERE g.code = $2 AND ($3::bigint IS NULL OR g.zone_id = $3)
ORDER BY g.zone_id LIMIT 1
RETURNING grid_id`, u.ID, code, zoneID).Scan(&gridID)
			if err == pgx.ErrNoRows {
				return grid.Invalid("grid", "no grid with code %q", code)
			}
			if err != nil {
				return err
			}
			u.GridIDs = append(u.GridIDs, gridID)
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (action, target, detail)
VALUES ('user_add', $1, jsonb_build_object('role', $2::text, 'grids', $3::text[]))`,
			fmt.Sprintf("user:%d", u.ID), string(u.Role), gridCodes)
		return err
	})
	return u, translate(err)
}
