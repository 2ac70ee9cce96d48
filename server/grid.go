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
// per zone: small enough to buffer for an ETag.
func (s *Server) listGrids(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	zone := userOf(c).ZoneID
	return s.sendCollectionETag(c, func(ctx context.Context, emit grid.FeatureFunc) error {
		return s.store.EachGridFeature(ctx, grid.GridFilter{ZoneID: zone}, emit)
	}, nil)
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
