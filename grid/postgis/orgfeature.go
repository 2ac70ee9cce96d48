package postgis

import (
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
)

// orgFeatureProjSQL reads organizations' Features from org_feature, the
// projection migration 015 keeps (one row per organization, its Feature
// pre-rendered up to the properties that hang on the liaison, the time
// or the requests). It is the same Feature orgFeatureSQL builds, keys
// and values alike, without padding spaces.
//
// The rows (%[2]s) come filtered, and a page chosen, with their stored
// text; only then is each one's activity probed (orgActivityProbe) and
// the Feature finished: one concat(), which copies the stored text once.
// lc holds the last contact and visit up to now (%[1]s): the stored latest
// of each kind, unless a contact is dated after now (a clock set back, a
// contact entered ahead), and only then the backward probe orgFeatureSQL
// makes (map_org_last_contact). %[3]s orders them, or not (a page).
var orgFeatureProjSQL = `
SELECT o.id, ` + orgBoxGeom + `, concat(o.head,
  ',"liaison_id":', coalesce(a.liaison_id::text, 'null'),
  ',"pinned":', coalesce(act.pinned, false)::text,
  ',"last_contact_at":', coalesce(to_json(lc.contact_at)::text, 'null'),
  ',"last_visit_at":', coalesce(to_json(lc.visit_at)::text, 'null'),
  ',"contact_overdue":', (` + projContactOverdue + `)::text,
  ',"visit_overdue":', (` + projVisitOverdue + `)::text,
  ',"open_requests":', coalesce(act.open_requests, 0), '}}')
FROM (%[2]s) o` + orgActivityProbe + orgActivityDerived + `%[3]s`

// A page (a limit) picks its ids in order, with the addresses of their
// row versions (orgFeatureProjIDs), then reads those rows by address in
// storage order (orgFeatureProjPage): the statement's one snapshot sees
// the same versions twice. Sorting the rows themselves was most of a
// large page's time: at a million organizations, 10,000 rows with their
// text took ~25 ms to sort (6 MB of fresh memory, page faults) where
// sorting their ids and reading them by address took ~10. So a page's
// Features come in storage order (spatial), the largest id last (the
// store holds it back: LargestIDLast), and pages still follow ids.
// A filter on the activity (a gap, an overdue flag, a liaison) joins it
// before the ids are chosen, over every candidate.
const (
	orgFeatureProjIDs = `SELECT o.id, o.ctid FROM org_feature o
`
	orgFeatureProjPage = `SELECT f.id, f.zone_id, f.geom, f.head FROM org_feature f
WHERE f.ctid = ANY(ARRAY(SELECT k.ctid FROM (%s) k))`
)

// A bbox page (orgBoxPageIDs) runs as a prepared statement on one
// generic plan (eachGenericRow) instead of being planned on every call:
// for a page of a hundred organizations, planning took as long as
// running. One plan then serves every box. A small box is best read
// through the spatial index and its rows sorted; a box of most of the
// zone by walking the ids in order until the page is full (a generic
// plan of the first kind took 1.1 s for a page of a whole zone of a
// million, the walk 78 ms). So the plan holds both and the box decides,
// as it runs, by the organizations the cluster pyramid counts in the
// cells wholly inside it (about 8 across; at least as many as the box
// holds less its edges, read in some 50 index entries). The walk reads
// about limit × N / M rows for a box of M of N organizations, the index
// M and a sort of them: the walk is cheaper once M² > limit × N × (the
// cost of a row walked ÷ one read through the index, ~1.4 measured at a
// million). A box the pyramid undercounts, or one it does not cover (a
// filter it does not count: orgBoxPageServes), takes the index, which is
// never worse than reading every row in the box.
const orgBoxPageIDs = `WITH walk AS (
  SELECT (SELECT coalesce(sum(%[2]s), 0) FROM org_cluster k
          WHERE k.z = %[3]s AND k.cy BETWEEN %[4]s AND %[5]s AND k.cx BETWEEN %[6]s AND %[7]s AND %[8]s)
    ^ 2 > 1.4 * %[1]s * (SELECT greatest(t.reltuples, 1) FROM pg_class t WHERE t.oid = 'org_feature'::regclass) AS yes
)
(SELECT o.id, o.ctid FROM org_feature o
%[9]s ORDER BY o.id LIMIT %[1]s)
UNION ALL
(SELECT o.id, o.ctid FROM org_feature o
%[10]s ORDER BY o.id LIMIT %[1]s)`

