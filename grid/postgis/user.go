package postgis

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// userColumns selects a grid.User from app_user u, with the grids of its
// scope, for scanUser. An officer or liaison added without a zone belongs
// to the zone of their grids or liaison record; only an admin or planner
// without one is a user of every zone (0).
const userColumns = `u.id, coalesce(u.zone_id,
    (SELECT min(g.zone_id) FROM user_grid ug JOIN grid g ON g.id = ug.grid_id WHERE ug.user_id = u.id),
    (SELECT l.zone_id FROM liaison l WHERE l.id = u.liaison_id), 0), u.username, u.display_name, u.role,
  coalesce(u.liaison_id, 0), u.disabled,
  coalesce((SELECT array_agg(ug.grid_id ORDER BY ug.grid_id) FROM user_grid ug WHERE ug.user_id = u.id), '{}')`

func scanUser(row pgx.Row, extra ...any) (grid.User, error) {
	var u grid.User
	dest := append([]any{&u.ID, &u.ZoneID, &u.Username, &u.DisplayName, &u.Role, &u.LiaisonID, &u.Disabled, &u.GridIDs}, extra...)
	err := row.Scan(dest...)
	return u, err
}

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
			// A liaison user sees their liaison record's organizations
			// within their zone: a record of another zone, nothing.
			var liaisonZone int64
			err := tx.QueryRow(ctx, `SELECT zone_id FROM liaison WHERE id = $1`, u.LiaisonID).Scan(&liaisonZone)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				return grid.Invalid("liaison", "没有联络员 %d / no liaison %d", u.LiaisonID, u.LiaisonID)
			case err != nil:
				return err
			case zoneID == nil:
				u.ZoneID = liaisonZone
				zoneID = &u.ZoneID
			case liaisonZone != u.ZoneID:
				return grid.Invalid("liaison", "联络员 %d 不属于该用户的园区 / liaison %d is not of the user's zone", u.LiaisonID, u.LiaisonID)
			}
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
		return audit(ctx, tx, grid.AuditEntry{Action: "user_add", Target: userTarget(u.Username),
			Detail: map[string]any{"role": u.Role, "grids": gridCodes}}, db.Now())
	})
	return u, translate(err)
}

func userTarget(username string) string { return "user:" + username }

// ListUsers returns every user, by username.
func (db *DB) ListUsers(ctx context.Context) ([]grid.User, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+userColumns+` FROM app_user u ORDER BY u.username`)
	if err != nil {
		return nil, translate(err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.User, error) { return scanUser(r) })
	return users, translate(err)
}

// SetUserDisabled disables or re-enables a user. Disabling ends their
// sessions and revokes their tokens in the same transaction.
func (db *DB) SetUserDisabled(ctx context.Context, username string, disabled bool) error {
	return db.changeUser(ctx, username, map[bool]string{true: "user_disable", false: "user_enable"}[disabled],
		`UPDATE app_user SET disabled = $2, updated_at = $3 WHERE username = $1 RETURNING id`, disabled)
}

// SetPassword stores a new password hash, ends the user's sessions and
// revokes their API tokens, so a reset locks out whoever knew the old
// password or took a token with it.
func (db *DB) SetPassword(ctx context.Context, username, hash string) error {
	return db.changeUser(ctx, username, "user_password_reset",
		`UPDATE app_user SET password_hash = $2, updated_at = $3 WHERE username = $1 RETURNING id`, hash)
}

// changeUser runs one UPDATE of app_user (with $1 username, $2 value, $3
// now), then ends sessions (and for a disable or a password change,
// revokes tokens) and audits.
func (db *DB) changeUser(ctx context.Context, username, action, update string, value any) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		now := db.Now()
		var id int64
		if err := tx.QueryRow(ctx, update, username, value, now).Scan(&id); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return grid.Errorf(grid.ENotFound, "no user %q", username)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM session WHERE user_id = $1`, id); err != nil {
			return err
		}
		if action == "user_disable" || action == "user_password_reset" {
			if _, err := tx.Exec(ctx, `UPDATE api_token SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, now); err != nil {
				return err
			}
		}
		return audit(ctx, tx, grid.AuditEntry{Action: action, Target: userTarget(username)}, now)
	})
	return translate(err)
}
