package postgis

import (
	"context"
	"strconv"
	"strings"

	"gridgis/geo"
	"gridgis/grid"
)

// Vector tiles are cut by PostGIS. ST_TileEnvelope gives the tile's Web
// Mercator envelope; rows are found with the GiST index on their 4326
// geometry against that envelope (grown by the buffer) transformed to
// 4326, and only matching rows are projected. ST_AsMVT encodes the layer.
//
// Below grid.ClusterBelowZoom the point layers are aggregated per cell of
// a grid.ClusterCells-wide grid aligned with the tile. Each point gets the
// index of the tile unit (1/geo.TileExtent of a tile) that holds it,
// counted over the whole world at the tile's zoom, so that neighbouring
// tiles agree on it to the last bit: every point falls in exactly one
// cell of one tile, and the counts of a tile add up to the points inside
// it. The index comes from the point's longitude and latitude through the
// spherical Mercator formulas (EPSG:3857 is defined by them;
// geo.LonLatToMercator is their Go twin): plain arithmetic, so that a z0
// tile over a million rows aggregates in one pass without a PostGIS call
// per row. A point alone in its cell (an organization, or the request at
// one) keeps its own position, to the tile unit.

// tileBuffer is the buffer around each tile, in tile units, so that
// symbols on a tile edge are drawn whole. It is a whole number of cells.
const tileBuffer = 64

// cellUnits is the width of a cluster cell in tile units.
const cellUnits = geo.TileExtent / grid.ClusterCells

// unitX and unitY are the world tile-unit index of a 4326 point
// expression ({g}) along x (east from 180°W) and y (south from the top of
// the Mercator square), given {unit}, the width of a unit in metres.
const (
	unitX = "floor((ST_X({g}) * (20037508.342789244 / 180) + 20037508.342789244) / {unit})::bigint"
	unitY = "floor((20037508.342789244 - ln(tan(radians(90 + ST_Y({g})) / 2)) * (20037508.342789244 / pi())) / {unit})::bigint"
)

// tileQuery holds the bound placeholders of one tile query.
type tileQuery struct {
	t geo.Tile
	w *where
	// search is the tile's envelope grown by the buffer, in 4326 and
	// within the world, for the index test. (The 3857 envelope grown
	// past 180° and transformed would wrap to the other side of the
	// world.)
	search string
}

func newTileQuery(t geo.Tile) *tileQuery {
	w := &where{}
	b := t.BBox(float64(tileBuffer) / geo.TileExtent)
	return &tileQuery{
		t:      t,
		w:      w,
		search: "ST_MakeEnvelope(" + w.bind(b.MinLon) + ", " + w.bind(b.MinLat) + ", " + w.bind(b.MaxLon) + ", " + w.bind(b.MaxLat) + ", 4326)",
	}
}

// env is the tile's 3857 envelope.
func (q *tileQuery) env() string {
	return "ST_TileEnvelope(" + q.w.bind(q.t.Z) + "::int, " + q.w.bind(q.t.X) + "::int, " + q.w.bind(q.t.Y) + "::int)"
}

// mvtGeom is the 4326 geometry expression geom in tile coordinates,
// clipped to the tile and its buffer.
func (q *tileQuery) mvtGeom(geom string) string {
	return "ST_AsMVTGeom(ST_Transform(" + geom + ", 3857), " + q.env() + ", " +
		strconv.Itoa(geo.TileExtent) + ", " + strconv.Itoa(tileBuffer) + ", true)"
}

// units is the columns ux, uy: the world tile-unit index of the 4326
// point geom.
func (q *tileQuery) units(geom string) string {
	r := strings.NewReplacer("{g}", geom, "{unit}", q.w.bind(q.t.PixelSize(geo.TileExtent))+"::float8")
	return r.Replace(unitX) + " AS ux, " + r.Replace(unitY) + " AS uy"
}

