package postgis

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// RegridRunsFrom lets a test choose how organizations are placed.
var RegridRunsFrom = &regridRunsFrom

// GridEdgeSQL lets the tests build grid_edge and measure it against the
// boundaries it is cut from.
var GridEdgeSQL = gridEdgeSQL

// BestGridCountSQL asks bestGridSQL's four questions of every $2-th
// organization of zone $1 and counts the answers: the rule as the import
// used to run it, for the benchmark to compare.
var BestGridCountSQL = `SELECT count(` + bestGridSQL("o.zone_id", "o.industry", "o.geom") + `)
FROM organization o WHERE o.zone_id = $1 AND o.id % $2 = 0`

// Regrid places zone's organizations as an import does, and rolls back:
// the benchmark times the placement without the boundary checks, and
// apart the UPDATE that stores it (which the old rule ran alike).
func (db *DB) Regrid(ctx context.Context, zoneID int64) (placed int, pick, update time.Duration, err error) {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	defer tx.Rollback(ctx)
	utx := unpreparedTx{tx}
	if _, err := utx.Exec(ctx, gridBeforeSQL, zoneID); err != nil {
		return 0, 0, 0, err
	}
	stmts, err := regridSQL(ctx, utx, zoneID)
	if err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	last := len(stmts) - 1
	for i, sql := range stmts {
		if i == last {
			pick = time.Since(start)
			start = time.Now()
		}
		args := []any{zoneID}
		if strings.Contains(sql, "$2") {
			args = append(args, db.Now())
		} else if !strings.Contains(sql, "$1") {
			args = nil
		}
		if _, err := utx.Exec(ctx, sql, args...); err != nil {
			return 0, 0, 0, err
		}
	}
	update = time.Since(start)
	err = tx.QueryRow(ctx, `SELECT count(*) FROM regrid_pick`, pgx.QueryExecModeExec).Scan(&placed)
	return placed, pick, update, err
}

// SetBeforeRegridStore runs f inside an import, before the rule's choices
// are stored; the returned func removes it.
func SetBeforeRegridStore(f func()) (restore func()) {
	beforeRegridStore = f
	return func() { beforeRegridStore = nil }
}
