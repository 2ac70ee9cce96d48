// Package geo is gridgis's pure geometry: bounding boxes, point-in-polygon
// and distance, ring orientation, validation, and a streaming GeoJSON
// FeatureCollection writer.
//
// geo imports no other gridgis package (not even the domain, grid), nor
// pgx or Fiber; it works on github.com/paulmach/orb types.
package geo
