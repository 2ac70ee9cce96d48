package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// coverageRoutes registers the coverage choropleth and its gaps.
func (s *Server) coverageRoutes(api fiber.Router) {
	api.Get("/coverage", allow(grid.ReadZone), s.limitHeavy(nil), s.coverage)
	api.Get("/coverage/gaps", allow(grid.ReadZone), s.limitHeavy(nil), s.coverageGaps)
}

// indicatorParam reads the required indicator parameter.
func indicatorParam(c *fiber.Ctx) (grid.Indicator, error) {
	ind, err := enumParam(c, "indicator", grid.Indicators)
	if err != nil {
		return "", err
	}
	if ind == nil {
		return "", grid.Invalid("indicator", "required: one of party_org, standalone, standalone_gap, instructor, liaison, contact_7d, visit_30d")
	}
	return *ind, nil
}

// coverage answers the grid choropleth of an indicator, with each zone's
// total as the foreign member "zones". Aggregates are for every role.
func (s *Server) coverage(c *fiber.Ctx) error {
	if err := allowParams(c, "indicator"); err != nil {
		return err
	}
	ind, err := indicatorParam(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	all, err := s.store.CoverageTotals(ctx, ind)
	if err != nil {
		return err
	}
	// The caller's zone only (a user of every zone: all of them).
	zone := userOf(c).ZoneID
	totals := []grid.ZoneRate{}
	for _, z := range all {
		if zone == 0 || z.ZoneID == zone {
			totals = append(totals, z)
		}
	}
	return s.sendCollectionETag(c, func(ctx context.Context, emit grid.FeatureFunc) error {
		return s.store.EachZoneCoverageFeature(ctx, zone, ind, emit)
	}, map[string]any{"indicator": ind, "zones": totals})
}

// coverageGaps streams the organizations that make up an indicator's gap,
// within the caller's scope.
func (s *Server) coverageGaps(c *fiber.Ctx) error {
	if err := allowParams(c, "indicator", "grid", "limit", "cursor"); err != nil {
		return err
	}
	ind, err := indicatorParam(c)
	if err != nil {
		return err
	}
	f := grid.OrgFilter{Scope: userOf(c).Scope(), Gap: &ind}
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return err
	}
	return s.streamPage(c, defaultOrgLimit, maxOrgLimit, func(ctx context.Context, limit int, after int64, emit grid.FeatureFunc) error {
		f.Limit, f.AfterID = limit, after
		return s.store.EachOrgFeature(ctx, f, emit)
	})
}
