package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"gridgis/grid"
)

// gridStageSQL is the table a boundary file's grids are checked in.
const gridStageSQL = `
CREATE TEMP TABLE grid_stage (
  feature integer PRIMARY KEY, code text NOT NULL, name text NOT NULL, industry text NOT NULL,
  officer text NOT NULL, instructor text NOT NULL, wkb bytea NOT NULL, geom geometry
) ON COMMIT DROP`

var gridStageColumns = []string{"feature", "code", "name", "industry", "officer", "instructor", "wkb"}

// gridInvalidSQL finds the staged polygons PostGIS finds invalid, with
// where (a self-intersection's point).
const gridInvalidSQL = `
SELECT s.feature, s.code, coalesce(d.reason, ''), ST_X(d.location), ST_Y(d.location)
FROM grid_stage s CROSS JOIN LATERAL ST_IsValidDetail(s.geom) d
WHERE NOT d.valid ORDER BY s.feature`

// gridOverlapSQL finds the pairs of grids that share more than $1 m² and
// more than a sliver of $2 m width.
const gridOverlapSQL = `
SELECT a.feature, a.code, b.feature, b.code, ST_Area(x.geom::geography), ST_X(p.p), ST_Y(p.p)
FROM grid_stage a
JOIN grid_stage b ON a.feature < b.feature AND ST_Intersects(a.geom, b.geom)
CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS geom) x
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(x.geom) AS p) p
WHERE NOT ST_IsEmpty(x.geom) AND ST_Area(x.geom::geography) > $1
  AND NOT ST_IsEmpty(ST_Buffer(x.geom::geography, -$2::float8 / 2)::geometry)
ORDER BY a.feature, b.feature`

// gridOutsideSQL finds the staged grids that reach more than $2 m²
// outside zone $1's boundary (a zone without one has no outside) and are
// wider there than a sliver of $3 m, with that area and a point of it.
// The sliver allowance is the gaps' and overlaps': the zone's own grids,
// exported with coordinates to 1e-6° and read back, pass a sub-metre
// strip along the boundary, of hundreds of m².
const gridOutsideSQL = `
SELECT s.feature, s.code, ST_Area(x.geom::geography), ST_X(ST_PointOnSurface(x.geom)), ST_Y(ST_PointOnSurface(x.geom))
FROM grid_stage s
JOIN zone z ON z.id = $1 AND z.boundary IS NOT NULL AND NOT ST_CoveredBy(s.geom, z.boundary)
CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Difference(s.geom, z.boundary), 3) AS geom) x
WHERE NOT ST_IsEmpty(x.geom) AND ST_Area(x.geom::geography) > $2
  AND NOT ST_IsEmpty(ST_Buffer(x.geom::geography, -$3::float8 / 2)::geometry)
ORDER BY s.feature`

// gridGapSQL finds the parts of zone $1 that no grid covers, each larger
// than $2 m² and wider somewhere than a sliver of $3 m, largest first.
const gridGapSQL = `
WITH u AS (SELECT ST_Union(geom) AS geom FROM grid_stage),
gap AS (
  SELECT (ST_Dump(ST_CollectionExtract(ST_Difference(z.boundary, u.geom), 3))).geom AS geom
  FROM zone z, u WHERE z.id = $1)
SELECT ST_Area(geom::geography) AS area, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
FROM gap WHERE ST_Area(geom::geography) > $2 AND NOT ST_IsEmpty(ST_Buffer(geom::geography, -$3::float8 / 2)::geometry)
ORDER BY area DESC`

// gridLeftOutSQL lists the zone's grids missing from the file with what
// still holds them: liaisons based there (the column may not be null),
// users scoped to them, organizations placed there by hand.
const gridLeftOutSQL = `
SELECT g.code, g.name,
  (SELECT count(*) FROM liaison l WHERE l.grid_id = g.id),
  (SELECT count(*) FROM user_grid ug WHERE ug.grid_id = g.id),
  (SELECT count(*) FROM organization o WHERE o.grid_id = g.id AND o.grid_reason = 'manual')
FROM grid g
WHERE g.zone_id = $1 AND NOT EXISTS (SELECT 1 FROM grid_stage s WHERE s.code = g.code)
ORDER BY g.code`

