// Package grid is gridgis's domain: zones, industry grids, organizations,
// liaisons and their assignments, contacts, requests, users, the assignment
// rule 行业归口、属地兜底, and the store interfaces that persistence
// implements.
//
// grid holds no transport or storage code: it imports neither pgx nor Fiber.
// It may import geo for geometry.
package grid
