package postgis

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A boundary import places every organization of the zone again by
// 行业归口、属地兜底. Asking bestGridSQL's four questions for each of
// 100,000 organizations costs a distance to each grid of its industry,
// each one walking (and first reading from TOAST) the whole boundary:
// with 50 grids of 5,000 vertices that is over ten minutes. Where grids
// are that large, the import asks the same questions of the zone as a
// whole instead (regridRunsSQL):
//
//   - which grids cover each organization: one join, grid by grid, so
//     PostGIS reads each boundary once and reuses its index of edges;
//   - the nearest grid, for those the first answer does not settle:
//     through the grids' edges cut into short runs (grid_edge), indexed,
//     nearest first.
//
// The answers are bestGridSQL's to the bit: the covering test is the same
// ST_Covers on the same boundaries, and a run of edges keeps the
// boundary's own vertices in their order, so its distance to a point is
// the minimum of the same segment distances ST_Distance takes over the
// whole ring (for a point outside a polygon, the nearest of its rings is
// the one ST_Distance measures). TestRegridMatchesBestGrid compares the
// placements, TestGridEdgesMeasureAsTheBoundary the distances.

// gridEdgeSegments is how many segments of a boundary one run holds:
// short enough that a run is stored inline (no TOAST) and is cheap to
// measure, long enough to keep the index small.
const gridEdgeSegments = 64

// gridEdgeSQL makes grid_edge: the rings of each grid of zone $1 cut
// into runs of gridEdgeSegments segments, each run ending on the vertex
// the next one starts from, indexed for the nearest run to a point (of
// an industry, or of any).
var gridEdgeSQL = []string{
	`CREATE TEMP TABLE grid_edge ON COMMIT DROP AS
WITH v AS (
  SELECT g.id, g.code, g.industry, d.path[1] AS poly, d.path[2] AS ring, d.path[3] AS n, d.geom
  FROM grid g CROSS JOIN LATERAL ST_DumpPoints(g.geom) d
  WHERE g.zone_id = $1
)
SELECT id AS grid_id, code, industry, ST_MakeLine(geom ORDER BY n) AS geom
FROM (SELECT v.*, (n - 1) / ` + strconv.Itoa(gridEdgeSegments) + ` AS run FROM v
      UNION ALL
      SELECT v.*, (n - 1) / ` + strconv.Itoa(gridEdgeSegments) + ` - 1 FROM v WHERE n > 1 AND (n - 1) % ` + strconv.Itoa(gridEdgeSegments) + ` = 0) r
GROUP BY id, code, industry, poly, ring, run
HAVING count(*) > 1`,
	`CREATE INDEX ON grid_edge USING gist (geom)`,
	`CREATE INDEX ON grid_edge USING gist (industry, geom)`,
	`ANALYZE grid_edge`,
}

// regridOrgSQL makes regrid_org, the organizations of zone $1 to place
// again: the active ones not placed by hand, and the retired ones a
// removed grid left without one (their history keeps a grid, as the
// active ones' does). Placing runs after the zone's grids are replaced,
// on the preview's copies as on the real tables; the choices are stored
// at time $2.
var regridOrgSQL = []string{
	`CREATE TEMP TABLE regrid_org ON COMMIT DROP AS
SELECT o.id, o.industry, o.geom, o.status = 'active' AS active,
  EXISTS (SELECT 1 FROM grid g WHERE g.zone_id = $1 AND g.industry = o.industry) AS has_industry
FROM organization o
LEFT JOIN grid_import_before b ON b.id = o.id
WHERE o.zone_id = $1 AND o.geom IS NOT NULL
  AND ((o.status = 'active' AND o.grid_reason IS DISTINCT FROM 'manual')
       OR (o.status <> 'active' AND o.grid_id IS NULL AND b.grid_id IS NOT NULL))`,
	`CREATE INDEX ON regrid_org USING gist (geom)`,
	`ANALYZE regrid_org`,
}

