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
  ARRAY(SELECT DISTINCT g.industry FROM grid g WHERE g.zone_id = z.id ORDER BY 1)
FROM zone z WHERE z.id = $1`, z.ID).Scan(&boundary, &t.Industries)
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

// importStageSQL is the staging table a register is copied into. An
// optional attribute the row does not state is NULL.
const importStageSQL = `
CREATE TEMP TABLE import_stage (
  row_num integer NOT NULL, name text NOT NULL, uscc text NOT NULL, kind text,
  industry text NOT NULL, employees integer, party_members integer,
  party_org text, high_tech boolean, specialized boolean,
  address text, lng double precision, lat double precision
) ON COMMIT DROP`

var importStageColumns = []string{"row_num", "name", "uscc", "kind", "industry", "employees", "party_members",
	"party_org", "high_tech", "specialized", "address", "lng", "lat"}

// importTouchedSQL holds the organizations an import writes, each with
// its row, for the grid rule and the audit.
const importTouchedSQL = `
CREATE TEMP TABLE import_touched (id bigint NOT NULL, row_num integer NOT NULL, inserted boolean NOT NULL)
ON COMMIT DROP`

// importBeforeSQL holds, for the audit, what the updated organizations
// held before: the columns are the keys of the audit's "before".
const importBeforeSQL = `
CREATE TEMP TABLE import_before (
  id bigint NOT NULL, row_num integer NOT NULL, name text, kind text, industry text, employees integer,
  party_members integer, party_org text, high_tech boolean, specialized boolean, address text,
  lng double precision, lat double precision, grid_id bigint, grid_reason text
) ON COMMIT DROP`

// importRowsSQL is the staged rows with their points.
const importRowsSQL = `
WITH s AS (
  SELECT *, CASE WHEN lng IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lng, lat), 4326) END AS geom
  FROM import_stage)`

// importUpdateSQL updates the active organizations whose credit codes the
// register holds, where the row changes something: an attribute the row
// does not state, or a location it lacks, stays as it was. A point within
// importSamePlace of the stored one is the same place (a GCJ-02 round
// trip, or our export's six decimals, moves it by centimetres), so
// re-importing an unchanged register changes nothing. Retired ones are
// refused before (importRetiredSQL). What an updated organization held
// before is kept from the same read (m's b_ columns): a million unchanged
// rows are read once, and only the changed ones are kept.
const importUpdateSQL = importRowsSQL + `,
m AS (
  SELECT o.id, s.row_num, s.name, coalesce(s.kind, o.kind) AS kind, s.industry, coalesce(s.employees, o.employees) AS employees,
    coalesce(s.party_members, o.party_members) AS party_members, coalesce(s.party_org, o.party_org) AS party_org,
    coalesce(s.high_tech, o.high_tech) AS high_tech, coalesce(s.specialized, o.specialized) AS specialized,
    coalesce(s.address, o.address) AS address,
    -- The same point is the same place, without measuring it.
    CASE WHEN s.geom IS NULL OR o.geom = s.geom OR ST_DWithin(o.geom::geography, s.geom::geography, $3) THEN o.geom
         ELSE s.geom END AS geom,
    o.name AS b_name, o.kind AS b_kind, o.industry AS b_industry, o.employees AS b_employees,
    o.party_members AS b_party_members, o.party_org AS b_party_org, o.high_tech AS b_high_tech,
    o.specialized AS b_specialized, o.address AS b_address, ST_X(o.geom) AS b_lng, ST_Y(o.geom) AS b_lat,
    o.grid_id AS b_grid_id, o.grid_reason AS b_grid_reason
  FROM s JOIN organization o ON o.zone_id = $1 AND o.uscc = s.uscc AND o.status = 'active'
),
up AS (
  UPDATE organization o SET name = m.name, kind = m.kind, industry = m.industry, employees = m.employees,
    party_members = m.party_members, party_org = m.party_org, high_tech = m.high_tech,
    specialized = m.specialized, address = m.address, geom = m.geom, updated_at = $2, version = o.version + 1
  FROM m
  WHERE o.id = m.id
    AND (o.name, o.kind, o.industry, o.employees, o.party_members, o.party_org, o.high_tech,
         o.specialized, o.address, o.geom)
    IS DISTINCT FROM (m.name, m.kind, m.industry, m.employees, m.party_members, m.party_org, m.high_tech,
         m.specialized, m.address, m.geom)
  RETURNING m.*),
touched AS (INSERT INTO import_touched (id, row_num, inserted) SELECT id, row_num, false FROM up)
INSERT INTO import_before
SELECT id, row_num, b_name, b_kind, b_industry, b_employees, b_party_members, b_party_org, b_high_tech,
  b_specialized, b_address, b_lng, b_lat, b_grid_id, b_grid_reason
