package postgis_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// seedFakeHash stands in for argon2id, which is slow on purpose.
func seedFakeHash(string) (string, error) { return "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", nil }

// seedTables are every table LoadDataset writes.
var seedTables = []string{"zone", "grid", "unit", "organization", "liaison", "app_user", "user_grid",
	"assignment", "contact", "request", "request_event"}

// The demo dataset loads once into this package's shared database, beside
// whatever other tests put there, and every check below runs in SQL.
func TestLoadDataset(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	probe := seedProbe(t, db)
	ds := demo.Generate(demo.Options{Now: time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC), Scale: 1})
	start := time.Now()
	if err := db.LoadDataset(ctx, ds.Dataset, seedFakeHash); err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Logf("loaded the Scale 1 demo in %s", time.Since(start).Round(time.Millisecond))
	var zoneID int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM zone WHERE code = $1`, demo.ZoneCode).Scan(&zoneID); err != nil {
		t.Fatal(err)
	}

	t.Run("counts", func(t *testing.T) {
		checks := []struct {
			name string
			sql  string
			want int
		}{
			{"enterprises", `SELECT count(*) FROM organization WHERE zone_id = $1 AND kind = 'enterprise'`, 300},
			{"new economic", `SELECT count(*) FROM organization WHERE zone_id = $1 AND kind = 'new_economic'`, 85},
			{"social", `SELECT count(*) FROM organization WHERE zone_id = $1 AND kind = 'social'`, 19},
			{"grids", `SELECT count(*) FROM grid WHERE zone_id = $1`, 6},
			{"liaisons", `SELECT count(*) FROM liaison WHERE zone_id = $1`, 36},
			{"units", `SELECT count(*) FROM unit WHERE zone_id = $1`, 28},
			{"banks and investors", `SELECT count(*) FROM unit WHERE zone_id = $1 AND kind IN ('bank', 'investor')`, 8},
			{"requests", `SELECT count(*) FROM request WHERE zone_id = $1`, 128},
			{"users", `SELECT count(*) FROM app_user WHERE zone_id = $1`, 44},
			{"officer grids", `SELECT count(*) FROM user_grid ug JOIN grid g ON g.id = ug.grid_id WHERE g.zone_id = $1`, 6},
			{"orgs without a grid", `SELECT count(*) FROM organization WHERE zone_id = $1 AND (grid_id IS NULL OR grid_reason IS NULL)`, 0},
			{"orgs in another zone's grid", `SELECT count(*) FROM organization o JOIN grid g ON g.id = o.grid_id
				WHERE o.zone_id = $1 AND g.zone_id <> o.zone_id`, 0},
		}
		for _, c := range checks {
			if got := seedCount(t, db, c.sql, zoneID); got != c.want {
				t.Errorf("%s: %d, want %d", c.name, got, c.want)
			}
		}
	})

	t.Run("grids tile the zone", func(t *testing.T) {
		var gap, overlap, zoneArea float64
		err := db.Pool.QueryRow(ctx, `
SELECT ST_Area(ST_SymDifference((SELECT ST_Union(geom) FROM grid WHERE zone_id = $1), z.boundary)),
       (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0)
          FROM grid a JOIN grid b ON a.zone_id = b.zone_id AND a.id < b.id WHERE a.zone_id = $1),
       ST_Area(z.boundary)
FROM zone z WHERE z.id = $1`, zoneID).Scan(&gap, &overlap, &zoneArea)
		if err != nil {
			t.Fatal(err)
		}
		if gap >= 1e-12 || overlap >= 1e-12 || zoneArea < 0.002 {
			t.Errorf("gap or excess area %g, overlap %g, zone area %g", gap, overlap, zoneArea)
		}
	})

	t.Run("stored grid follows the rule in SQL", func(t *testing.T) {
		rows, err := db.Pool.Query(ctx, `
SELECT o.name, o.grid_id, o.grid_reason, best.id,
       CASE WHEN best.industry = o.industry THEN 'industry'
            WHEN ST_Covers(best.geom, o.geom) THEN 'territory' ELSE 'nearest' END
FROM organization o
CROSS JOIN LATERAL (
  SELECT g.id, g.industry, g.geom FROM grid g WHERE g.zone_id = o.zone_id
  ORDER BY (g.industry = o.industry) DESC, ST_Covers(g.geom, o.geom) DESC, ST_Distance(g.geom, o.geom), g.code
  LIMIT 1) best
WHERE o.zone_id = $1`, zoneID)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]int{}
		for rows.Next() {
			var name, reason, wantReason string
			var gridID, wantGrid int64
			if err := rows.Scan(&name, &gridID, &reason, &wantGrid, &wantReason); err != nil {
				t.Fatal(err)
			}
			if gridID != wantGrid || reason != wantReason {
				t.Errorf("%s: grid %d (%s), SQL rule says %d (%s)", name, gridID, reason, wantGrid, wantReason)
			}
			reasons[reason]++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if reasons["industry"] == 0 || reasons["territory"] == 0 || reasons["nearest"] == 0 {
			t.Errorf("reasons used: %v, want industry, territory and nearest", reasons)
		}
	})

	t.Run("liaisons carry 5 to 8 of their own grid", func(t *testing.T) {
		outOfRange := seedCount(t, db, `
