package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/geo"
	"gridgis/grid"
)

// baseImportLockKey serializes base layer imports into one zone (with
// the zone id as the second key), so that two --replace runs cannot both
// delete and then both insert.
const baseImportLockKey = 7014

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// ImportBaseFeatures implements grid.BaseLayerStore. The features are
// copied into a staging table; those wholly farther than
// grid.BaseZoneMarginM from the zone's boundary become problems; the rest
// are inserted with their size (a road's length, an area's area) in one
// transaction, which a dry run rolls back.
func (db *DB) ImportBaseFeatures(ctx context.Context, in grid.BaseImport) (*grid.BaseImportReport, error) {
	rep := &grid.BaseImportReport{Loaded: map[grid.BaseKind]int{}, Problems: append([]grid.BaseProblem{}, in.Problems...),
		ProblemCount: max(in.ProblemCount, len(in.Problems)), DryRun: in.DryRun}
	byFeature := make(map[int]grid.BaseFeature, len(in.Features))
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, baseImportLockKey, in.ZoneID); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM zone WHERE id = $1)`, in.ZoneID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return grid.Errorf(grid.ENotFound, "no zone %d", in.ZoneID)
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE base_stage (
  feature int PRIMARY KEY, kind text, name text, class text, style text, geom geometry(Geometry, 4326)) ON COMMIT DROP`); err != nil {
			return err
		}
		rows := make([][]any, 0, len(in.Features))
		for i, f := range in.Features {
			n := f.Feature
			if n == 0 {
				n = i + 1 // generated features have no position in a file
			}
			f.Feature = n
			byFeature[n] = f
			b, err := ewkb.Marshal(f.Geom, 4326)
			if err != nil {
				return fmt.Errorf("feature %d: %w", n, err)
			}
			rows = append(rows, []any{n, string(f.Kind), f.Name, f.Class, f.Style, b})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"base_stage"}, []string{"feature", "kind", "name", "class", "style", "geom"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		// The zone grown by the margin, once; a feature touching it is in.
		outside, err := tx.Query(ctx, `
WITH z AS (SELECT ST_Buffer(boundary::geography, $2)::geometry AS g FROM zone WHERE id = $1)
SELECT s.feature FROM base_stage s, z WHERE NOT ST_Intersects(s.geom, z.g) ORDER BY s.feature`,
			in.ZoneID, float64(grid.BaseZoneMarginM))
		if err != nil {
			return err
		}
		far, err := pgx.CollectRows(outside, pgx.RowTo[int])
		if err != nil {
			return err
		}
		rep.ProblemCount += len(far)
		for _, n := range far {
			if len(rep.Problems) >= grid.BaseProblemsListed {
				break
			}
			f := byFeature[n]
			p := grid.BaseProblem{Feature: n, Field: "geometry", Name: f.Name,
				Reason: fmt.Sprintf("在园区外：距区界超过 %.0f 公里（坐标系是否选对？）", grid.BaseZoneMarginM/1000.0)}
			if pt, ok := grid.FirstPoint(f.Geom); ok {
				p.Point = &pt
			}
			rep.Problems = append(rep.Problems, p)
		}
		if len(far) == len(in.Features) {
			// Nothing to load: a --replace must not leave the zone bare.
			return errDryRun
		}
		if in.Replace {
			tag, err := tx.Exec(ctx, `DELETE FROM base_feature WHERE zone_id = $1`, in.ZoneID)
			if err != nil {
				return err
			}
			rep.Removed = int(tag.RowsAffected())
		}
		loaded, err := tx.Query(ctx, `
WITH ins AS (
  INSERT INTO base_feature (zone_id, kind, name, class, style, size, geom)
  SELECT $1, s.kind, s.name, s.class, s.style,
    CASE s.kind WHEN 'road' THEN ST_Length(s.geom::geography) WHEN 'area' THEN ST_Area(s.geom::geography) ELSE 0 END,
    s.geom
  FROM base_stage s
  WHERE s.feature <> ALL ($2::int[])
  ORDER BY s.feature
  RETURNING kind)
SELECT kind, count(*) FROM ins GROUP BY kind`, in.ZoneID, far)
		if err != nil {
			return err
		}
		for loaded.Next() {
			var kind string
			var n int
			if err := loaded.Scan(&kind, &n); err != nil {
				return err
			}
			rep.Loaded[grid.BaseKind(kind)] = n
		}
		if err := loaded.Err(); err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		detail := map[string]any{"roads": rep.Loaded[grid.BaseRoad], "places": rep.Loaded[grid.BasePlace],
			"areas": rep.Loaded[grid.BaseArea], "refused": len(rep.Problems), "replace": in.Replace, "removed": rep.Removed}
		return audit(ctx, tx, grid.AuditEntry{ActorID: in.Who.UserID, ClientAddr: in.Who.ClientAddr,
			Action: "import_base_layer", Target: "zone:" + strconv.FormatInt(in.ZoneID, 10), Detail: detail}, db.Now())
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, translate(err)
	}
	return rep, nil
}