FROM up`

// importSamePlace is how near, in metres, a row's point may lie to the
// stored one and still be taken as the same place.
const importSamePlace = 0.1

// importInsertSQL inserts the credit codes the zone does not hold, each
// with the grid the rule gives it (none without a point), so that a
// million rows are written once rather than inserted and then updated.
// The new rows are found first (s is materialized), so that the rule runs
// for them only, not for every row a re-import leaves as it was.
//
// The rule is bestGridSQL's, asked in fewer steps: one index probe finds
// the grids covering the point, ranked by industry match and code; its
// first answers the first question when it is of the row's industry, and
// the third otherwise. The reason follows from which question answered:
// a grid of the industry is 'industry', the covering one 'territory', any
// other 'nearest' (gridReasonSQL gives the same, measuring again).
// TestImportOrgsRegister and TestImportGridRuleAgreesWithAssignGrids check
// that the rule (AssignGrids) finds nothing to change afterwards.
var importInsertSQL = `
WITH s AS MATERIALIZED (
  SELECT s.*, CASE WHEN s.lng IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lng, s.lat), 4326) END AS geom
  FROM import_stage s
  WHERE NOT EXISTS (SELECT 1 FROM organization e WHERE e.zone_id = $1 AND e.uscc = s.uscc)),
ins AS (
  INSERT INTO organization (zone_id, name, uscc, kind, industry, employees, party_members,
    party_org, high_tech, specialized, address, geom, grid_id, grid_reason, updated_at)
  SELECT $1, s.name, s.uscc, coalesce(s.kind, 'enterprise'), s.industry, coalesce(s.employees, 0),
    coalesce(s.party_members, 0), coalesce(s.party_org, 'none'), coalesce(s.high_tech, false),
    coalesce(s.specialized, false), coalesce(s.address, ''), s.geom, g.id,
    CASE WHEN g.industry = s.industry THEN 'industry' WHEN g.id = cover.id THEN 'territory'
         WHEN g.id IS NOT NULL THEN 'nearest' END, $2
  FROM s
  LEFT JOIN LATERAL (SELECT g.id, g.industry = s.industry AS own FROM grid g
    WHERE s.geom IS NOT NULL AND g.zone_id = $1 AND ST_Covers(g.geom, s.geom)
    ORDER BY g.industry = s.industry DESC, g.code LIMIT 1) cover ON true
  LEFT JOIN LATERAL (SELECT CASE WHEN s.geom IS NULL THEN NULL WHEN cover.own THEN cover.id ELSE coalesce(
    (SELECT g.id FROM grid g WHERE g.zone_id = $1 AND g.industry = s.industry
     ORDER BY ST_Distance(g.geom, s.geom), g.code LIMIT 1),
    cover.id,
    (SELECT k.id FROM (SELECT g.id, g.code, g.geom <-> s.geom AS d FROM grid g WHERE g.zone_id = $1
       ORDER BY g.geom <-> s.geom LIMIT 3) k ORDER BY k.d, k.code LIMIT 1)) END AS id) best ON true
  LEFT JOIN grid g ON g.id = best.id
  ORDER BY s.row_num
  RETURNING id, uscc)
INSERT INTO import_touched (id, row_num, inserted)
SELECT ins.id, s.row_num, true FROM ins JOIN s ON s.uscc = ins.uscc`

// importRetiredSQL finds the rows naming a retired organization: an
// import does not bring one back or change its record.
const importRetiredSQL = `
SELECT s.row_num, s.uscc, o.name, o.status, o.retired_at::text, count(*) OVER ()
FROM import_stage s JOIN organization o ON o.zone_id = $1 AND o.uscc = s.uscc
WHERE o.status <> 'active'
ORDER BY s.row_num LIMIT $2`

// importMergedSQL finds the rows whose values, merged with what the
// organization holds (or the defaults, for a new one), break a rule
// between attributes: party members within the staff, and a standalone
// party organization with its least members.
const importMergedSQL = `
SELECT s.row_num, m.employees, m.party_members,
  s.employees IS NOT NULL, s.party_members IS NOT NULL, o.id IS NOT NULL, count(*) OVER ()
FROM import_stage s
LEFT JOIN organization o ON o.zone_id = $1 AND o.uscc = s.uscc AND o.status = 'active'
CROSS JOIN LATERAL (SELECT coalesce(s.employees, o.employees, 0) AS employees,
  coalesce(s.party_members, o.party_members, 0) AS party_members,
  coalesce(s.party_org, o.party_org, 'none') AS party_org) m
