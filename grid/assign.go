package grid

import (
	"github.com/paulmach/orb"

	"gridgis/geo"
)

// GridReason records why an organization belongs to its grid.
type GridReason string

// The reasons of the assignment rule 行业归口、属地兜底, and the admin override.
const (
	ReasonIndustry  GridReason = "industry"  // 行业归口: its industry has a grid
	ReasonTerritory GridReason = "territory" // 属地兜底: the grid contains its point
	ReasonNearest   GridReason = "nearest"   // outside every grid: the nearest one, flagged
	ReasonManual    GridReason = "manual"    // set by an admin
)

// GridReasons lists every reason.
var GridReasons = []GridReason{ReasonIndustry, ReasonTerritory, ReasonNearest, ReasonManual}

// AssignGrid applies the rule 行业归口、属地兜底 to an organization with the
// given industry and location, over the grids of its zone:
//
//  1. a grid whose industry is the organization's ("industry");
//  2. else the grid that covers its point ("territory");
//  3. else the nearest grid ("nearest").
//
// Ties are broken in that same order (among several grids of the industry,
// the covering one, then the nearest), then by the lowest grid code, so a
// point on a boundary shared by two grids always gets the same one. The
// SQL twin in grid/postgis orders candidates identically. It returns false
// when grids is empty.
func AssignGrid(industry string, at orb.Point, grids []Grid) (Grid, GridReason, bool) {
	type rank struct {
		industry bool
		covers   bool
		distance float64
	}
	var (
		best     Grid
		bestRank rank
		found    bool
	)
	better := func(a rank, ga Grid, b rank, gb Grid) bool {
		if a.industry != b.industry {
			return a.industry
		}
		if a.covers != b.covers {
			return a.covers
		}
		if a.distance != b.distance {
			return a.distance < b.distance
		}
		return ga.Code < gb.Code
	}
	for _, g := range grids {
		r := rank{industry: industry != "" && g.Industry == industry}
		r.covers = geo.CoversPoint(g.Geom, at)
		if !r.covers {
			r.distance = geo.PlanarDistance(g.Geom, at)
		}
		if !found || better(r, g, bestRank, best) {
			best, bestRank, found = g, r, true
		}
	}
	if !found {
		return Grid{}, "", false
	}
	switch {
	case bestRank.industry:
		return best, ReasonIndustry, true
	case bestRank.covers:
		return best, ReasonTerritory, true
	default:
		return best, ReasonNearest, true
	}
}
