// Package geo is gridgis's pure geometry: bounding boxes, point-in-polygon
// and distance, ring orientation, validation, and a streaming GeoJSON
// FeatureCollection writer.
//
// geo imports neither the domain (grid) nor any transport or storage
// package; it works on github.com/paulmach/orb types.
package geo
