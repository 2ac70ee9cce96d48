package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/grid"
)

// orgFeatureSQL (the live query) writes each organization as a GeoJSON Feature with its
// active liaison, open request count, last contact and visit up to now
// (%[1]s, the placeholder of the current time), and whether it is overdue
// for either. The overdue flags are true only for organizations with a
// liaison, and mean what the gaps of the contact_7d and visit_30d coverage
// indicators mean: no contact of either kind in (now − 7 days, now], no
// visit in (now − 30 days, now] (grid.ContactPeriod, grid.VisitPeriod).
// The last times come from two backward probes of contact_org_kind_at per
// organization (BenchmarkOrgLayer measures what they cost).
//
// The map reads the same Features pre-rendered (orgFeatureProjSQL); this
// query stays the reference they are checked against (TestOrgFeatureNoDrift)
// and serves what the projection does not (a text search, the overdue
// export).
var orgFeatureSQL = `
SELECT o.id, ` + orgBoxGeom + `, json_build_object(
  'type', 'Feature',
  'id', o.id,
  'geometry', ST_AsGeoJSON(o.geom, 6)::json,
  'properties', json_build_object(
    'name', o.name, 'uscc', o.uscc, 'kind', o.kind, 'industry', o.industry,
    'employees', o.employees, 'party_members', o.party_members, 'party_org', o.party_org,
    'high_tech', o.high_tech, 'specialized', o.specialized, 'address', o.address,
    'zone_id', o.zone_id, 'grid_id', o.grid_id, 'grid_reason', o.grid_reason, 'version', o.version,
    'located', o.geom IS NOT NULL, 'status', o.status, 'retired_at', o.retired_at, 'retired_note', o.retired_note,
    'liaison_id', a.liaison_id, 'pinned', coalesce(a.pinned, false),
    'last_contact_at', lc.contact_at,
    'last_visit_at', lc.visit_at,
    'contact_overdue', a.liaison_id IS NOT NULL AND coalesce(greatest(lc.contact_at, lc.visit_at)
                       <= %[1]s::timestamptz - interval '7 days', true),
    'visit_overdue', a.liaison_id IS NOT NULL AND coalesce(lc.visit_at <= %[1]s::timestamptz - interval '30 days', true),
    'open_requests', (SELECT count(*) FROM request r
                      WHERE r.org_id = o.id AND r.status NOT IN ('verified', 'rejected')))
)::text
FROM organization o
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
CROSS JOIN LATERAL (SELECT
  (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'contact' AND c.at <= %[1]s) AS contact_at,
  (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'visit' AND c.at <= %[1]s) AS visit_at
  OFFSET 0 -- a fence: pulled up, each probe would run once per use
) lc
`

// orgBoxGeom is what an organization's bounding box is taken of: its point,
// or for an unlocated one (no geometry) its zone.
var orgBoxGeom = "coalesce(o.geom, " + zoneBox("o.zone_id") + ")"

// EachOrgFeature implements grid.MapStore.
func (db *DB) EachOrgFeature(ctx context.Context, f grid.OrgFilter, fn grid.FeatureFunc) error {
	sql, args, unordered, err := db.OrgFeatureQuery(f)
	if err != nil {
		return err
	}
	if !unordered {
		return db.eachFeature(ctx, fn, sql, args...)
	}
	each, flush := LargestIDLast(fn)
	if err := db.eachFeature(ctx, each, sql, args...); err != nil {
		return err
	}
	return flush()
}

// OrgFeatureQuery is the SQL text and arguments EachOrgFeature runs for
// f (in MapQueryMode): rows of id, geometry and Feature text, in id order
// or, for a page (a limit), in storage order (unordered), which
// EachOrgFeature hands on with the largest id last (LargestIDLast). The
// benchmark (bench/) times the bare query with it.
func (db *DB) OrgFeatureQuery(f grid.OrgFilter) (sql string, args []any, unordered bool, err error) {
	now := db.Now()
	if sql, args, unordered, ok, err := orgFeatureProjQuery(f, now); ok || err != nil {
		return sql, args, unordered, err
	}
	sql, args, err = orgFeatureLiveQuery(f, now)
	return sql, args, false, err
}

// LargestIDLast wraps fn for rows that come in any order: each is handed
// on as it comes, except the one with the largest id so far, held back
// (its text copied) and handed on last, by flush. A page of limit+1 rows
// read in storage order then ends, as one read in id order does, with
// the row that only tells that a next page exists. fn must not keep a
// Feature's text after it returns.
func LargestIDLast(fn grid.FeatureFunc) (each grid.FeatureFunc, flush func() error) {
	var held grid.Feature
	var text []byte
	holding := false
	hold := func(f grid.Feature) {
		text = append(text[:0], f.JSON...)
		f.JSON = text
		held, holding = f, true
	}
	each = func(f grid.Feature) error {
		switch {
		case !holding:
			hold(f)
			return nil
		case f.ID > held.ID:
			if err := fn(held); err != nil {
				return err
			}
			hold(f)
			return nil
		}
		return fn(f)
	}
	flush = func() error {
		if !holding {
			return nil
		}
		holding = false
		return fn(held)
	}
	return each, flush
}