// BaseFeatureCount implements grid.BaseLayerStore.
func (db *DB) BaseFeatureCount(ctx context.Context, zoneID int64) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM base_feature WHERE zone_id = $1`, zoneID).Scan(&n)
	return n, translate(err)
}

// The base tile's caps: however dense the city, a tile holds at most
// this many features of each layer, the most important first (roads by
// style then length, areas by area).
const (
	baseTileRoads  = 3000
	baseTilePlaces = 400
	baseTileAreas  = 800
)

// baseZoneCond is the condition keeping base features (alias b) to
// scope's zone; a user of every zone sees every zone's.
func baseZoneCond(scope grid.Scope, bind func(any) string) string {
	if scope.ZoneID > 0 {
		return "b.zone_id = " + bind(scope.ZoneID)
	}
	return "true"
}

// BaseTile implements grid.BaseLayerStore. Lines and polygons are
// simplified to half a display pixel (tiles are drawn 512 px wide, 4096
// units) before they are clipped; below grid.MinorRoadsFromZoom minor
// roads, and below grid.SecondaryRoadsFromZoom secondary ones, are left
// out, and so are roads shorter and areas
// smaller than a pixel or two at the tile's zoom.
func (db *DB) BaseTile(ctx context.Context, t geo.Tile, scope grid.Scope) ([]byte, error) {
	sql, args, err := baseTileQuery(t, scope)
	if err != nil {
		return nil, err
	}
	var mvt []byte
	if err := db.Pool.QueryRow(ctx, sql, mapArgs(args)...).Scan(&mvt); err != nil {
		return nil, translate(err)
	}
	return mvt, nil
}

// baseTileQuery is BaseTile's SQL and arguments: one row, the three
// layers' encodings concatenated (an MVT is a sequence of layers).
func baseTileQuery(t geo.Tile, scope grid.Scope) (string, []any, error) {
	if err := t.Validate(); err != nil {
		return "", nil, grid.Invalid("tile", "%v", err)
	}
	q := newTileQuery(t)
	pixel := t.PixelSize(512) // metres per display pixel
	tol := q.w.bind(pixel/2) + "::float8"
	zone := baseZoneCond(scope, q.w.bind)
	geom := func(g string) string {
		return "ST_AsMVTGeom(ST_Simplify(ST_Transform(" + g + ", 3857), " + tol + ", true), " + q.env() + ", " +
			strconv.Itoa(geo.TileExtent) + ", " + strconv.Itoa(tileBuffer) + ", true)"
	}
	styles := "'motorway', 'primary'"
	switch {
	case t.Z >= grid.MinorRoadsFromZoom:
		styles += ", 'secondary', 'minor'"
	case t.Z >= grid.SecondaryRoadsFromZoom:
		styles += ", 'secondary'"
	}
	layer := func(name, features string) string {
		return "coalesce((SELECT ST_AsMVT(f, '" + name + "', " + strconv.Itoa(geo.TileExtent) +
			", 'geom') FROM (" + features + ") f WHERE f.geom IS NOT NULL), ''::bytea)"
	}
	// The capped rows are picked first, by id, and only they are
	// simplified and clipped: a dense city's tile reads thousands.
	areas := `SELECT b.name, b.class, b.style, ` + geom("b.geom") + ` AS geom FROM (
  SELECT b.id FROM base_feature b
  WHERE b.kind = 'area' AND ` + zone + ` AND b.geom && ` + q.search + ` AND b.size >= ` + q.w.bind(4*pixel*pixel) + `::float8
  ORDER BY b.size DESC, b.id LIMIT ` + strconv.Itoa(baseTileAreas) + `) top JOIN base_feature b ON b.id = top.id`
	roads := `SELECT b.name, b.class, b.style, ` + geom("b.geom") + ` AS geom FROM (
  SELECT b.id FROM base_feature b
  WHERE b.kind = 'road' AND ` + zone + ` AND b.geom && ` + q.search + ` AND b.style IN (` + styles + `)
    AND b.size >= ` + q.w.bind(2*pixel) + `::float8
  ORDER BY array_position(ARRAY['motorway', 'primary', 'secondary', 'minor'], b.style), b.size DESC, b.id
  LIMIT ` + strconv.Itoa(baseTileRoads) + `) top JOIN base_feature b ON b.id = top.id`
	places := `SELECT b.name, b.class, ` + q.mvtGeom("b.geom") + ` AS geom FROM base_feature b
  WHERE b.kind = 'place' AND ` + zone + ` AND b.geom && ` + q.search + `
  ORDER BY b.id LIMIT ` + strconv.Itoa(baseTilePlaces)
	return "SELECT " + layer("areas", areas) + " || " + layer("roads", roads) + " || " + layer("places", places), q.w.args, nil
}

// BaseBounds implements grid.BaseLayerStore.
func (db *DB) BaseBounds(ctx context.Context, scope grid.Scope) (geo.BBox, bool, error) {
	w := &where{}
	var minLon, minLat, maxLon, maxLat *float64
	err := db.Pool.QueryRow(ctx, `
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(b.geom) AS e FROM base_feature b WHERE `+baseZoneCond(scope, w.bind)+`) x`, w.args...).
		Scan(&minLon, &minLat, &maxLon, &maxLat)
	if err != nil {
		return geo.BBox{}, false, translate(err)
	}
	if minLon == nil {
		return geo.BBox{}, false, nil
	}
	return geo.BBox{MinLon: *minLon, MinLat: *minLat, MaxLon: *maxLon, MaxLat: *maxLat}, true, nil
}

// copyBase loads a dataset's base features (the demo's streets) into its
// zone.
func (l *datasetLoader) copyBase(ctx context.Context) error {
	if len(l.ds.Base) == 0 {
		return nil
	}
	var rows [][]any
	for _, f := range l.ds.Base {
		b, err := ewkb.Marshal(f.Geom, 4326)
		if err != nil {
			return err
		}
		rows = append(rows, []any{l.ds.Zone.ID + l.off.zone, string(f.Kind), f.Name, f.Class, f.Style, b})
	}
	if err := l.copyRows(ctx, "base_feature", []string{"zone_id", "kind", "name", "class", "style", "geom"}, rows); err != nil {
		return err
	}
	_, err := l.tx.Exec(ctx, `
UPDATE base_feature SET size = CASE kind WHEN 'road' THEN ST_Length(geom::geography) WHEN 'area' THEN ST_Area(geom::geography) ELSE 0 END
WHERE zone_id = $1`, l.ds.Zone.ID+l.off.zone)
	return err
}
