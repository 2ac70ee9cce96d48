package postgis

import (
	"context"
	"strings"

	"gridgis/geo"
	"gridgis/grid"
)

// The organization cluster pyramid (migration 016, org_cluster) holds, for
// every zoom below grid.ClusterBelowZoom, the active organizations counted
// per cluster cell, zone, grid and kind, kept up by statement triggers. A
// low-zoom tile then reads the few hundred cells under it instead of
// aggregating every organization there, and comes out byte for byte as
// the live aggregation (orgTileLive) would make it: the same cells,
// counts and majority kind, and a cell of one organization is that
// organization, looked up by its id (the cell's id_sum).

// pyramidServes reports whether orgTile reads the pyramid for s: it is
// kept per zone and grid, so it answers a zone's (or every zone's) and a
// grid officer's scope; a liaison's is not in it.
func pyramidServes(s grid.Scope) bool {
	return s.All || len(s.GridIDs) > 0
}

// pyramidScopeCond is scopeCond on the pyramid's rows (alias k).
func pyramidScopeCond(s grid.Scope, bind func(any) string) string {
	cond := "true"
	if !s.All {
		cond = "k.grid_id = ANY(" + bind(s.GridIDs) + ")"
	}
	return zoneCond(s, "k.zone_id", bind, cond)
}

// orgClusterTile is orgTileLive's aggregated tile from the pyramid plus
// its deltas not yet folded (org_cluster_delta, migration 019), read in
// one snapshot: exact whether or not the fold has run. The index on (z,
// cy, cx) is read once per row of cells (cy = ANY), each a short range of
// cx; the deltas, a few rows, are scanned whole.
func orgClusterTile(t geo.Tile, scope grid.Scope) (string, *tileQuery) {
	q := &tileQuery{t: t, w: &where{}}
	x0, x1 := cellRange(t.X)
	y0, y1 := cellRange(t.Y)
	rows := make([]int32, 0, y1-y0+1)
	for y := y0; y <= y1; y++ {
		rows = append(rows, y)
	}
	// A delta's cell at zoom z from its zoom-15 units, as
	// map_org_cluster_add makes it: a cell is 32 units at zoom 15, and
	// each zoom up halves it.
	shift := q.w.bind(int32(20-t.Z)) + "::int"
	var deltas []string
	for _, k := range grid.OrgKinds {
		deltas = append(deltas, "CASE WHEN d.kind = '"+string(k)+"' THEN d.sign ELSE 0 END::int")
	}
	cond := "k.cy = ANY(" + q.w.bind(rows) + "::int[]) AND k.cx BETWEEN " +
		q.w.bind(x0) + " AND " + q.w.bind(x1) + " AND " + pyramidScopeCond(scope, q.w.bind)
	// The most common kind of a cell, first in grid.OrgKinds on a tie, as
	// orgTileLive picks it.
	var counts, pick []string
	for _, k := range grid.OrgKinds {
		n := "sum(k." + string(k) + ")"
		counts = append(counts, n)
		pick = append(pick, "WHEN "+n+" THEN '"+string(k)+"'")
	}
	majority := "CASE greatest(" + strings.Join(counts, ", ") + ") " + strings.Join(pick, " ") + " END"
	count := "sum(" + strings.Join(kindColumns("k."), " + ") + ")"
	// The conditions on k reach into both sides of the UNION ALL. A cell
	// the deltas emptied is left out.
	return asMVT(grid.LayerOrganizations, `
SELECT one.id AS fid, c.count, one.id, one.name, coalesce(one.kind, c.kind) AS kind,
  one.grid_id, one.party_org, one.liaison_id, `+q.clusterGeom("one.ux", "one.uy")+` AS geom
FROM (
  SELECT k.cx, k.cy, `+count+` AS count, `+majority+` AS kind,
    sum(k.id_sum)::bigint AS first
  FROM (
    SELECT k.cx, k.cy, k.zone_id, k.grid_id, `+strings.Join(kindColumns("k."), ", ")+`, k.id_sum
    FROM org_cluster k
    WHERE k.z = `+q.w.bind(int16(t.Z))+`
    UNION ALL
    SELECT (d.ux >> `+shift+`)::int, (d.uy >> `+shift+`)::int, d.zone_id, d.grid_id, `+strings.Join(deltas, ", ")+`, d.id * d.sign
    FROM org_cluster_delta d
    WHERE d.ux IS NOT NULL) k
  WHERE `+cond+`
  GROUP BY k.cy, k.cx
  HAVING `+count+` <> 0
) c
LEFT JOIN LATERAL (
  SELECT o.id, o.name, o.kind, o.grid_id, o.party_org, a.liaison_id, `+q.units("o.geom")+`
  FROM organization o
  LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE c.count = 1 AND o.id = c.first OFFSET 0) one ON true
ORDER BY c.cy, c.cx`), q
}

// kindColumns is the pyramid's count column of each kind, after prefix.
func kindColumns(prefix string) []string {
	var cols []string
	for _, k := range grid.OrgKinds {
		cols = append(cols, prefix+string(k))
	}
	return cols
}

// OrgTileLive is the organizations tile that Tile serves, aggregated from
// the organizations themselves rather than read from the cluster pyramid:
// the reference the pyramid is checked against, and the benchmark's
// baseline.
func (db *DB) OrgTileLive(ctx context.Context, t geo.Tile, scope grid.Scope) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, grid.Invalid("tile", "%v", err)
	}
	sql, q := orgTileLive(t, scope)
	var mvt []byte
	if err := db.Pool.QueryRow(ctx, sql, mapArgs(q.w.args)...).Scan(&mvt); err != nil {
		return nil, translate(err)
	}
	return mvt, nil
}

// FoldTiles implements grid.TileFolder. First it adds the organization
// parts of requests filed since (map_fold_request_org, migration 023):
// it skips what others hold and never waits, so a long tile fold cannot
// starve it. Then it moves the pyramid's deltas into the pyramid
// (map_fold_org_cluster), foldBatch at a time, each batch its own short
// statement, and says how many it moved. Reads are the same before and
// after; folding keeps them fast. After a large fold (a register
// import's) the emptied delta table is vacuumed at once, since every
// low-zoom read scans it.
func (db *DB) FoldTiles(ctx context.Context) (int64, error) {
	if _, err := db.Pool.Exec(ctx, `SELECT map_fold_request_org()`); err != nil {
		return 0, translate(err)
	}
	var total int64
	for {
		var n int64
		if err := db.Pool.QueryRow(ctx, `SELECT map_fold_org_cluster($1)`, foldBatch).Scan(&n); err != nil {
			return total, translate(err)
		}
		total += n
		if n < foldBatch {
			break
		}
	}
	if total >= foldVacuumAbove {
		if _, err := db.Pool.Exec(ctx, `VACUUM org_cluster_delta`); err != nil {
			return total, translate(err)
		}
	}
	return total, nil
}

const (
	// foldBatch is how many deltas one fold statement moves: about a
	// second's work on a busy 2-CPU machine.
	foldBatch = 50000
	// foldVacuumAbove is the fold after which FoldTiles vacuums the delta
	// table: some thousand pages of dead rows.
	foldVacuumAbove = 100000
)

// RebuildOrgCluster rebuilds the cluster pyramid from scratch
// (map_rebuild_org_cluster), as after writes made with its triggers off.
func (db *DB) RebuildOrgCluster(ctx context.Context) error {
	_, err := db.Pool.Exec(ctx, `SELECT map_rebuild_org_cluster()`)
	return translate(err)
}
