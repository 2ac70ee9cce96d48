// Package server is gridgis's HTTP face on Fiber: routes, parameter
// parsing, problem responses, streamed GeoJSON, health checks and the
// static map app.
//
// Handlers parse input, call the domain through grid's store interfaces,
// and encode the result; nothing else. server imports grid, grid/rebalance,
// grid/ingest (import.go, whose ImportOrgs the CLI runs too), grid/report
// and geo, never grid/postgis, grid/demo or pgx. Who may do what is asked
// of grid's role table (grid/roles.go), never decided here.
//
// Each resource has one file holding its handlers and the function that
// registers its routes (org.go, request.go, contact.go, liaison.go,
// rebalance.go for plans, auth.go for sessions, token.go, audit.go,
// tiles.go, ogc.go, import.go and job.go for imports run as jobs, ...); server.go's routes() calls those in order, and
// helpers.go holds what every handler shares.
package server