// gridBeforeSQL keeps each organization's grid and reason before the
// import.
const gridBeforeSQL = `
CREATE TEMP TABLE grid_import_before ON COMMIT DROP AS
SELECT o.id, o.grid_id, g.code AS grid_code, o.grid_reason
FROM organization o LEFT JOIN grid g ON g.id = o.grid_id
WHERE o.zone_id = $1`

// gridPreviewKeySQL names the staged grids (as read from the file), zone
// $1's grids as they are, its boundary (the gap and outside checks read
// it, and from_grids replaces it), and what decides the moves: its
// organizations (each write bumps a version) and their assignments (a
// change ends one and starts another, a new id). A commit carrying a
// preview's key makes the change that preview showed, or none.
const gridPreviewKeySQL = `
SELECT md5(
  coalesce((SELECT string_agg(concat_ws('|', feature, code, name, industry, officer, instructor, md5(wkb)), ';' ORDER BY feature)
            FROM grid_stage), '') || '#' ||
  coalesce((SELECT md5(ST_AsEWKB(boundary)) FROM zone WHERE id = $1), '') || '#' ||
  coalesce((SELECT string_agg(concat_ws('|', id, code, updated_at), ';' ORDER BY id) FROM grid WHERE zone_id = $1), '') || '#' ||
  (SELECT concat_ws('|', count(*), sum(version), max(updated_at)) FROM organization WHERE zone_id = $1) || '#' ||
  (SELECT concat_ws('|', count(*), count(a.valid_to), max(a.id)) FROM assignment a JOIN organization o ON o.id = a.org_id
   WHERE o.zone_id = $1))`

// gridOldSQL keeps the zone's grids as they were before the import, for
// the audit of each change.
const gridOldSQL = `
CREATE TEMP TABLE grid_import_old ON COMMIT DROP AS
SELECT id, code, name, industry, officer, instructor, geom FROM grid WHERE zone_id = $1`

// gridChangedSQL pairs the zone's grids before the import (o) with
// after (n, zone ZONE), keeping those created, changed or removed.
func gridChangedSQL(zone string) string {
	return `FROM grid_import_old o
FULL JOIN (SELECT * FROM grid WHERE zone_id = ` + zone + `) n ON n.id = o.id
WHERE o.id IS NULL OR n.id IS NULL
   OR (o.name, o.industry, o.officer, o.instructor) IS DISTINCT FROM (n.name, n.industry, n.officer, n.instructor)
   OR NOT ` + sameShapeSQL("o.geom", "n.geom")
}

// gridAuditSQL writes one audit row per grid the import created, changed
// or removed, with what it was: enough to undo a wrong file from the log.
var gridAuditSQL = `
INSERT INTO audit_log (at, actor_id, action, target, client_addr, detail, zone_id)
SELECT $1, $2,
  CASE WHEN o.id IS NULL THEN 'grid_create' WHEN n.id IS NULL THEN 'grid_delete' ELSE 'grid_update' END,
  'grid:' || coalesce(n.id, o.id), $3,
  jsonb_build_object('job_id', $4::bigint, 'cause', 'grid_import', 'code', coalesce(n.code, o.code),
    'old', CASE WHEN o.id IS NOT NULL THEN jsonb_build_object('name', o.name, 'industry', o.industry,
      'officer', o.officer, 'instructor', o.instructor, 'geom', ST_AsGeoJSON(o.geom)::jsonb) END),
  $5
` + gridChangedSQL("$5") + `
ORDER BY coalesce(n.code, o.code)`

