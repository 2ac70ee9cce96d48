package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/server"
)

func (s *countingStore) SessionUser(ctx context.Context, hash []byte, idle time.Duration) (grid.User, time.Time, error) {
	s.authLookups.Add(1)
	return s.DB.SessionUser(ctx, hash, idle)
}

func (s *countingStore) TokenUser(ctx context.Context, hash []byte) (grid.User, *time.Time, error) {
	s.authLookups.Add(1)
	return s.DB.TokenUser(ctx, hash)
}

func (s *countingStore) WatchAuth(ctx context.Context, changed func(), status func(error)) {
	s.DB.WatchAuth(ctx, changed, func(err error) {
		if err == nil {
			s.authListens.Add(1)
		}
		status(err)
	})
}

// TestAuthCache: a credential is looked up once and then served from
// memory; every change that can end it or change its user reaches every
// server through the database (migration 024's notices), a server's own
// sign-out or revocation at once; the lookups' own writes announce
// nothing.
func TestAuthCache(t *testing.T) {
	ctx := context.Background()
	fx := buildCacheFixture(t)
	srv, store := fx.serve(t, server.Config{}, nil)
	other, otherStore := fx.serve(t, server.Config{}, nil)
	eventually(t, "both sign-in caches listen", func() bool {
		return store.authListens.Load() >= 1 && otherStore.authListens.Load() >= 1
	})
	me := func(srv *server.Server, p persona, bearer string) (int, grid.User) {
		req := jsonRequest("GET", "/api/v1/me", "")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		} else {
			req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[p]})
		}
		status, _, body := send(t, srv, req)
		var out struct{ User grid.User }
		if status == http.StatusOK {
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
		}
		return status, out.User
	}

	t.Run("Cached", func(t *testing.T) {
		me(srv, officerA, "")
		time.Sleep(300 * time.Millisecond) // a notice of the lookup's write would have come
		n := store.authLookups.Load()
		for range 5 {
			if status, u := me(srv, officerA, ""); status != http.StatusOK || len(u.GridIDs) != 1 {
				t.Fatalf("%d %+v", status, u)
			}
		}
		if got := store.authLookups.Load() - n; got != 0 {
			t.Errorf("%d lookups for 5 requests of a cached session", got)
		}
	})

	t.Run("GridsChangedElsewhere", func(t *testing.T) {
		if _, err := fx.db.Pool.Exec(ctx, `DELETE FROM user_grid WHERE user_id = (SELECT id FROM app_user WHERE username = 'c-officer-a')`); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the officer's new scope is seen", func() bool {
			status, u := me(srv, officerA, "")
			return status == http.StatusOK && len(u.GridIDs) == 0
		})
	})

	t.Run("SignedOutOnAnotherServer", func(t *testing.T) {
		if status, _ := me(srv, officerB, ""); status != http.StatusOK {
			t.Fatal(status)
		}
		req := jsonRequest("DELETE", "/api/v1/session", "")
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[officerB]})
		if status, _, body := send(t, other, req); status >= 300 {
			t.Fatalf("sign-out: %d %s", status, body)
		}
		if status, _ := me(other, officerB, ""); status != http.StatusUnauthorized {
			t.Errorf("the server that signed out still knows the session: %d", status)
		}
		eventually(t, "the session ended on the other server", func() bool {
			status, _ := me(srv, officerB, "")
			return status == http.StatusUnauthorized
		})
	})

	t.Run("UserDisabled", func(t *testing.T) {
		if status, _ := me(srv, adminB, ""); status != http.StatusOK {
			t.Fatal(status)
		}
		if err := fx.db.SetUserDisabled(ctx, "c-admin-b", true); err != nil { // as the CLI does
			t.Fatal(err)
		}
		eventually(t, "the disabled user is refused", func() bool {
			status, _ := me(srv, adminB, "")
			return status == http.StatusUnauthorized
		})
	})

	t.Run("TokenRevoked", func(t *testing.T) {
		req := jsonRequest("POST", "/api/v1/tokens", `{"name":"cache test"}`)
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
		status, _, body := send(t, srv, req)
		if status != http.StatusCreated {
			t.Fatalf("create token: %d %s", status, body)
		}
		var tok struct {
			Token string
			ID    int64
		}
		if err := json.Unmarshal(body, &tok); err != nil {
			t.Fatal(err)
		}
		n := store.authLookups.Load()
		for range 3 {
			if status, _ := me(srv, admin, tok.Token); status != http.StatusOK {
				t.Fatal(status)
			}
		}
		if got := store.authLookups.Load() - n; got != 1 {
			t.Errorf("%d lookups for 3 requests with a token, want 1", got)
		}
		if status, _ := me(other, admin, tok.Token); status != http.StatusOK {
			t.Fatal(status)
		}
		req = jsonRequest("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), "")
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
		if status, _, body := send(t, srv, req); status != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", status, body)
		}
		if status, _ := me(srv, admin, tok.Token); status != http.StatusUnauthorized {
			t.Errorf("revoked here, still accepted here: %d", status)
		}
		eventually(t, "the revoked token is refused by the other server", func() bool {
			status, _ := me(other, admin, tok.Token)
			return status == http.StatusUnauthorized
		})
	})

	t.Run("Off", func(t *testing.T) {
		off, offStore := fx.serve(t, server.Config{AuthCacheTTL: -1}, nil)
		n := offStore.authLookups.Load()
		for range 3 {
			if status, _ := me(off, province, ""); status != http.StatusOK {
				t.Fatal(status)
			}
		}
		if got := offStore.authLookups.Load() - n; got != 3 {
			t.Errorf("%d lookups for 3 requests with the cache off", got)
		}
	})
}
