package postgis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// indicatorSQL holds each indicator's denominator and numerator as SQL
// predicates over organization o and its active assignment a, with the
// current time as the placeholder %[1]s. Indicator names only ever select
// from this map; they are never put in SQL.
var indicatorSQL = map[grid.Indicator]struct{ den, num string }{
	grid.IndicatorPartyOrg:      {"true", "o.party_org <> 'none'"},
	grid.IndicatorStandalone:    {"true", "o.party_org = 'standalone'"},
	grid.IndicatorStandaloneGap: {"o.party_members >= 3", "o.party_org <> 'standalone'"},
	grid.IndicatorInstructor: {"true", "(o.party_org <> 'none' OR EXISTS (SELECT 1 FROM grid gi " +
		"WHERE gi.id = o.grid_id AND gi.instructor <> ''))"},
	grid.IndicatorLiaison: {"true", "a.id IS NOT NULL"},
	grid.IndicatorContact7d: {"a.id IS NOT NULL", "EXISTS (SELECT 1 FROM contact c WHERE c.org_id = o.id " +
		"AND c.at > %[1]s::timestamptz - interval '7 days' AND c.at <= %[1]s)"},
	grid.IndicatorVisit30d: {"a.id IS NOT NULL", "EXISTS (SELECT 1 FROM contact c WHERE c.org_id = o.id " +
		"AND c.kind = 'visit' AND c.at > %[1]s::timestamptz - interval '30 days' AND c.at <= %[1]s)"},
}

// indicatorPredicates returns ind's denominator and numerator with now
// bound in w.
func indicatorPredicates(w *where, ind grid.Indicator, now time.Time) (den, num string, err error) {
	sql, ok := indicatorSQL[ind]
	if !ok {
		return "", "", grid.Invalid("indicator", "unknown indicator %q", ind)
	}
	if !strings.Contains(sql.den+sql.num, "%[1]s") {
		return sql.den, sql.num, nil // bind now only where it is read
	}
	p := w.bind(now)
	return withNow(sql.den, p), withNow(sql.num, p), nil
}

// withNow puts the placeholder of now into a predicate that reads it (a
// predicate without the verb would get fmt's EXTRA note appended).
func withNow(pred, now string) string {
	if !strings.Contains(pred, "%[1]s") {
		return pred
	}
	return fmt.Sprintf(pred, now)
}

// gapCond is the condition that an organization belongs to ind's gap.
func gapCond(w *where, ind grid.Indicator, now time.Time) (string, error) {
	den, num, err := indicatorPredicates(w, ind, now)
	if err != nil {
		return "", err
	}
	if ind.GapIsNumerator() {
		return den + " AND " + num, nil
	}
	return den + " AND NOT " + num, nil
}

// EachCoverageFeature implements grid.MapStore.
func (db *DB) EachCoverageFeature(ctx context.Context, ind grid.Indicator, fn grid.FeatureFunc) error {
	return db.EachZoneCoverageFeature(ctx, 0, ind, fn)
}

// EachZoneCoverageFeature implements grid.ExportStore.
func (db *DB) EachZoneCoverageFeature(ctx context.Context, zoneID int64, ind grid.Indicator, fn grid.FeatureFunc) error {
	w := &where{}
	den, num, err := indicatorPredicates(w, ind, db.Now())
	if err != nil {
		return err
	}
	indicator := w.bind(string(ind))
	zone := "true"
	if zoneID > 0 {
		zone = "g.zone_id = " + w.bind(zoneID)
	}
	return db.eachFeature(ctx, fn, zoneCoverageSQL(den, num, indicator, zone), w.args...)
}

// zoneCoverageSQL writes each grid with the numerator, denominator and
// rate of an indicator (den and num its predicates, indicator the
// placeholder of its name), for the grids the condition zone selects.
var zoneCoverageSQL = func(den, num, indicator, zone string) string {
	return `
SELECT g.id, g.geom, ` + featureSQL("g.id", "ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 6)",
		jsonMember{"code", "g.code"}, jsonMember{"name", "g.name"}, jsonMember{"industry", "g.industry"},
		jsonMember{"zone_id", "g.zone_id"}, jsonMember{"indicator", indicator + "::text"},
		jsonMember{"numerator", "c.num"}, jsonMember{"denominator", "c.den"},
		jsonMember{"rate", "CASE WHEN c.den > 0 THEN round(c.num::numeric / c.den, 4) END"}) + `
FROM grid g
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE ` + den + ` AND ` + num + `) AS num, count(*) FILTER (WHERE ` + den + `) AS den
  FROM organization o LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE o.grid_id = g.id AND o.active
) c
WHERE ` + zone + `
ORDER BY g.id`
}

// CoverageTotals implements grid.MapStore. Organizations outside every
// grid still count for their zone.
func (db *DB) CoverageTotals(ctx context.Context, ind grid.Indicator) ([]grid.ZoneRate, error) {
	w := &where{}
	den, num, err := indicatorPredicates(w, ind, db.Now())
	if err != nil {
		return nil, err
	}
	rows, err := db.Pool.Query(ctx, `
SELECT z.id, count(o.id) FILTER (WHERE `+den+` AND `+num+`), count(o.id) FILTER (WHERE `+den+`)
FROM zone z
LEFT JOIN organization o ON o.zone_id = z.id AND o.active
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
GROUP BY z.id ORDER BY z.id`, w.args...)
	if err != nil {
		return nil, translate(err)
	}
	totals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.ZoneRate, error) {
		var z grid.ZoneRate
		var num, den int64
		err := r.Scan(&z.ZoneID, &num, &den)
		z.Rate = grid.NewRate(num, den)
		return z, err
	})
	return totals, translate(err)
}
