package postgis_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

var errAuthRollback = errors.New("rolled back")

// Migration 024's triggers announce on gridgis_auth every change that can
// end a credential or change its user's role, zone or grids, and nothing
// for the sign-in lookups' own writes (last_used_at, last_seen_at) or for
// new credentials: the sign-in cache forgets everything at a notice, so a
// missing one serves a revoked credential and a stray one empties the
// cache at every request.
func TestAuthNotify(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN)
	square := func(x float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, 33}, {x + 0.1, 33}, {x + 0.1, 33.1}, {x, 33.1}, {x, 33}}}}
	}
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "auth-notify", Name: "登录通知区", Boundary: square(113)})
	if err != nil {
		t.Fatal(err)
	}
	zone2, err := db.CreateZone(ctx, grid.Zone{Code: "auth-notify-2", Name: "登录通知二区", Boundary: square(114)})
	if err != nil {
		t.Fatal(err)
	}
	g, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "A1", Name: "网格", Industry: "物流", Geom: square(113)})
	if err != nil {
		t.Fatal(err)
	}
	user, err := db.CreateUser(ctx, grid.User{ZoneID: zone.ID, Username: "auth-notify", Role: grid.RoleOfficer},
		"$argon2id$v=19$m=65536,t=1,p=4$bm90dXNlZA$bm90dXNlZA", []string{g.Code})
	if err != nil {
		t.Fatal(err)
	}
	var liaisonID int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '登录通知联络员', $2, ST_SetSRID(ST_MakePoint(113.05, 33.05), 4326)) RETURNING id`, zone.ID, g.ID).Scan(&liaisonID); err != nil {
		t.Fatal(err)
	}
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

	heard := listenCases(t, db, "gridgis_auth")
	exec := func(sql string, args ...any) func() error {
		return func() error { _, err := db.Pool.Exec(ctx, sql, args...); return err }
	}
	var tokenID int64
	for _, tt := range []struct {
		name     string
		write    func() error
		announce bool
	}{
		{"a new token", func() error {
			tok, err := db.CreateToken(ctx, user.ID, "t", hash("token"), nil)
			tokenID = tok.ID
			return err
		}, false},
		{"a token looked up (last_used_at)", func() error { _, _, err := db.TokenUser(ctx, hash("token")); return err }, false},
		{"a new session", func() error {
			return db.CreateSession(ctx, hash("session"), user.ID, time.Now().Add(time.Hour), "127.0.0.1")
		}, false},
		{"a session looked up (last_seen_at)", func() error {
			_, _, err := db.SessionUser(ctx, hash("session"), time.Hour)
			return err
		}, false},
		{"a token's expiry changed", exec(`UPDATE api_token SET expires_at = now() + interval '1 day' WHERE id = $1`, &tokenID), true},
		{"a session's expiry changed", exec(`UPDATE session SET expires_at = now() + interval '2 hours'`), true},
		{"a user's role changed", exec(`UPDATE app_user SET role = 'admin' WHERE id = $1`, user.ID), true},
		{"a user given another grid", exec(`DELETE FROM user_grid WHERE user_id = $1`, user.ID), true},
		{"a grid moved to another zone", exec(`UPDATE grid SET zone_id = $1 WHERE id = $2`, zone2.ID, g.ID), true},
		{"a grid renamed", exec(`UPDATE grid SET name = '改名网格' WHERE id = $1`, g.ID), false},
		{"a liaison moved to another zone", exec(`UPDATE liaison SET zone_id = $1 WHERE id = $2`, zone2.ID, liaisonID), true},
		{"a liaison renamed", exec(`UPDATE liaison SET name = '改名联络员' WHERE id = $1`, liaisonID), false},
		{"a token revoked", func() error { _, err := db.RevokeToken(ctx, user.ID, tokenID, false); return err }, true},
		{"a session ended", func() error { return db.DeleteSession(ctx, hash("session")) }, true},
		{"a write that changes no row", exec(`UPDATE app_user SET role = 'admin' WHERE false`), true},
		{"a rolled-back change", func() error {
			return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `DELETE FROM user_grid`); err != nil {
					return err
				}
				return errAuthRollback
			})
		}, false},
		{"a user deleted", exec(`DELETE FROM app_user WHERE id = $1`, user.ID), true},
	} {
		if err := tt.write(); err != nil && err != errAuthRollback {
			t.Fatalf("%s: %v", tt.name, err)
		}
		n := len(heard())
		if tt.announce && n != 1 || !tt.announce && n != 0 {
			t.Errorf("%s: %d notices, want announced=%v (one)", tt.name, n, tt.announce)
		}
	}
}
