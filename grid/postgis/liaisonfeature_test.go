package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// checkLiaisons compares the liaison layer, read from org_activity, with
// the live query that probes every assigned organization's contacts, byte
// for byte, for the listings the map and the API make. It adds to seen
// what the map's listing held: a load, contacts and visits counted (or
// not).
func (z *driftZone) checkLiaisons(t *testing.T, after string, seen map[string]bool) {
	t.Helper()
	ctx := context.Background()
	b := z.box
	mid := geo.BBox{MinLon: b.MinLon + (b.MaxLon-b.MinLon)/4, MinLat: b.MinLat + (b.MaxLat-b.MinLat)/4,
		MaxLon: b.MaxLon - (b.MaxLon-b.MinLon)/4, MaxLat: b.MaxLat - (b.MaxLat-b.MinLat)/4}
	fs := map[string]grid.LiaisonFilter{
		"the map": {Scope: grid.Scope{All: true, ZoneID: z.zoneID}},
		"officer": {Scope: grid.Scope{ZoneID: z.zoneID, GridIDs: z.grids[:2]}},
		"liaison": {Scope: grid.Scope{ZoneID: z.zoneID, LiaisonID: z.liaisons[1]}},
		"bbox":    {Scope: grid.Scope{All: true}, BBox: &mid},
		"page 2":  {Scope: grid.Scope{All: true, ZoneID: z.zoneID}, AfterID: z.liaisons[len(z.liaisons)/2], Limit: 5},
	}
	type row struct {
		ID   int64
		BBox geo.BBox
		Text string
	}
	read := func(each func(context.Context, grid.LiaisonFilter, grid.FeatureFunc) error, f grid.LiaisonFilter) []row {
		var out []row
		if err := each(ctx, f, func(ft grid.Feature) error {
			out = append(out, row{ft.ID, ft.BBox, string(ft.JSON)})
			return nil
		}); err != nil {
			t.Fatalf("after %s: %v", after, err)
		}
		return out
	}
	for name, f := range fs {
		got, want := read(z.db.EachLiaisonFeature, f), read(z.db.EachLiaisonFeatureLive, f)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("after %s, %s: the liaison layer differs from the live query (-live +layer):\n%s", after, name, diff)
		}
		if name != "the map" {
			continue
		}
		for _, r := range got {
			var ft struct{ Properties map[string]any }
			if err := json.Unmarshal([]byte(r.Text), &ft); err != nil {
				t.Fatal(err)
			}
			p := ft.Properties
			load, _ := p["load"].(float64)
			seen["load"] = seen["load"] || load > 0
			for _, k := range []string{"contacted_7d", "visited_30d"} {
				n, _ := p[k].(float64)
				seen[k] = seen[k] || n > 0
				seen["no "+k] = seen["no "+k] || n < load
			}
		}
	}
}

// The liaison layer's counts from org_activity are the live query's after
// random writes: contacts (also dated after now, edited and deleted),
// liaison changes, rebalancing, retirements and deletions, the clock moved
// back and forth.
func TestLiaisonLayerMatchesLive(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	z := newDriftZone(t, db)
	seen := map[string]bool{}
	z.checkLiaisons(t, "the seed", seen)
	for batch := range 8 {
		var done []string
		for range 25 {
			done = append(done, z.write(t))
		}
		done = append(done, z.bulk(t, batch%3))
		z.checkLiaisons(t, fmt.Sprintf("batch %d (%v)", batch, done), seen)
	}
	// The comparison says something only if the counts took all values.
	for _, k := range []string{"load", "contacted_7d", "visited_30d", "no contacted_7d", "no visited_30d"} {
		if !seen[k] {
			t.Errorf("no liaison with %s was listed: %v", k, seen)
		}
	}
}