// orgBoxPageServes reports whether orgBoxPageIDs reads a page of f: a
// bbox page of active organizations in a scope the pyramid keeps,
// filtered by nothing it does not count (zone, grid and kind it does).
func orgBoxPageServes(f grid.OrgFilter) bool {
	return f.Limit > 0 && f.BBox != nil && f.Status == "" && f.Located == nil && pyramidServes(f.Scope) &&
		!orgFilterReadsAssignment(f) && f.ID == nil && f.Industry == nil && f.PartyOrg == nil && f.Query == nil
}

// orgBoxPage is orgBoxPageIDs for f (orgBoxPageServes) over w, f's
// conditions.
func orgBoxPage(w *where, f grid.OrgFilter) string {
	n := w.bind(f.Limit)
	count := strings.Join(kindColumns("k."), " + ")
	if f.Kind != nil {
		count = "k." + string(*f.Kind) // a kind is one of grid.OrgKinds, checked by the handler
	}
	cells := pyramidScopeCond(f.Scope, w.bind)
	if f.ZoneID != nil {
		cells += " AND k.zone_id = " + w.bind(*f.ZoneID)
	}
	if f.GridID != nil {
		cells += " AND k.grid_id = " + w.bind(*f.GridID)
	}
	z, x0, x1, y0, y1 := innerCells(*f.BBox)
	const walks = "(SELECT walk.yes FROM walk)"
	return fmt.Sprintf(orgBoxPageIDs, n, count, w.bind(z), w.bind(y0), w.bind(y1), w.bind(x0), w.bind(x1), cells,
		"WHERE NOT "+walks+" AND "+strings.TrimPrefix(w.String(), "WHERE "), w.withoutBoxIndex(walks))
}

// innerCells is the pyramid's zoom z whose cells put about eight across
// b's longer side, and the range of the cells wholly inside b (none when
// x0 > x1 or y0 > y1).
func innerCells(b geo.BBox) (z int16, x0, x1, y0, y1 int32) {
	nw, se := orb.Point{b.MinLon, b.MaxLat}, orb.Point{b.MaxLon, b.MinLat}
	for z = grid.ClusterBelowZoom - 1; ; z-- {
		wx, ny := geo.WorldUnit(nw, int(z))
		ex, sy := geo.WorldUnit(se, int(z))
		if z == 0 || max(ex-wx, sy-ny) <= 8*cellUnits {
			return z, int32(wx/cellUnits) + 1, int32(ex/cellUnits) - 1, int32(ny/cellUnits) + 1, int32(sy/cellUnits) - 1
		}
	}
}

// Without a limit (an export, one organization) the rows are read in id
// order with their text (orgFeatureProjAll); with a filter on the
// activity by the addresses of the ids chosen (orgFeatureProjByID).
const (
	orgFeatureProjAll = `SELECT o.id, o.zone_id, o.geom, o.head FROM org_feature o
`
	orgFeatureProjByID = `SELECT k.id, f.zone_id, f.geom, f.head FROM (%s) k
JOIN org_feature f ON f.ctid = k.ctid ORDER BY k.id`
)

// orgActivityJoin joins the activity for the filters that read it
// (orgFilterReadsAssignment): act is the organization's row of
// org_activity (migration 020; none for an organization without a
// liaison, contacts or requests).
const orgActivityJoin = `
LEFT JOIN org_activity act ON act.id = o.id`

// orgActivityProbe is orgActivityJoin for a page already chosen: one
// index probe per row. LIMIT keeps the planner from turning it into a
// join, which it made a hash of the whole table for a page of 10,000.
const orgActivityProbe = `
LEFT JOIN LATERAL (SELECT x.liaison_id, x.pinned, x.contact_max, x.visit_max, x.open_requests
  FROM org_activity x WHERE x.id = o.id LIMIT 1) act ON true`

