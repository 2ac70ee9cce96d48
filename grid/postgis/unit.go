package postgis

import (
	"context"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// Units implements grid.UnitStore.
func (db *DB) Units(ctx context.Context, zoneID int64) ([]grid.Unit, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, zone_id, name, kind, contact FROM unit WHERE zone_id = $1 ORDER BY name, id`, zoneID)
	if err != nil {
		return nil, translate(err)
	}
	units, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (grid.Unit, error) {
		var u grid.Unit
		err := row.Scan(&u.ID, &u.ZoneID, &u.Name, &u.Kind, &u.Contact)
		return u, err
	})
	return units, translate(err)
}
