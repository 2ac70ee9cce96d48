package postgis

import (
	"context"

	"gridgis/grid"
)

// assignmentFeatureSQL draws each active assignment as a line from the
// liaison's base to the organization, with its great-circle length.
var assignmentFeatureSQL = `
SELECT a.id, ` + boxColumns("ST_MakeLine(l.base, o.geom)") + `, json_build_object(
  'type', 'Feature',
  'id', a.id,
  'geometry', ST_AsGeoJSON(ST_MakeLine(l.base, o.geom), 6)::json,
  'properties', json_build_object(
    'org_id', a.org_id, 'liaison_id', a.liaison_id, 'grid_id', o.grid_id,
    'liaison_grid_id', l.grid_id, 'cause', a.cause, 'pinned', a.pinned,
    'valid_from', a.valid_from, 'distance_m', round(ST_DistanceSphere(l.base, o.geom)))
)::text
FROM assignment a
JOIN organization o ON o.id = a.org_id
JOIN liaison l ON l.id = a.liaison_id
`

// EachAssignmentFeature implements grid.MapStore.
func (db *DB) EachAssignmentFeature(ctx context.Context, f grid.AssignmentFilter, fn grid.FeatureFunc) error {
	w := &where{}
	w.add("a.valid_to IS NULL AND o.active")
	w.add(scopeCond(f.Scope, w.bind))
	eq(w, "a.liaison_id", f.LiaisonID)
	eq(w, "o.grid_id", f.GridID)
	if f.AfterID > 0 {
		w.add("a.id > " + w.bind(f.AfterID))
	}
	return db.eachFeature(ctx, fn, w.limit(assignmentFeatureSQL+w.String()+" ORDER BY a.id", f.Limit), w.args...)
}
