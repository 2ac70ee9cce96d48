package postgis_test

import (
	"context"
	"testing"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	if err := postgis.Migrate(ctx, testDSN); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	db := pgtest.Open(t, testDSN)
	for _, table := range []string{"zone", "grid", "organization", "liaison", "assignment", "contact",
		"request", "request_event", "unit", "app_user", "user_grid", "session", "api_token", "audit_log"} {
		var exists bool
		if err := db.Pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s: exists=%v err=%v", table, exists, err)
		}
	}
}

// The SQL check of credit codes must agree with grid.ValidUSCC.
func TestUSCCValidAgreesWithGo(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	codes := []string{
		"91410400MA44X5CA3R", "91410400MA44X5CA3X", "9141040OMA44X5CA3R", "91410400MA44X5CA3",
		"914104A0MA44X5CA30", "", "91410400ma44x5ca3r", "11410400000000000I",
	}
	body := "91410400MA44X5CA3"
	check, _ := grid.USCCCheckChar(body)
	codes = append(codes, body+string(check))
	for _, code := range codes {
		var sqlOK bool
		if err := db.Pool.QueryRow(ctx, "SELECT uscc_valid($1)", code).Scan(&sqlOK); err != nil {
			t.Fatal(err)
		}
		if goOK := grid.ValidUSCC(code); goOK != sqlOK {
			t.Errorf("%q: Go says %v, SQL says %v", code, goOK, sqlOK)
		}
	}
	if !grid.ValidUSCC(body + string(check)) {
		t.Errorf("code with computed check char rejected")
	}
}
