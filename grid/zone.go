package grid

import "github.com/paulmach/orb"

// Zone is one industrial zone (园区). A deployment may hold several; every
// row carries its zone.
type Zone struct {
	ID       int64
	Code     string
	Name     string
	Boundary orb.MultiPolygon
}

// Grid is an industry grid (产业网格): one polygon, one industry, one grid
// officer (网格员) and one party-building instructor (党建指导员).
type Grid struct {
	ID         int64
	ZoneID     int64
	Code       string
	Name       string
	Industry   string
	Officer    string
	Instructor string
	Geom       orb.MultiPolygon
}
