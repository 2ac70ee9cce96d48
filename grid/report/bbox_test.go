package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"
)

// TestOrgsGeoJSONBBox: the collection's bbox spans every located
// organization (west, south, east, north), whatever their order, and
// leaves the unlocated out.
func TestOrgsGeoJSONBBox(t *testing.T) {
	orgs := testOrgs()[:1]
	for i, p := range []orb.Point{{113.31, 33.70}, {113.25, 33.78}, {113.40, 33.74}, {113.28, 33.69}} {
		o := orgs[0]
		o.ID, o.Location = int64(100+i), p
		orgs = append(orgs, o)
	}
	orgs[0].Unlocated, orgs[0].Location = true, orb.Point{}
	var buf bytes.Buffer
	if err := WriteOrgsGeoJSON(&buf, Values(orgs)); err != nil {
		t.Fatal(err)
	}
	var fc struct{ BBox [4]float64 }
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	if want := [4]float64{113.25, 33.69, 113.40, 33.78}; fc.BBox != want {
		t.Errorf("bbox %v, want %v", fc.BBox, want)
	}
}