// clusterGeom is a cell's point in tile coordinates: its only point's unit
// (ux, uy) when it holds one, else its centre. It reads c.count and c.cx,
// c.cy (the world cell index).
func (q *tileQuery) clusterGeom(ux, uy string) string {
	x0 := q.w.bind(int64(q.t.X) * geo.TileExtent)
	y0 := q.w.bind(int64(q.t.Y) * geo.TileExtent)
	u, half := strconv.Itoa(cellUnits), strconv.Itoa(cellUnits/2)
	return "CASE WHEN c.count = 1 THEN ST_MakePoint(" + ux + " - " + x0 + "::bigint, " + uy + " - " + y0 + "::bigint) " +
		"ELSE ST_MakePoint(c.cx * " + u + " + " + half + " - " + x0 + "::bigint, c.cy * " + u + " + " + half + " - " + y0 + "::bigint) END"
}

// cellRange is the first and last world cell index of t and its buffer
// along one axis, tile being t.X or t.Y: a tile shows the cells of its
// buffer whole, and none beyond.
func cellRange(tile int) (first, last int32) {
	const bufferCells = tileBuffer / cellUnits
	first = int32(tile)*grid.ClusterCells - bufferCells
	return first, first + grid.ClusterCells + 2*bufferCells - 1
}

// inCells is the condition that the units (ux, uy) of p lie in the
// Mercator world (not north of it, where units are negative, nor at or
// beyond its east or south edge) and in the cells of the tile and its
// buffer. The index test on the search envelope lets through points up to
// a float4 rounding beyond it. The cluster pyramid holds the same points.
func (q *tileQuery) inCells() string {
	u := strconv.Itoa(cellUnits)
	x0, x1 := cellRange(q.t.X)
	y0, y1 := cellRange(q.t.Y)
	world := q.w.bind(int64(geo.TileExtent) << q.t.Z)
	return "p.ux >= 0 AND p.uy >= 0 AND p.ux < " + world + " AND p.uy < " + world +
		" AND p.ux / " + u + " BETWEEN " + q.w.bind(x0) + " AND " + q.w.bind(x1) +
		" AND p.uy / " + u + " BETWEEN " + q.w.bind(y0) + " AND " + q.w.bind(y1)
}

// cellColumns groups the units of p into cells: cx, cy, the count, the
// only point's unit (ux, uy) and its id (first) when the count is 1.
func cellColumns() string {
	u := strconv.Itoa(cellUnits)
	return "p.ux / " + u + " AS cx, p.uy / " + u + " AS cy, count(*) AS count, " +
		"min(p.ux) AS ux, min(p.uy) AS uy, min(p.id) AS first"
}

// asMVT wraps a feature query (columns fid, properties..., geom) into the
// encoded layer. Rows whose geometry fell outside the buffer are dropped,
// so a tile without features is empty (no bytes) rather than an empty
// layer. The layer name is one of grid's constants, checked by the caller.
func asMVT(layer grid.TileLayer, features string) string {
	return "SELECT ST_AsMVT(f, '" + string(layer) + "', " + strconv.Itoa(geo.TileExtent) +
		", 'geom', 'fid') FROM (" + features + ") f WHERE f.geom IS NOT NULL"
}

// Tile implements grid.TileStore. The query runs in MapQueryMode, planned
// for its own values every time: a generic plan cannot tell a z0 tile
// over every row from a z16 tile over a few.
func (db *DB) Tile(ctx context.Context, layer grid.TileLayer, t geo.Tile, scope grid.Scope) ([]byte, error) {
	sql, args, err := db.TileQuery(layer, t, scope)
	if err != nil {
		return nil, err
	}
	var mvt []byte
	if err := db.Pool.QueryRow(ctx, sql, mapArgs(args)...).Scan(&mvt); err != nil {
		return nil, translate(err)
	}
	return mvt, nil
}

// TileQuery is the SQL text and arguments Tile runs (in MapQueryMode):
// one row holding the encoded tile. The benchmark (bench/) times the bare query with it.
func (db *DB) TileQuery(layer grid.TileLayer, t geo.Tile, scope grid.Scope) (string, []any, error) {
	if err := t.Validate(); err != nil {
		return "", nil, grid.Invalid("tile", "%v", err)
	}
	var sql string
	var q *tileQuery
	switch layer {
	case grid.LayerGrids:
		sql, q = gridTile(t, scope)
	case grid.LayerOrganizations:
		sql, q = orgTile(t, scope)
	case grid.LayerRequests:
		sql, q = requestTile(t, scope, db.Now())
	default:
		return "", nil, grid.Invalid("layer", "unknown layer %q", layer)
	}
	return sql, q.w.args, nil
}

