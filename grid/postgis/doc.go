// Package postgis implements grid's stores on PostgreSQL/PostGIS with pgx
// v5: connection set-up (geometry travels as EWKB), migrations, the COPY
// loader of a grid.Dataset, and the SQL behind every store method.
//
// It imports grid, grid/rebalance, geo and migrations, never grid/demo,
// server or Fiber; nothing imports it but commands (package main), pgtest
// and tests. SQL sits next to the code that scans it, with $n parameters
// only.
//
// One file per resource (org.go, assignment.go, liaison.go, contact.go,
// request.go, rebalance.go for plans, auth.go for sessions and tokens,
// audit.go, throttle.go, tile.go, ...); db.go opens, migrates and
// classifies errors; what several resources share (the WHERE builder,
// querier interfaces, writeTx, feature rows) is in helpers.go.
package postgis
