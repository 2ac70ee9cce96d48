package grid

import (
	"context"
	"strings"

	"github.com/paulmach/orb"

	"gridgis/geo"
)

// The base layer is what the map draws under the data when no external
// basemap is configured (offline deployments): the zone's roads, place
// names and water or green areas, loaded from a file (gridgis import
// roads) or by the demo. It is scenery, never data: nothing refers to it.

// BaseKind is what a base feature is, by its geometry: a road is a line,
// a place a point, an area a polygon.
type BaseKind string

const (
	BaseRoad  BaseKind = "road"
	BasePlace BaseKind = "place"
	BaseArea  BaseKind = "area"
)

// BaseKinds lists the kinds in the order reports give them.
var BaseKinds = []BaseKind{BaseRoad, BasePlace, BaseArea}

// The styles the map draws base features in: a road's rank, an area's
// cover. Style comes from the feature's class (BaseStyle).
const (
	StyleMotorway  = "motorway"  // 快速路, 高速
	StylePrimary   = "primary"   // 主干路
	StyleSecondary = "secondary" // 次干路
	StyleMinor     = "minor"     // 支路 and anything else
	StylePlace     = "place"
	StyleWater     = "water"
	StyleGreen     = "green"
	StyleArea      = "area"
)

// BaseFeature is one road, place or area, in WGS84. Feature is its
// 1-based position in the file it came from (0 for generated ones).
type BaseFeature struct {
	Feature int
	Kind    BaseKind
	Name    string // "" for an unnamed road
	Class   string // the file's class, as written (主干路, primary, …)
	Style   string // one of the Style… names
	Geom    orb.Geometry
}

// BaseProblem is a feature an import refused: its position in the file,
// the field and why; Point is where it is, when it has a place.
type BaseProblem struct {
	Feature int        `json:"feature"`
	Field   string     `json:"field"`
	Reason  string     `json:"reason"`
	Name    string     `json:"name,omitempty"`
	Point   *orb.Point `json:"point,omitempty"`
}

// BaseImport is a checked file's features to load into a zone. With
// Replace the zone's base features are deleted first; a DryRun counts
// and checks (the zone test too) and writes nothing.
type BaseImport struct {
	ZoneID   int64
	Features []BaseFeature
	Replace  bool
	DryRun   bool
	Who      Actor
	// Problems are the features the reader refused (the first
	// BaseProblemsListed of ProblemCount), passed on to the report.
	Problems     []BaseProblem
	ProblemCount int
}

// BaseProblemsListed caps the problems a report lists; the rest are
// counted.
const BaseProblemsListed = 1000

// BaseImportReport says what an import loaded or would load.
type BaseImportReport struct {
	Format   string `json:"format,omitempty"`
	Features int    `json:"features"` // in the file
	// Loaded counts the features loaded (or, in a dry run, that would
	// be) by kind: road, place, area.
	Loaded map[BaseKind]int `json:"loaded"`
	// Removed is how many of the zone's features Replace deletes.
	Removed int `json:"removed"`
	// Problems are the features refused, each left out (the first
	// BaseProblemsListed of ProblemCount).
	Problems     []BaseProblem `json:"problems"`
	ProblemCount int           `json:"problem_count"`
	DryRun       bool          `json:"dry_run"`
}

// LoadedCount is how many features the import loads, of every kind.
func (r *BaseImportReport) LoadedCount() int {
	n := 0
	for _, c := range r.Loaded {
		n += c
	}
	return n
}

// BaseLayerStore keeps and serves the zone's base layer.
type BaseLayerStore interface {
	// ImportBaseFeatures loads in.Features into the zone in one
	// transaction, refusing (into the report's Problems) those that lie
	// wholly farther than BaseZoneMarginM from the zone's boundary. When
	// none is left to load it writes nothing (and deletes nothing).
	ImportBaseFeatures(ctx context.Context, in BaseImport) (*BaseImportReport, error)
	// BaseFeatureCount is how many base features the zone holds.
	BaseFeatureCount(ctx context.Context, zoneID int64) (int, error)
	// BaseTile is the base layer's tile t for the zones scope sees: an
	// uncompressed Mapbox Vector Tile with layers BaseTileLayers; empty
	// when t holds nothing.
	BaseTile(ctx context.Context, t geo.Tile, scope Scope) ([]byte, error)
	// BaseBounds is the extent of the base features scope sees.
	BaseBounds(ctx context.Context, scope Scope) (b geo.BBox, ok bool, err error)
}

