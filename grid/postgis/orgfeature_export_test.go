package postgis

import (
	"context"

	"gridgis/grid"
)

// EachOrgFeatureLive is EachOrgFeature over the live tables, the
// reference the projection is checked against.
func (db *DB) EachOrgFeatureLive(ctx context.Context, f grid.OrgFilter, fn grid.FeatureFunc) error {
	sql, args, err := orgFeatureLiveQuery(f, db.Now())
	if err != nil {
		return err
	}
	return db.eachFeature(ctx, fn, sql, args...)
}