SELECT count(*) FROM liaison l
WHERE l.zone_id = $1 AND (SELECT count(*) FROM assignment a WHERE a.liaison_id = l.id AND a.valid_to IS NULL)
      NOT BETWEEN l.min_load AND l.max_load`, zoneID)
		foreign := seedCount(t, db, `
SELECT count(*) FROM assignment a JOIN organization o ON o.id = a.org_id JOIN liaison l ON l.id = a.liaison_id
WHERE o.zone_id = $1 AND (o.grid_id <> l.grid_id OR l.zone_id <> o.zone_id)`, zoneID)
		history := seedCount(t, db, `
SELECT count(*) FROM assignment a JOIN organization o ON o.id = a.org_id
WHERE o.zone_id = $1 AND a.valid_to IS NOT NULL`, zoneID)
		if outOfRange != 0 || foreign != 0 || history == 0 {
			t.Errorf("%d liaisons out of 5..8, %d assignments across grids or zones, %d closed assignments",
				outOfRange, foreign, history)
		}
	})

	t.Run("request histories match their requests", func(t *testing.T) {
		bad := seedCount(t, db, `
SELECT count(*) FROM request r
WHERE r.zone_id = $1 AND (
  r.version <> (SELECT count(*) FROM request_event e WHERE e.request_id = r.id)
  OR r.status <> (SELECT e.to_status FROM request_event e WHERE e.request_id = r.id ORDER BY e.at DESC, e.id DESC LIMIT 1)
  OR (r.status = 'verified' AND r.resolved_by = (SELECT e.actor_id FROM request_event e
        WHERE e.request_id = r.id AND e.action = 'verify')))`, zoneID)
		closed := seedCount(t, db, `SELECT count(*) FROM request WHERE zone_id = $1 AND status IN ('verified', 'rejected')`, zoneID)
		if bad != 0 || closed < 120 || closed == 128 {
			t.Errorf("%d requests disagree with their history; %d of 128 closed", bad, closed)
		}
	})

	t.Run("ids are shifted and sequences moved on", func(t *testing.T) {
		if zoneID <= probe.zone || seedCount(t, db, `SELECT min(id) FROM unit WHERE zone_id = $1`, zoneID) <= int(probe.unit) {
			t.Errorf("demo ids do not come after the rows already there")
		}
		tx, err := db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		for _, table := range seedTables {
			if table == "user_grid" {
				continue
			}
			var ahead bool
			err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) > (SELECT max(id) FROM `+pgx.Identifier{table}.Sanitize()+`)`,
				table).Scan(&ahead)
			if err != nil || !ahead {
				t.Errorf("%s: next id not past the loaded ones (err %v)", table, err)
			}
		}
	})

	t.Run("loading again conflicts and writes nothing", func(t *testing.T) {
		before := seedTableCounts(t, db)
		hashed := 0
		countingHash := func(u string) (string, error) { hashed++; return seedFakeHash(u) }
		err := db.LoadDataset(ctx, ds.Dataset, countingHash)
		if grid.ErrorCode(err) != grid.EConflict {
			t.Errorf("second load: %v, want a conflict", err)
		}
		other := demo.Generate(demo.Options{Now: ds.Now, Scale: 1})
		other.Zone.Code = "pds-hitech-demo-2"
		if err := db.LoadDataset(ctx, other.Dataset, countingHash); grid.ErrorCode(err) != grid.EConflict {
			t.Errorf("load with taken usernames: %v, want a conflict", err)
		}
		if hashed != 0 {
			t.Errorf("hashed %d passwords before finding the conflict", hashed)
		}
		after := seedTableCounts(t, db)
		for _, table := range seedTables {
			if before[table] != after[table] {
				t.Errorf("%s: %d rows before, %d after", table, before[table], after[table])
			}
		}
	})

	t.Run("zone count", func(t *testing.T) {
		n, err := db.ZoneCount(ctx)
		if err != nil || n < 2 {
			t.Errorf("ZoneCount = %d, %v; want at least the probe and the demo", n, err)
		}
	})
}

// seedProbeIDs are the rows seedProbe wrote.
type seedProbeIDs struct{ zone, unit int64 }

// seedProbe writes a zone and a unit before the demo, so that its ids
// must be shifted past them.
func seedProbe(t *testing.T, db *postgis.DB) seedProbeIDs {
	t.Helper()
	ctx := context.Background()
	var p seedProbeIDs
	err := db.Pool.QueryRow(ctx, `INSERT INTO zone (code, name, boundary)
VALUES ('seed-offset-probe', '偏移探针', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326))) RETURNING id`).Scan(&p.zone)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Pool.QueryRow(ctx, `INSERT INTO unit (zone_id, name, kind) VALUES ($1, '探针单位', 'service') RETURNING id`,
		p.zone).Scan(&p.unit)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seedCount(t *testing.T, db *postgis.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func seedTableCounts(t *testing.T, db *postgis.DB) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, table := range seedTables {
		counts[table] = seedCount(t, db, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize())
	}
	return counts
}
