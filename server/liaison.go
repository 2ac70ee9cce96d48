package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// liaisonRoutes registers the liaison and assignment layers.
func (s *Server) liaisonRoutes(api fiber.Router) {
	api.Get("/liaisons", allow(grid.ReadZone), s.limitHeavy(largePage), s.listLiaisons)
	api.Get("/assignments", allow(grid.ReadZone), s.limitHeavy(largePage), s.listAssignments)
}

// listLiaisons streams liaison base points with load, capacity and
// contact compliance.
func (s *Server) listLiaisons(c *fiber.Ctx) error {
	if err := allowParams(c, "bbox", "grid", "limit", "cursor"); err != nil {
		return err
	}
	f := grid.LiaisonFilter{Scope: userOf(c).Scope()}
	var err error
	if f.BBox, err = bboxParam(c); err != nil {
		return err
	}
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return err
	}
	return s.streamPage(c, defaultLayerLimit, maxLayerLimit, func(ctx context.Context, limit int, after int64, emit grid.FeatureFunc) error {
		f.Limit, f.AfterID = limit, after
		return s.store.EachLiaisonFeature(ctx, f, emit)
	})
}

// listAssignments streams active assignments as lines from each liaison's
// base to their organizations.
func (s *Server) listAssignments(c *fiber.Ctx) error {
	if err := allowParams(c, "liaison", "grid", "limit", "cursor"); err != nil {
		return err
	}
	f := grid.AssignmentFilter{Scope: userOf(c).Scope()}
	var err error
	if f.LiaisonID, err = idParam(c, "liaison"); err != nil {
		return err
	}
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return err
	}
	return s.streamPage(c, defaultLayerLimit, maxLayerLimit, func(ctx context.Context, limit int, after int64, emit grid.FeatureFunc) error {
		f.Limit, f.AfterID = limit, after
		return s.store.EachAssignmentFeature(ctx, f, emit)
	})
}
