// Package server is gridgis's HTTP face on Fiber: routes, parameter
// parsing, problem responses, streamed GeoJSON, health checks and the
// static map app.
//
// Handlers parse input, call the domain through grid's store interfaces,
// and encode the result; nothing else. server imports grid, grid/rebalance
// and geo, never grid/postgis, grid/demo or pgx.
package server
