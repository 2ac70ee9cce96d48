package server

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/ingest"
)

// baseLayerRoutes registers the zone's base layer (streets, place names,
// water and green areas), which the map draws when no external basemap is
// configured. They come before tileRoutes, whose :layer would take "base":
//
//	GET /api/v1/tiles/base/{z}/{x}/{y}.mvt  a tile of the base layer of the
//	    caller's zone, any signed-in role: layers areas, roads and places
//	    (grid.BaseTileLayers); 204 when empty.
//	GET /api/v1/tiles/base.json  its TileJSON 3.0.0.
//	POST /api/v1/import/roads?zone=&crs=&dry_run=&replace=  (admins) load
//	    a base layer file into the zone, as `gridgis import roads` does;
//	    answers the report.
func (s *Server) baseLayerRoutes(api fiber.Router) {
	api.Get("/tiles/base/:z/:x/:y.mvt", allow(grid.ReadZone), s.getBaseTile)
	api.Get("/tiles/base.json", allow(grid.ReadZone), s.getBaseTileJSON)
	api.Post("/import/roads", allow(grid.ImportData), s.importRoads)
}

// getBaseTile answers one base layer tile.
func (s *Server) getBaseTile(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	t, err := geo.ParseTile(c.Params("z"), c.Params("x"), c.Params("y"))
	if err != nil {
		var ce *geo.TileCoordError
		if errors.As(err, &ce) {
			return grid.Invalid(ce.Coord, "%s", ce.Reason)
		}
		return err
	}
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	mvt, err := s.store.BaseTile(ctx, t, userOf(c).Scope())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	if len(mvt) == 0 {
		return c.SendStatus(fiber.StatusNoContent)
	}
	sum := sha256.Sum256(mvt)
	etag := `"` + hex.EncodeToString(sum[:16]) + contentCoding(c) + `"`
	c.Set(fiber.HeaderETag, etag)
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, mvtType)
	return c.Send(mvt)
}

// getBaseTileJSON answers the base layer's TileJSON, bounded by the
// caller's zone's base features (the whole world when there are none).
func (s *Server) getBaseTileJSON(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	b, ok, err := s.store.BaseBounds(ctx, userOf(c).Scope())
	if err != nil {
		return err
	}
	if !ok {
		b = geo.BBox{MinLon: -180, MinLat: -geo.MaxMercatorLat, MaxLon: 180, MaxLat: geo.MaxMercatorLat}
	}
	doc := tileJSON{
		TileJSON:    "3.0.0",
		Name:        "gridgis base",
		Description: "The zone's base layer: roads, place names, water and green areas.",
		Scheme:      "xyz",
		Tiles:       []string{c.BaseURL() + "/api/v1/tiles/base/{z}/{x}/{y}.mvt"},
		MinZoom:     0,
		MaxZoom:     geo.MaxTileZoom,
		Bounds:      [4]float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat},
		Center:      [3]float64{(b.MinLon + b.MaxLon) / 2, (b.MinLat + b.MaxLat) / 2, tileJSONZoom},
	}
	for _, l := range grid.BaseTileLayers {
		fields := map[string]string{}
		for _, f := range l.Fields {
			fields[f.Name] = f.Type
		}
		doc.VectorLayers = append(doc.VectorLayers, vectorLayer{ID: string(l.Layer), Description: l.Description,
			MinZoom: 0, MaxZoom: geo.MaxTileZoom, Fields: fields})
	}
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return c.JSON(doc)
}

// importRoads loads a base layer file into the admin's zone and answers
// the report; a file of which nothing can be loaded is a 422 that writes
// nothing.
func (s *Server) importRoads(c *fiber.Ctx) error {
	if err := allowParams(c, "crs", "dry_run", "zone", "format", "replace"); err != nil {
		return err
	}
	// It runs in the request, not as a job, but shares the import slots:
	// GDAL and a city's roads are as heavy as a register.
	slot := s.takeJobSlot()
	if slot == nil {
		return noJobSlot(c)
	}
	defer slot.release()
	var in BaseLayerImport
	var err error
	if in.Read.CRS, err = geo.ParseCRS(c.Query("crs", string(geo.WGS84))); err != nil {
		return grid.Invalid("crs", "%v", err)
	}
	if in.DryRun, err = dryRunParam(c); err != nil {
		return err
	}
	switch c.Query("replace") {
	case "", "false", "0":
	case "true", "1":
		in.Replace = true
	default:
		return grid.Invalid("replace", "须为 true 或 false / must be true or false")
	}
	if in.Read.Format, err = ingest.ParseBoundaryFormat(c.Query("format")); err != nil {
		return err
	}
	in.Read.Limits.Bytes = s.cfg.ImportMaxBytes
	up, err := readUpload(c, s.cfg.ImportMaxBytes)
	if err != nil {
		return err
	}
	in.File, in.Read.Filename = up.data, up.filename
	in.Read.Log = s.log
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.ImportTimeout)
	defer cancel()
	u := userOf(c)
	z, err := s.store.FindZone(ctx, importZoneRef(c, u))
	if err := checkImportZone(u, z, err); err != nil {
		return err
	}
	in.ZoneID, in.Who = z.ID, s.actorOf(c)
	rep, err := ImportBaseLayer(ctx, s.store, in)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

// BaseLayerImport is a base layer file to load into a zone.
type BaseLayerImport struct {
	ZoneID  int64
	File    []byte
	Read    ingest.BoundaryOptions // format, file name, CRS, caps
	Replace bool
	DryRun  bool
	Who     grid.Actor
}

// ImportBaseLayer reads a base layer file and loads what passes into the
// zone: the HTTP import and `gridgis import roads` both run it. The
// report lists the features refused, by their position in the file. When
// nothing can be loaded it writes nothing and returns the report with an
// EInvalid error on file.
func ImportBaseLayer(ctx context.Context, store grid.BaseLayerStore, in BaseLayerImport) (*grid.BaseImportReport, error) {
	res, err := ingest.ReadBaseFeatures(ctx, in.File, in.Read)
	if err != nil {
		return nil, err
	}
	rep, err := store.ImportBaseFeatures(ctx, grid.BaseImport{ZoneID: in.ZoneID, Features: res.Base,
		Replace: in.Replace, DryRun: in.DryRun, Who: in.Who, Problems: res.Problems, ProblemCount: res.ProblemCount})
	if err != nil {
		return nil, err
	}
	rep.Format, rep.Features = string(res.Format), res.Features
	slices.SortStableFunc(rep.Problems, func(a, b grid.BaseProblem) int { return cmp.Compare(a.Feature, b.Feature) })
	if rep.LoadedCount() == 0 {
		first := "无"
		if len(rep.Problems) > 0 {
			first = rep.Problems[0].Reason
		}
		return rep, grid.Invalid("file", "文件中没有可导入的要素（%d 个要素均被拒绝，如：%s），未写入任何数据 / no feature can be loaded: nothing written",
			rep.Features, first)
	}
	return rep, nil
}
