package postgis

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

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
