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
	// The boxes span every zone, whatever the caller's scope: like the
	// grid outlines every role sees, they only say where the zone lies.
	LayerExtents(ctx context.Context) (map[string]geo.BBox, error)
}
