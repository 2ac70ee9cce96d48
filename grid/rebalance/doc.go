// Package rebalance assigns liaisons to a zone's organizations: an exact
// min-cost flow (Solve) under each liaison's load bounds, pins and the
// keep-in-grid rule, a greedy baseline (Greedy) to measure it against,
// the metrics of an assignment, and the stored plans with the Store that
// keeps and applies them.
//
// It imports grid for the domain nouns and geo for geometry, and neither
// pgx, Fiber, grid/postgis, grid/demo nor server; grid does not import it.
package rebalance
