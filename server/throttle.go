package server

import (
	"sync"
	"time"
)

// throttle counts failures per key (an account or a client address) in a
// fixed window and refuses further attempts once a key reaches its limit,
// until the window ends. It lives in memory: one server process is one
// counter, which is what a single-binary deployment has.
type throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	keys   map[string]*failures
}

type failures struct {
	count int
	since time.Time
}

func newThrottle(limit int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{limit: limit, window: window, now: now, keys: map[string]*failures{}}
}

// wait returns how long key must wait before its next attempt; zero means
// it may try now.
func (t *throttle) wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.current(key)
	if f == nil || f.count < t.limit {
		return 0
	}
	return f.since.Add(t.window).Sub(t.now())
}

// fail records one failed attempt of key.
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.current(key)
	if f == nil {
		if len(t.keys) > 100_000 {
			t.prune()
		}
		f = &failures{since: t.now()}
		t.keys[key] = f
	}
	f.count++
}

// reset forgets key's failures, after a success.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// current returns key's failures in the running window, dropping an
// expired record. The caller holds mu.
func (t *throttle) current(key string) *failures {
	f := t.keys[key]
	if f != nil && t.now().Sub(f.since) >= t.window {
		delete(t.keys, key)
		return nil
	}
	return f
}

// prune drops every expired record, so a flood of distinct keys cannot
// grow the map without bound. The caller holds mu.
func (t *throttle) prune() {
	for k := range t.keys {
		t.current(k)
	}
}
