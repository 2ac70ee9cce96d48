package postgis

import (
	"context"

	"gridgis/grid"
)

// liaisonFeatureLiveSQL is liaisonFeatureSQL as it was before it read
// org_activity: every assigned organization's contacts probed. The
// liaison layer is checked against it.
var liaisonFeatureLiveSQL = `
SELECT l.id, ` + boxColumns("l.base") + `, ` + featureSQL("l.id", "ST_AsGeoJSON(l.base, 6)",
	jsonMember{"name", "l.name"}, jsonMember{"phone", "l.phone"}, jsonMember{"zone_id", "l.zone_id"},
	jsonMember{"grid_id", "l.grid_id"}, jsonMember{"load", "s.load"}, jsonMember{"min", "l.min_load"},
	jsonMember{"max", "l.max_load"}, jsonMember{"contacted_7d", "s.contacted"}, jsonMember{"visited_30d", "s.visited"},
	jsonMember{"contact_compliance", "CASE WHEN s.load > 0 THEN round(s.contacted::numeric / s.load, 4) END"},
	jsonMember{"visit_compliance", "CASE WHEN s.load > 0 THEN round(s.visited::numeric / s.load, 4) END"}) + `
FROM liaison l
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
