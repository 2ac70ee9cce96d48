package postgis_test

import (
	"context"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// A token's use is recorded to the minute: the first use and any use a
// minute or more after the recorded one write it; uses in between only
// read.
func TestTokenUserRecordsUseToTheMinute(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	u, err := db.CreateUser(ctx, grid.User{Username: "token-use", Role: grid.RolePlanner}, "$argon2id$not-used", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, hash := grid.NewSecret(grid.TokenPrefix)
	tok, err := db.CreateToken(ctx, u.ID, "use", hash, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := now
	steps := []struct {
		name     string
		at       time.Duration // after start
		wantUsed time.Duration // the recorded use, after start
	}{
		{"first use is recorded", 0, 0},
		{"a use 59 s later is not", 59 * time.Second, 0},
		{"a use a minute later is", time.Minute, time.Minute},
		{"and 30 s later not again", 90 * time.Second, time.Minute},
		{"an hour later it is", time.Hour, time.Hour},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			now = start.Add(step.at)
			got, _, err := db.TokenUser(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u.ID {
				t.Errorf("token user %d, want %d", got.ID, u.ID)
			}
			var used *time.Time
			if err := db.Pool.QueryRow(ctx, "SELECT last_used_at FROM api_token WHERE id = $1", tok.ID).Scan(&used); err != nil {
				t.Fatal(err)
			}
			if want := start.Add(step.wantUsed); used == nil || !used.Equal(want) {
				t.Errorf("last_used_at = %v, want %v", used, want)
			}
		})
	}

	// A revoked token no longer answers.
	if _, err := db.RevokeToken(ctx, u.ID, tok.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.TokenUser(ctx, hash); grid.ErrorCode(err) != grid.EUnauthorized {
		t.Errorf("revoked token: err %v, want unauthorized", err)
	}
}
