package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
)

// CreateZone inserts z after validating its boundary.
func (db *DB) CreateZone(ctx context.Context, z grid.Zone) (grid.Zone, error) {
	if err := geo.ValidateMultiPolygon(z.Boundary); err != nil {
		return z, grid.Invalid("boundary", "%v", err)
	}
	b, err := ewkbOf(z.Boundary)
	if err != nil {
		return z, err
	}
	err = db.Pool.QueryRow(ctx,
		`INSERT INTO zone (code, name, boundary) VALUES ($1, $2, ST_GeomFromEWKB($3)) RETURNING id`,
		z.Code, z.Name, b).Scan(&z.ID)
	return z, translate(err)
}

// FindZone implements rebalance.Store.
func (db *DB) FindZone(ctx context.Context, ref string) (grid.Zone, error) {
	var zones []grid.Zone
	rows, err := db.Pool.Query(ctx, `
SELECT id, code, name FROM zone
WHERE $1 = '' OR code = $1 OR id::text = $1
ORDER BY id LIMIT 2`, ref)
	if err == nil {
		zones, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.Zone, error) {
			var z grid.Zone
			err := r.Scan(&z.ID, &z.Code, &z.Name)
			return z, err
		})
	}
	switch {
	case err != nil:
		return grid.Zone{}, translate(err)
	case len(zones) == 0 && ref == "":
		return grid.Zone{}, grid.Invalid("zone", "the database holds no zone yet")
	case len(zones) == 0:
		return grid.Zone{}, grid.Errorf(grid.ENotFound, "no zone %q", ref)
	case len(zones) > 1 && ref == "":
		return grid.Zone{}, grid.Invalid("zone", "有多个园区，请指明园区（编码或编号） / the database holds several zones: name one")
	}
	// A ref that is one zone's id and another's code names the first.
	for _, z := range zones {
		if strconv.FormatInt(z.ID, 10) == ref {
			return z, nil
		}
	}
	return zones[0], nil
}

// CreateGrid inserts g after validating its polygon.
func (db *DB) CreateGrid(ctx context.Context, g grid.Grid) (grid.Grid, error) {
	if err := geo.ValidateMultiPolygon(g.Geom); err != nil {
		return g, grid.Invalid("geometry", "%v", err)
	}
	b, err := ewkbOf(g.Geom)
	if err != nil {
		return g, err
	}
	err = db.Pool.QueryRow(ctx, `
INSERT INTO grid (zone_id, code, name, industry, officer, instructor, geom)
VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromEWKB($7)) RETURNING id`,
		g.ZoneID, g.Code, g.Name, g.Industry, g.Officer, g.Instructor, b).Scan(&g.ID)
	return g, translate(err)
}

// gridFeatureSQL lets PostGIS write each grid as a GeoJSON Feature with
// RFC 7946 winding (exterior rings counter-clockwise) and 6 decimals.
var gridFeatureSQL = `
SELECT g.id, g.geom, ` + featureSQL("g.id", "ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 6)",
	jsonMember{"code", "g.code"}, jsonMember{"name", "g.name"}, jsonMember{"industry", "g.industry"},
	jsonMember{"officer", "g.officer"}, jsonMember{"instructor", "g.instructor"}, jsonMember{"zone_id", "g.zone_id"},
	jsonMember{"org_count", gridOrgCount}) + `
FROM grid g` + gridOrgDeltas + `
WHERE ($1::bigint IS NULL OR g.id = $1) AND ($2::bigint = 0 OR g.zone_id = $2)
ORDER BY g.id`

// EachGridFeature implements grid.MapStore.
func (db *DB) EachGridFeature(ctx context.Context, f grid.GridFilter, fn grid.FeatureFunc) error {
	return db.eachFeature(ctx, fn, gridFeatureSQL, f.ID, f.ZoneID)
}

// zoneNewSQL holds the boundary being set, built in the transaction.
const zoneNewSQL = `CREATE TEMP TABLE zone_new (g geometry) ON COMMIT DROP`

