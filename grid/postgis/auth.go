package postgis

import (
	"context"
	"errors"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// userColumns selects a grid.User from app_user u, with the grids of its
// scope, for scanUser.
const userColumns = `u.id, coalesce(u.zone_id, 0), u.username, u.display_name, u.role,
  coalesce(u.liaison_id, 0), u.disabled,
  coalesce((SELECT array_agg(ug.grid_id ORDER BY ug.grid_id) FROM user_grid ug WHERE ug.user_id = u.id), '{}')`

func scanUser(row pgx.Row, extra ...any) (grid.User, error) {
	var u grid.User
	dest := append([]any{&u.ID, &u.ZoneID, &u.Username, &u.DisplayName, &u.Role, &u.LiaisonID, &u.Disabled, &u.GridIDs}, extra...)
	err := row.Scan(dest...)
	return u, err
}

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
func (db *DB) SessionUser(ctx context.Context, hash []byte, idle time.Duration) (grid.User, error) {
	now := db.Now()
	u, err := scanUser(db.Pool.QueryRow(ctx, `
WITH s AS (
  UPDATE session SET last_seen_at = $2
  WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $2 - $3::interval
  RETURNING user_id
)
SELECT `+userColumns+` FROM s JOIN app_user u ON u.id = s.user_id WHERE NOT u.disabled`,
		hash, now, idle))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, unauthorized
	}
	return u, translate(err)
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
func (db *DB) TokenUser(ctx context.Context, hash []byte) (grid.User, error) {
	now := db.Now()
	u, err := scanUser(db.Pool.QueryRow(ctx, `
WITH t AS (
  SELECT id, user_id, last_used_at FROM api_token
  WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
), used AS (
  UPDATE api_token SET last_used_at = $2 FROM t
  WHERE api_token.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at <= $2 - interval '1 minute')
)
SELECT `+userColumns+` FROM t JOIN app_user u ON u.id = t.user_id WHERE NOT u.disabled`, hash, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, unauthorized
	}
	return u, translate(err)
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

// TakeLoginSlot implements grid.AuthStore. One transaction holds an
// advisory lock on the account and one on the address (taken in key order,
// so two attempts never deadlock), reads the failures that bear on the
// attempt, and counts it if the rules let it go ahead. In READ COMMITTED
// each statement sees what the previous lock holder committed.
//
// Attempts in this process first queue on in-memory locks of the same
// keys, so a burst on one account waits in goroutines, first come first
// served, rather than in pool connections held while PostgreSQL waits.
func (db *DB) TakeLoginSlot(ctx context.Context, account, addr string) (time.Duration, error) {
	a, b := loginLockKey("account", account), loginLockKey("addr", addr)
	if a > b {
		a, b = b, a
	}
	unlock, ok := loginStripes.lock(ctx, a, b)
	if !ok {
		return time.Second, nil // too many attempts at once on this account or address
	}
	defer unlock()
	now := db.Now().Truncate(time.Microsecond) // as PostgreSQL keeps it
	forgotten := now.Add(-grid.FailureMemory)
	var wait time.Duration
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1), pg_advisory_xact_lock($2)`, a, b); err != nil {
			return err
		}
		var f grid.LoginFailures
		var pairLast, addrLast, accountLast *time.Time
		err := tx.QueryRow(ctx, `
SELECT coalesce(sum(failures) FILTER (WHERE account = $1 AND client_addr = $2), 0),
       max(last_at) FILTER (WHERE account = $1 AND client_addr = $2),
       coalesce(sum(failures) FILTER (WHERE client_addr = $2), 0),
       max(last_at) FILTER (WHERE client_addr = $2),
       coalesce(sum(failures) FILTER (WHERE account = $1), 0),
       max(last_at) FILTER (WHERE account = $1),
       EXISTS (SELECT 1 FROM login_known_addr
               WHERE account = $1 AND client_addr = $2 AND last_success_at > $4)
FROM login_failure
WHERE (account = $1 OR client_addr = $2) AND last_at > $3`,
			account, addr, forgotten, now.Add(-grid.KnownAddressMemory)).Scan(
			&f.Pair.N, &pairLast, &f.Address.N, &addrLast, &f.Account.N, &accountLast, &f.KnownAddress)
		if err != nil {
			return err
		}
		for _, t := range []struct {
			from *time.Time
			to   *time.Time
		}{{pairLast, &f.Pair.Last}, {addrLast, &f.Address.Last}, {accountLast, &f.Account.Last}} {
			if t.from != nil {
				*t.to = *t.from
			}
		}
		if wait = f.Wait(now); wait > 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `
INSERT INTO login_failure AS f (account, client_addr, failures, last_at) VALUES ($1, $2, 1, $3)
ON CONFLICT (account, client_addr) DO UPDATE
SET failures = CASE WHEN f.last_at > $4 THEN f.failures + 1 ELSE 1 END, last_at = $3`,
			account, addr, now, forgotten)
		return err
	})
	return wait, translate(err)
}

// loginStripes serializes this process's sign-in attempts that share a
// stripe: a channel's waiting senders are served in order, and a wait can
// end with its context or loginStripeWait.
var loginStripes = func() (s stripes) {
	for i := range s {
		s[i] = make(chan struct{}, 1)
	}
	return s
}()

// loginStripeWait bounds the wait for a busy account or address.
const loginStripeWait = 3 * time.Second

type stripes [256]chan struct{}

// lock takes the stripes of keys a <= b in order and returns their
// unlock, or false when the wait ended first.
func (s *stripes) lock(ctx context.Context, a, b int64) (unlock func(), ok bool) {
	ctx, cancel := context.WithTimeout(ctx, loginStripeWait)
	defer cancel()
	i, j := uint64(a)%uint64(len(s)), uint64(b)%uint64(len(s))
	if i > j {
		i, j = j, i
	}
	take := func(k uint64) bool {
		select {
		case s[k] <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !take(i) {
		return nil, false
	}
	if j != i && !take(j) {
		<-s[i]
		return nil, false
	}
	return func() {
		if j != i {
			<-s[j]
		}
		<-s[i]
	}, true
}

// loginLockKey is the advisory lock of one throttling scope.
func loginLockKey(kind, value string) int64 {
	h := fnv.New64a()
	h.Write([]byte("gridgis login " + kind + ":" + value))
	return int64(h.Sum64())
}

// ReturnLoginSlot implements grid.AuthStore.
func (db *DB) ReturnLoginSlot(ctx context.Context, account, addr string) error {
	_, err := db.Pool.Exec(ctx, `
UPDATE login_failure SET failures = failures - 1
WHERE account = $1 AND client_addr = $2 AND failures > 0`, account, addr)
	return translate(err)
}

// LoginSucceeded implements grid.AuthStore. It also drops every count and
// known address past its memory, so the tables keep only what still
// matters.
func (db *DB) LoginSucceeded(ctx context.Context, account, addr string) error {
	now := db.Now()
	_, err := db.Pool.Exec(ctx, `
WITH cleared AS (
  DELETE FROM login_failure WHERE (account = $1 AND client_addr = $2) OR last_at <= $4
), stale AS (
  DELETE FROM login_known_addr
  WHERE last_success_at <= $5 AND NOT (account = $1 AND client_addr = $2)
)
INSERT INTO login_known_addr (account, client_addr, last_success_at) VALUES ($1, $2, $3)
ON CONFLICT (account, client_addr) DO UPDATE SET last_success_at = $3`,
		account, addr, now, now.Add(-grid.FailureMemory), now.Add(-grid.KnownAddressMemory))
	return translate(err)
}
