// Package geo is gridgis's pure geometry: bounding boxes, point-in-polygon
// and distance, ring orientation, validation, a streaming GeoJSON
// FeatureCollection writer, and the China coordinate systems (WGS84,
// CGCS2000, GCJ-02, BD-09) imports arrive in. The measures themselves
// come from github.com/paulmach/orb (planar distance and area, spherical
// distance) and github.com/twpayne/go-geom (point location in a ring);
// what stays hand-written here is what neither library has: the GCJ-02
// and BD-09 formulas, and Web Mercator tile arithmetic that rounds as the
// tile SQL does.
//
// geo imports no other gridgis package (not even the domain, grid), nor
// pgx or Fiber; it works on github.com/paulmach/orb types.
package geo
