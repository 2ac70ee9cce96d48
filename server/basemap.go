package server

import (
	"slices"

	"github.com/gofiber/fiber/v2"
)

// Basemap is one background the map app offers under its data: raster
// tile layers drawn bottom first (a 天地图 base, then its annotation).
type Basemap struct {
	// ID names it in the app's chooser and in tests: a preset name such
	// as "tianditu-vec", or "custom-1" for a configured URL.
	ID   string `json:"id"`
	Name string `json:"name"` // shown in the chooser
	// Datum is what the tiles are drawn in: "wgs84" (天地图's CGCS2000
	// included) or "gcj02" (Amap). Over a gcj02 basemap the app shifts
	// every feature it draws, and takes clicks back to WGS84.
	Datum       string         `json:"datum"`
	Attribution string         `json:"attribution"`
	MaxZoom     int            `json:"maxzoom"`
	Layers      []BasemapLayer `json:"layers"`
}

// BasemapLayer is one raster layer: its XYZ tile URL templates, one per
// subdomain, which the map spreads its requests over.
type BasemapLayer struct {
	Tiles []string `json:"tiles"`
}

// basemaps is what the app may choose from: Config.Basemaps, or the one
// WGS84 template of Config.Basemap.
func (c Config) basemaps() []Basemap {
	if len(c.Basemaps) > 0 || c.Basemap == "" {
		return c.Basemaps
	}
	return []Basemap{{ID: "custom-1", Name: "自定义底图", Datum: "wgs84", MaxZoom: 19,
		Layers: []BasemapLayer{{Tiles: []string{c.Basemap}}}}}
}

// tileOrigins are the CSP sources of every tile host the basemaps use,
// each once.
func tileOrigins(maps []Basemap) []string {
	var out []string
	for _, m := range maps {
		for _, l := range m.Layers {
			for _, t := range l.Tiles {
				if o := basemapOrigin(t); o != "" && !slices.Contains(out, o) {
					out = append(out, o)
				}
			}
		}
	}
	return out
}

// DefaultMapTilesAbove is Config.MapTilesAbove when unset: about the
// most organizations a phone loads whole in a few seconds.
const DefaultMapTilesAbove = 20000

// config answers GET /api/v1/config: the basemaps, the first being the
// one the app starts with (none means a plain background), and
// map_tiles_above, the scope size (grids' org_count) above which the app
// draws organizations from vector tiles instead of loading them all.
func (s *Server) config(c *fiber.Ctx) error {
	maps := s.cfg.basemaps()
	if maps == nil {
		maps = []Basemap{}
	}
	above := s.cfg.MapTilesAbove
	if above <= 0 {
		above = DefaultMapTilesAbove
	}
	return c.JSON(fiber.Map{"basemaps": maps, "map_tiles_above": above})
}
