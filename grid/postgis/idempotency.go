package postgis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// takeClaim inserts claim (if any, and not yet committed by an earlier
// write of the same request) in tx. A key older than grid.IdempotencyTTL
// is free again.
func (db *DB) takeClaim(ctx context.Context, tx pgx.Tx, claim *grid.IdempotencyClaim) error {
	if claim == nil || claim.Committed() {
		return nil
	}
	now := db.Now()
	var taken bool
	err := tx.QueryRow(ctx, `
INSERT INTO idempotency_key AS k (user_id, key, fingerprint, method, path, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (user_id, key) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, method = EXCLUDED.method, path = EXCLUDED.path,
      created_at = EXCLUDED.created_at, status = NULL, content_type = NULL, location = NULL, body = NULL
  WHERE k.created_at < $7
RETURNING true`, claim.UserID, claim.Key, claim.Fingerprint, claim.Method, claim.Path, now,
		now.Add(-grid.IdempotencyTTL)).Scan(&taken)
	if errors.Is(err, pgx.ErrNoRows) {
		return grid.ErrIdempotencyKeyTaken
	}
	return err
}

// FindIdempotent implements grid.IdempotencyStore.
func (db *DB) FindIdempotent(ctx context.Context, userID int64, key string) (grid.IdempotentResponse, bool, error) {
	var r grid.IdempotentResponse
	var status *int
	var contentType, location *string
	err := db.Pool.QueryRow(ctx, `
SELECT fingerprint, created_at, status, content_type, location, body, body IS NOT NULL
FROM idempotency_key WHERE user_id = $1 AND key = $2 AND created_at >= $3`,
		userID, key, db.Now().Add(-grid.IdempotencyTTL)).Scan(&r.Fingerprint, &r.CreatedAt, &status, &contentType,
		&location, &r.Body, &r.Kept)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, translate(err)
	}
	if status != nil {
		r.Status = *status
	}
	if contentType != nil {
		r.ContentType = *contentType
	}
	if location != nil {
		r.Location = *location
	}
	return r, true, nil
}

// SaveIdempotentResponse implements grid.IdempotencyStore.
func (db *DB) SaveIdempotentResponse(ctx context.Context, claim *grid.IdempotencyClaim, r grid.IdempotentResponse) error {
	var body []byte
	if r.Kept {
		body = r.Body
		if body == nil {
			body = []byte{}
		}
	}
	if claim.Committed() {
		_, err := db.Pool.Exec(ctx, `
UPDATE idempotency_key SET status = $3, content_type = $4, location = $5, body = $6
WHERE user_id = $1 AND key = $2`, claim.UserID, claim.Key, r.Status, r.ContentType, r.Location, body)
		return translate(err)
	}
	// The route's store path took no claim: record key and answer now,
	// after the write (a crash in between forgets the key).
	now := db.Now()
	_, err := db.Pool.Exec(ctx, `
INSERT INTO idempotency_key AS k (user_id, key, fingerprint, method, path, created_at, status, content_type, location, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (user_id, key) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, method = EXCLUDED.method, path = EXCLUDED.path,
      created_at = EXCLUDED.created_at, status = EXCLUDED.status, content_type = EXCLUDED.content_type,
      location = EXCLUDED.location, body = EXCLUDED.body
  WHERE k.created_at < $11`, claim.UserID, claim.Key, claim.Fingerprint, claim.Method, claim.Path, now,
		r.Status, r.ContentType, r.Location, body, now.Add(-grid.IdempotencyTTL))
	if err == nil {
		claim.MarkCommitted()
	}
	return translate(err)
}

// ForgetIdempotent implements grid.IdempotencyStore.
func (db *DB) ForgetIdempotent(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM idempotency_key WHERE created_at < $1`, before)
	return tag.RowsAffected(), translate(err)
}
