package postgis

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// assignGridsSQL is the bulk form of grid.AssignGrid: for each organization
// it ranks the zone's grids by industry match, then coverage of the point,
// then distance, then code — the same order as the Go rule — and stores
// the winner with its reason. Manual choices are kept; unlocated and
// retired organizations are left as they are.
const assignGridsSQL = `
WITH pick AS (
  SELECT o.id, best.id AS grid_id,
         CASE WHEN best.industry = o.industry THEN 'industry'
              WHEN ST_Covers(best.geom, o.geom) THEN 'territory'
              ELSE 'nearest' END AS reason
  FROM organization o
  CROSS JOIN LATERAL (
    SELECT g.id, g.industry, g.geom
    FROM grid g
    WHERE g.zone_id = o.zone_id
    ORDER BY (g.industry = o.industry) DESC, ST_Covers(g.geom, o.geom) DESC,
             ST_Distance(g.geom, o.geom), g.code
    LIMIT 1) best
  WHERE o.zone_id = $1 AND o.grid_reason IS DISTINCT FROM 'manual' AND o.geom IS NOT NULL AND o.status = 'active'
)
UPDATE organization o
SET grid_id = pick.grid_id, grid_reason = pick.reason, updated_at = now(), version = o.version + 1
FROM pick
WHERE o.id = pick.id
  AND (o.grid_id IS DISTINCT FROM pick.grid_id OR o.grid_reason IS DISTINCT FROM pick.reason)`

// AssignGrids applies 行业归口、属地兜底 to every organization of the zone
// that an admin has not placed by hand, and records the run in the audit
// log. It returns how many organizations changed grid or reason.
func (db *DB) AssignGrids(ctx context.Context, zoneID int64) (int64, error) {
	var changed int64
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, assignGridsSQL, zoneID)
		if err != nil {
			return err
		}
		changed = tag.RowsAffected()
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (action, target, detail)
VALUES ('assign_grids', 'zone:' || $1::bigint, jsonb_build_object('changed', $2::bigint))`, zoneID, changed)
		return err
	})
	return changed, translate(err)
}
