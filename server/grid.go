package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// gridRoutes registers the grid outlines.
func (s *Server) gridRoutes(api fiber.Router) {
	api.Get("/grids", allow(grid.ReadZone), s.listGrids)
	api.Get("/grids/:id", allow(grid.ReadZone), s.getGrid)
}

// listGrids answers every grid polygon with its officer, instructor and
// organization count; every signed-in role sees every outline of its zone
// (a user of every zone, all zones'). Six grids
// per zone: small enough to buffer for an ETag. org_total is the
// organizations the caller's scope holds on the map, those without a grid
// included: the grids' counts miss those, and the app decides by it
// whether to load them whole (map_tiles_above in /config).
func (s *Server) listGrids(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	u := userOf(c)
	extra := map[string]any{}
	return s.sendCollectionETag(c, func(ctx context.Context, emit grid.FeatureFunc) error {
		total, err := s.store.OrgTotal(ctx, u.Scope())
		if err != nil {
			return err
		}
		extra["org_total"] = total
		return s.store.EachGridFeature(ctx, grid.GridFilter{ZoneID: u.ZoneID}, emit)
	}, extra)
}

// getGrid answers one grid as a GeoJSON Feature.
func (s *Server) getGrid(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	zone := userOf(c).ZoneID
	return s.sendFeature(c, "grid", func(ctx context.Context, emit grid.FeatureFunc) error {
		return s.store.EachGridFeature(ctx, grid.GridFilter{ID: &id, ZoneID: zone}, emit)
	})
}