// orgFeatureLiveQuery is OrgFeatureQuery over the live tables
// (orgFeatureSQL).
func orgFeatureLiveQuery(f grid.OrgFilter, now time.Time) (string, []any, error) {
	w, err := orgWhereNow(f, now)
	if err != nil {
		return "", nil, err
	}
	locatedOnly(w, f)
	sql := w.limit(fmt.Sprintf(orgFeatureSQL, w.bind(now))+w.String()+" ORDER BY o.id", f.Limit)
	return sql, w.args, nil
}

// CountOrgs implements grid.MapStore. It joins the active assignment
// only when the scope or a filter reads it: for an admin or an officer
// the join is a hash of every active assignment that changes nothing.
func (db *DB) CountOrgs(ctx context.Context, f grid.OrgFilter) (int64, error) {
	sql, args, err := countOrgsSQL(f, db.Now())
	if err != nil {
		return 0, err
	}
	return db.count(ctx, sql, args)
}

// OrgTotal implements grid.MapStore. It sums the cluster pyramid's
// coarsest zoom (migration 016: a few rows a zone, every active located
// organization, with or without a grid) and the located deltas not yet
// folded into it (019), instead of counting a large zone's organizations
// row by row; the pyramid knows no liaisons, so a liaison's few are
// counted.
func (db *DB) OrgTotal(ctx context.Context, s grid.Scope) (int64, error) {
	if scopeReadsAssignment(s) {
		return db.CountOrgs(ctx, grid.OrgFilter{Scope: s})
	}
	w := &where{}
	reach := "false"
	switch {
	case s.All:
		reach = "true"
	case len(s.GridIDs) > 0:
		reach = "k.grid_id = ANY(" + w.bind(s.GridIDs) + ")"
	}
	w.add(zoneCond(s, "k.zone_id", w.bind, reach))
	return db.count(ctx, `SELECT coalesce(sum(k.n), 0) FROM (
  SELECT c.zone_id, c.grid_id, c.enterprise + c.new_economic + c.social AS n FROM org_cluster c WHERE c.z = 0
  UNION ALL
  SELECT d.zone_id, d.grid_id, d.sign FROM org_cluster_delta d WHERE d.ux IS NOT NULL) k `+w.String(), w.args)
}

// countOrgsSQL is the query CountOrgs runs for f at now.
func countOrgsSQL(f grid.OrgFilter, now time.Time) (string, []any, error) {
	f.AfterID = 0
	w, err := orgWhereNow(f, now)
	if err != nil {
		return "", nil, err
	}
	locatedOnly(w, f)
	join := ""
	if orgFilterReadsAssignment(f) {
		join = "LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL "
	}
	return "SELECT count(*) FROM organization o " + join + w.String(), w.args, nil
}

// orgFilterReadsAssignment reports whether orgWhereNow's conditions for f
// read the active assignment (alias a): a liaison's scope, the liaison
// filter, and the gaps and overdue flags (only organizations with a
// liaison are overdue).
func orgFilterReadsAssignment(f grid.OrgFilter) bool {
	return scopeReadsAssignment(f.Scope) || f.LiaisonID != nil || f.Gap != nil || f.Overdue != nil
}

// locatedOnly keeps a listing that asks nothing of location to the
// organizations on the map; one organization by id, or an export of the
// register, may be unlocated.
func locatedOnly(w *where, f grid.OrgFilter) {
	if f.Located == nil && f.ID == nil && !f.WithUnlocated {
		w.add("o.geom IS NOT NULL")
	}
}

// orgWhereNow is orgWhereAt with the filters that depend on the time:
// an indicator's gap, and overdue contacts or visits at now.
func orgWhereNow(f grid.OrgFilter, now time.Time) (*where, error) {
	w := orgWhereAt(f)
	if f.Gap != nil {
		cond, err := gapCond(w, *f.Gap, now)
		if err != nil {
			return nil, err
		}
		w.add(cond)
	}
	if f.Overdue != nil {
		ind, ok := overdueIndicator[*f.Overdue]
		if !ok {
			return nil, grid.Invalid("overdue", "must be one of contact, visit")
		}
		cond, err := gapCond(w, ind, now)
		if err != nil {
			return nil, err
		}
		w.add(cond)
	}
	return w, nil
}

// overdueIndicator is the coverage indicator whose gap an overdue filter
// selects, so that the filter, the flags and coverage always agree.
var overdueIndicator = map[grid.ContactKind]grid.Indicator{
	grid.ContactCall:  grid.IndicatorContact7d,
	grid.ContactVisit: grid.IndicatorVisit30d,
}