// The zooms from which base tiles carry secondary (次干路) and minor
// (支路) roads; 主干路 and faster are in every tile.
const (
	SecondaryRoadsFromZoom = 11
	MinorRoadsFromZoom     = 13
)

// BaseZoneMarginM is how far outside its zone's boundary a base feature
// may lie: the streets just beyond the zone's edge still lead to it.
const BaseZoneMarginM = 2000

// BaseTileLayers are the layers of a base tile, drawn in this order.
var BaseTileLayers = []TileLayerInfo{
	{Layer: "areas", Description: "Water and green areas: name, class, style (water, green or area).",
		Fields: []TileField{{"name", "String"}, {"class", "String"}, {"style", "String"}}},
	{Layer: "roads", Description: "Roads: name, class as imported, style (motorway, primary, secondary or minor). " +
		"Below zoom 13 minor roads, and below zoom 11 secondary ones, are left out; lines are simplified to the tile's resolution.",
		Fields: []TileField{{"name", "String"}, {"class", "String"}, {"style", "String"}}},
	{Layer: "places", Description: "Place names (points): name, class.",
		Fields: []TileField{{"name", "String"}, {"class", "String"}}},
}

// The attribute names (lower case) a base feature's name and class are
// read from, first match wins: OpenStreetMap extracts (name, fclass,
// highway, place, natural, landuse), Chinese survey and planning data
// (名称, 道路名称, 等级, 道路等级) and common GIS exports.
var (
	BaseNameNames  = []string{"name", "name_zh", "name:zh", "名称", "道路名称", "路名", "地名", "标注", "label"}
	BaseClassNames = []string{"class", "fclass", "highway", "等级", "道路等级", "道路类型", "类型", "type", "kind",
		"place", "natural", "landuse", "leisure", "waterway"}
)

// BaseStyle is the style a feature of kind with class draws in. Classes
// are matched by the Chinese road grades (快速路, 主干路, 次干路, 支路),
// OpenStreetMap's highway values and plain English.
func BaseStyle(kind BaseKind, class string) string {
	c := strings.ToLower(strings.TrimSpace(class))
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(c, w) {
				return true
			}
		}
		return false
	}
	switch kind {
	case BasePlace:
		return StylePlace
	case BaseArea:
		switch {
		case has("water", "river", "lake", "reservoir", "pond", "canal", "riverbank", "水", "河", "湖", "塘", "渠"):
			return StyleWater
		case has("park", "grass", "forest", "wood", "garden", "green", "meadow", "farmland", "recreation", "绿", "公园", "林", "草", "园林"):
			return StyleGreen
		}
		return StyleArea
	}
	switch {
	case has("motorway", "trunk", "expressway", "freeway", "快速", "高速", "国道"):
		return StyleMotorway
	case has("primary", "主干", "主路", "省道", "一级"):
		return StylePrimary
	case has("secondary", "tertiary", "次干", "县道", "二级"):
		return StyleSecondary
	}
	return StyleMinor
}

// EachPoint calls fn with every position of g.
func EachPoint(g orb.Geometry, fn func(orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		fn(g)
	case orb.MultiPoint:
		for _, p := range g {
			fn(p)
		}
	case orb.LineString:
		for _, p := range g {
			fn(p)
		}
	case orb.MultiLineString:
		for _, l := range g {
			EachPoint(l, fn)
		}
	case orb.Ring:
		for _, p := range g {
			fn(p)
		}
	case orb.Polygon:
		for _, r := range g {
			EachPoint(r, fn)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			EachPoint(p, fn)
		}
	case orb.Collection:
		for _, c := range g {
			EachPoint(c, fn)
		}
	}
}

// FirstPoint is g's first position, where a clerk looks for a feature.
func FirstPoint(g orb.Geometry) (orb.Point, bool) {
	var first orb.Point
	found := false
	EachPoint(g, func(p orb.Point) {
		if !found {
			first, found = p, true
		}
	})
	return first, found
}
