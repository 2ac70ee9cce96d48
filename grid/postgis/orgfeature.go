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
// The page's rows (%[2]s, orgFeatureProjPage) come filtered, ordered and
// limited with their stored text; only then is each one's activity
// probed (orgActivityProbe) and the Feature finished: one concat(),
// which copies the stored text once. lc holds the last contact and
// visit up to now (%[1]s): the stored latest of each kind, unless a
// contact is dated after now (a clock set back, a contact entered
// ahead), and only then the backward probe orgFeatureSQL makes
// (map_org_last_contact).
var orgFeatureProjSQL = `
SELECT o.id, ` + orgBoxGeom + `, concat(o.head,
  ',"liaison_id":', coalesce(a.liaison_id::text, 'null'),
  ',"pinned":', coalesce(act.pinned, false)::text,
  ',"last_contact_at":', coalesce(to_json(lc.contact_at)::text, 'null'),
  ',"last_visit_at":', coalesce(to_json(lc.visit_at)::text, 'null'),
  ',"contact_overdue":', (` + projContactOverdue + `)::text,
  ',"visit_overdue":', (` + projVisitOverdue + `)::text,
  ',"open_requests":', coalesce(act.open_requests, 0), '}}')
FROM (%[2]s) o` + orgActivityProbe + orgActivityDerived + `
ORDER BY o.id`

// orgFeatureProjPage selects the page's rows of the projection, aliased
// o, with what orgFeatureProjSQL reads of them. Measured at a million
// organizations against picking ids first and fetching their rows after
// (by key or by ctid), carrying the text through the sort was faster for
// 100 rows (planning one level less, no second fetch) and for 10,000
// (even with the sort's 6 MB on disk).
const orgFeatureProjPage = `SELECT o.id, o.zone_id, o.geom, o.head FROM org_feature o
`

// A filter on the activity (a gap, an overdue flag, a liaison) joins it
// before the page is chosen, over every candidate: carrying the text
// through that join and sort doubled the time of a gap over 40,000
// candidates. Its page picks ids first (orgFeatureProjIDs), then reads
// their rows by the row versions' addresses (orgFeatureProjByID): the
// statement's one snapshot sees the same versions twice.
const (
	orgFeatureProjIDs  = `SELECT o.id, o.ctid FROM org_feature o`
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
// keeps no name or credit code apart from the Feature).
func orgFeatureProjQuery(f grid.OrgFilter, now time.Time) (sql string, args []any, ok bool, err error) {
	if f.Query != nil {
		return "", nil, false, nil
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
			return "", nil, false, err
		}
	}
	if f.Overdue != nil {
		ind, ok := overdueIndicator[*f.Overdue]
		if !ok {
			return "", nil, false, grid.Invalid("overdue", "must be one of contact, visit")
		}
		if err := gap(ind); err != nil {
			return "", nil, false, err
		}
	}
	locatedOnly(w, f)
	var page string
	if orgFilterReadsAssignment(f) {
		ids := w.limit(fmt.Sprintf(orgFeatureProjIDs+orgActivityJoin+orgActivityDerived, p)+w.String()+" ORDER BY o.id", f.Limit)
		page = fmt.Sprintf(orgFeatureProjByID, ids)
	} else {
		page = w.limit(orgFeatureProjPage+w.String()+" ORDER BY o.id", f.Limit)
	}
	sql = fmt.Sprintf(orgFeatureProjSQL, p, page)
	return sql, w.args, true, nil
}
