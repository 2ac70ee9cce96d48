package main

import (
	"time"

	"gridgis/geo"
)

// The baseline SQL: what the map endpoints ran before issue 14, frozen as
// text and timed bare beside the current SQL, on the same data in the same
// run: an informative ratio (the targets compare the baseline server's
// endpoint with ours). Generated from main at commit 57f2d70
// (postgis.OrgFeatureQuery and postgis.TileQuery, admin scope); do not
// edit: it is a yardstick, not the product.

// baselineCommit is the commit whose code path is the baseline: its SQL
// below, and its server binary (baselineserver.go), built from this
// repository's history for every run and timed over HTTP beside the
// current one. The SQL below was generated at this commit: change both or
// neither.
const baselineCommit = "57f2d708519feba5718f8e65db9562ad26140e73"

// baselineOrgSQL is OrgFeatureQuery for an admin bbox with a limit: rows
// of id, the four bounding-box columns and the Feature text. Placeholders:
// $1–$4 the bbox (min lon, min lat, max lon, max lat), $5 now, $6 the
// limit.
const baselineOrgSQL = `
SELECT o.id, ST_XMin(coalesce(o.geom, (SELECT z.boundary FROM zone z WHERE z.id = o.zone_id))), ST_YMin(coalesce(o.geom, (SELECT z.boundary FROM zone z WHERE z.id = o.zone_id))), ST_XMax(coalesce(o.geom, (SELECT z.boundary FROM zone z WHERE z.id = o.zone_id))), ST_YMax(coalesce(o.geom, (SELECT z.boundary FROM zone z WHERE z.id = o.zone_id))), json_build_object(
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
                       <= $5::timestamptz - interval '7 days', true),
    'visit_overdue', a.liaison_id IS NOT NULL AND coalesce(lc.visit_at <= $5::timestamptz - interval '30 days', true),
    'open_requests', (SELECT count(*) FROM request r
                      WHERE r.org_id = o.id AND r.status NOT IN ('verified', 'rejected')))
)::text
FROM organization o
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
CROSS JOIN LATERAL (SELECT
  (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'contact' AND c.at <= $5) AS contact_at,
  (SELECT max(c.at) FROM contact c WHERE c.org_id = o.id AND c.kind = 'visit' AND c.at <= $5) AS visit_at
  OFFSET 0 -- a fence: pulled up, each probe would run once per use
) lc
WHERE o.active AND true AND o.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND o.geom IS NOT NULL ORDER BY o.id LIMIT $6`

// baselineTileSQL is TileQuery for an admin organizations tile below
// grid.ClusterBelowZoom (16): every zoom the bench measures (z6, z10,
// z14) ran this same text, clustered per cell. Placeholders: $1–$3 z, x,
// y; $4, $5 the tile's first world tile unit along x and y (x·4096,
// y·4096); $6 the width of a tile unit in metres.
const baselineTileSQL = `SELECT ST_AsMVT(f, 'organizations', 4096, 'geom', 'fid') FROM (
SELECT one.id AS fid, c.count, one.id, one.name, coalesce(one.kind, c.kind) AS kind,
  one.grid_id, one.party_org, one.liaison_id, CASE WHEN c.count = 1 THEN ST_MakePoint(c.ux - $4::bigint, c.uy - $5::bigint) ELSE ST_MakePoint(c.cx * 32 + 16 - $4::bigint, c.cy * 32 + 16 - $5::bigint) END AS geom
FROM (
  SELECT p.ux / 32 AS cx, p.uy / 32 AS cy, count(*) AS count, min(p.ux) AS ux, min(p.uy) AS uy, min(p.id) AS first, CASE greatest(count(*) FILTER (WHERE p.kind = 'enterprise'), count(*) FILTER (WHERE p.kind = 'new_economic'), count(*) FILTER (WHERE p.kind = 'social')) WHEN count(*) FILTER (WHERE p.kind = 'enterprise') THEN 'enterprise' WHEN count(*) FILTER (WHERE p.kind = 'new_economic') THEN 'new_economic' WHEN count(*) FILTER (WHERE p.kind = 'social') THEN 'social' END AS kind
  FROM (
    SELECT o.id, o.kind, floor((ST_X(o.geom) * (20037508.342789244 / 180) + 20037508.342789244) / $6::float8)::bigint AS ux, floor((20037508.342789244 - ln(tan(radians(90 + ST_Y(o.geom)) / 2)) * (20037508.342789244 / pi())) / $6::float8)::bigint AS uy
    FROM organization o
    WHERE o.active AND true AND o.geom && ST_Transform(ST_TileEnvelope($1::int, $2::int, $3::int, margin => 0.015625), 4326)
    OFFSET 0) p
  GROUP BY 1, 2
) c
LEFT JOIN LATERAL (
  SELECT o.id, o.name, o.kind, o.grid_id, o.party_org, a.liaison_id
  FROM organization o
  LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE c.count = 1 AND o.id = c.first OFFSET 0) one ON true
ORDER BY c.cy, c.cx) f WHERE f.geom IS NOT NULL`

// baselineOrgArgs are baselineOrgSQL's arguments for bbox b at now.
func baselineOrgArgs(b geo.BBox, now time.Time, limit int) []any {
	return []any{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat, now, limit}
}

// mercatorWorld is the width of the spherical Mercator square in metres.
const mercatorWorld = 2 * 20037508.342789244

// baselineTileArgs are baselineTileSQL's arguments for tile t.
func baselineTileArgs(t geo.Tile) []any {
	const extent = 4096 // tile units per tile (geo.TileExtent at baselineCommit)
	unit := mercatorWorld / float64(int64(1)<<t.Z) / extent
	return []any{t.Z, t.X, t.Y, int64(t.X) * extent, int64(t.Y) * extent, unit}
}