// gridOrgCount is grid g's count of active organizations, kept in
// org_grid_count (migration 016) plus the deltas not yet folded into it
// (019, joined as gridOrgDeltas), read in one snapshot: counting a
// grid's organizations row by row took 60 ms at a million.
const (
	gridOrgCount  = `(coalesce((SELECT c.orgs FROM org_grid_count c WHERE c.grid_id = g.id), 0) + coalesce(gd.n, 0))::bigint`
	gridOrgDeltas = `
LEFT JOIN (SELECT d.grid_id, sum(d.sign) AS n FROM org_cluster_delta d GROUP BY 1) gd ON gd.grid_id = g.id`
)

// gridTile selects the grid polygons in t with their counts of active
// organizations (gridOrgCount); every role sees every grid of its zone.
func gridTile(t geo.Tile, scope grid.Scope) (string, *tileQuery) {
	q := newTileQuery(t)
	zone := "true"
	if scope.ZoneID > 0 {
		zone = "g.zone_id = " + q.w.bind(scope.ZoneID)
	}
	return asMVT(grid.LayerGrids, `
SELECT g.id AS fid, g.id, g.code, g.name, g.industry,
  `+gridOrgCount+` AS org_count,
  `+q.mvtGeom("g.geom")+` AS geom
FROM grid g`+gridOrgDeltas+`
WHERE g.geom && `+q.search+` AND `+zone+`
ORDER BY g.id`), q
}

// scopeReadsAssignment reports whether scopeCond and requestScopeCond
// read the active assignment (alias a) for s: only a liaison's scope
// does, and aggregation skips the join for the others.
func scopeReadsAssignment(s grid.Scope) bool {
	return !s.All && len(s.GridIDs) == 0 && s.LiaisonID > 0
}

// joinAssignment is the join scopeCond expects, when it reads it.
func joinAssignment(s grid.Scope) string {
	if !scopeReadsAssignment(s) {
		return ""
	}
	return "\n    LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL"
}

// orgTile selects the active organizations in t that scope may see: one by
// one from grid.ClusterBelowZoom on, aggregated per cell below, from the
// cluster pyramid (cluster.go) for a zone's or grids' scope. A liaison's
// handful of organizations is aggregated as it is.
func orgTile(t geo.Tile, scope grid.Scope) (string, *tileQuery) {
	if t.Z < grid.ClusterBelowZoom && pyramidServes(scope) {
		return orgClusterTile(t, scope)
	}
	return orgTileLive(t, scope)
}

// orgTileLive is orgTile from the organizations themselves: the cluster
// pyramid's reference (OrgTileLive).
func orgTileLive(t geo.Tile, scope grid.Scope) (string, *tileQuery) {
	q := newTileQuery(t)
	cond := "o.active AND " + scopeCond(scope, q.w.bind) + " AND o.geom && " + q.search
	if t.Z >= grid.ClusterBelowZoom {
		return asMVT(grid.LayerOrganizations, `
SELECT o.id AS fid, 1 AS count, o.id, o.name, o.kind, o.grid_id, o.party_org, a.liaison_id,
  `+q.mvtGeom("o.geom")+` AS geom
FROM organization o
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
WHERE `+cond+`
ORDER BY o.id`), q
	}
	// The most common kind of a cell, from one count per kind.
	var counts, pick []string
	for _, k := range grid.OrgKinds {
		n := "count(*) FILTER (WHERE p.kind = '" + string(k) + "')"
		counts = append(counts, n)
		pick = append(pick, "WHEN "+n+" THEN '"+string(k)+"'")
	}
	majority := "CASE greatest(" + strings.Join(counts, ", ") + ") " + strings.Join(pick, " ") + " END"
	// OFFSET 0 keeps each subquery whole: the planner then expects few
	// cells and aggregates by hashing instead of sorting every row, and
	// looks up a lone organization by id for those cells alone.
	return asMVT(grid.LayerOrganizations, `
SELECT one.id AS fid, c.count, one.id, one.name, coalesce(one.kind, c.kind) AS kind,
  one.grid_id, one.party_org, one.liaison_id, `+q.clusterGeom("c.ux", "c.uy")+` AS geom
FROM (
  SELECT `+cellColumns()+`, `+majority+` AS kind
  FROM (
    SELECT o.id, o.kind, `+q.units("o.geom")+`
    FROM organization o`+joinAssignment(scope)+`
    WHERE `+cond+`
    OFFSET 0) p
  WHERE `+q.inCells()+`
  GROUP BY 1, 2
) c
LEFT JOIN LATERAL (
  SELECT o.id, o.name, o.kind, o.grid_id, o.party_org, a.liaison_id
  FROM organization o
  LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE c.count = 1 AND o.id = c.first OFFSET 0) one ON true
ORDER BY c.cy, c.cx`), q
}