// gridChangesSQL lists for the report the first $2 grids the import
// creates, changes or removes, with what changes.
var gridChangesSQL = `
SELECT coalesce(n.code, o.code), CASE WHEN o.id IS NULL THEN 'insert' WHEN n.id IS NULL THEN 'remove' ELSE 'update' END,
  coalesce(o.name, ''), coalesce(n.name, ''), coalesce(o.industry, ''), coalesce(n.industry, ''),
  coalesce(o.officer, ''), coalesce(n.officer, ''), coalesce(o.instructor, ''), coalesce(n.instructor, ''),
  coalesce(ST_Area(o.geom::geography), 0), coalesce(ST_Area(n.geom::geography), 0),
  o.id IS NOT NULL AND n.id IS NOT NULL AND NOT ` + sameShapeSQL("o.geom", "n.geom") + `
` + gridChangedSQL("$1") + `
ORDER BY coalesce(n.code, o.code) LIMIT $2`

// sameShapeSQL is true when geometries a and b are the same shape to
// 1e-6° (about 0.1 m) whichever vertex their rings start from and
// whichever way they turn (ST_Normalize), as a desktop GIS re-saves them.
func sameShapeSQL(a, b string) string {
	return "ST_OrderingEquals(ST_Normalize(ST_SnapToGrid(ST_Multi(" + a + "), 1e-6)), ST_Normalize(ST_SnapToGrid(ST_Multi(" + b + "), 1e-6)))"
}

// gridUpdateSQL updates the grids the file names by code; an empty name
// (the file has none), officer or instructor keeps the grid's. A geometry
// of the same shape (sameShapeSQL) is the same: the zone's own GeoJSON,
// read back, changes nothing.
var gridUpdateSQL = `
UPDATE grid g SET name = CASE WHEN s.name <> '' THEN s.name ELSE g.name END, industry = s.industry, geom = ST_Multi(s.geom),
  officer = CASE WHEN s.officer <> '' THEN s.officer ELSE g.officer END,
  instructor = CASE WHEN s.instructor <> '' THEN s.instructor ELSE g.instructor END,
  updated_at = $2
FROM grid_stage s
WHERE g.zone_id = $1 AND g.code = s.code
  AND (g.industry IS DISTINCT FROM s.industry
       OR s.name NOT IN ('', g.name) OR s.officer NOT IN ('', g.officer) OR s.instructor NOT IN ('', g.instructor)
       OR NOT ` + sameShapeSQL("g.geom", "s.geom") + `)`

// gridInsertSQL inserts the grids new to the zone, named by their code
// when the file has no name.
const gridInsertSQL = `
INSERT INTO grid (zone_id, code, name, industry, officer, instructor, geom, created_at, updated_at)
SELECT $1, s.code, coalesce(nullif(s.name, ''), s.code), s.industry, s.officer, s.instructor, ST_Multi(s.geom), $2, $2
FROM grid_stage s
WHERE NOT EXISTS (SELECT 1 FROM grid g WHERE g.zone_id = $1 AND g.code = s.code)
ORDER BY s.feature`

// gridRemoveSQL deletes the zone's grids missing from the file (the
// checks made sure nothing holds them), first taking their organizations
// out of them so that the rule places them again.
const gridRemoveSQL = `
WITH gone AS (
  SELECT g.id FROM grid g
  WHERE g.zone_id = $1 AND NOT EXISTS (SELECT 1 FROM grid_stage s WHERE s.code = g.code)
), freed AS (
  UPDATE organization o SET grid_id = NULL, grid_reason = NULL, updated_at = $2, version = o.version + 1
  WHERE o.grid_id IN (SELECT id FROM gone)
)
DELETE FROM grid g WHERE g.id IN (SELECT id FROM gone)`

