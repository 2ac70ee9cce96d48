package postgis

import (
	"context"

	"gridgis/grid"
)

// liaisonFeatureHead selects a liaison's Feature from l (liaison) and s
// (their load, contacted and visited counts).
var liaisonFeatureHead = `
SELECT l.id, l.base, ` + featureSQL("l.id", "ST_AsGeoJSON(l.base, 6)",
	jsonMember{"name", "l.name"}, jsonMember{"phone", "l.phone"}, jsonMember{"zone_id", "l.zone_id"},
	jsonMember{"grid_id", "l.grid_id"}, jsonMember{"load", "s.load"}, jsonMember{"min", "l.min_load"},
	jsonMember{"max", "l.max_load"}, jsonMember{"contacted_7d", "s.contacted"}, jsonMember{"visited_30d", "s.visited"},
	jsonMember{"contact_compliance", "CASE WHEN s.load > 0 THEN round(s.contacted::numeric / s.load, 4) END"},
	jsonMember{"visit_compliance", "CASE WHEN s.load > 0 THEN round(s.visited::numeric / s.load, 4) END"}) + `
FROM liaison l`

// liaisonFeatureSQL writes each liaison's base point with their load,
// capacity and compliance with 每周一联系、每月一走访 at $1 (now):
//
//   - load: the organizations assigned to them now (active assignments);
//   - contacted_7d: of those, the ones with a contact of either kind (a
//     visit counts) in (now − 7 days, now];
//   - visited_30d: of those, the ones with a visit in (now − 30 days, now];
//   - contact_compliance = contacted_7d / load and visit_compliance =
//     visited_30d / load, 4 decimals, null when the load is 0.
//
// These are the organization layer's overdue flags counted per liaison,
// and the KPIs' compliance by liaison at now. They are read from
// org_activity (migration 020), which keeps each organization's liaison
// and latest contact and visit: the latest up to now is the stored one,
// unless that is dated after now, and only then probed
// (map_org_last_contact), as the organization layer does. Probing the
// contacts of every assigned organization instead read ~50 buffers per
// liaison, several seconds for the map's 89,136 liaisons of a million
// organizations.
var liaisonFeatureSQL = liaisonFeatureHead + `
CROSS JOIN LATERAL (
  SELECT count(*) AS load,
    count(*) FILTER (WHERE greatest(lc.contact_at, lc.visit_at) > $1::timestamptz - interval '7 days') AS contacted,
    count(*) FILTER (WHERE lc.visit_at > $1::timestamptz - interval '30 days') AS visited
  FROM org_activity act
  CROSS JOIN LATERAL (SELECT
    CASE WHEN act.contact_max > $1::timestamptz THEN map_org_last_contact(act.id, 'contact', $1) ELSE act.contact_max END AS contact_at,
    CASE WHEN act.visit_max > $1::timestamptz THEN map_org_last_contact(act.id, 'visit', $1) ELSE act.visit_max END AS visit_at
  ) lc
  WHERE act.liaison_id = l.id
) s
`

// EachLiaisonFeature implements grid.MapStore.
func (db *DB) EachLiaisonFeature(ctx context.Context, f grid.LiaisonFilter, fn grid.FeatureFunc) error {
	w := &where{}
	w.bind(db.Now())
	liaisonWhere(w, f)
	return db.eachFeature(ctx, fn, w.limit(liaisonFeatureSQL+w.String()+" ORDER BY l.id", f.Limit), w.args...)
}

// CountLiaisons implements grid.MapStore.
func (db *DB) CountLiaisons(ctx context.Context, f grid.LiaisonFilter) (int64, error) {
	f.AfterID = 0
	w := &where{}
	liaisonWhere(w, f)
	return db.count(ctx, "SELECT count(*) FROM liaison l "+w.String(), w.args)
}

func liaisonWhere(w *where, f grid.LiaisonFilter) {
	w.add("l.active")
	if f.Scope.ZoneID > 0 {
		w.add("l.zone_id = " + w.bind(f.Scope.ZoneID))
	}
	switch s := f.Scope; {
	case s.All:
	case len(s.GridIDs) > 0:
		w.add("l.grid_id = ANY(" + w.bind(s.GridIDs) + ")")
	case s.LiaisonID > 0:
		w.add("l.id = " + w.bind(s.LiaisonID))
	default:
		w.add("false")
	}
	eq(w, "l.id", f.ID)
	w.bbox("l.base", f.BBox)
	eq(w, "l.grid_id", f.GridID)
	if f.AfterID > 0 {
		w.add("l.id > " + w.bind(f.AfterID))
	}
}
