package postgis

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/grid"
)

// ImportTarget implements grid.ImportStore.
func (db *DB) ImportTarget(ctx context.Context, ref string) (grid.ImportTarget, error) {
	z, err := db.FindZone(ctx, ref)
	if err != nil {
		return grid.ImportTarget{}, err
	}
	t := grid.ImportTarget{Zone: z}
	var boundary []byte
	err = db.Pool.QueryRow(ctx, `
SELECT ST_AsEWKB(z.boundary),
  ARRAY(SELECT DISTINCT g.industry FROM grid g WHERE g.zone_id = z.id ORDER BY 1),
  (SELECT c.is_nullable = 'YES' FROM information_schema.columns c
   WHERE c.table_schema = current_schema() AND c.table_name = 'organization' AND c.column_name = 'geom')
FROM zone z WHERE z.id = $1`, z.ID).Scan(&boundary, &t.Industries, &t.UnlocatedAllowed)
	if err != nil {
		return t, translate(err)
	}
	g, _, err := ewkb.Unmarshal(boundary)
	if err != nil {
		return t, fmt.Errorf("zone %d boundary: %w", z.ID, err)
	}
	switch b := g.(type) {
	case orb.MultiPolygon:
		t.Zone.Boundary = b
	case orb.Polygon:
		t.Zone.Boundary = orb.MultiPolygon{b}
	default:
		return t, fmt.Errorf("zone %d boundary is a %s", z.ID, g.GeoJSONType())
	}
	return t, nil
}

// importLockKey with the zone id is the advisory lock that lets one
// register import of a zone write at a time (the others are refused).
const importLockKey = 7012

// importStageSQL is the staging table a register is copied into.
const importStageSQL = `
CREATE TEMP TABLE import_stage (
  row_num integer NOT NULL, name text NOT NULL, uscc text NOT NULL, kind text NOT NULL,
  industry text NOT NULL, employees integer NOT NULL, party_members integer NOT NULL,
  party_org text NOT NULL, high_tech boolean NOT NULL, specialized boolean NOT NULL,
  address text NOT NULL, lng double precision, lat double precision
) ON COMMIT DROP`

var importStageColumns = []string{"row_num", "name", "uscc", "kind", "industry", "employees", "party_members",
	"party_org", "high_tech", "specialized", "address", "lng", "lat"}

// importBeforeSQL keeps, for the audit, what the rows about to be updated
// held before.
const importBeforeSQL = `
CREATE TEMP TABLE import_before ON COMMIT DROP AS
SELECT o.id, s.row_num, o.name, o.kind, o.industry, o.employees, o.party_members, o.party_org,
  o.high_tech, o.specialized, o.address, ST_X(o.geom) AS lng, ST_Y(o.geom) AS lat
FROM import_stage s JOIN organization o ON o.zone_id = $1 AND o.uscc = s.uscc`

// importUpsertSQL inserts the new credit codes and updates the known ones
// that differ, noting each touched organization. A row without
// coordinates keeps an existing organization's location.
//
// A new organization comes with its grid, ranked as assignGridsSQL ranks
// (industry, then the grid covering the point, then distance, then code;
// none without a point), so that a million rows are written once rather
// than inserted and then updated. TestImportOrgsRegister checks that the
// rule (AssignGrids) finds nothing to change afterwards. The updated
// organizations go through the rule itself (importAssignSQL).
const importUpsertSQL = `
WITH up AS (
  INSERT INTO organization AS o (zone_id, name, uscc, kind, industry, employees, party_members,
    party_org, high_tech, specialized, address, geom, grid_id, grid_reason, updated_at)
  SELECT $1, s.name, s.uscc, s.kind, s.industry, s.employees, s.party_members, s.party_org,
    s.high_tech, s.specialized, s.address, s.geom, best.id,
    CASE WHEN best.industry = s.industry THEN 'industry'
         WHEN ST_Covers(best.geom, s.geom) THEN 'territory'
         WHEN best.id IS NOT NULL THEN 'nearest' END, $2
  FROM (SELECT *, CASE WHEN lng IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lng, lat), 4326) END AS geom
        FROM import_stage) s
  LEFT JOIN LATERAL (
    SELECT g.id, g.industry, g.geom
    FROM grid g
    WHERE g.zone_id = $1 AND s.geom IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM organization e WHERE e.zone_id = $1 AND e.uscc = s.uscc)
    ORDER BY (g.industry = s.industry) DESC, ST_Covers(g.geom, s.geom) DESC,
             ST_Distance(g.geom, s.geom), g.code
    LIMIT 1) best ON true
  ORDER BY s.row_num
  ON CONFLICT (zone_id, uscc) DO UPDATE SET
    name = EXCLUDED.name, kind = EXCLUDED.kind, industry = EXCLUDED.industry,
    employees = EXCLUDED.employees, party_members = EXCLUDED.party_members,
    party_org = EXCLUDED.party_org, high_tech = EXCLUDED.high_tech,
    specialized = EXCLUDED.specialized, address = EXCLUDED.address,
    geom = coalesce(EXCLUDED.geom, o.geom), updated_at = $2, version = o.version + 1
  WHERE (o.name, o.kind, o.industry, o.employees, o.party_members, o.party_org, o.high_tech,
         o.specialized, o.address, o.geom)
    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.industry, EXCLUDED.employees,
         EXCLUDED.party_members, EXCLUDED.party_org, EXCLUDED.high_tech, EXCLUDED.specialized,
         EXCLUDED.address, coalesce(EXCLUDED.geom, o.geom))
  RETURNING o.id, (o.xmax = 0) AS inserted
)
INSERT INTO import_touched (id, inserted) SELECT id, inserted FROM up`