// requestTile selects the requests in t that scope may see, at their
// organization's point, with their SLA colour at now: one by one from
// grid.ClusterBelowZoom on, aggregated per cell below with the count of
// open requests and the worst colour.
func requestTile(t geo.Tile, scope grid.Scope, now any) (string, *tileQuery) {
	q := newTileQuery(t)
	cond := requestScopeCond(scope, q.w.bind) + " AND o.geom && " + q.search
	at := q.w.bind(now) + "::timestamptz"
	// Colours rank green 1, yellow 2, red 3; closed requests are green.
	rank := "CASE request_sla(r.status, r.reported_at, r.response_due_at, r.due_at, r.resolved_at, " + at +
		") WHEN 'red' THEN 3 WHEN 'yellow' THEN 2 ELSE 1 END"
	const colour = "(ARRAY['green', 'yellow', 'red'])"
	if t.Z >= grid.ClusterBelowZoom {
		return asMVT(grid.LayerRequests, `
SELECT r.id AS fid, 1 AS count, (`+openStatusCond+`)::int AS open, `+colour+`[`+rank+`] AS sla,
  r.id, r.status, r.category, r.org_id, `+q.mvtGeom("o.geom")+` AS geom
FROM request r
JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
WHERE `+cond+`
ORDER BY r.id`), q
	}
	return asMVT(grid.LayerRequests, `
SELECT one.id AS fid, c.count, c.open, `+colour+`[c.rank] AS sla,
  one.id, one.status, one.category, one.org_id, `+q.clusterGeom("c.ux", "c.uy")+` AS geom
FROM (
  SELECT `+cellColumns()+`, count(*) FILTER (WHERE p.open) AS open, max(p.rank) AS rank
  FROM (
    SELECT r.id, `+openStatusCond+` AS open, `+rank+` AS rank, `+q.units("o.geom")+`
    FROM request r
    JOIN organization o ON o.id = r.org_id`+joinAssignment(scope)+`
    WHERE `+cond+`
    OFFSET 0) p
  WHERE `+q.inCells()+`
  GROUP BY 1, 2
) c
LEFT JOIN LATERAL (
  SELECT r.id, r.status, r.category, r.org_id FROM request r
  WHERE c.count = 1 AND r.id = c.first OFFSET 0) one ON true
ORDER BY c.cy, c.cx`), q
}

// TileBounds implements grid.TileStore: the extent of zone zoneID (every
// zone when 0), its grids and organizations (requests lie at
// organizations). Organizations may lie outside their zone, and a map
// client fetches no tile beyond the bounds. It reads every organization
// of the zone: about 0.2 s at a million.
func (db *DB) TileBounds(ctx context.Context, zoneID int64) (geo.BBox, bool, error) {
	var minLon, minLat, maxLon, maxLat *float64
	err := db.Pool.QueryRow(ctx, `
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(g) AS e
      FROM (SELECT boundary AS g FROM zone WHERE $1::bigint = 0 OR id = $1
            UNION ALL SELECT geom FROM grid WHERE $1 = 0 OR zone_id = $1
            UNION ALL SELECT geom FROM organization WHERE $1 = 0 OR zone_id = $1) x) b`, zoneID).
		Scan(&minLon, &minLat, &maxLon, &maxLat)
	if err != nil {
		return geo.BBox{}, false, translate(err)
	}
	if minLon == nil {
		return geo.BBox{}, false, nil
	}
	return geo.BBox{MinLon: *minLon, MinLat: *minLat, MaxLon: *maxLon, MaxLat: *maxLat}, true, nil
}
