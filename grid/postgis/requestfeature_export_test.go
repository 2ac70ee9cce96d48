package postgis

import (
	"context"

	"gridgis/grid"
)

// EachRequestFeatureLive is EachRequestFeature over the live tables, the
// reference the projection is checked against.
func (db *DB) EachRequestFeatureLive(ctx context.Context, f grid.RequestFilter, fn grid.FeatureFunc) error {
	sql, args := requestFeatureQuery(f, db.Now(), false)
	return db.eachFeature(ctx, fn, sql, args...)
}

// RequestFeatureQuery is the SQL text EachRequestFeature runs for f.
func (db *DB) RequestFeatureQuery(f grid.RequestFilter) string {
	sql, _ := requestFeatureQuery(f, db.Now(), requestFromProjection(f))
	return sql
}
