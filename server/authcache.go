package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"gridgis/grid"
)

// The signed-in users of recent requests are kept for up to
// DefaultAuthCacheTTL (Config.AuthCacheTTL): looking a credential up was a
// database round trip on every request, for a session a committed write
// (last_seen_at), as much as a small map read costs. The cache is trusted
// only while the store's AuthWatcher listens (migration 024's triggers
// announce every change that can end a credential or change its user),
// and forgets everything at each announcement and whenever the listener
// stops or starts. Only found credentials are kept, never a refusal, and
// none past its own expiry. A session's idle clock (last_seen_at) then
// moves once per TTL instead of per request: well within its two hours.
const (
	DefaultAuthCacheTTL = time.Minute
	// authCacheMax bounds the entries (a few hundred bytes each); a full
	// cache starts over.
	authCacheMax = 10000
)

// credentialKind tells an API token's hash from a session's in the cache.
type credentialKind byte

const (
	credentialToken credentialKind = iota + 1
	credentialSession
)

type authKey struct {
	kind credentialKind
	hash [32]byte
}

type authEntry struct {
	user  grid.User
	until time.Time
}

// authCache is the cache; its zero value, and a nil one, keep nothing.
type authCache struct {
	ttl time.Duration
	mu  sync.Mutex
	// listening is whether changes are being announced; entries are kept
	// and served only while it holds.
	listening bool
	// gen counts the forgettings, so that a lookup that began before one
	// does not store what it read.
	gen     uint64
	entries map[authKey]authEntry
}

// maxAuthCacheTTL bounds the TTL well below a session's idle limit,
// which a cached session's last_seen_at lags by up to the TTL.
const maxAuthCacheTTL = grid.SessionIdle / 8

func newAuthCache(ttl time.Duration) *authCache {
	if ttl <= 0 {
		return nil
	}
	ttl = min(ttl, maxAuthCacheTTL)
	return &authCache{ttl: ttl, entries: map[authKey]authEntry{}}
}

func keyOf(kind credentialKind, hash []byte) (authKey, bool) {
	k := authKey{kind: kind}
	return k, copy(k.hash[:], hash) == len(k.hash) && len(hash) == len(k.hash)
}

// get returns the cached user of a credential, when there is one still
// valid at now, and otherwise the generation a lookup must hand to put.
func (c *authCache) get(kind credentialKind, hash []byte, now time.Time) (u grid.User, ok bool, gen uint64) {
	if c == nil {
		return u, false, 0
	}
	k, valid := keyOf(kind, hash)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !valid || !c.listening {
		return u, false, c.gen
	}
	e, found := c.entries[k]
	if found && now.Before(e.until) {
		u = e.user
		u.GridIDs = slices.Clone(u.GridIDs) // each request's own
		return u, true, c.gen
	}
	return u, false, c.gen
}

// put keeps what a lookup begun at generation gen found, valid until the
// credential expires (nil: never) or the TTL ends, whichever is first;
// unless something was forgotten since the lookup began.
func (c *authCache) put(kind credentialKind, hash []byte, u grid.User, expires *time.Time, gen uint64, now time.Time) {
	if c == nil {
		return
	}
	k, valid := keyOf(kind, hash)
	until := now.Add(c.ttl)
	if expires != nil && expires.Before(until) {
		until = *expires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !valid || !c.listening || gen != c.gen || !now.Before(until) {
		return
	}
	if len(c.entries) >= authCacheMax {
		clear(c.entries)
	}
	c.entries[k] = authEntry{user: u, until: until}
}

// forgetAll drops every entry: a change was announced, or this server
// made one itself (a token revoked here need not wait for the notice).
func (c *authCache) forgetAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// setListening records whether changes are announced, forgetting
// everything either way: what came before may have missed a change.
func (c *authCache) setListening(on bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
	c.listening = on
}

// watchAuth keeps the cache told of changes until ctx ends.
func (s *Server) watchAuth(ctx context.Context) {
	w, ok := s.store.(grid.AuthWatcher)
	if !ok || s.auth == nil {
		return
	}
	w.WatchAuth(ctx, s.auth.forgetAll, func(err error) {
		if err != nil {
			s.log.Warn("sign-in cache: database listener lost; every request is looked up until it is back", "err", err)
		}
		s.auth.setListening(err == nil)
	})
}

// tokenUser is the user of an API token, from the cache or the store.
func (s *Server) tokenUser(ctx context.Context, hash []byte) (grid.User, error) {
	now := s.now()
	u, ok, gen := s.auth.get(credentialToken, hash, now)
	if ok {
		return u, nil
	}
	u, expires, err := s.store.TokenUser(ctx, hash)
	if err == nil {
		s.auth.put(credentialToken, hash, u, expires, gen, now)
	}
	return u, err
}

// sessionUser is the user of a web session, from the cache or the store.
func (s *Server) sessionUser(ctx context.Context, hash []byte) (grid.User, error) {
	now := s.now()
	u, ok, gen := s.auth.get(credentialSession, hash, now)
	if ok {
		return u, nil
	}
	u, expires, err := s.store.SessionUser(ctx, hash, grid.SessionIdle)
	if err == nil {
		s.auth.put(credentialSession, hash, u, &expires, gen, now)
	}
	return u, err
}
