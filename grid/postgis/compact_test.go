package postgis_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/grid/rebalance"
)

// The layers' SQL as it was before compact JSON (json_build_object, which
// writes "key" : value), kept as the reference the compact text must
// decode equal to.
var legacyRequestFeatureSQL = `
SELECT r.id, ` + boxColumns("o.geom") + `, json_build_object(
  'type', 'Feature',
  'id', r.id,
  'geometry', ST_AsGeoJSON(o.geom, 6)::json,
  'properties', json_build_object(
    'org_id', r.org_id, 'org_name', o.name, 'grid_id', o.grid_id, 'zone_id', r.zone_id,
    'title', r.title, 'category', r.category, 'topic', r.topic, 'status', r.status,
    'sla', request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, r.resolved_at, $1),
    'reported_at', r.reported_at, 'response_due_at', r.response_due_at, 'due_at', r.due_at,
    'closed_at', r.closed_at, 'liaison_id', r.liaison_id, 'unit_id', r.unit_id,
    'supervision', r.supervision, 'rework_count', r.rework_count, 'reminders', r.reminders, 'version', r.version)
)::text
FROM request r
JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
`

var legacyLiaisonFeatureSQL = `
SELECT l.id, ` + boxColumns("l.base") + `, json_build_object(
  'type', 'Feature',
  'id', l.id,
  'geometry', ST_AsGeoJSON(l.base, 6)::json,
  'properties', json_build_object(
    'name', l.name, 'phone', l.phone, 'zone_id', l.zone_id, 'grid_id', l.grid_id,
    'load', s.load, 'min', l.min_load, 'max', l.max_load,
    'contacted_7d', s.contacted, 'visited_30d', s.visited,
    'contact_compliance', CASE WHEN s.load > 0 THEN round(s.contacted::numeric / s.load, 4) END,
    'visit_compliance', CASE WHEN s.load > 0 THEN round(s.visited::numeric / s.load, 4) END)
)::text
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

var legacyAssignmentFeatureSQL = `
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

var legacyGridFeatureSQL = `
SELECT g.id, ` + boxColumns("g.geom") + `, json_build_object(
  'type', 'Feature',
  'id', g.id,
  'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 6)::json,
  'properties', json_build_object(
    'code', g.code, 'name', g.name, 'industry', g.industry,
    'officer', g.officer, 'instructor', g.instructor, 'zone_id', g.zone_id,
    'org_count', (SELECT count(*) FROM organization o WHERE o.grid_id = g.id AND o.active))
)::text
FROM grid g
WHERE ($1::bigint IS NULL OR g.id = $1) AND ($2::bigint = 0 OR g.zone_id = $2)
ORDER BY g.id`

var legacyMoveFeatureSQL = `
SELECT m.org_id, ` + boxColumns("g.line") + `, json_build_object(
  'type', 'Feature',
  'id', m.org_id,
  'geometry', ST_AsGeoJSON(g.line, 6)::json,
  'properties', json_build_object(
    'org_id', m.org_id, 'org_name', o.name, 'grid_id', o.grid_id,
    'from_liaison_id', nullif(m.from_liaison_id, 0), 'from_liaison_name', lf.name,
    'to_liaison_id', nullif(m.to_liaison_id, 0), 'to_liaison_name', lt.name,
    'distance_m', round(ST_DistanceSphere(lt.base, o.geom)),
    'from_distance_m', round(ST_DistanceSphere(lf.base, o.geom)))
)::text
FROM rebalance_plan p
CROSS JOIN LATERAL jsonb_to_recordset(p.moves) AS m(org_id bigint, from_liaison_id bigint, to_liaison_id bigint)
JOIN organization o ON o.id = m.org_id
LEFT JOIN liaison lf ON lf.id = m.from_liaison_id
LEFT JOIN liaison lt ON lt.id = m.to_liaison_id
CROSS JOIN LATERAL (SELECT ST_MakeLine(ARRAY[lf.base, o.geom, lt.base]) AS line) g
`

func legacyZoneCoverageSQL(den, num, indicator, zone string) string {
	return `
SELECT g.id, ` + boxColumns("g.geom") + `, json_build_object(
  'type', 'Feature',
  'id', g.id,
  'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 6)::json,
  'properties', json_build_object(
    'code', g.code, 'name', g.name, 'industry', g.industry, 'zone_id', g.zone_id,
    'indicator', ` + indicator + `::text, 'numerator', c.num, 'denominator', c.den,
    'rate', CASE WHEN c.den > 0 THEN round(c.num::numeric / c.den, 4) END)
)::text
FROM grid g
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE ` + den + ` AND ` + num + `) AS num, count(*) FILTER (WHERE ` + den + `) AS den
  FROM organization o LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE o.grid_id = g.id AND o.active
) c
WHERE ` + zone + `
ORDER BY g.id`
}

// boxColumns is what the store reads a feature's box from, after the id:
// the geometry (its four ST_XMin-style columns until the store read the
// box from the geometry's bytes; TestFeatureBoxes checks that reading).
func boxColumns(geom string) string { return geom }

// featureRow is one row of a layer as the store hands it on.
type featureRow struct {
	ID   int64
	BBox [4]float64
	JSON string
}

