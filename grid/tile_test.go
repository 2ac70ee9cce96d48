package grid

import (
	"slices"
	"testing"
)

func TestTileLayers(t *testing.T) {
	for _, name := range []string{"grids", "organizations", "requests"} {
		if !ValidTileLayer(name) {
			t.Errorf("ValidTileLayer(%q) = false", name)
		}
	}
	for _, name := range []string{"", "parcels", "Grids", "grids;", "organization"} {
		if ValidTileLayer(name) {
			t.Errorf("ValidTileLayer(%q) = true", name)
		}
	}
	if len(TileLayerInfos) != len(TileLayers) {
		t.Fatalf("%d layer descriptions for %d layers", len(TileLayerInfos), len(TileLayers))
	}
	for i, info := range TileLayerInfos {
		if info.Layer != TileLayers[i] || info.Description == "" {
			t.Errorf("description %d is of %q, want %q", i, info.Layer, TileLayers[i])
		}
		seen := map[string]bool{}
		for _, f := range info.Fields {
			if seen[f.Name] || !slices.Contains([]string{"Number", "String", "Boolean"}, f.Type) {
				t.Errorf("%s: field %+v repeated or of an unknown type", info.Layer, f)
			}
			seen[f.Name] = true
		}
		if info.Layer != LayerGrids && !seen["count"] {
			t.Errorf("%s: point layers carry count", info.Layer)
		}
	}
	if 4096%ClusterCells != 0 {
		t.Errorf("ClusterCells %d does not divide the tile extent", ClusterCells)
	}
}
