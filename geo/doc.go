// Package geo is gridgis's pure geometry: bounding boxes, point-in-polygon
// and distance, ring orientation, validation, a streaming GeoJSON
// FeatureCollection writer, and the China coordinate systems (WGS84,
// CGCS2000, GCJ-02, BD-09) imports arrive in.
//
// geo imports neither the domain (grid) nor any transport or storage
// package; it works on github.com/paulmach/orb types.
package geo
