package grid

import (
	"context"
	"fmt"
	"time"

	"gridgis/geo"
)

// TileLayer names a vector tile layer. Layer names are looked up in
// TileLayers, never placed in SQL.
type TileLayer string

// The vector tile layers.
const (
	LayerGrids         TileLayer = "grids"
	LayerOrganizations TileLayer = "organizations"
	LayerRequests      TileLayer = "requests"
)

// TileLayers lists every vector tile layer: the allow-list of names.
var TileLayers = []TileLayer{LayerGrids, LayerOrganizations, LayerRequests}

// ValidTileLayer reports whether name is one of TileLayers.
func ValidTileLayer(name string) bool { return oneOf(TileLayer(name), TileLayers) }

// ClusterBelowZoom is the zoom below which the point layers
// (organizations, requests) are aggregated: a tile is cut into
// ClusterCells × ClusterCells cells, and the points of a cell that holds
// more than one become one feature at the cell's centre with a count and
// summary attributes, while a point alone in its cell stays an individual
// feature. However many rows lie under a tile, it holds at most one
// feature per cell. From this zoom on every point is its own feature.
const ClusterBelowZoom = 16

// ClusterCells is the number of aggregation cells across a tile.
const ClusterCells = 128

// TileField is one feature attribute of a tile layer, for TileJSON.
type TileField struct {
	Name string
	// Type is "Number", "String" or "Boolean".
	Type string
}

// TileLayerInfo describes a vector tile layer and its attributes.
type TileLayerInfo struct {
	Layer       TileLayer
	Description string
	Fields      []TileField
}

// TileLayerInfos describes each of TileLayers, in the same order.
var TileLayerInfos = []TileLayerInfo{
	{
		Layer:       LayerGrids,
		Description: "Industry grid polygons with their organization counts, for every role.",
		Fields: []TileField{
			{"id", "Number"},
			{"code", "String"},
			{"name", "String"},
			{"industry", "String"},
			{"org_count", "Number"},
		},
	},
	{
		Layer: LayerOrganizations,
		Description: fmt.Sprintf("Active organizations the caller may see. Below zoom %d the organizations "+
			"sharing one of %d×%d cells of a tile are one feature at the cell's centre with their "+
			"count and most common kind; every feature with count 1 is one organization at its "+
			"point with id, name, kind, grid_id, party_org and liaison_id (absent when none).",
			ClusterBelowZoom, ClusterCells, ClusterCells),
		Fields: []TileField{
			{"count", "Number"},
			{"kind", "String"},
			{"id", "Number"},
			{"name", "String"},
			{"grid_id", "Number"},
			{"party_org", "String"},
			{"liaison_id", "Number"},
		},
	},
	{
		Layer: LayerRequests,
		Description: fmt.Sprintf("Requests the caller may see, at their organization's point. Below zoom %d "+
			"the requests sharing one of %d×%d cells of a tile are one feature at the cell's centre "+
			"with their count, open count and worst SLA colour; every feature with count 1 is one "+
			"request with id, status, sla, category and org_id. sla is green, yellow or red; open "+
			"counts requests not yet verified or rejected.",
			ClusterBelowZoom, ClusterCells, ClusterCells),
		Fields: []TileField{
			{"count", "Number"},
			{"open", "Number"},
			{"sla", "String"},
			{"id", "Number"},
			{"status", "String"},
			{"category", "String"},
			{"org_id", "Number"},
		},
	},
}

// TileStore renders vector tiles.
type TileStore interface {
	// Tile returns layer's features in tile t that scope may see, as an
	// uncompressed Mapbox Vector Tile holding one layer named after the
	// layer; empty when there are none.
	Tile(ctx context.Context, layer TileLayer, t geo.Tile, scope Scope) ([]byte, error)
	// TileBounds is the extent of the mapped data (zones, grids and
	// organizations) of zone zoneID, every zone's when 0, for TileJSON; ok
	// is false when there is no data yet.
	TileBounds(ctx context.Context, zoneID int64) (b geo.BBox, ok bool, err error)
}

// TileFolder is a store that takes tile data in as pending changes,
// which a background step folds in. Reads are the same before and after
// a fold; folding keeps them fast.
type TileFolder interface {
	// FoldTiles folds the pending changes in and says how many it
	// folded; with none it is cheap.
	FoldTiles(ctx context.Context) (int64, error)
}

// TileWatcher tells a tile cache when tiles may have changed: a store
// announces each committed write to the tables a layer reads.
type TileWatcher interface {
	// WatchTiles listens until ctx ends, reconnecting by itself. It calls
	// status(nil) each time it starts listening and status(err) each time
	// it stops; while it is not listening changes go unannounced, so a
	// cache must not be trusted then, nor after it listens again until
	// everything it held is forgotten. changed(layer, zoneID) follows
	// each committed write that may change layer's tiles of zone zoneID;
	// zoneID 0 is every zone (a TRUNCATE, say).
	WatchTiles(ctx context.Context, changed func(layer TileLayer, zoneID int64), status func(error))
	// TileNow is the time the requests layer's SLA colours are drawn at
	// (the store's clock, which tests replace).
	TileNow() time.Time
}