// orgActivityDerived derives from act what the Feature and the filters
// read: a the active assignment (its liaison; an id that is not null when
// there is one) and lc the last contact and visit up to now.
const orgActivityDerived = `
CROSS JOIN LATERAL (SELECT act.liaison_id, act.liaison_id AS id) a
CROSS JOIN LATERAL (SELECT
  CASE WHEN act.contact_max > %[1]s::timestamptz THEN map_org_last_contact(o.id, 'contact', %[1]s) ELSE act.contact_max END AS contact_at,
  CASE WHEN act.visit_max > %[1]s::timestamptz THEN map_org_last_contact(o.id, 'visit', %[1]s) ELSE act.visit_max END AS visit_at
) lc
`

// The overdue flags over the projection, as orgFeatureSQL has them: a
// liaison's organization with no contact of either kind in (now − 7
// days, now], or no visit in (now − 30 days, now]. They are also the gaps
// of contact_7d and visit_30d, so the filters use them too.
const (
	projContactOverdue = `a.liaison_id IS NOT NULL AND coalesce(greatest(lc.contact_at, lc.visit_at)
  <= %[1]s::timestamptz - interval '7 days', true)`
	projVisitOverdue = `a.liaison_id IS NOT NULL AND coalesce(lc.visit_at <= %[1]s::timestamptz - interval '30 days', true)`
)

// projGap is the projection's condition for the gaps it keeps the
// makings of (the overdue flags); the other indicators' gaps read only
// columns the projection has and take gapCond as it is.
var projGap = map[grid.Indicator]string{
	grid.IndicatorContact7d: projContactOverdue,
	grid.IndicatorVisit30d:  projVisitOverdue,
}

// orgFeatureProjQuery is OrgFeatureQuery over the projection, its
// arguments led by the query mode. ok is false for a filter it does not
// serve (a text search: the projection keeps no name or credit code apart
// from the Feature). unordered is true for a page, whose rows come in
// storage order.
func orgFeatureProjQuery(f grid.OrgFilter, now time.Time) (sql string, args []any, unordered, ok bool, err error) {
	if f.Query != nil {
		return "", nil, false, false, nil
	}
	w := orgWhereAt(f) // all but the gaps, which read the time
	p := w.bind(now)
	gap := func(ind grid.Indicator) error {
		if cond, ok := projGap[ind]; ok {
			w.add(fmt.Sprintf("("+cond+")", p))
			return nil
		}
		cond, err := gapCond(w, ind, now)
		if err == nil {
			w.add(cond)
		}
		return err
	}
	if f.Gap != nil {
		if err := gap(*f.Gap); err != nil {
			return "", nil, false, false, err
		}
	}
	if f.Overdue != nil {
		ind, ok := overdueIndicator[*f.Overdue]
		if !ok {
			return "", nil, false, false, grid.Invalid("overdue", "must be one of contact, visit")
		}
		if err := gap(ind); err != nil {
			return "", nil, false, false, err
		}
	}
	locatedOnly(w, f)
	ids := orgFeatureProjIDs
	if orgFilterReadsAssignment(f) {
		ids = fmt.Sprintf(orgFeatureProjIDs+orgActivityJoin+orgActivityDerived, p)
	}
	ids += w.String() + " ORDER BY o.id"
	var rows, order string
	mode := MapQueryMode
	switch {
	case orgBoxPageServes(f):
		rows = fmt.Sprintf(orgFeatureProjPage, orgBoxPage(w, f))
		unordered, mode = true, pgx.QueryExecModeCacheStatement
	case f.Limit > 0:
		rows, unordered = fmt.Sprintf(orgFeatureProjPage, w.limit(ids, f.Limit)), true
	case orgFilterReadsAssignment(f):
		rows, order = fmt.Sprintf(orgFeatureProjByID, ids), "\nORDER BY o.id"
	default:
		rows, order = orgFeatureProjAll+w.String()+" ORDER BY o.id", "\nORDER BY o.id"
	}
	sql = fmt.Sprintf(orgFeatureProjSQL, p, rows, order)
	return sql, append([]any{mode}, w.args...), unordered, true, nil
}
