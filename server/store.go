package server

import (
	"gridgis/grid"
	"gridgis/grid/rebalance"
)

// Store is everything the server needs from persistence. Each line is one
// of grid's store interfaces.
type Store interface {
	grid.MapStore
	grid.AuthStore
	grid.OrgStore
	grid.ExtentStore
	grid.TileStore
	grid.RequestStore
	grid.RequestActionStore
	grid.EventStore
	grid.UnitStore
	rebalance.Store
	grid.AssignmentStore
	grid.ContactStore
	grid.StatsStore
	grid.IdempotencyStore
	grid.ExportStore
	grid.JobStore
	grid.ImportStore
	grid.GridImportStore
	grid.SearchStore
	grid.BaseLayerStore
}