// zonePartsSQL stages a file's polygons ($1, EWKB) and reports the
// invalid ones, numbered from 1, with GEOS's reason and where.
const zonePartsSQL = `
CREATE TEMP TABLE zone_part ON COMMIT DROP AS
SELECT ord::int AS ord, ST_GeomFromEWKB(w) AS g FROM unnest($1::bytea[]) WITH ORDINALITY AS t(w, ord)`

const zoneInvalidPartsSQL = `
SELECT p.ord, d.reason, ST_X(d.location), ST_Y(d.location)
FROM zone_part p CROSS JOIN LATERAL ST_IsValidDetail(p.g) d
WHERE NOT d.valid ORDER BY p.ord LIMIT 20`

// The union of the file's polygons, or of zone $1's grids; NULL when
// there are none. Polygons that only touch stay separate parts.
const (
	zoneUnionPartsSQL = `INSERT INTO zone_new SELECT ST_Multi(ST_CollectionExtract(ST_Union(g), 3)) FROM zone_part`
	zoneUnionGridsSQL = `INSERT INTO zone_new SELECT ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) FROM grid WHERE zone_id = $1`
)

// zoneShapeSQL measures the new boundary and tests it against China's
// box ($1–$4).
const zoneShapeSQL = `
SELECT g IS NOT NULL AND NOT ST_IsEmpty(g), coalesce(ST_IsValid(g), false), coalesce(ST_Area(g::geography), 0),
  coalesce(ST_CoveredBy(g, ST_MakeEnvelope($1, $2, $3, $4, 4326)), false), coalesce(md5(ST_AsBinary(g)), '')
FROM zone_new`

// zoneGridsOutsideSQL finds zone $1's grids that reach more than $2 m²
// outside the new boundary and are wider there than $3 m: the measure
// the grid import refuses a grid by, so a boundary it accepts admits the
// zone's grids again.
const zoneGridsOutsideSQL = `
SELECT g.code, g.name, ST_Area(x.geom::geography), ST_X(ST_PointOnSurface(x.geom)), ST_Y(ST_PointOnSurface(x.geom))
FROM grid g CROSS JOIN zone_new n
CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Difference(g.geom, n.g), 3) AS geom) x
WHERE g.zone_id = $1 AND NOT ST_CoveredBy(g.geom, n.g)
  AND NOT ST_IsEmpty(x.geom) AND ST_Area(x.geom::geography) > $2
  AND NOT ST_IsEmpty(ST_Buffer(x.geom::geography, -$3::float8 / 2)::geometry)
ORDER BY g.code`

// zoneOverlapSQL finds the other zone (not $1) the new boundary overlaps
// most, by more than $2 m² and wider than $3 m (the measure grids
// overlapping each other are refused by): two zones would both accept an
// organization there. Zones that only share an edge do not overlap.
const zoneOverlapSQL = `
SELECT z.code, ST_Area(x.geom::geography), ST_X(ST_PointOnSurface(x.geom)), ST_Y(ST_PointOnSurface(x.geom))
FROM zone z CROSS JOIN zone_new n
CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(z.boundary, n.g), 3) AS geom) x
WHERE z.id <> $1 AND ST_Intersects(z.boundary, n.g)
  AND NOT ST_IsEmpty(x.geom) AND ST_Area(x.geom::geography) > $2
  AND NOT ST_IsEmpty(ST_Buffer(x.geom::geography, -$3::float8 / 2)::geometry)
ORDER BY 2 DESC LIMIT 1`

// zoneOverlap describes how the boundary in zone_new overlaps another
// zone than zoneID (0: any), or answers "".
func zoneOverlap(ctx context.Context, tx pgx.Tx, zoneID int64) (string, error) {
	var code string
	var area, x, y float64
	err := tx.QueryRow(ctx, zoneOverlapSQL, zoneID, grid.GridTolerance, grid.GridSliverWidth).Scan(&code, &area, &x, &y)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("区界与园区 %s 重叠 %s，例如 (%.6f, %.6f) 处：两个园区不能有重叠 / the boundary overlaps zone %s",
		code, areaText(area), x, y, code), nil
}

