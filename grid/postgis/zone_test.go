package postgis_test

import (
	"fmt"
	"testing"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

func TestFindZone(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	zoneID, ds := rebalanceZone(t, db, newTestClock())
	for _, ref := range []string{ds.Zone.Code, fmt.Sprint(zoneID)} {
		z, err := db.FindZone(ctx, ref)
		if err != nil || z.ID != zoneID || z.Code != ds.Zone.Code || z.Name != ds.Zone.Name {
			t.Errorf("FindZone(%q) = %+v, %v", ref, z, err)
		}
	}
	if _, err := db.FindZone(ctx, "no-such-zone"); grid.ErrorCode(err) != grid.ENotFound {
		t.Errorf("unknown zone: %v, want not found", err)
	}
	// This package's database holds several zones by now.
	if _, err := db.FindZone(ctx, ""); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("no zone named among several: %v, want invalid", err)
	}
}