// orgWhereAt selects the organizations f asks for, over organization o
// and its active assignment a, all but the gap filter.
func orgWhereAt(f grid.OrgFilter) *where { return orgWhereScoped(f, false) }

// orgWhereScoped is orgWhereAt, with widen letting an officer also reach
// the unlocated organizations of their zone that have no grid.
func orgWhereScoped(f grid.OrgFilter, widen bool) *where {
	w := &where{}
	switch f.Status {
	case "retired":
		w.add("o.status <> 'active'")
	case "all":
	default:
		w.add("o.active")
	}
	unlocated := f.Located != nil && !*f.Located
	switch {
	case unlocated:
		w.add("o.geom IS NULL")
	case f.Located != nil:
		w.add("o.geom IS NOT NULL")
	}
	// The unlocated organizations without a grid are nobody's grid's yet:
	// officers see those of their zone, to place them.
	if unlocated || widen {
		w.add(scopeOrUnplacedCond(f.Scope, w.bind))
	} else {
		w.add(scopeCond(f.Scope, w.bind))
	}
	eq(w, "o.id", f.ID)
	eq(w, "o.zone_id", f.ZoneID)
	w.bbox("o.geom", f.BBox)
	eq(w, "o.grid_id", f.GridID)
	eq(w, "o.kind", f.Kind)
	eq(w, "o.industry", f.Industry)
	eq(w, "o.party_org", f.PartyOrg)
	eq(w, "a.liaison_id", f.LiaisonID)
	if f.Query != nil {
		q := w.bind(*f.Query)
		w.add("(strpos(o.name, " + q + ") > 0 OR left(o.uscc, length(" + q + ")) = upper(" + q + "))")
	}
	if f.AfterID > 0 {
		w.add("o.id > " + w.bind(f.AfterID))
	}
	return w
}

// scopeCond limits organizations (alias o, active assignment a) to what a
// scope may read. The zero scope reads nothing.
func scopeCond(s grid.Scope, bind func(any) string) string {
	return zoneCond(s, "o.zone_id", bind, reachCond(s, bind))
}

// zoneCond narrows cond, a scope's condition, to the scope's zone, read
// from column zoneCol.
func zoneCond(s grid.Scope, zoneCol string, bind func(any) string, cond string) string {
	if s.ZoneID <= 0 {
		return cond
	}
	return "(" + zoneCol + " = " + bind(s.ZoneID) + " AND " + cond + ")"
}

// reachCond is scopeCond without the zone.
func reachCond(s grid.Scope, bind func(any) string) string {
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

// scopeOrUnplacedCond is scopeCond widened, for a grid officer, by the
// unlocated organizations without a grid in the zone of their grids.
func scopeOrUnplacedCond(s grid.Scope, bind func(any) string) string {
	return orUnplaced(s, bind, scopeCond(s, bind))
}

// orUnplaced widens cond, a scope's condition on organizations (alias o),
// as scopeOrUnplacedCond does.
func orUnplaced(s grid.Scope, bind func(any) string, cond string) string {
	if s.All || len(s.GridIDs) == 0 {
		return cond
	}
	return "(" + cond + " OR (o.grid_id IS NULL AND o.geom IS NULL AND o.zone_id IN (SELECT zone_id FROM grid WHERE id = ANY(" +
		bind(s.GridIDs) + "))))"
}

// findOrg reads one organization within scope, of any status, locking it
// for update.
func findOrg(ctx context.Context, tx pgx.Tx, scope grid.Scope, id int64) (grid.Org, int, error) {
	w := orgWhereScoped(grid.OrgFilter{Scope: scope, ID: &id, Status: "all"}, true)
	var o grid.Org
	var version int
	var geom []byte
	var gridID *int64
	var reason *string
	err := tx.QueryRow(ctx, `
SELECT o.id, o.zone_id, o.name, o.uscc, o.kind, o.industry, o.employees, o.party_members, o.party_org,
  o.high_tech, o.specialized, o.address, ST_AsEWKB(o.geom), o.grid_id, o.grid_reason, o.active, o.status, o.version
FROM organization o LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
`+w.String()+` FOR UPDATE OF o`, w.args...).Scan(&o.ID, &o.ZoneID, &o.Name, &o.USCC, &o.Kind, &o.Industry,
		&o.Employees, &o.PartyMembers, &o.PartyOrg, &o.HighTech, &o.Specialized, &o.Address, &geom,
		&gridID, &reason, &o.Active, &o.Status, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, 0, grid.Errorf(grid.ENotFound, "no organization %d", id)
	}
	if err != nil {
		return o, 0, err
	}
	if geom == nil {
		o.Unlocated = true
	} else {
		g, _, err := ewkb.Unmarshal(geom)
		if err != nil {
			return o, 0, err
		}
		o.Location, _ = g.(orb.Point)
	}
	if gridID != nil {
		o.GridID, o.GridReason = *gridID, grid.GridReason(*reason)
	}
	return o, version, nil
}
