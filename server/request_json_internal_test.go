package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// TestRequestJSONLocation: a request's location is a GeoJSON Point, now
// written by orb's geojson, byte for byte as the hand-made struct wrote it.
func TestRequestJSONLocation(t *testing.T) {
	d := grid.RequestDetail{Location: orb.Point{113.301234, 33.75}}
	b, err := json.Marshal(toRequestJSON(d, grid.User{}, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"location":{"type":"Point","coordinates":[113.301234,33.75]}`; !strings.Contains(string(b), want) {
		t.Errorf("request JSON %s lacks %s", b, want)
	}
}
