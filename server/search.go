package server

import (
	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// searchRoutes registers the one search box's endpoint.
func (s *Server) searchRoutes(api fiber.Router) {
	api.Get("/search", allow(grid.ReadZone), s.search)
}

// searchResult is one result as the API sends it.
type searchResult struct {
	Kind     grid.SearchKind `json:"kind"`
	ID       int64           `json:"id"`
	Label    string          `json:"label"`
	Sublabel string          `json:"sublabel"`
	Match    string          `json:"match"`
	// Point is [lon, lat] to fly to; null for an unlocated organization.
	Point []float64 `json:"point"`
	// BBox is [minLon, minLat, maxLon, maxLat] to fit, for a grid.
	BBox []float64 `json:"bbox"`
}

// search finds organizations, requests, liaisons and grids within the
// caller's scope (officers their grids', a liaison their own).
func (s *Server) search(c *fiber.Ctx) error {
	if err := allowParams(c, "q", "limit"); err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 0, 1, grid.MaxSearchLimit)
	if err != nil {
		return err
	}
	q, err := grid.ParseSearch(c.Query("q"), limit)
	if err != nil {
		return err
	}
	q.Scope = userOf(c).Scope()
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	found, err := s.store.Search(ctx, q)
	if err != nil {
		return err
	}
	out := make([]searchResult, len(found))
	for i, r := range found {
		out[i] = searchResult{Kind: r.Kind, ID: r.ID, Label: r.Label, Sublabel: r.Sublabel, Match: r.Match.String()}
		if r.Point != nil {
			out[i].Point = []float64{r.Point[0], r.Point[1]}
		}
		if r.BBox != nil {
			out[i].BBox = []float64{r.BBox.MinLon, r.BBox.MinLat, r.BBox.MaxLon, r.BBox.MaxLat}
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"query": q.Text, "results": out})
}
