package server

import (
	"bytes"
	"testing"
	"time"

	"gridgis/grid"
)

// The cache keeps a found user until the TTL or the credential's own
// expiry, only while listening, never what a lookup read across a
// forgetting, and hands each request its own grid list.
func TestAuthCacheEntries(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	hash := bytes.Repeat([]byte{7}, 32)
	u := grid.User{ID: 3, GridIDs: []int64{1, 2}}
	c := newAuthCache(time.Minute)
	found := func(at time.Time) bool { _, ok, _ := c.get(credentialSession, hash, at); return ok }

	_, _, gen := c.get(credentialSession, hash, now)
	c.put(credentialSession, hash, u, nil, gen, now)
	if found(now) {
		t.Fatal("kept while not listening")
	}
	c.setListening(true)
	_, _, gen = c.get(credentialSession, hash, now)
	c.put(credentialSession, hash, u, nil, gen, now)
	if !found(now.Add(59*time.Second)) || found(now.Add(time.Minute)) {
		t.Error("not kept for exactly the TTL")
	}
	if _, ok, _ := c.get(credentialToken, hash, now); ok {
		t.Error("a session's hash answers as a token")
	}

	got, _, _ := c.get(credentialSession, hash, now)
	got.GridIDs[0] = 99
	if again, _, _ := c.get(credentialSession, hash, now); again.GridIDs[0] != 1 {
		t.Error("requests share the cached grid list")
	}

	expires := now.Add(10 * time.Second)
	_, _, gen = c.get(credentialToken, hash, now)
	c.put(credentialToken, hash, u, &expires, gen, now)
	if _, ok, _ := c.get(credentialToken, hash, now.Add(10*time.Second)); ok {
		t.Error("kept past the token's expiry")
	}

	_, _, gen = c.get(credentialToken, hash, now)
	c.forgetAll() // a notice while the lookup ran
	c.put(credentialToken, hash, u, nil, gen, now)
	if _, ok, _ := c.get(credentialToken, hash, now); ok {
		t.Error("kept what a lookup read before a forgetting")
	}
	if found(now) {
		t.Error("forgetAll kept an entry")
	}

	c.put(credentialSession, hash, u, nil, c.gen, now)
	c.setListening(false)
	if found(now) {
		t.Error("served while not listening")
	}

	if newAuthCache(0) != nil || newAuthCache(-1) != nil {
		t.Error("a cache with no TTL")
	}
	if newAuthCache(24*time.Hour).ttl != maxAuthCacheTTL {
		t.Error("the TTL is not bounded below the session idle limit")
	}
	var off *authCache
	off.put(credentialToken, hash, u, nil, 0, now)
	if _, ok, _ := off.get(credentialToken, hash, now); ok {
		t.Error("the nil cache keeps")
	}
}