WHERE m.party_members > m.employees OR (m.party_org = 'standalone' AND m.party_members < $3)
ORDER BY s.row_num LIMIT $2`

// importUnlocatedSQL lists the rows whose organization is left without a
// location, after the write.
const importUnlocatedSQL = `
SELECT s.row_num, o.name, o.uscc, count(*) OVER ()
FROM import_stage s JOIN organization o ON o.zone_id = $1 AND o.uscc = s.uscc
WHERE o.geom IS NULL AND o.status = 'active'
ORDER BY s.row_num LIMIT $2`

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
INSERT INTO audit_log (at, actor_id, action, target, client_addr, detail, zone_id)
SELECT $1, $2, 'org_import_update', 'organization:' || b.id, $3,
  jsonb_build_object('job_id', $4::bigint, 'row', b.row_num, 'before', to_jsonb(b) - 'id' - 'row_num'), $5::bigint
FROM import_before b`

// importAuditInsertsSQL writes one audit row per inserted organization
// with the job and row that made it.
const importAuditInsertsSQL = `
INSERT INTO audit_log (at, actor_id, action, target, client_addr, detail, zone_id)
SELECT $1, $2, 'org_import_insert', 'organization:' || t.id, $3,
  jsonb_build_object('job_id', $4::bigint, 'row', t.row_num), $5::bigint
FROM import_touched t
WHERE t.inserted`

// importWorkMem is the memory each sort, hash or materialized step of an
// import may take before spilling to disk.
const importWorkMem = "128MB"

// importProgressEvery is how many copied rows pass between progress calls.
const importProgressEvery = 10_000

// errImportRollback ends the transaction of a dry run or a refused row.
var errImportRollback = errors.New("import rolled back")

// ImportOrgs implements grid.ImportStore: COPY into a staging table, then
// set-based statements, all in one transaction.
func (db *DB) ImportOrgs(ctx context.Context, who grid.Actor, w grid.ImportWrite, rows iter.Seq[grid.ImportRow],
	progress func(done int)) (grid.ImportOutcome, error) {
	var out grid.ImportOutcome
	if progress == nil {
		progress = func(int) {}
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		out = grid.ImportOutcome{}
		now := db.Now()
		// A second import into the zone is refused, not queued: a clerk
		// is told at once, and no wait runs into the statement timeout.
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, $2::int)`, importLockKey, w.ZoneID).Scan(&locked); err != nil {
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
		// A million rows are joined, sorted and materialized in memory
		// rather than in temporary files.
		if _, err := tx.Exec(ctx, `SELECT set_config('work_mem', $1, true)`, importWorkMem); err != nil {
			return err
		}
		for _, sql := range []string{importStageSQL, importTouchedSQL, importBeforeSQL} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		copied, err := copyImportRows(ctx, tx, rows, progress)
		if err != nil {
			return err
		}
		// The statements that write the rows take the other half of the
		// progress, a share each, so that a bar does not stand at its end
		// while they run.
		const shares = 5
		stepped := func(i int) { progress(int(copied) + int(copied)*i/shares) }
		for _, sql := range []string{`CREATE INDEX ON import_stage (uscc)`, `ANALYZE import_stage`} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		if out.Refused, out.RefusedCount, err = importRetired(ctx, tx, w.ZoneID); err != nil {
			return err
		}
		merged, mergedCount, err := importMerged(ctx, tx, w.ZoneID)
		if err != nil {
			return err
		}
		if mergedCount > 0 {
			// A refused row is not written: nothing else need be counted.
			out.Refused = append(out.Refused, merged...)
			out.RefusedCount += mergedCount
			return errImportRollback
		}
		stepped(1)
		if _, err := tx.Exec(ctx, importUpdateSQL, w.ZoneID, now, importSamePlace); err != nil {
			return err
		}
		stepped(2)
		// The new rows' map projections are built once, set-based, at the
		// end (map_bulk_add_orgs, migration 022), not by the triggers.
		if _, err := tx.Exec(ctx, `SET LOCAL gridgis.bulk_load = 'on'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, importInsertSQL, w.ZoneID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL gridgis.bulk_load = 'off'`); err != nil {
			return err
		}
		stepped(3)
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
FROM import_touched`).Scan(&out.Inserted, &out.Updated); err != nil {
			return err
		}
		out.Unchanged = copied - out.Inserted - out.Updated - int64(out.RefusedCount)
		if out.Updated > 0 { // the rule has nothing to do for the inserted ones
			if _, err := tx.Exec(ctx, `ANALYZE import_touched`); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, importAssignSQL, w.ZoneID)
			if err != nil {
				return err
			}
			out.Regridded = tag.RowsAffected()
		}
		stepped(4)
		if out.Unlocated, out.UnlocatedCount, err = importUnlocated(ctx, tx, w.ZoneID); err != nil {
			return err
		}
		if w.DryRun || out.RefusedCount > 0 {
			return errImportRollback
		}
		for _, sql := range []string{importAuditUpdatesSQL, importAuditInsertsSQL} {
			if _, err := tx.Exec(ctx, sql, now, actorID(who), who.ClientAddr, w.JobID, w.ZoneID); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr,
			Action: "org_import", Target: "zone:" + strconv.FormatInt(w.ZoneID, 10),
			Detail: map[string]any{"job_id": w.JobID, "rows": copied, "inserted": out.Inserted,
				"updated": out.Updated, "unchanged": out.Unchanged, "regridded": out.Regridded}}, now); err != nil {
			return err
		}
		// Last: a fold reaching a pyramid cell this adds to waits for the
		// commit. Nothing above updates the inserted rows.
		if _, err := tx.Exec(ctx, `SELECT map_bulk_add_orgs(ARRAY(SELECT id FROM import_touched WHERE inserted))`); err != nil {
			return err
		}
		out.Written = true
		stepped(shares)
		return nil
	})
	if errors.Is(err, errImportRollback) {
		return out, nil
	}
	if err != nil {
		return grid.ImportOutcome{}, translate(err)
	}
	return out, nil
}

