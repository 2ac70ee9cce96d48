package server

import (
	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// statsRoutes registers the request KPIs.
func (s *Server) statsRoutes(api fiber.Router) {
	api.Get("/stats", allow(grid.ReadZone), s.limitHeavy(nil), s.stats)
}

// stats answers the request KPIs of a date range, grouped by zone, grid,
// liaison, unit or month, within the caller's scope (grid.StatsGroup
// defines every figure).
func (s *Server) stats(c *fiber.Ctx) error {
	if err := allowParams(c, "from", "to", "by"); err != nil {
		return err
	}
	q, err := grid.ParseStatsQuery(c.Query("from"), c.Query("to"), c.Query("by"), s.now())
	if err != nil {
		return err
	}
	q.Scope = userOf(c).Scope()
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	st, err := s.store.Stats(ctx, q)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return c.JSON(st)
}
