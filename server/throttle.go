package server

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"gridgis/grid"
)

// Password checks are bounded: each argon2id check takes 64 MiB, so a
// burst of sign-ins must queue rather than run the process out of memory.
// Beyond the queue, or after waiting too long, a sign-in is answered 503
// at once.
const (
	defaultHashConcurrency = 2
	hashQueue              = 32
	hashWait               = 3 * time.Second
)

// errHashBusy means a password check found no room in time.
var errHashBusy = errors.New("password checks busy")

// hashGate runs password checks at most n at a time, first come first
// served (semaphore.Weighted is FIFO), with a bounded queue and wait.
type hashGate struct {
	sem     *semaphore.Weighted
	waiting atomic.Int64
	queue   int64
	wait    time.Duration
	// check is grid.CheckPassword; tests wrap it to watch the gate.
	check func(hash, password string) (bool, error)
}

func newHashGate(n int) *hashGate {
	if n <= 0 {
		n = defaultHashConcurrency
	}
	return &hashGate{sem: semaphore.NewWeighted(int64(n)), queue: hashQueue, wait: hashWait, check: grid.CheckPassword}
}

// checkPassword checks password against hash when the gate lets it,
// or returns errHashBusy.
func (g *hashGate) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	if !g.sem.TryAcquire(1) {
		if g.waiting.Add(1) > g.queue {
			g.waiting.Add(-1)
			return false, errHashBusy
		}
		ctx, cancel := context.WithTimeout(ctx, g.wait)
		err := g.sem.Acquire(ctx, 1)
		cancel()
		g.waiting.Add(-1)
		if err != nil {
			return false, errHashBusy
		}
	}
	defer g.sem.Release(1)
	return g.check(hash, password)
}
