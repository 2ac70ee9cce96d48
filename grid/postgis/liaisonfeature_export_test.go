package postgis

import (
	"context"

	"gridgis/grid"
)

// liaisonFeatureLiveSQL is liaisonFeatureSQL as it was before it read
// org_activity: every assigned organization's contacts probed. The
// liaison layer is checked against it.
var liaisonFeatureLiveSQL = liaisonFeatureHead + `
CROSS JOIN LATERAL (
  SELECT count(*) AS load,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact c WHERE c.org_id = a.org_id
                                   AND c.at > $1::timestamptz - interval '7 days' AND c.at <= $1)) AS contacted,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact c WHERE c.org_id = a.org_id AND c.kind = 'visit'
                                   AND c.at > $1::timestamptz - interval '30 days' AND c.at <= $1)) AS visited
  FROM assignment a WHERE a.liaison_id = l.id AND a.valid_to IS NULL
) s
`

// EachLiaisonFeatureLive is EachLiaisonFeature over the live tables.
func (db *DB) EachLiaisonFeatureLive(ctx context.Context, f grid.LiaisonFilter, fn grid.FeatureFunc) error {
	w := &where{}
	w.bind(db.Now())
	liaisonWhere(w, f)
	return db.eachFeature(ctx, fn, w.limit(liaisonFeatureLiveSQL+w.String()+" ORDER BY l.id", f.Limit), w.args...)
}
