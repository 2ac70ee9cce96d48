package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// listGrids streams every grid polygon with its officer, instructor and
// organization count.
func (s *Server) listGrids(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	return s.streamCollection(c, collection{
		query: func(ctx context.Context, emit grid.FeatureFunc) error {
			return s.store.EachGridFeature(ctx, emit)
		},
	})
}
