// Package geo is gridgis's pure geometry: bounding boxes, point-in-polygon
// and distance, ring orientation, validation, a streaming GeoJSON
// FeatureCollection writer, and the China coordinate systems (WGS84,
// CGCS2000, GCJ-02, BD-09) imports arrive in.
//
// geo imports no other gridgis package (not even the domain, grid), nor
// pgx or Fiber; it works on github.com/paulmach/orb types.
package geo