// importAssignSQL is assignGridsSQL for the organizations an import
// updated.
var importAssignSQL = scopeAssignToTouched(assignGridsSQL)

func scopeAssignToTouched(sql string) string {
	const where = "WHERE o.zone_id = $1 AND"
	if strings.Count(sql, where) != 1 {
		panic("postgis: assignGridsSQL no longer has its zone filter; update scopeAssignToTouched")
	}
	// Without a point the rule has nothing to go on: an unlocated
	// organization waits for its place on the map (migration 009 allows no
	// grid but a manual one for it).
	return strings.Replace(sql, where, where+" o.id IN (SELECT id FROM import_touched WHERE NOT inserted) AND o.geom IS NOT NULL AND", 1)
}

// importAuditUpdatesSQL writes one audit row per updated organization
// with the job and row that changed it and what it held before.
const importAuditUpdatesSQL = `
INSERT INTO audit_log (at, actor_id, action, target, client_addr, detail)
SELECT $1, $2, 'org_import_update', 'organization:' || b.id, $3,
  jsonb_build_object('job_id', $4::bigint, 'row', b.row_num, 'before', to_jsonb(b) - 'id' - 'row_num')
FROM import_before b JOIN import_touched t ON t.id = b.id AND NOT t.inserted`

// importProgressEvery is how many copied rows pass between progress calls.
const importProgressEvery = 10_000

// ImportOrgs implements grid.ImportStore: COPY into a staging table, then
// set-based statements, all in one transaction.
func (db *DB) ImportOrgs(ctx context.Context, who grid.Actor, jobID, zoneID int64, n int, rows iter.Seq[grid.ImportRow],
	progress func(done int)) (grid.ImportCounts, error) {
	var counts grid.ImportCounts
	if progress == nil {
		progress = func(int) {}
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		now := db.Now()
		// A second import into the zone is refused, not queued: a clerk
		// is told at once, and no wait runs into the statement timeout.
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, $2::int)`, importLockKey, zoneID).Scan(&locked); err != nil {
			return err
		}
		if !locked {
			return grid.Errorf(grid.EConflict, "该园区正在导入，请稍后再试 / an import into this zone is running")
		}
		// A million rows take longer than the pool's statement timeout;
		// ctx (the job's) bounds the import instead.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		for _, sql := range []string{importStageSQL,
			`CREATE TEMP TABLE import_touched (id bigint PRIMARY KEY, inserted boolean NOT NULL) ON COMMIT DROP`} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		copied, err := copyImportRows(ctx, tx, rows, progress)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ANALYZE import_stage`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, importBeforeSQL, zoneID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, importUpsertSQL, zoneID, now); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
FROM import_touched`).Scan(&counts.Inserted, &counts.Updated); err != nil {
			return err
		}
		counts.Unchanged = copied - counts.Inserted - counts.Updated
		tag, err := tx.Exec(ctx, importAssignSQL, zoneID)
		if err != nil {
			return err
		}
		counts.Regridded = tag.RowsAffected()
		if _, err := tx.Exec(ctx, importAuditUpdatesSQL, now, actorID(who), who.ClientAddr, jobID); err != nil {
			return err
		}
		if err := audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr,
			Action: "org_import", Target: "zone:" + strconv.FormatInt(zoneID, 10),
			Detail: map[string]any{"job_id": jobID, "rows": copied, "inserted": counts.Inserted,
				"updated": counts.Updated, "unchanged": counts.Unchanged, "regridded": counts.Regridded}}, now); err != nil {
			return err
		}
		progress(int(copied))
		return nil
	})
	if err != nil {
		return grid.ImportCounts{}, translate(err)
	}
	return counts, nil
}

// copyImportRows streams rows into import_stage.
func copyImportRows(ctx context.Context, tx pgx.Tx, rows iter.Seq[grid.ImportRow], progress func(int)) (int64, error) {
	next, stop := iter.Pull(rows)
	defer stop()
	var r grid.ImportRow
	var done int
	var rowErr error
	src := pgx.CopyFromFunc(func() ([]any, error) {
		var ok bool
		if r, ok = next(); !ok {
			return nil, nil
		}
		done++
		if done%importProgressEvery == 0 {
			progress(done)
		}
		o := r.Org
		if o.USCC == "" || o.Name == "" {
			rowErr = fmt.Errorf("row %d: no name or credit code", r.Row)
			return nil, rowErr
		}
		var lng, lat *float64
		if r.Located {
			lng, lat = &o.Location[0], &o.Location[1]
		}
		return []any{int32(r.Row), o.Name, o.USCC, string(o.Kind), o.Industry, int32(o.Employees),
			int32(o.PartyMembers), string(o.PartyOrg), o.HighTech, o.Specialized, o.Address, lng, lat}, nil
	})
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"import_stage"}, importStageColumns, src)
	if err == nil && rowErr != nil {
		err = rowErr
	}
	if errors.Is(err, rowErr) && rowErr != nil {
		return 0, rowErr
	}
	return n, err
}
