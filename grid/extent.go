package grid

import (
	"context"

	"gridgis/geo"
)

// ExtentStore tells how far the map layers reach, for the collection
// descriptions of OGC API – Features.
type ExtentStore interface {
	// LayerExtents returns the bounding box of each map layer that holds
	// rows, keyed by layer name: "grids", "organizations" (active ones),
	// "liaisons" (active ones) and "requests" (at their organization).
	// The boxes span zone zoneID, whatever the caller's scope within it
	// (like the grid outlines every role of the zone sees, they only say
	// where the zone lies); every zone when zoneID is 0.
	LayerExtents(ctx context.Context, zoneID int64) (map[string]geo.BBox, error)
}
