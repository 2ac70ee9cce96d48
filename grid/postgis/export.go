package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// Names implements grid.ExportStore.
func (db *DB) Names(ctx context.Context) (grid.Names, error) {
	n := grid.Names{Grids: map[int64]string{}, Liaisons: map[int64]string{}}
	for _, t := range []struct {
		sql string
		m   map[int64]string
	}{
		{`SELECT id, name FROM grid`, n.Grids},
		{`SELECT id, name FROM liaison`, n.Liaisons},
	} {
		rows, err := db.Pool.Query(ctx, t.sql)
		if err != nil {
			return n, translate(err)
		}
		var id int64
		var name string
		if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
			t.m[id] = name
			return nil
		}); err != nil {
			return n, translate(err)
		}
	}
	return n, nil
}

// EachOverdueOrgFeature implements grid.ExportStore: one query for both
// gaps, so an organization overdue for both comes once.
func (db *DB) EachOverdueOrgFeature(ctx context.Context, scope grid.Scope, fn grid.FeatureFunc) error {
	now := db.Now()
	w := orgWhereAt(grid.OrgFilter{Scope: scope})
	var gaps []string
	for _, kind := range grid.ContactKinds {
		cond, err := gapCond(w, overdueIndicator[kind], now)
		if err != nil {
			return err
		}
		gaps = append(gaps, "("+cond+")")
	}
	w.add("(" + strings.Join(gaps, " OR ") + ")")
	return db.eachFeature(ctx, fn, fmt.Sprintf(orgFeatureSQL, w.bind(now))+w.String()+" ORDER BY o.id", w.args...)
}
