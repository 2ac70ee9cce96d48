package geo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		in      string
		want    BBox
		wantErr string
	}{
		{"113.2,33.7,113.4,33.8", BBox{113.2, 33.7, 113.4, 33.8}, ""},
		{" -180, -90, 180, 90 ", BBox{-180, -90, 180, 90}, ""},
		{"1,2,3", BBox{}, "want 4"},
		{"1,2,3,4,5", BBox{}, "want 4"},
		{"a,2,3,4", BBox{}, "not a finite number"},
		{"NaN,2,3,4", BBox{}, "not a finite number"},
		{"1,2,Inf,4", BBox{}, "not a finite number"},
		{"3,2,1,4", BBox{}, "minLon 3 is greater than maxLon 1"},
		{"1,4,3,2", BBox{}, "minLat 4 is greater than maxLat 2"},
		{"-181,0,1,1", BBox{}, "longitudes"},
		{"0,0,1,91", BBox{}, "latitudes"},
		{"", BBox{}, "want 4"},
	}
	for _, tt := range tests {
		got, err := ParseBBox(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseBBox(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseBBox(%q): %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseBBox(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestCoversPointAndDistance(t *testing.T) {
	outer := orb.Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}
	hole := orb.Ring{{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}
	mp := orb.MultiPolygon{{outer, hole}}
	tests := []struct {
		p      orb.Point
		covers bool
		dist   float64
	}{
		{orb.Point{0.5, 0.5}, true, 0},
		{orb.Point{0, 2}, true, 0},  // outer edge
		{orb.Point{4, 4}, true, 0},  // corner
		{orb.Point{2, 2}, false, 1}, // in the hole, 1 from its edge
		{orb.Point{1, 2}, true, 0},  // on the hole's edge
		{orb.Point{6, 4}, false, 2}, // right of the square
		{orb.Point{7, 8}, false, 5}, // 3-4-5 from the corner
	}
	for _, tt := range tests {
		if got := CoversPoint(mp, tt.p); got != tt.covers {
			t.Errorf("CoversPoint(%v) = %v, want %v", tt.p, got, tt.covers)
		}
		if got := PlanarDistance(mp, tt.p); math.Abs(got-tt.dist) > 1e-12 {
			t.Errorf("PlanarDistance(%v) = %v, want %v", tt.p, got, tt.dist)
		}
	}
}

func TestRingIsCCW(t *testing.T) {
	ccw := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	cw := orb.Ring{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}
	if !RingIsCCW(ccw) || RingIsCCW(cw) {
		t.Errorf("RingIsCCW: ccw=%v cw=%v", RingIsCCW(ccw), RingIsCCW(cw))
	}
}

func TestValidateMultiPolygon(t *testing.T) {
	good := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}
	if err := ValidateMultiPolygon(good); err != nil {
		t.Errorf("valid polygon refused: %v", err)
	}
	bad := map[string]orb.MultiPolygon{
		"empty":     {},
		"open ring": {{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}},
		"too short": {{{{0, 0}, {1, 0}, {0, 0}}}},
		"flat":      {{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}},
		"nan":       {{{{0, 0}, {math.NaN(), 0}, {1, 1}, {0, 0}}}},
		"lat 95":    {{{{0, 0}, {1, 95}, {1, 1}, {0, 0}}}},
	}
	for name, mp := range bad {
		if err := ValidateMultiPolygon(mp); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFeatureWriter(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	fw := NewFeatureWriter(w)
	boxes := []BBox{{113.1, 33.7, 113.2, 33.8}, {113.15, 33.65, 113.3000004, 33.75}}
	for i, f := range []string{`{"type":"Feature","id":1,"geometry":null,"properties":{}}`, `{"type":"Feature","id":2,"geometry":null,"properties":{}}`} {
		if err := fw.Feature(boxes[i], []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close([]Link{{Href: "/x?cursor=a", Rel: "next"}}, map[string]any{"timeStamp": "t"}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type     string
		Features []struct{ ID int }
		Links    []Link
		N        int `json:"numberReturned"`
		BBox     [4]float64
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if got.Type != "FeatureCollection" || len(got.Features) != 2 || got.N != 2 || got.Links[0].Rel != "next" {
		t.Errorf("unexpected collection: %s", buf.String())
	}
	if want := [4]float64{113.1, 33.65, 113.3, 33.8}; got.BBox != want {
		t.Errorf("bbox %v, want %v", got.BBox, want)
	}

	buf.Reset()
	w.Reset(&buf)
	if err := NewFeatureWriter(w).Close(nil, nil); err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"FeatureCollection","features":[],"numberReturned":0}`; buf.String() != want {
		t.Errorf("empty collection = %s, want %s", buf.String(), want)
	}
}