// TestCompactFeatures: every layer but the organizations' (a projection of
// its own) writes its features without padding ("key":value, not
// "key" : value), and they decode to what the old SQL wrote, with the same
// ids and boxes, over the demo zone with a plan's moves and text that
// needs escaping.
func TestCompactFeatures(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	plan, _, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if plan.MoveCount == 0 {
		t.Fatal("the plan moves nobody")
	}
	// Text that JSON must escape, and NULL values.
	const awkward = "引号\"与\\反斜杠\n换行\t制表 {x}, [y]; \u0001 \u2028 😀"
	for _, sql := range []string{
		`UPDATE organization SET name = $2 WHERE id = (SELECT min(id) FROM organization WHERE zone_id = $1)`,
		`UPDATE organization SET name = $2 WHERE id = (SELECT min(org_id) FROM request WHERE zone_id = $1)`,
		`UPDATE request SET title = $2 WHERE id = (SELECT min(id) FROM request WHERE zone_id = $1)`,
		`UPDATE liaison SET name = $2, phone = '' WHERE id = (SELECT min(id) FROM liaison WHERE zone_id = $1)`,
		`UPDATE grid SET name = $2, instructor = $2 WHERE id = (SELECT min(id) FROM grid WHERE zone_id = $1)`,
	} {
		if _, err := db.Pool.Exec(ctx, sql, zoneID, awkward); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	scope := grid.Scope{All: true, ZoneID: zoneID}
	layers := []struct {
		name   string
		legacy func() (restore func())
		read   func(fn grid.FeatureFunc) error
	}{
		{"requests", swap("requests", legacyRequestFeatureSQL), func(fn grid.FeatureFunc) error {
			return db.EachRequestFeature(ctx, grid.RequestFilter{Scope: scope}, fn)
		}},
		{"liaisons", swap("liaisons", legacyLiaisonFeatureSQL), func(fn grid.FeatureFunc) error {
			return db.EachLiaisonFeature(ctx, grid.LiaisonFilter{Scope: scope}, fn)
		}},
		{"assignments", swap("assignments", legacyAssignmentFeatureSQL), func(fn grid.FeatureFunc) error {
			return db.EachAssignmentFeature(ctx, grid.AssignmentFilter{Scope: scope}, fn)
		}},
		{"grids", swap("grids", legacyGridFeatureSQL), func(fn grid.FeatureFunc) error {
			return db.EachGridFeature(ctx, grid.GridFilter{ZoneID: zoneID}, fn)
		}},
		{"moves", swap("moves", legacyMoveFeatureSQL), func(fn grid.FeatureFunc) error {
			return db.EachRebalanceMoveFeature(ctx, plan.ID, rebalance.MoveFilter{}, fn)
		}},
	}
	for _, ind := range grid.Indicators {
		layers = append(layers, struct {
			name   string
			legacy func() (restore func())
			read   func(fn grid.FeatureFunc) error
		}{"coverage " + string(ind), func() func() {
			was := *postgis.ZoneCoverageSQL
			*postgis.ZoneCoverageSQL = legacyZoneCoverageSQL
			return func() { *postgis.ZoneCoverageSQL = was }
		}, func(fn grid.FeatureFunc) error { return db.EachZoneCoverageFeature(ctx, zoneID, ind, fn) }})
	}
	for _, l := range layers {
		t.Run(l.name, func(t *testing.T) {
			now := readRows(t, l.read)
			restore := l.legacy()
			before := readRows(t, l.read)
			restore()
			if len(now) == 0 || len(now) != len(before) {
				t.Fatalf("%d features, %d before", len(now), len(before))
			}
			for i, f := range now {
				var compact bytes.Buffer
				if err := json.Compact(&compact, []byte(f.JSON)); err != nil {
					t.Fatalf("feature %d: %v: %s", f.ID, err, f.JSON)
				}
				if compact.String() != f.JSON || strings.Contains(f.JSON, `" : `) {
					t.Fatalf("feature %d is padded: %s", f.ID, f.JSON)
				}
				b := before[i]
				if f.ID != b.ID || f.BBox != b.BBox {
					t.Errorf("feature %d box %v, before %d %v", f.ID, f.BBox, b.ID, b.BBox)
				}
				if diff := cmp.Diff(decode(t, b.JSON), decode(t, f.JSON)); diff != "" {
					t.Errorf("feature %d (-before +now):\n%s", f.ID, diff)
				}
			}
			if !slices.ContainsFunc(now, func(f featureRow) bool { return strings.Contains(f.JSON, `\"与\\反斜杠\n`) }) &&
				l.name != "assignments" && !strings.HasPrefix(l.name, "coverage") {
				t.Errorf("no feature carries the awkward text")
			}
		})
	}
}

// swap returns a function that puts sql in place of layer's feature SQL
// and returns what puts it back.
func swap(layer, sql string) func() func() {
	return func() func() {
		p := postgis.FeatureSQL[layer]
		was := *p
		*p = sql
		return func() { *p = was }
	}
}

func readRows(t *testing.T, read func(fn grid.FeatureFunc) error) []featureRow {
	t.Helper()
	var rows []featureRow
	err := read(func(f grid.Feature) error {
		rows = append(rows, featureRow{f.ID, [4]float64{f.BBox.MinLon, f.BBox.MinLat, f.BBox.MaxLon, f.BBox.MaxLat}, string(f.JSON)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// decode reads a feature with numbers as they are written.
func decode(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}
