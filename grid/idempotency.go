package grid

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyClaim is a write request's Idempotency-Key on its way to the
// store. The server puts it in the request's context; the store inserts
// it in the same transaction as the write, so that the key is taken if
// and only if the write committed.
type IdempotencyClaim struct {
	UserID int64
	Key    string
	// Fingerprint identifies the request (method, path and body): a
	// retry must carry the same one.
	Fingerprint []byte
	Method      string
	Path        string

	committed atomic.Bool
}

// MarkCommitted records that the claim committed with a write.
func (c *IdempotencyClaim) MarkCommitted() { c.committed.Store(true) }

// Committed tells whether the claim committed with a write.
func (c *IdempotencyClaim) Committed() bool { return c.committed.Load() }

type claimKey struct{}

// WithIdempotencyClaim returns ctx carrying claim.
func WithIdempotencyClaim(ctx context.Context, claim *IdempotencyClaim) context.Context {
	return context.WithValue(ctx, claimKey{}, claim)
}

// IdempotencyClaimFrom returns the claim ctx carries, or nil.
func IdempotencyClaimFrom(ctx context.Context) *IdempotencyClaim {
	c, _ := ctx.Value(claimKey{}).(*IdempotencyClaim)
	return c
}

// ErrIdempotencyKeyTaken is returned by a write whose claim another
// request committed first: the write did not happen.
var ErrIdempotencyKeyTaken = errors.New("idempotency key already used")

// IdempotentResponse is what a request with a key answered, kept to
// answer its retries. Status 0 means not saved yet (the request is still
// running, or its answer was lost); Kept false means the answer was not
// kept on purpose (it carried a secret).
type IdempotentResponse struct {
	Fingerprint []byte
	CreatedAt   time.Time
	Status      int
	ContentType string
	Location    string
	Body        []byte
	Kept        bool
}

// IdempotencyStore keeps the keys of write requests and their answers.
type IdempotencyStore interface {
	// FindIdempotent returns what the user's key answered, with found
	// false for a key unused (or expired).
	FindIdempotent(ctx context.Context, userID int64, key string) (r IdempotentResponse, found bool, err error)
	// SaveIdempotentResponse records the answer of claim's request. A
	// claim that did not commit with a write (the route's store path takes
	// no claim) is inserted here, with its answer.
	SaveIdempotentResponse(ctx context.Context, claim *IdempotencyClaim, r IdempotentResponse) error
	// ForgetIdempotent removes keys older than before.
	ForgetIdempotent(ctx context.Context, before time.Time) (int64, error)
}