// gridMovesSQL lists the organizations the rule put in another grid, or
// left in theirs for another reason, with their active assignment, which
// ends when they change grid, the liaison's home grid is not the new grid
// and the pair is not pinned.
const gridMovesSQL = `
CREATE TEMP TABLE grid_import_moves ON COMMIT DROP AS
SELECT o.id, o.name, o.uscc, b.grid_id AS from_id, coalesce(b.grid_code, '') AS from_code,
  o.grid_id AS to_id, coalesce(g.code, '') AS to_code, coalesce(o.grid_reason, '') AS reason,
  coalesce(b.grid_reason, '') AS from_reason, o.grid_id IS DISTINCT FROM b.grid_id AS moved,
  a.liaison_id, (a.id IS NOT NULL AND NOT a.pinned AND o.grid_id IS DISTINCT FROM b.grid_id
                 AND l.grid_id IS DISTINCT FROM o.grid_id) AS liaison_ended
FROM organization o
JOIN grid_import_before b ON b.id = o.id
LEFT JOIN grid g ON g.id = o.grid_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
LEFT JOIN liaison l ON l.id = a.liaison_id
WHERE (o.grid_id, o.grid_reason) IS DISTINCT FROM (b.grid_id, b.grid_reason)`

// gridLoadsSQL lists the active liaisons whose load the ended
// assignments take outside their capacity.
const gridLoadsSQL = `
SELECT l.id, l.name, g.code, s.load, s.load - e.ended, l.min_load, l.max_load
FROM liaison l
JOIN grid g ON g.id = l.grid_id
JOIN (SELECT liaison_id, count(*) AS ended FROM grid_import_moves WHERE liaison_ended GROUP BY 1) e
  ON e.liaison_id = l.id
CROSS JOIN LATERAL (SELECT count(*) AS load FROM assignment a WHERE a.liaison_id = l.id AND a.valid_to IS NULL) s
WHERE l.zone_id = $1 AND l.active AND (s.load - e.ended < l.min_load OR s.load - e.ended > l.max_load)
ORDER BY g.code, l.id`

// gridMoveAuditSQL writes one audit row per organization that changed
// grid or reason: from which to which, and the liaison whose assignment
// ended.
const gridMoveAuditSQL = `
INSERT INTO audit_log (at, actor_id, action, target, client_addr, detail, zone_id)
SELECT $1, $2, 'org_regrid', 'organization:' || m.id, $3,
  jsonb_build_object('job_id', $4::bigint, 'cause', 'grid_import',
    'from', jsonb_build_object('id', m.from_id, 'code', nullif(m.from_code, ''), 'reason', nullif(m.from_reason, '')),
    'to', jsonb_build_object('id', m.to_id, 'code', nullif(m.to_code, ''), 'reason', nullif(m.reason, '')),
    'liaison_ended', CASE WHEN m.liaison_ended THEN m.liaison_id END), $5::bigint
FROM grid_import_moves m ORDER BY m.id`

// orgWriteLockKey with the zone id is the advisory lock that keeps the
// zone's organization writes (shared) out of a boundary import's real run
// (exclusive): the rule places every organization from what it read at
// its start, so a grid set by hand, a move or a new organization committed
// meanwhile would be overwritten, or placed by the old grids. Previews
// work on copies and take no part in it.
const orgWriteLockKey = 7013

