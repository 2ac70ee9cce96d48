package server

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
)

// mvtType is the media type of a Mapbox Vector Tile.
const mvtType = "application/vnd.mapbox-vector-tile"

// tileJSONZoom is the zoom of the centre TileJSON suggests.
const tileJSONZoom = 13

// tileRoutes registers the vector tile routes, for every signed-in role:
//
//	GET /api/v1/tiles/{layer}/{z}/{x}/{y}.mvt  one tile of layer grids,
//	    organizations or requests, z 0–20 (XYZ scheme, the y axis pointing
//	    south). Organizations and requests are those the caller's scope
//	    lets them read; below zoom 16 they are aggregated into cells (see
//	    grid.ClusterBelowZoom). A tile without features answers 204. Only
//	    the .mvt extension exists: any other (.pbf, none) is 404.
//	GET /api/v1/tiles/{layer}.json  the layer's TileJSON 3.0.0 document,
//	    with the absolute tile URL template for MapLibre or QGIS.
//
// Tiles are compressed by the app's compression middleware when the
// client accepts it, and carry a strong ETag (If-None-Match gives 304).
// They are kept in the tile cache (tilecache.go) until their data
// changes.
func (s *Server) tileRoutes(api fiber.Router) {
	api.Get("/tiles/:layer/:z/:x/:y.mvt", allow(grid.ReadZone), s.limitHeavy(s.heavyTile), s.getTile)
	api.Get("/tiles/:layer.json", allow(grid.ReadZone), s.getTileJSON)
}

// tileLayerParam reads the layer path parameter from the allow-list.
func tileLayerParam(c *fiber.Ctx) (grid.TileLayer, error) {
	name := c.Params("layer")
	if !grid.ValidTileLayer(name) {
		names := make([]string, len(grid.TileLayers))
		for i, l := range grid.TileLayers {
			names[i] = string(l)
		}
		return "", grid.Invalid("layer", "unknown layer %q: must be one of %s", name, strings.Join(names, ", "))
	}
	return grid.TileLayer(name), nil
}

// tileParams reads a tile request's layer and tile.
func tileParams(c *fiber.Ctx) (grid.TileLayer, geo.Tile, error) {
	layer, err := tileLayerParam(c)
	if err != nil {
		return "", geo.Tile{}, err
	}
	t, err := geo.ParseTile(c.Params("z"), c.Params("x"), c.Params("y"))
	if err != nil {
		var ce *geo.TileCoordError
		if errors.As(err, &ce) {
			return "", geo.Tile{}, grid.Invalid(ce.Coord, "%s", ce.Reason)
		}
		return "", geo.Tile{}, err
	}
	return layer, t, nil
}

// heavyTile: a low-zoom point tile (lowZoomPointTile) that the tile cache
// does not hold. A cached one costs a lookup: it must not wait behind
// renders for a heavy slot.
func (s *Server) heavyTile(c *fiber.Ctx) bool {
	if !lowZoomPointTile(c) {
		return false
	}
	layer, t, err := tileParams(c)
	if err != nil {
		return false // refused at once by getTile
	}
	return !s.tiles.holds(layer, t, userOf(c).Scope())
}

// getTile answers one vector tile, from the tile cache when it holds it.
//
// Cache-Control is "private, no-cache": a browser keeps the tile but asks
// before each reuse, with the ETag, and a tile that has not changed is a
// 304 from the tile cache, which neither renders nor hashes. private,
// because a tile shows what the caller's scope may see. No max-age: a
// browser reusing a tile without asking would show an edit late, and
// show one user's tile to the next who signs in on it; revalidating
// costs a round trip and a lookup, not a render.
func (s *Server) getTile(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	layer, t, err := tileParams(c)
	if err != nil {
		return err
	}
	scope := userOf(c).Scope()
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	e, err := s.tiles.tile(ctx, layer, t, scope, func(ctx context.Context) ([]byte, error) {
		return s.store.Tile(ctx, layer, t, scope)
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	if len(e.mvt) == 0 {
		return c.SendStatus(fiber.StatusNoContent)
	}
	// A strong ETag names one representation: the compression middleware
	// will encode the body as the client accepts, so the tag says which.
	etag := `"` + e.hash + contentCoding(c) + `"`
	c.Set(fiber.HeaderETag, etag)
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, mvtType)
	// The cached bytes are shared and never written to: sent as they are.
	return c.Send(e.mvt)
}

// tileJSON is a TileJSON 3.0.0 document.
type tileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []vectorLayer `json:"vector_layers"`
}

// vectorLayer describes one layer of the tiles; Fields maps each
// attribute to its type (Number, String or Boolean).
type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// getTileJSON answers a layer's TileJSON document. The tile URL template
// is absolute, built from the scheme and host the client used (or those a
// trusted proxy forwarded).
func (s *Server) getTileJSON(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	layer, err := tileLayerParam(c)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(grid.TileLayerInfos, func(l grid.TileLayerInfo) bool { return l.Layer == layer })
	info := grid.TileLayerInfos[i]

	ctx, cancel := s.queryCtx(c)
	defer cancel()
	b, ok, err := s.store.TileBounds(ctx, userOf(c).ZoneID)
	if err != nil {
		return err
	}
	if !ok {
		b = geo.BBox{MinLon: -180, MinLat: -geo.MaxMercatorLat, MaxLon: 180, MaxLat: geo.MaxMercatorLat}
	}
	fields := map[string]string{}
	for _, f := range info.Fields {
		fields[f.Name] = f.Type
	}
	doc := tileJSON{
		TileJSON:    "3.0.0",
		Name:        "gridgis " + string(layer),
		Description: info.Description,
		Scheme:      "xyz",
		Tiles:       []string{c.BaseURL() + "/api/v1/tiles/" + string(layer) + "/{z}/{x}/{y}.mvt"},
		MinZoom:     0,
		MaxZoom:     geo.MaxTileZoom,
		Bounds:      [4]float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat},
		Center:      [3]float64{(b.MinLon + b.MaxLon) / 2, (b.MinLat + b.MaxLat) / 2, tileJSONZoom},
		VectorLayers: []vectorLayer{{
			ID: string(layer), Description: info.Description,
			MinZoom: 0, MaxZoom: geo.MaxTileZoom, Fields: fields,
		}},
	}
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return c.JSON(doc)
}