// regridRunsSQL chooses each organization's grid zone-wide, through
// grid_edge.
var regridRunsSQL = []string{
	// The grid covering each organization: of its industry first, then
	// the lowest code. The grid drives the join, so each boundary is
	// read once and PostGIS's point-in-polygon index of it reused.
	`CREATE TEMP TABLE regrid_cover ON COMMIT DROP AS
SELECT DISTINCT ON (o.id) o.id, g.id AS grid_id, g.industry = o.industry AS same
FROM grid g JOIN regrid_org o ON ST_Covers(g.geom, o.geom)
WHERE g.zone_id = $1
ORDER BY o.id, g.industry = o.industry DESC, g.code`,
	`CREATE UNIQUE INDEX ON regrid_cover (id)`,

	// The rule: a covering grid of the industry; else the nearest grid of
	// the industry; else a covering grid; else the nearest grid. The
	// nearest is the grid of the nearest run (all runs as near, on a tie:
	// the lowest code).
	`CREATE TEMP TABLE regrid_pick ON COMMIT DROP AS
SELECT o.id, o.active,
  CASE WHEN c.same THEN c.grid_id WHEN o.has_industry THEN ni.grid_id WHEN c.id IS NOT NULL THEN c.grid_id ELSE na.grid_id END AS grid_id,
  CASE WHEN c.same OR o.has_industry THEN 'industry' WHEN c.id IS NOT NULL THEN 'territory' ELSE 'nearest' END AS reason
FROM regrid_org o
LEFT JOIN regrid_cover c ON c.id = o.id
LEFT JOIN LATERAL (
  SELECT k.grid_id FROM (
    SELECT e.grid_id, e.code FROM grid_edge e
    WHERE o.has_industry AND NOT coalesce(c.same, false) AND e.industry = o.industry
    ORDER BY e.geom <-> o.geom FETCH FIRST 1 ROWS WITH TIES) k
  ORDER BY k.code LIMIT 1) ni ON true
LEFT JOIN LATERAL (
  SELECT k.grid_id FROM (
    SELECT e.grid_id, e.code FROM grid_edge e
    WHERE NOT o.has_industry AND c.id IS NULL
    ORDER BY e.geom <-> o.geom FETCH FIRST 1 ROWS WITH TIES) k
  ORDER BY k.code LIMIT 1) na ON true`,
}

// regridEachSQL chooses each organization's grid by bestGridSQL, one by
// one: quicker where the grids are small.
var regridEachSQL = `CREATE TEMP TABLE regrid_pick ON COMMIT DROP AS
SELECT o.id, o.active, g.id AS grid_id, ` + gridReasonSQL("o.industry", "o.geom") + ` AS reason
FROM regrid_org o
CROSS JOIN LATERAL (SELECT ` + bestGridSQL("$1", "o.industry", "o.geom") + ` AS id) best
JOIN grid g ON g.id = best.id`

// regridStoreSQL stores the choices.
const regridStoreSQL = `UPDATE organization o
SET grid_id = p.grid_id, grid_reason = p.reason, version = o.version + 1,
  updated_at = CASE WHEN p.active THEN now() ELSE $2 END
FROM regrid_pick p
WHERE o.zone_id = $1 AND o.id = p.id AND p.grid_id IS NOT NULL
  AND (o.grid_id IS DISTINCT FROM p.grid_id OR o.grid_reason IS DISTINCT FROM p.reason)`

// regridRunsFrom is how many vertices the zone's largest grid has from
// which grid_edge pays. Below, bestGridSQL per organization is quicker:
// about twice as quick on 8 grids of 400 vertices, the runs 2.8× as
// quick on 18 grids of 1,200 (BenchmarkImportGridsRegrid). The answers
// are the same either way.
var regridRunsFrom = 1000

// regridSQL is the statements that place the zone's organizations again,
// the last one storing the choices.
func regridSQL(ctx context.Context, tx pgx.Tx, zoneID int64) ([]string, error) {
	var biggest int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(ST_NPoints(geom)), 0) FROM grid WHERE zone_id = $1`, zoneID).Scan(&biggest); err != nil {
		return nil, err
	}
	if biggest >= regridRunsFrom {
		return slices.Concat(regridOrgSQL, gridEdgeSQL, regridRunsSQL, []string{regridStoreSQL}), nil
	}
	return slices.Concat(regridOrgSQL, []string{regridEachSQL, regridStoreSQL}), nil
}

// beforeRegridStore, when set (by a test), runs before the choices are
// stored: the moment an organization write would race the import.
var beforeRegridStore func()

// regrid places the zone's organizations again (regridSQL).
func regrid(ctx context.Context, tx pgx.Tx, zoneID int64, now time.Time) error {
	stmts, err := regridSQL(ctx, tx, zoneID)
	if err != nil {
		return err
	}
	for i, sql := range stmts {
		if i == len(stmts)-1 && beforeRegridStore != nil {
			beforeRegridStore()
		}
		var args []any
		switch {
		case strings.Contains(sql, "$2"):
			args = []any{zoneID, now}
		case strings.Contains(sql, "$1"):
			args = []any{zoneID}
		}
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return err
		}
	}
	return nil
}
