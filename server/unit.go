package server

import (
	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// unitRoutes registers the alliance units.
func (s *Server) unitRoutes(api fiber.Router) {
	api.Get("/units", allow(grid.ReadZone), s.listUnits)
}

// listUnits answers the alliance units of the caller's zone, the
// members a request can be handed to. Every role may read them.
func (s *Server) listUnits(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	units, err := s.store.Units(ctx, userOf(c).ZoneID)
	if err != nil {
		return err
	}
	if units == nil {
		units = []grid.Unit{}
	}
	return c.JSON(fiber.Map{"units": units})
}