// zoneOrgsSQL counts zone $1's located active organizations: all of
// them, those the old boundary covered that lie more than $2 m outside
// the new one (which refuse it), with a few of their names, and those
// already outside the old boundary (left alone: the import places them
// by the nearest grid).
const zoneOrgsSQL = `
WITH o AS (
  SELECT o.name, ST_Covers(z.boundary, o.geom) AS was_in,
    NOT ST_Covers(n.g, o.geom) AND NOT ST_DWithin(o.geom::geography, n.g::geography, $2) AS out
  FROM organization o JOIN zone z ON z.id = o.zone_id CROSS JOIN zone_new n
  WHERE o.zone_id = $1 AND o.active AND o.geom IS NOT NULL)
SELECT count(*), count(*) FILTER (WHERE was_in AND out),
  coalesce((SELECT array_agg(name) FROM (SELECT name FROM o WHERE was_in AND out ORDER BY name LIMIT 5) s), '{}'),
  count(*) FILTER (WHERE NOT was_in)
FROM o`

// zoneSetSQL replaces zone $1's boundary and writes its audit row with
// what it was: enough to undo the change from the log.
const zoneSetSQL = `
WITH old AS (SELECT boundary FROM zone WHERE id = $1::bigint FOR NO KEY UPDATE),
upd AS (UPDATE zone SET boundary = (SELECT g FROM zone_new) WHERE id = $1 RETURNING id)
INSERT INTO audit_log (at, actor_id, action, target, client_addr, zone_id, detail)
SELECT $2, $3, 'zone_boundary', 'zone:' || $1::bigint, $4, $1::bigint,
  $5::jsonb || jsonb_build_object('old_area_m2', ST_Area(old.boundary::geography), 'old_wkb_md5', md5(ST_AsBinary(old.boundary)),
    'old_boundary', ST_AsGeoJSON(old.boundary)::jsonb)
FROM old, upd`

// AddZone implements grid.ZoneStore.
func (db *DB) AddZone(ctx context.Context, who grid.Actor, z grid.Zone, b grid.ZoneBoundary) (grid.ZoneChange, error) {
	if err := grid.ValidateZone(z); err != nil {
		return grid.ZoneChange{}, err
	}
	if b.FromGrids {
		return grid.ZoneChange{}, grid.Invalid("boundary", "新园区还没有网格：请给出区界文件 / a new zone has no grids")
	}
	var ch grid.ZoneChange
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if err := newZoneBoundary(ctx, tx, 0, b, &ch); err != nil {
			return err
		}
		z.Name = strings.TrimSpace(z.Name)
		err := tx.QueryRow(ctx, `INSERT INTO zone (code, name, boundary) SELECT $1, $2, g FROM zone_new RETURNING id`,
			z.Code, z.Name).Scan(&z.ID)
		if err != nil {
			if grid.ErrorCode(translate(err)) == grid.EConflict {
				return grid.Errorf(grid.EConflict, "园区编码 %s 已存在 / zone %s exists", z.Code, z.Code)
			}
			return err
		}
		ch.Zone = z
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr,
			Action: "zone_create", Target: "zone:" + strconv.FormatInt(z.ID, 10),
			Detail: map[string]any{"code": z.Code, "name": z.Name, "source": b.Source,
				"area_m2": ch.AreaM2, "wkb_md5": ch.Hash}}, db.Now())
	})
	if err != nil {
		return grid.ZoneChange{}, translate(err)
	}
	return ch, nil
}

// SetZoneBoundary implements grid.ZoneStore. It holds the zone's import
// lock, so no grid or register import checks against the old boundary
// while it changes, and its organization-write lock, as a grid import does.
func (db *DB) SetZoneBoundary(ctx context.Context, who grid.Actor, zoneID int64, b grid.ZoneBoundary) (grid.ZoneChange, error) {
	var ch grid.ZoneChange
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, $2::int)`, importLockKey, zoneID).Scan(&locked); err != nil {
			return err
		}
		if !locked {
			return grid.Errorf(grid.EConflict, "该园区正在导入，请稍后再试 / an import into this zone is running")
		}
		// Organization writes under way finish first and new ones get 409,
		// so none lands outside the boundary between its check and update.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, orgWriteLockKey, zoneID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT id, code, name, ST_Area(boundary::geography), md5(ST_AsBinary(boundary)) FROM zone WHERE id = $1 FOR NO KEY UPDATE`,
			zoneID).Scan(&ch.Zone.ID, &ch.Zone.Code, &ch.Zone.Name, &ch.OldAreaM2, &ch.OldHash)
		if err != nil {
			return err
		}
		if err := newZoneBoundary(ctx, tx, zoneID, b, &ch); err != nil {
			return err
		}
		source := b.Source
		if b.FromGrids {
			source = "grids"
		}
		detail := map[string]any{"code": ch.Zone.Code, "source": source, "area_m2": ch.AreaM2, "wkb_md5": ch.Hash,
			"grids": ch.Grids, "orgs": ch.Orgs, "orgs_outside_before": ch.OrgsOutsideBefore}
		_, err = tx.Exec(ctx, zoneSetSQL, zoneID, db.Now(), actorID(who), who.ClientAddr, detail)
		return err
	})
	if err != nil {
		return grid.ZoneChange{}, translate(err)
	}
	return ch, nil
}

