package postgis_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// The bulk path (migration 022): the seed and the register import insert
// with the map triggers skipped and build the new rows' projections
// set-based before they commit (map_bulk_add_orgs). Afterwards org_feature,
// org_activity, the pyramid and the grid counts are what a rebuild from
// scratch gives; a writer in the same zone while a bulk add holds its
// pyramid cells neither waits for it nor loses its counts.
func TestBulkLoadProjections(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	z := newDriftZone(t, db) // a seed (LoadDataset), with contacts, requests and assignments
	checkRebuild(t, db, "after the seed")

	// A register of more than 10,000 new organizations (the hash join's
	// path) and a few known ones, updated through the triggers.
	var rows []grid.ImportRow
	for i := range 10_050 {
		o := z.newOrg()
		if i < 5 {
			if err := db.Pool.QueryRow(ctx, `SELECT uscc FROM organization WHERE id = $1`, z.activeOrg(t)).Scan(&o.USCC); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, grid.ImportRow{Row: i + 2, Org: o, Located: !o.Unlocated, Given: grid.AttrKind | grid.AttrAddress})
	}
	var seq iter.Seq[grid.ImportRow] = func(yield func(grid.ImportRow) bool) {
		for _, r := range rows {
			if !yield(r) {
				return
			}
		}
	}
	out, err := db.ImportOrgs(ctx, grid.Actor{ClientAddr: "cli"}, grid.ImportWrite{ZoneID: z.zoneID}, seq, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Written || out.Inserted != 10_045 {
		t.Fatalf("import %+v, want 10,045 inserted", out)
	}
	z.check(t, "the import")
	checkRebuild(t, db, "after the import")

	// A bulk add holds its cells until it commits; meanwhile another
	// organization is added at the same point, in the same grid.
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	o := z.newOrg()
	o.Unlocated, o.Location = false, z.point()
	point, err := ewkb.Marshal(o.Location, 4326)
	if err != nil {
		t.Fatal(err)
	}
	gridID := z.pick(z.grids)
	if _, err := tx.Exec(ctx, `SET LOCAL gridgis.bulk_load = 'on'`); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO organization (zone_id, name, uscc, kind, industry, geom, grid_id, grid_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'manual') RETURNING id`, z.zoneID, o.Name, o.USCC, string(o.Kind), o.Industry,
		point, gridID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT map_bulk_add_orgs(ARRAY[$1::bigint])`, id); err != nil {
		t.Fatal(err)
	}
	other := z.newOrg()
	other.Unlocated, other.Location = false, o.Location
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := db.AddOrg(wctx, grid.Scope{All: true}, grid.Actor{}, other); err != nil {
		t.Fatalf("a write while a bulk add holds its cells: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	z.check(t, "a bulk add beside a write")
	checkRebuild(t, db, "after a bulk add beside a write")
	if _, err := db.FoldTiles(ctx); err != nil {
		t.Fatal(err)
	}
	checkRebuild(t, db, "after a fold")
	checkFeatureRebuild(t, db, "the bulk loads")
}
