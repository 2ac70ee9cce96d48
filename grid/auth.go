package grid

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
)

// Session lifetimes: a web session ends after SessionIdle without use, and
// in any case SessionMax after sign-in.
const (
	SessionIdle = 2 * time.Hour
	SessionMax  = 12 * time.Hour
)

// TokenPrefix marks gridgis API tokens, so leaked ones are easy to spot.
const TokenPrefix = "ggt_"

// NewSecret returns a fresh random secret for a session or token, and the
// SHA-256 hash under which it is stored. Only the client keeps the secret.
func NewSecret(prefix string) (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret is the stored form of a session id or API token.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LooksLikeToken reports whether s has the shape of an API token.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+43
}

// Token is a personal API token, as listed (its secret is never stored).
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// AuditEntry is one recorded action: who, when, from where, what.
type AuditEntry struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    int64          `json:"actor_id,omitempty"`
	Actor      string         `json:"actor,omitempty"`
	Action     string         `json:"action"`
	Target     string         `json:"target"`
	ClientAddr string         `json:"client_addr"`
	Detail     map[string]any `json:"detail"`
	// ZoneID is the zone the entry is about; 0 for the whole deployment.
	// Writers may leave it 0: the store finds it from the target or the
	// actor.
	ZoneID int64 `json:"zone_id,omitempty"`
}

// AuthWatcher tells a cache of signed-in users when any of them may have
// changed: a credential ended, a user changed or given other grids. Like
// TileWatcher, it listens until ctx ends, reconnecting by itself, and
// calls status(nil) each time it starts listening and status(err) each
// time it stops; while it is not listening a cache must not be trusted,
// nor after it listens again until everything it held is forgotten.
type AuthWatcher interface {
	WatchAuth(ctx context.Context, changed func(), status func(error))
}

// AuthStore keeps sessions, tokens and the audit log.
type AuthStore interface {
	// UserForLogin returns an enabled user and their password hash, or
	// ENotFound.
	UserForLogin(ctx context.Context, username string) (User, string, error)
	// CreateSession stores a new session under the hash of its id.
	CreateSession(ctx context.Context, hash []byte, userID int64, expires time.Time, clientAddr string) error
	// SessionUser returns the user of a live session and when it
	// expires, and marks it used; EUnauthorized when it is unknown,
	// expired, idle too long, or the user is disabled.
	SessionUser(ctx context.Context, hash []byte, idle time.Duration) (User, time.Time, error)
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, hash []byte) error
	// CreateToken stores a new API token under its hash.
	CreateToken(ctx context.Context, userID int64, name string, hash []byte, expires *time.Time) (Token, error)
	// TokenUser returns the user of a live token and when it expires
	// (nil: never), and marks it used.
	TokenUser(ctx context.Context, hash []byte) (User, *time.Time, error)
	// ListTokens lists a user's tokens, newest first.
	ListTokens(ctx context.Context, userID int64) ([]Token, error)
	// RevokeToken revokes token id; unless asAdmin it must be userID's own.
	// A token the caller may not see is ENotFound.
	RevokeToken(ctx context.Context, userID, id int64, asAdmin bool) (Token, error)
	// Audit records an entry.
	Audit(ctx context.Context, e AuditEntry) error
	// ListAudit lists entries newest first, before id beforeID when > 0,
	// of zone zoneID when > 0 (else of every zone and none).
	ListAudit(ctx context.Context, zoneID, beforeID int64, limit int) ([]AuditEntry, error)

	// TakeLoginSlot counts a sign-in attempt on account (a lower-case
	// username) from addr as failed before its password is checked, unless
	// the failures so far make it wait (LoginFailures.Wait): then it counts
	// nothing and returns the wait. Calls sharing an account or an address
	// are serialized, so a concurrent burst gets no more than the rules allow.
	TakeLoginSlot(ctx context.Context, account, addr string) (time.Duration, error)
	// ReturnLoginSlot uncounts an attempt whose password was never checked.
	ReturnLoginSlot(ctx context.Context, account, addr string) error
	// LoginSucceeded forgets the pair's failures and records addr as a
	// known address of account.
	LoginSucceeded(ctx context.Context, account, addr string) error
}
