package postgis

import (
	"context"
	"strconv"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
)

// containsCap bounds how many substring matches of one kind are ranked.
// A query as broad as the zone's city name matches most of a million
// organizations: ranking the first containsCap found keeps such a query
// as fast as a rare one, and a query that narrows (more characters) finds
// the rest. Exact and prefix matches are never capped.
const containsCap = 500

// Search implements grid.SearchStore: one statement, so that a search is
// one round trip.
func (db *DB) Search(ctx context.Context, q grid.SearchQuery) ([]grid.SearchResult, error) {
	sql, args := SearchSQL(q)
	rows, err := db.Pool.Query(ctx, sql, mapArgs(args)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []grid.SearchResult
	for rows.Next() {
		var r grid.SearchResult
		var match int
		var lon, lat, minLon, minLat, maxLon, maxLat *float64
		if err := rows.Scan(&r.Kind, &r.ID, &r.Label, &r.Sublabel, &match, &lon, &lat,
			&minLon, &minLat, &maxLon, &maxLat); err != nil {
			return nil, err
		}
		r.Match = grid.SearchMatch(match)
		if lon != nil && lat != nil {
			r.Point = &orb.Point{*lon, *lat}
		}
		if minLon != nil {
			r.BBox = &geo.BBox{MinLon: *minLon, MinLat: *minLat, MaxLon: *maxLon, MaxLat: *maxLat}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SearchSQL is the statement Search runs (in MapQueryMode, planned for
// the values: whether a LIKE pattern can use an index depends on them).
// The benchmark (bench/) times the bare statement with it. Each kind is a
// branch of a UNION ALL ranked on its own; each branch unions its ways of
// matching, each of which an index serves (migrations/012_search.sql).
func SearchSQL(q grid.SearchQuery) (string, []any) {
	w := &where{}
	text := w.bind(q.Text)
	prefix := w.bind(grid.LikeEscape(q.Text) + "%")
	contains := w.bind("%" + grid.LikeEscape(q.Text) + "%")
	limit := w.bind(q.Limit)
	capN := ""
	if q.Contains() { // an unused parameter would have no type
		capN = w.bind(containsCap)
	}
	code, codePrefix, number := "NULL::text", "NULL::text", "NULL::bigint"
	if q.Code != "" {
		code, codePrefix = w.bind(q.Code), w.bind(grid.LikeEscape(q.Code)+"%")
	}
	if q.Number > 0 {
		number = w.bind(q.Number)
	}
	branches := []string{
		orgSearchSQL(q, w, text, prefix, contains, code, codePrefix, limit, capN),
		requestSearchSQL(q, w, text, contains, number, limit, capN),
		liaisonSearchSQL(q, w, text, prefix, contains, limit, capN),
		gridSearchSQL(q.Scope, w, text, prefix, contains, code, codePrefix, limit),
	}
	sql := "SELECT kind, id, label, sublabel, match, lon, lat, min_lon, min_lat, max_lon, max_lat FROM (\n"
	for i, b := range branches {
		if i > 0 {
			sql += "\nUNION ALL\n"
		}
		sql += "(" + b + ")"
	}
	return sql + "\n) found ORDER BY kind_order, pos", w.args
}

// union joins the ways of matching one kind: each a SELECT of (id, match).
func union(ways ...string) string {
	out := ""
	for _, s := range ways {
		if s == "" {
			continue
		}
		if out != "" {
			out += " UNION ALL "
		}
		out += "(" + s + ")"
	}
	return out
}

// ranked wraps a kind's matches: each id once with its best match, then
// ordered by match, similarity and label. columns select the row's fields
// from table alias x joined on the id.
func ranked(kindOrder int, kind grid.SearchKind, matches, table, label, columns, text, limit string) string {
	return rankedBy(kindOrder, kind, matches, table, label, columns, text, limit, "")
}

// rankedBy is ranked with first (if not empty) ordering results of the
// same match before similarity does.
func rankedBy(kindOrder int, kind grid.SearchKind, matches, table, label, columns, text, limit, first string) string {
	if first != "" {
		first += ", "
	}
	return `SELECT ` + strconv.Itoa(kindOrder) + ` AS kind_order, '` + string(kind) + `' AS kind, x.id, ` + columns + `, b.match,
  row_number() OVER (ORDER BY b.match, ` + first + `similarity(` + label + `, ` + text + `) DESC, ` + label + `, x.id) AS pos
FROM (SELECT id, min(match) AS match FROM (` + matches + `) m(id, match) GROUP BY id) b
JOIN ` + table + ` ON x.id = b.id
ORDER BY pos LIMIT ` + limit
}

// orgSearchSQL finds active organizations in scope by credit code (whole
// or beginning), name (beginning, or anywhere) and address (anywhere).
func orgSearchSQL(q grid.SearchQuery, w *where, text, prefix, contains, code, codePrefix, limit, capN string) string {
	// A liaison's organizations are few: the scope reads them by the
	// assignment index before any name is looked at.
	var scope string
	switch s := q.Scope; {
	case s.All:
		scope = "true"
	case len(s.GridIDs) > 0:
		scope = "o.grid_id = ANY(" + w.bind(s.GridIDs) + ")"
	case s.LiaisonID > 0:
		scope = "o.id IN (SELECT org_id FROM assignment WHERE valid_to IS NULL AND liaison_id = " + w.bind(s.LiaisonID) + ")"
	default:
		scope = "false"
	}
	// The zone first, so that each way's index is read for one zone; an
	// officer finds the unlocated organizations they list (待定位).
	scope = orUnplaced(q.Scope, w.bind, zoneCond(q.Scope, "o.zone_id", w.bind, scope))
	base := "FROM organization o WHERE o.active AND " + scope + " AND "
	var byCode, byCodePrefix, byContains string
	if q.Code != "" {
		byCode = "SELECT o.id, 0 AS match " + base + "o.uscc = " + code
		byCodePrefix = "SELECT o.id, 1 " + base + "o.uscc LIKE " + codePrefix + " ORDER BY o.uscc USING ~<~ LIMIT " + limit
	}
	byPrefix := "SELECT o.id, 1 " + base + "o.name LIKE " + prefix + " ORDER BY o.name USING ~<~ LIMIT " + limit
	if q.Contains() {
		byContains = "SELECT o.id, 2 " + base + "(o.name ILIKE " + contains + " OR o.address ILIKE " + contains + ") LIMIT " + capN
	}
	return ranked(0, grid.SearchOrg, union(byCode, byCodePrefix, byPrefix, byContains),
		"organization x LEFT JOIN grid g ON g.id = x.grid_id", "x.name",
		`x.name AS label, concat_ws(' · ', x.uscc, nullif(x.address, ''), g.name) AS sublabel,
  round(ST_X(x.geom)::numeric, 6)::float8 AS lon, round(ST_Y(x.geom)::numeric, 6)::float8 AS lat,
  NULL::float8 AS min_lon, NULL::float8 AS min_lat, NULL::float8 AS max_lon, NULL::float8 AS max_lat`,
		text, limit)
}

// requestSearchSQL finds requests in scope by number or title (anywhere).
func requestSearchSQL(q grid.SearchQuery, w *where, text, contains, number, limit, capN string) string {
	// A short query that is not a number finds no request: no scope is
	// bound then (an unused parameter would have no type).
	matches := "SELECT NULL::bigint AS id, 0 AS match WHERE false"
	if q.Number > 0 || q.Contains() {
		base := `FROM request r JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL WHERE ` + requestScopeCond(q.Scope, w.bind) + " AND "
		var byNumber, byContains string
		if q.Number > 0 {
			byNumber = "SELECT r.id, 0 AS match " + base + "r.id = " + number
		}
		if q.Contains() {
			byContains = "SELECT r.id, 2 " + base + "r.title ILIKE " + contains + " LIMIT " + capN
		}
		matches = union(byNumber, byContains)
	}
	// Open requests before closed ones of the same match: the one still
	// to work on is the one looked for.
	return rankedBy(1, grid.SearchRequest, matches,
		"request x JOIN organization xo ON xo.id = x.org_id", "x.title",
		`x.title AS label, concat('#', x.id, ' · ', `+requestStatusLabel+`, ' · ', xo.name) AS sublabel,
  round(ST_X(xo.geom)::numeric, 6)::float8 AS lon, round(ST_Y(xo.geom)::numeric, 6)::float8 AS lat,
  NULL::float8, NULL::float8, NULL::float8, NULL::float8`,
		text, limit, "x.status IN ('verified', 'rejected')")
}

// requestStatusLabel is request x's status as users read it, the same
// names as the map app's (frontend/src/i18n.ts statusLabels).
const requestStatusLabel = `CASE x.status WHEN 'reported' THEN '待交办' WHEN 'assigned' THEN '已交办'
  WHEN 'in_progress' THEN '整改中' WHEN 'resolved' THEN '待复核' WHEN 'verified' THEN '已办结'
  WHEN 'rejected' THEN '不予受理' ELSE x.status END`

// liaisonSearchSQL finds active liaisons in scope by name (beginning, or
// anywhere).
func liaisonSearchSQL(q grid.SearchQuery, w *where, text, prefix, contains, limit, capN string) string {
	lw := &where{args: w.args}
	liaisonWhere(lw, grid.LiaisonFilter{Scope: q.Scope})
	w.args = lw.args
	base := "FROM liaison l " + lw.String() + " AND "
	byPrefix := "SELECT l.id, 1 AS match " + base + "l.name LIKE " + prefix + " ORDER BY l.name USING ~<~ LIMIT " + limit
	var byContains string
	if q.Contains() {
		byContains = "SELECT l.id, 2 " + base + "l.name ILIKE " + contains + " LIMIT " + capN
	}
	return ranked(2, grid.SearchLiaison, union(byPrefix, byContains),
		"liaison x JOIN grid g ON g.id = x.grid_id", "x.name",
		`x.name AS label, g.name AS sublabel,
  round(ST_X(x.base)::numeric, 6)::float8 AS lon, round(ST_Y(x.base)::numeric, 6)::float8 AS lat,
  NULL::float8, NULL::float8, NULL::float8, NULL::float8`,
		text, limit)
}

// gridSearchSQL finds grids by code or name. Every role sees every grid
// of its zone (of every zone for a user of no zone), and a zone has tens
// of grids: no index is needed.
func gridSearchSQL(s grid.Scope, w *where, text, prefix, contains, code, codePrefix, limit string) string {
	matches := `SELECT g.id, CASE WHEN upper(g.code) = ` + code + ` THEN 0
  WHEN g.name LIKE ` + prefix + ` OR upper(g.code) LIKE ` + codePrefix + ` THEN 1 ELSE 2 END AS match
FROM grid g WHERE (upper(g.code) LIKE ` + codePrefix + ` OR g.name ILIKE ` + contains + `)`
	if s.ZoneID > 0 {
		matches += " AND g.zone_id = " + w.bind(s.ZoneID)
	}
	return ranked(3, grid.SearchGrid, matches, "grid x", "x.name",
		`x.name AS label, concat_ws(' · ', x.code, x.industry) AS sublabel,
  round(ST_X(ST_PointOnSurface(x.geom))::numeric, 6)::float8 AS lon,
  round(ST_Y(ST_PointOnSurface(x.geom))::numeric, 6)::float8 AS lat,
  ST_XMin(x.geom) AS min_lon, ST_YMin(x.geom) AS min_lat, ST_XMax(x.geom) AS max_lon, ST_YMax(x.geom) AS max_lat`,
		text, limit)
}