// orgWriteAllowed takes the shared half of orgWriteLockKey for an
// organization write of zone, or refuses it while a boundary import runs
// there (it is minutes at most; waiting would outlast the request).
func orgWriteAllowed(ctx context.Context, tx pgx.Tx, zoneID int64) error {
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock_shared($1, $2::int)`, orgWriteLockKey, zoneID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return grid.Errorf(grid.EConflict, "该园区正在导入网格，请稍后再试 / a grid import into this zone is running: retry in a few minutes")
	}
	return nil
}

// errPreview rolls a boundary import back once its report is made.
var errPreview = errors.New("preview: roll back")

// invalidReasons are PostGIS's (GEOS's) validity reasons in Chinese.
var invalidReasons = map[string]string{
	"Self-intersection":        "自相交",
	"Ring Self-intersection":   "环自相交",
	"Hole lies outside shell":  "内环在外环之外",
	"Nested holes":             "内环相互嵌套",
	"Interior is disconnected": "内部不连通",
	"Nested shells":            "多个面相互嵌套",
	"Duplicate Rings":          "环重复",
	"Too few points":           "点数过少",
	"Invalid Coordinate":       "坐标无效",
	"Ring is not closed":       "环未闭合",
}

// ImportGrids is ImportGridsWith without a zone change.
func (db *DB) ImportGrids(ctx context.Context, who grid.Actor, jobID, zoneID int64, grids []grid.GridBoundary, write bool, previewKey string) (grid.GridImportReport, error) {
	return db.ImportGridsWith(ctx, who, jobID, zoneID, grids, grid.GridImportOptions{Write: write, PreviewKey: previewKey})
}

// ImportGridsWith implements grid.GridImportStore: the grids are staged and
// checked in PostGIS, then the zone's grids are replaced and the rule run
// in the same transaction, which commits only when write and nothing is
// wrong, so the preview is what a real import does.
func (db *DB) ImportGridsWith(ctx context.Context, who grid.Actor, jobID, zoneID int64, grids []grid.GridBoundary, opt grid.GridImportOptions) (grid.GridImportReport, error) {
	write, previewKey := opt.Write, opt.PreviewKey
	rep := grid.GridImportReport{DryRun: !write, Features: len(grids), RemovedCodes: []string{}, Problems: []grid.GridProblem{},
		Changes: []grid.GridChange{}, Moves: []grid.GridMove{}, Rereasons: []grid.GridMove{}, Loads: []grid.LiaisonLoad{}}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, $2::int)`, importLockKey, zoneID).Scan(&locked); err != nil {
			return err
		}
		if !locked {
			return grid.Errorf(grid.EConflict, "该园区正在导入，请稍后再试 / an import into this zone is running")
		}
		// A real run holds the zone's organization writes off (waiting,
		// within the statement timeout, for those under way to commit).
		if write {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, orgWriteLockKey, zoneID); err != nil {
				return err
			}
		}
		// The rule over a large zone outlasts the pool's statement
		// timeout; the job's context bounds the import instead.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if err := stageGrids(ctx, tx, grids); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, gridPreviewKeySQL, zoneID).Scan(&rep.PreviewKey); err != nil {
			return err
		}
		if opt.ZoneFromGrids {
			rep.PreviewKey += "-zone" // a preview without the zone change confirms none with it
		}
		if write && previewKey != "" && previewKey != rep.PreviewKey {
			rep.ProblemCount = 1
			rep.Problems = []grid.GridProblem{{Field: "preview",
				Reason: "文件或园区现有网格在预览之后已改变：请重新预览，确认无误后再导入"}}
			return errPreview
		}
		var problems []grid.GridProblem
		var err error
		if opt.ZoneFromGrids {
			if problems, err = zoneFromStagedGrids(ctx, tx, db, who, jobID, zoneID, &rep); err != nil {
				return err
			}
		}
		if len(problems) == 0 {
			if problems, err = checkStagedGrids(ctx, tx, zoneID); err != nil {
				return err
			}
		}
		if len(problems) > 0 {
			slices.SortStableFunc(problems, func(a, b grid.GridProblem) int { return a.Feature - b.Feature })
			rep.ProblemCount = len(problems)
			rep.Problems = problems[:min(len(problems), grid.ReportedMax)]
			return errPreview
		}
		if !write {
			if err := copyForPreview(ctx, tx, zoneID); err != nil {
				return err
			}
		}
		if err := replaceGrids(ctx, tx, db.Now(), zoneID, &rep); err != nil {
			return err
		}
		if !write {
			return errPreview
		}
		return recordGridImport(ctx, tx, db, who, jobID, zoneID, &rep)
	})
	if errors.Is(err, errPreview) {
		return rep, nil
	}
	if err != nil {
		return grid.GridImportReport{}, translate(err)
	}
	rep.Written = true
	return rep, nil
}

