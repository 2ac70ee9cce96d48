package postgis

import (
	"fmt"
	"time"

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

// orgFeatureProjQuery is OrgFeatureQuery over the projection. ok is
// false for a filter it does not serve (a text search: the projection
// keeps no name or credit code apart from the Feature). unordered is
// true for a page, whose rows come in storage order.
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
	switch {
	case f.Limit > 0:
		rows, unordered = fmt.Sprintf(orgFeatureProjPage, w.limit(ids, f.Limit)), true
	case orgFilterReadsAssignment(f):
		rows, order = fmt.Sprintf(orgFeatureProjByID, ids), "\nORDER BY o.id"
	default:
		rows, order = orgFeatureProjAll+w.String()+" ORDER BY o.id", "\nORDER BY o.id"
	}
	sql = fmt.Sprintf(orgFeatureProjSQL, p, rows, order)
	return sql, w.args, unordered, true, nil
}
