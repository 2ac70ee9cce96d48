package postgis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// unauthorized is the one answer for every failed credential, so callers
// cannot tell an unknown session from an expired one.
var unauthorized = grid.Errorf(grid.EUnauthorized, "not signed in or session expired")

// UserForLogin implements grid.AuthStore.
func (db *DB) UserForLogin(ctx context.Context, username string) (grid.User, string, error) {
	var hash string
	u, err := scanUser(db.Pool.QueryRow(ctx,
		`SELECT `+userColumns+`, u.password_hash FROM app_user u WHERE u.username = $1 AND NOT u.disabled`,
		username), &hash)
	return u, hash, translate(err)
}

// CreateSession implements grid.AuthStore.
func (db *DB) CreateSession(ctx context.Context, hash []byte, userID int64, expires time.Time, clientAddr string) error {
	now := db.Now()
	_, err := db.Pool.Exec(ctx, `
INSERT INTO session (id_hash, user_id, created_at, last_seen_at, expires_at, client_addr)
VALUES ($1, $2, $3, $3, $4, $5)`, hash, userID, now, expires, clientAddr)
	return translate(err)
}

// SessionUser implements grid.AuthStore: one statement checks expiry and
// idleness and marks the session used.
func (db *DB) SessionUser(ctx context.Context, hash []byte, idle time.Duration) (grid.User, time.Time, error) {
	now := db.Now()
	var expires time.Time
	u, err := scanUser(db.Pool.QueryRow(ctx, `
WITH s AS (
  UPDATE session SET last_seen_at = $2
  WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $2 - $3::interval
  RETURNING user_id, expires_at
)
SELECT `+userColumns+`, s.expires_at FROM s JOIN app_user u ON u.id = s.user_id WHERE NOT u.disabled`,
		hash, now, idle), &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, time.Time{}, unauthorized
	}
	return u, expires, translate(err)
}

// DeleteSession implements grid.AuthStore.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM session WHERE id_hash = $1`, hash)
	return translate(err)
}

const tokenColumns = `t.id, t.user_id, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at`

func scanToken(row pgx.Row) (grid.Token, error) {
	var t grid.Token
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt)
	return t, err
}

// CreateToken implements grid.AuthStore.
func (db *DB) CreateToken(ctx context.Context, userID int64, name string, hash []byte, expires *time.Time) (grid.Token, error) {
	t, err := scanToken(db.Pool.QueryRow(ctx, `
INSERT INTO api_token AS t (user_id, name, token_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5) RETURNING `+tokenColumns, userID, name, hash, db.Now(), expires))
	return t, translate(err)
}

// TokenUser implements grid.AuthStore. It records the token's use to the
// minute: writing on every request would commit (and flush the WAL) once
// per request, costing more than a small map query, and would make a
// token's concurrent requests queue for its row lock.
func (db *DB) TokenUser(ctx context.Context, hash []byte) (grid.User, *time.Time, error) {
	now := db.Now()
	var expires *time.Time
	u, err := scanUser(db.Pool.QueryRow(ctx, `
WITH t AS (
  SELECT id, user_id, last_used_at, expires_at FROM api_token
  WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
), used AS (
  UPDATE api_token SET last_used_at = $2 FROM t
  WHERE api_token.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at <= $2 - interval '1 minute')
)
SELECT `+userColumns+`, t.expires_at FROM t JOIN app_user u ON u.id = t.user_id WHERE NOT u.disabled`, hash, now), &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, nil, unauthorized
	}
	return u, expires, translate(err)
}

// ListTokens implements grid.AuthStore.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]grid.Token, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_token t WHERE t.user_id = $1 ORDER BY t.id DESC`, userID)
	if err != nil {
		return nil, translate(err)
	}
	tokens, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.Token, error) { return scanToken(r) })
	return tokens, translate(err)
}

// RevokeToken implements grid.AuthStore.
func (db *DB) RevokeToken(ctx context.Context, userID, id int64, asAdmin bool) (grid.Token, error) {
	t, err := scanToken(db.Pool.QueryRow(ctx, `
UPDATE api_token t SET revoked_at = coalesce(t.revoked_at, $3)
WHERE t.id = $1 AND ($4 OR t.user_id = $2)
RETURNING `+tokenColumns, id, userID, db.Now(), asAdmin))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, grid.Errorf(grid.ENotFound, "no token %d", id)
	}
	return t, translate(err)
}
