// Package demo generates gridgis's built-in demo dataset: a synthetic
// high-tech zone east of Pingdingshan (平顶山高新区（合成演示数据）) with six
// industry grids that tile it, its organizations, liaisons and their
// assignments, a year of contact logs, alliance units, eleven months of
// requests with full event histories, and the demo users.
//
// Every figure follows the zone described in the seed article (404
// organizations, about 120 high-tech, 36 liaisons carrying 5–8 each, 28
// alliance units of which 8 are banks or investors, 128 requests of which
// 96 % are closed), but every name, code and location is made up.
//
// The output is deterministic: the same Options give the same dataset, byte
// for byte. demo is pure Go: it imports grid, geo and grid/rebalance (for
// RebalanceInput), never pgx, Fiber, grid/postgis or server, and only
// commands (package main) and tests import it. What it makes is a
// grid.Dataset, which grid/postgis loads.
package demo