// stageGrids copies the grids into grid_stage.
func stageGrids(ctx context.Context, tx pgx.Tx, grids []grid.GridBoundary) error {
	if _, err := tx.Exec(ctx, gridStageSQL); err != nil {
		return err
	}
	rows := make([][]any, len(grids))
	for i, g := range grids {
		b, err := ewkbOf(g.Geom)
		if err != nil {
			return fmt.Errorf("feature %d: %w", g.Feature, err)
		}
		name := g.Name
		if g.NameDefaulted {
			name = "" // keeps the grid's name
		}
		rows[i] = []any{int32(g.Feature), g.Code, name, g.Industry, g.Officer, g.Instructor, b}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"grid_stage"}, gridStageColumns, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	// The overlap check pairs grids through this index, not all n² pairs.
	for _, sql := range []string{`UPDATE grid_stage SET geom = ST_GeomFromEWKB(wkb)`,
		`CREATE INDEX ON grid_stage USING gist (geom)`, `ANALYZE grid_stage`} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return err
		}
	}
	return nil
}

// checkStagedGrids finds what refuses the file: invalid polygons (and
// then nothing else, as the other checks need valid ones), overlaps, gaps
// inside the zone, and grids left out that something still holds.
func checkStagedGrids(ctx context.Context, tx pgx.Tx, zoneID int64) ([]grid.GridProblem, error) {
	var problems []grid.GridProblem
	rows, err := tx.Query(ctx, gridInvalidSQL)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p grid.GridProblem
		var reason string
		var x, y *float64
		if err := rows.Scan(&p.Feature, &p.Code, &reason, &x, &y); err != nil {
			rows.Close()
			return nil, err
		}
		p.Field = "geometry"
		kind, at, _ := strings.Cut(reason, "[")
		zh := invalidReasons[strings.TrimSpace(kind)]
		if zh == "" {
			zh = "几何无效"
		}
		p.Reason = fmt.Sprintf("%s（%s）", zh, strings.TrimSpace(kind))
		if x != nil && y != nil {
			p.Point = &orb.Point{*x, *y}
			p.Reason += fmt.Sprintf("，位于 (%.6f, %.6f)", *x, *y)
		} else if at != "" {
			p.Reason += "，位于 " + strings.TrimSuffix(at, "]")
		}
		problems = append(problems, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return problems, nil
	}

	rows, err = tx.Query(ctx, gridOverlapSQL, grid.GridTolerance, grid.GridSliverWidth)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p grid.GridProblem
		var otherCode string
		var x, y float64
		if err := rows.Scan(&p.Feature, &p.Code, &p.Other, &otherCode, &p.AreaM2, &x, &y); err != nil {
			rows.Close()
			return nil, err
		}
		p.Field, p.Point = "geometry", &orb.Point{x, y}
		p.Reason = fmt.Sprintf("与第 %d 个要素（%s）重叠 %.1f 平方米，例如 (%.6f, %.6f) 处", p.Other, otherCode, p.AreaM2, x, y)
		problems = append(problems, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.Query(ctx, gridOutsideSQL, zoneID, grid.GridTolerance, grid.GridSliverWidth)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p grid.GridProblem
		var x, y float64
		if err := rows.Scan(&p.Feature, &p.Code, &p.AreaM2, &x, &y); err != nil {
			rows.Close()
			return nil, err
		}
		p.Field, p.Point = "geometry", &orb.Point{x, y}
		p.Reason = fmt.Sprintf("有 %.1f 平方米在园区边界之外，例如 (%.6f, %.6f) 处：请检查坐标系或园区", p.AreaM2, x, y)
		problems = append(problems, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.Query(ctx, gridGapSQL, zoneID, grid.GridTolerance, grid.GridSliverWidth)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p grid.GridProblem
		var x, y float64
		if err := rows.Scan(&p.AreaM2, &x, &y); err != nil {
			rows.Close()
			return nil, err
		}
		p.Field, p.Point = "geometry", &orb.Point{x, y}
		p.Reason = fmt.Sprintf("园区内有 %.1f 平方米不属于任何网格（空隙），例如 (%.6f, %.6f) 处", p.AreaM2, x, y)
		problems = append(problems, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.Query(ctx, gridLeftOutSQL, zoneID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var code, name string
		var liaisons, users, manual int
		if err := rows.Scan(&code, &name, &liaisons, &users, &manual); err != nil {
			rows.Close()
			return nil, err
		}
		var holds []string
		if liaisons > 0 {
			holds = append(holds, fmt.Sprintf("联络员 %d 名", liaisons))
		}
		if users > 0 {
			holds = append(holds, fmt.Sprintf("网格账号 %d 个", users))
		}
		if manual > 0 {
			holds = append(holds, fmt.Sprintf("手工划入的企业 %d 家", manual))
		}
		if len(holds) == 0 {
			continue // removed: the rule places its organizations anew
		}
		problems = append(problems, grid.GridProblem{Code: code, Field: "code",
			Reason: fmt.Sprintf("现有网格 %s（%s）不在文件中，但仍有%s：请在文件中保留该网格，或先把他们调到其他网格", code, name, strings.Join(holds, "、"))})
	}
	rows.Close()
	return problems, rows.Err()
}

// previewCopiesSQL gives a preview copies of the zone's grids and
// organizations to change: temporary tables come first on the search
// path, so the statements that change the zone's grid and organization
// change the copies, and the preview locks no row an officer may be
// editing. New grids get ids past the real ones.
var previewCopiesSQL = []string{
	`CREATE TEMP TABLE grid (LIKE public.grid INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP`,
	`INSERT INTO pg_temp.grid OVERRIDING SYSTEM VALUE SELECT * FROM public.grid WHERE zone_id = $1`,
	`SELECT setval(pg_get_serial_sequence('pg_temp.grid', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM public.grid), false)`,
	`CREATE INDEX ON pg_temp.grid USING gist (geom)`,
	`CREATE TEMP TABLE organization ON COMMIT DROP AS SELECT * FROM public.organization WHERE zone_id = $1`,
	`CREATE INDEX ON pg_temp.organization (id)`,
	`ANALYZE pg_temp.grid`,
	`ANALYZE pg_temp.organization`,
}

// copyForPreview makes the preview's copies.
func copyForPreview(ctx context.Context, tx pgx.Tx, zoneID int64) error {
	for _, sql := range previewCopiesSQL {
		var args []any
		if strings.Contains(sql, "$1") {
			args = []any{zoneID}
		}
		if _, err := tx.Exec(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...); err != nil {
			return err
		}
	}
	return nil
}

// unpreparedTx runs every statement unprepared, parsed when it runs: a
// statement the connection prepared earlier names the real grid and
// organization tables, not a preview's copies.
type unpreparedTx struct{ pgx.Tx }

func (t unpreparedTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.Tx.Exec(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
}

func (t unpreparedTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.Tx.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
}

func (t unpreparedTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.Tx.QueryRow(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
}

// replaceGrids makes the staged grids the zone's, runs the rule and fills
// rep with the counts, the moves and the liaison loads that break.
func replaceGrids(ctx context.Context, tx pgx.Tx, now time.Time, zoneID int64, rep *grid.GridImportReport) error {
	tx = unpreparedTx{tx}
	if _, err := tx.Exec(ctx, gridBeforeSQL, zoneID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, gridOldSQL, zoneID); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, gridUpdateSQL, zoneID, now)
	if err != nil {
		return err
	}
	rep.Updated = int(tag.RowsAffected())
	if tag, err = tx.Exec(ctx, gridInsertSQL, zoneID, now); err != nil {
		return err
	}
	rep.Inserted = int(tag.RowsAffected())
	rep.Unchanged = rep.Features - rep.Inserted - rep.Updated
	rows, err := tx.Query(ctx, `
SELECT g.code FROM grid g WHERE g.zone_id = $1 AND NOT EXISTS (SELECT 1 FROM grid_stage s WHERE s.code = g.code)
ORDER BY g.code`, zoneID)
	if err != nil {
		return err
	}
	if rep.RemovedCodes, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return err
	}
	if rep.RemovedCodes == nil {
		rep.RemovedCodes = []string{}
	}
	if tag, err = tx.Exec(ctx, gridRemoveSQL, zoneID, now); err != nil {
		return err
	}
	rep.Removed = int(tag.RowsAffected())
	if rows, err = tx.Query(ctx, gridChangesSQL, zoneID, grid.ReportedMax); err != nil {
		return err
	}
	rep.Changes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.GridChange, error) {
		var c grid.GridChange
		err := r.Scan(&c.Code, &c.Action, &c.NameFrom, &c.NameTo, &c.IndustryFrom, &c.IndustryTo, &c.OfficerFrom, &c.OfficerTo,
			&c.InstructorFrom, &c.InstructorTo, &c.AreaFromM2, &c.AreaToM2, &c.ShapeChanged)
		return c, err
	})
	if err != nil {
		return err
	}
	if err := regrid(ctx, tx, zoneID, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, gridMovesSQL); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE moved), count(*) FILTER (WHERE liaison_ended), count(*) FILTER (WHERE NOT moved)
FROM grid_import_moves`).Scan(&rep.Moved, &rep.LiaisonsEnded, &rep.Rereasoned); err != nil {
		return err
	}
	for _, list := range []struct {
		moved bool
		to    *[]grid.GridMove
	}{{true, &rep.Moves}, {false, &rep.Rereasons}} {
		rows, err = tx.Query(ctx, `
SELECT id, name, uscc, from_code, to_code, reason, from_reason, liaison_ended FROM grid_import_moves
WHERE moved = $1 ORDER BY to_code, from_code, id LIMIT $2`, list.moved, grid.ReportedMax)
		if err != nil {
			return err
		}
		*list.to, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.GridMove, error) {
			var m grid.GridMove
			err := r.Scan(&m.OrgID, &m.Name, &m.USCC, &m.FromGrid, &m.ToGrid, &m.Reason, &m.FromReason, &m.LiaisonEnded)
			return m, err
		})
		if err != nil {
			return err
		}
	}
	if rows, err = tx.Query(ctx, gridLoadsSQL, zoneID); err != nil {
		return err
	}
	rep.Loads, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.LiaisonLoad, error) {
		var l grid.LiaisonLoad
		err := r.Scan(&l.LiaisonID, &l.Name, &l.Grid, &l.Before, &l.After, &l.Min, &l.Max)
		return l, err
	})
	return err
}

// recordGridImport ends the assignments the moves break and audits the
// import and each move.
func recordGridImport(ctx context.Context, tx pgx.Tx, db *DB, who grid.Actor, jobID, zoneID int64, rep *grid.GridImportReport) error {
	now := db.Now()
	var ended []int64
	rows, err := tx.Query(ctx, `SELECT id FROM grid_import_moves WHERE liaison_ended ORDER BY id`)
	if err != nil {
		return err
	}
	if ended, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	if len(ended) > 0 {
		if _, err := endAssignments(ctx, tx, ended, now); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, gridAuditSQL, now, actorID(who), who.ClientAddr, jobID, zoneID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, gridMoveAuditSQL, now, actorID(who), who.ClientAddr, jobID, zoneID); err != nil {
		return err
	}
	return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr,
		Action: "grid_import", Target: "zone:" + strconv.FormatInt(zoneID, 10),
		Detail: map[string]any{"job_id": jobID, "features": rep.Features, "inserted": rep.Inserted,
			"updated": rep.Updated, "unchanged": rep.Unchanged, "removed": rep.Removed,
			"moved": rep.Moved, "liaisons_ended": rep.LiaisonsEnded}}, now)
}
