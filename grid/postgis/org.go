package postgis

import (
	"context"
	"strconv"
	"strings"

	"gridgis/grid"
)

// orgFeatureSQL writes each organization as a GeoJSON Feature with its
// active liaison, last contact and visit, and open request count.
const orgFeatureSQL = `
SELECT o.id, json_build_object(
  'type', 'Feature',
  'id', o.id,
  'geometry', ST_AsGeoJSON(o.geom, 6)::json,
  'properties', json_build_object(
    'name', o.name, 'uscc', o.uscc, 'kind', o.kind, 'industry', o.industry,
    'employees', o.employees, 'party_members', o.party_members, 'party_org', o.party_org,
    'high_tech', o.high_tech, 'specialized', o.specialized, 'address', o.address,
    'zone_id', o.zone_id, 'grid_id', o.grid_id, 'grid_reason', o.grid_reason, 'version', o.version,
    'liaison_id', a.liaison_id,
    'last_contact_at', (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'contact'),
    'last_visit_at', (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'visit'),
    'open_requests', (SELECT count(*) FROM request r
                      WHERE r.org_id = o.id AND r.status NOT IN ('verified', 'rejected')))
)::text
FROM organization o
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
`

// EachOrgFeature implements grid.MapStore.
func (db *DB) EachOrgFeature(ctx context.Context, f grid.OrgFilter, fn grid.FeatureFunc) error {
	where, args := orgWhere(f)
	sql := orgFeatureSQL + where + " ORDER BY o.id"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	return db.eachFeature(ctx, fn, sql, args...)
}

// orgWhere builds the WHERE clause for f: fixed SQL text with $n
// placeholders, and the values to bind. No value is ever put in the text.
func orgWhere(f grid.OrgFilter) (string, []any) {
	conds := []string{"o.active"}
	var args []any
	bind := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds = append(conds, scopeCond(f.Scope, bind))
	if f.ID != nil {
		conds = append(conds, "o.id = "+bind(*f.ID))
	}
	if f.ZoneID != nil {
		conds = append(conds, "o.zone_id = "+bind(*f.ZoneID))
	}
	if f.BBox != nil {
		b := f.BBox
		conds = append(conds, "o.geom && ST_MakeEnvelope("+bind(b.MinLon)+", "+bind(b.MinLat)+", "+
			bind(b.MaxLon)+", "+bind(b.MaxLat)+", 4326)")
	}
	if f.GridID != nil {
		conds = append(conds, "o.grid_id = "+bind(*f.GridID))
	}
	if f.Kind != nil {
		conds = append(conds, "o.kind = "+bind(string(*f.Kind)))
	}
	if f.AfterID > 0 {
		conds = append(conds, "o.id > "+bind(f.AfterID))
	}
	return "WHERE " + strings.Join(conds, " AND "), args
}

// scopeCond limits organizations (alias o, active assignment a) to what a
// scope may read. The zero scope reads nothing.
func scopeCond(s grid.Scope, bind func(any) string) string {
	switch {
	case s.All:
		return "true"
	case len(s.GridIDs) > 0:
		return "o.grid_id = ANY(" + bind(s.GridIDs) + ")"
	case s.LiaisonID > 0:
		return "a.liaison_id = " + bind(s.LiaisonID)
	}
	return "false"
}