// newZoneBoundary builds the boundary b asks for in zone_new and checks
// it: valid, of positive area, inside China's box, covering zone
// zoneID's grids and the organizations the old boundary covered.
func newZoneBoundary(ctx context.Context, tx pgx.Tx, zoneID int64, b grid.ZoneBoundary, ch *grid.ZoneChange) error {
	if _, err := tx.Exec(ctx, zoneNewSQL); err != nil {
		return err
	}
	if b.FromGrids {
		if _, err := tx.Exec(ctx, zoneUnionGridsSQL, zoneID); err != nil {
			return err
		}
	} else {
		if err := stageZoneParts(ctx, tx, b.Parts); err != nil {
			return err
		}
	}
	var present, valid, inChina bool
	if err := tx.QueryRow(ctx, zoneShapeSQL, grid.ChinaMinLon, grid.ChinaMinLat, grid.ChinaMaxLon, grid.ChinaMaxLat).
		Scan(&present, &valid, &ch.AreaM2, &inChina, &ch.Hash); err != nil {
		return err
	}
	switch {
	case !present && b.FromGrids:
		return grid.Invalid("boundary", "园区还没有网格，无法由网格生成区界 / the zone has no grids")
	case !present || ch.AreaM2 <= 0:
		return grid.Invalid("boundary", "区界面积为零 / the boundary has no area")
	case !valid:
		return grid.Invalid("boundary", "区界几何无效 / the boundary is not a valid polygon")
	case !inChina:
		return grid.Invalid("boundary", "区界超出中国范围（经度 %g–%g，纬度 %g–%g）：请检查坐标系与经纬度顺序 / outside China",
			grid.ChinaMinLon, grid.ChinaMaxLon, grid.ChinaMinLat, grid.ChinaMaxLat)
	}
	if overlap, err := zoneOverlap(ctx, tx, zoneID); err != nil || overlap != "" {
		if err != nil {
			return err
		}
		return grid.Invalid("boundary", "%s", overlap)
	}
	if zoneID == 0 {
		return nil
	}
	return checkZoneCovers(ctx, tx, zoneID, ch)
}

// stageZoneParts stages a file's polygons and refuses the invalid ones.
func stageZoneParts(ctx context.Context, tx pgx.Tx, parts []orb.MultiPolygon) error {
	if len(parts) == 0 {
		return grid.Invalid("boundary", "区界文件中没有面 / no polygon")
	}
	wkbs := make([][]byte, len(parts))
	for i, mp := range parts {
		if err := geo.ValidateMultiPolygon(mp); err != nil {
			return grid.Invalid("boundary", "第 %d 个要素几何无效 / feature %d: %v", i+1, i+1, err)
		}
		var err error
		if wkbs[i], err = ewkbOf(mp); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, zonePartsSQL, wkbs); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, zoneInvalidPartsSQL)
	if err != nil {
		return err
	}
	var bad []string
	for rows.Next() {
		var n int
		var reason string
		var x, y *float64
		if err := rows.Scan(&n, &reason, &x, &y); err != nil {
			rows.Close()
			return err
		}
		zh := invalidReasons[strings.TrimSpace(reason)]
		if zh == "" {
			zh = "几何无效"
		}
		s := fmt.Sprintf("第 %d 个要素%s（%s）", n, zh, reason)
		if x != nil && y != nil {
			s += fmt.Sprintf("，位于 (%.6f, %.6f)", *x, *y)
		}
		bad = append(bad, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return grid.Invalid("boundary", "区界几何无效：%s", strings.Join(bad, "；"))
	}
	_, err = tx.Exec(ctx, zoneUnionPartsSQL)
	return err
}