// importRetired lists the rows naming a retired organization.
func importRetired(ctx context.Context, tx pgx.Tx, zoneID int64) ([]grid.ImportProblem, int, error) {
	rows, err := tx.Query(ctx, importRetiredSQL, zoneID, grid.ReportedMax)
	if err != nil {
		return nil, 0, err
	}
	var list []grid.ImportProblem
	total := 0
	for rows.Next() {
		var row int32
		var uscc, name, status, on string
		if err := rows.Scan(&row, &uscc, &name, &status, &on, &total); err != nil {
			return nil, 0, err
		}
		what := "迁出"
		if status == "deregistered" {
			what = "注销"
		}
		list = append(list, grid.ImportProblem{Row: int(row), Field: "uscc", Reason: fmt.Sprintf(
			"统一社会信用代码 %s 是已于 %s %s的“%s”，导入不会恢复或修改它；请删去此行", uscc, on, what, name)})
	}
	return list, total, rows.Err()
}

// importMerged lists the rows whose merged values break a rule between
// attributes, each with the values and where they came from.
func importMerged(ctx context.Context, tx pgx.Tx, zoneID int64) ([]grid.ImportProblem, int, error) {
	rows, err := tx.Query(ctx, importMergedSQL, zoneID, grid.ReportedMax, grid.MinStandaloneMembers)
	if err != nil {
		return nil, 0, err
	}
	var list []grid.ImportProblem
	total := 0
	for rows.Next() {
		var row int32
		var employees, members int
		var statesEmployees, statesMembers, exists bool
		if err := rows.Scan(&row, &employees, &members, &statesEmployees, &statesMembers, &exists, &total); err != nil {
			return nil, 0, err
		}
		// from says where a value the row does not state came from.
		from := func(states bool) string {
			switch {
			case states:
				return ""
			case exists:
				return "，文件未填，为系统中原有"
			}
			return "，文件未填，按 0 计"
		}
		p := grid.ImportProblem{Row: int(row), Field: "party_members", Reason: fmt.Sprintf(
			"党员人数（%d%s）不能超过从业人员（%d%s）", members, from(statesMembers), employees, from(statesEmployees))}
		if members <= employees {
			p.Field, p.Reason = "party_org", fmt.Sprintf("单独组建党组织至少需要 %d 名党员，此处为 %d 名%s",
				grid.MinStandaloneMembers, members, from(statesMembers))
		}
		list = append(list, p)
	}
	return list, total, rows.Err()
}

// importUnlocated lists the rows left without a location.
func importUnlocated(ctx context.Context, tx pgx.Tx, zoneID int64) ([]grid.UnlocatedOrg, int, error) {
	rows, err := tx.Query(ctx, importUnlocatedSQL, zoneID, grid.ReportedMax)
	if err != nil {
		return nil, 0, err
	}
	list := []grid.UnlocatedOrg{}
	total := 0
	for rows.Next() {
		var u grid.UnlocatedOrg
		var row int32
		if err := rows.Scan(&row, &u.Name, &u.USCC, &total); err != nil {
			return nil, 0, err
		}
		u.Row = int(row)
		list = append(list, u)
	}
	return list, total, rows.Err()
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
		g := r.Given
		return []any{int32(r.Row), o.Name, o.USCC, stated(g, grid.AttrKind, string(o.Kind)), o.Industry,
			stated(g, grid.AttrEmployees, int32(o.Employees)), stated(g, grid.AttrPartyMembers, int32(o.PartyMembers)),
			stated(g, grid.AttrPartyOrg, string(o.PartyOrg)), stated(g, grid.AttrHighTech, o.HighTech),
			stated(g, grid.AttrSpecialized, o.Specialized), stated(g, grid.AttrAddress, o.Address), lng, lat}, nil
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

// stated is v when the row states attribute a, else NULL.
func stated[T any](given, a grid.OrgAttrs, v T) any {
	if given.Has(a) {
		return v
	}
	return nil
}
