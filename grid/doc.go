// Package grid is gridgis's domain: zones, industry grids, organizations,
// liaisons and their assignments, contacts, requests, users, the assignment
// rule 行业归口、属地兜底, the store interfaces that persistence implements,
// and the Dataset that a bulk loader writes.
//
// grid holds no transport or storage code: it imports neither pgx nor Fiber.
// Of gridgis it imports only geo, for geometry; grid/rebalance, grid/demo,
// grid/postgis and server import it, never the other way. TestLayering
// (layering_test.go) checks these rules and those of the other doc.go files.
package grid