// checkZoneCovers refuses a boundary that leaves out a grid of the zone
// or an organization the old boundary covered, naming them.
func checkZoneCovers(ctx context.Context, tx pgx.Tx, zoneID int64, ch *grid.ZoneChange) error {
	rows, err := tx.Query(ctx, zoneGridsOutsideSQL, zoneID, grid.GridTolerance, grid.GridSliverWidth)
	if err != nil {
		return err
	}
	var out []string
	for rows.Next() {
		var code, name string
		var area, x, y float64
		if err := rows.Scan(&code, &name, &area, &x, &y); err != nil {
			rows.Close()
			return err
		}
		out = append(out, fmt.Sprintf("%s（%s）%s，如 (%.6f, %.6f)", code, name, areaText(area), x, y))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var orgsOut int
	var names []string
	if err := tx.QueryRow(ctx, zoneOrgsSQL, zoneID, grid.GridSliverWidth).Scan(&ch.Orgs, &orgsOut, &names, &ch.OrgsOutsideBefore); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM grid WHERE zone_id = $1`, zoneID).Scan(&ch.Grids); err != nil {
		return err
	}
	var why []string
	if len(out) > 0 {
		shown := out[:min(len(out), 20)]
		s := fmt.Sprintf("%d 个网格将超出新区界：%s", len(out), strings.Join(shown, "；"))
		if len(out) > len(shown) {
			s += fmt.Sprintf("；另有 %d 个", len(out)-len(shown))
		}
		why = append(why, s)
	}
	if orgsOut > 0 {
		why = append(why, fmt.Sprintf("%d 家企业将落在新区界外，如：%s", orgsOut, strings.Join(names, "、")))
	}
	if len(why) > 0 {
		return grid.Invalid("boundary", "新区界须覆盖园区现有的网格和企业，未作任何修改。%s。请先导入新的网格（或调整企业位置），或使用覆盖它们的区界 / the boundary leaves out grids or organizations",
			strings.Join(why, "。"))
	}
	return nil
}

// ListZones implements grid.ZoneStore.
func (db *DB) ListZones(ctx context.Context) ([]grid.ZoneSummary, error) {
	rows, err := db.Pool.Query(ctx, `
SELECT z.id, z.code, z.name, ST_Area(z.boundary::geography),
  (SELECT count(*) FROM grid g WHERE g.zone_id = z.id),
  (SELECT count(*) FROM organization o WHERE o.zone_id = z.id AND o.active)
FROM zone z ORDER BY z.code`)
	if err != nil {
		return nil, translate(err)
	}
	zones, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.ZoneSummary, error) {
		var z grid.ZoneSummary
		err := r.Scan(&z.ID, &z.Code, &z.Name, &z.AreaM2, &z.Grids, &z.Orgs)
		return z, err
	})
	return zones, translate(err)
}

// areaText is an area for the clerk: square metres, or kilometres when large.
func areaText(m2 float64) string {
	if m2 >= 1e6 {
		return fmt.Sprintf("%.2f 平方公里", m2/1e6)
	}
	return fmt.Sprintf("%.0f 平方米", m2)
}

// zoneHolesSQL finds the holes of the new boundary (zone_new) over more
// than $2 m² of zone $1's old boundary: land the grids leave uncovered
// inside their union, a gap in the file rather than land ceded.
const zoneHolesSQL = `
SELECT ST_Area(x.geom::geography), ST_X(ST_PointOnSurface(x.geom)), ST_Y(ST_PointOnSurface(x.geom))
FROM zone_new n CROSS JOIN zone z
CROSS JOIN LATERAL ST_Dump(n.g) d
CROSS JOIN LATERAL generate_series(1, ST_NumInteriorRings(d.geom)) i
CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(ST_MakePolygon(ST_InteriorRingN(d.geom, i)), z.boundary), 3) AS geom) x
WHERE z.id = $1 AND NOT ST_IsEmpty(x.geom) AND ST_Area(x.geom::geography) > $2
ORDER BY 1 DESC LIMIT 20`

// zoneFromStagedGrids sets zone zoneID's boundary to the union of the
// staged grids (grid_stage), audited as zone_boundary with the old one,
// and reports it in rep.Zone. Invalid grids leave the zone alone (the grid
// checks report them); a hole in the union inside the old boundary is a
// gap, returned as a problem.
func zoneFromStagedGrids(ctx context.Context, tx pgx.Tx, db *DB, who grid.Actor, jobID, zoneID int64, rep *grid.GridImportReport) ([]grid.GridProblem, error) {
	var allValid bool
	if err := tx.QueryRow(ctx, `SELECT coalesce(bool_and(ST_IsValid(geom)), false) FROM grid_stage`).Scan(&allValid); err != nil || !allValid {
		return nil, err
	}
	if _, err := tx.Exec(ctx, zoneNewSQL); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO zone_new SELECT ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) FROM grid_stage`); err != nil {
		return nil, err
	}
	var ch grid.ZoneChange
	var present, valid, inChina bool
	if err := tx.QueryRow(ctx, zoneShapeSQL, grid.ChinaMinLon, grid.ChinaMinLat, grid.ChinaMaxLon, grid.ChinaMaxLat).
		Scan(&present, &valid, &ch.AreaM2, &inChina, &ch.Hash); err != nil {
		return nil, err
	}
	if !present || !valid || ch.AreaM2 <= 0 || !inChina {
		return []grid.GridProblem{{Field: "zone_boundary", Reason: "网格的并集不能作为区界（为空、无效或超出中国范围）/ the grids' union is no boundary"}}, nil
	}
	if overlap, err := zoneOverlap(ctx, tx, zoneID); err != nil || overlap != "" {
		if err != nil {
			return nil, err
		}
		return []grid.GridProblem{{Field: "zone_boundary", Reason: overlap}}, nil
	}
	rows, err := tx.Query(ctx, zoneHolesSQL, zoneID, grid.GridTolerance)
	if err != nil {
		return nil, err
	}
	var problems []grid.GridProblem
	for rows.Next() {
		var area, x, y float64
		if err := rows.Scan(&area, &x, &y); err != nil {
			rows.Close()
			return nil, err
		}
		problems = append(problems, grid.GridProblem{Field: "geometry", AreaM2: area, Point: &orb.Point{x, y},
			Reason: fmt.Sprintf("网格之间有 %s 的空隙（原区界内），位于 (%.6f, %.6f)：由网格生成区界时不能留洞", areaText(area), x, y)})
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(problems) > 0 {
		return problems, err
	}
	z := &grid.GridZoneChange{AreaToM2: ch.AreaM2, OrgsOutsideNames: []string{}}
	var code string
	// NO KEY UPDATE, as the UPDATE itself takes: requests filed in the
	// zone meanwhile (their foreign key takes KEY SHARE) do not wait for
	// the import. Liaison changes (FOR SHARE) still do, the preview's too.
	if err := tx.QueryRow(ctx, `SELECT code, ST_Area(boundary::geography) FROM zone WHERE id = $1 FOR NO KEY UPDATE`, zoneID).
		Scan(&code, &z.AreaFromM2); err != nil {
		return nil, err
	}
	if err := tx.QueryRow(ctx, zoneOrgsSQL, zoneID, grid.GridSliverWidth).
		Scan(&ch.Orgs, &z.OrgsOutside, &z.OrgsOutsideNames, &ch.OrgsOutsideBefore); err != nil {
		return nil, err
	}
	detail := map[string]any{"code": code, "source": "grid_import", "job_id": jobID, "area_m2": ch.AreaM2, "wkb_md5": ch.Hash,
		"orgs": ch.Orgs, "orgs_left_out": z.OrgsOutside, "orgs_outside_before": ch.OrgsOutsideBefore}
	if _, err := tx.Exec(ctx, zoneSetSQL, zoneID, db.Now(), actorID(who), who.ClientAddr, detail); err != nil {
		return nil, err
	}
	rep.Zone = z
	return nil, nil
}
