package postgis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// tileZone is a small zone around the corner shared by four z12 tiles,
// far from every other test's data, with two grids (west and east of the
// corner), organizations of every kind (some sharing a point, so that
// cells hold several), a liaison with three of them, and requests in
// every SLA colour.
type tileZone struct {
	db      *postgis.DB
	now     time.Time
	corner  geo.Tile // the south-east one of the four tiles
	grids   []grid.Grid
	orgs    []grid.Org
	liaison int64
	// requests by organization index: status and expected colour.
	requests []tileRequest
}

type tileRequest struct {
	org    int
	status grid.RequestStatus
	sla    string
}

func (z *tileZone) quad() []geo.Tile {
	c := z.corner
	return []geo.Tile{{Z: 12, X: c.X - 1, Y: c.Y - 1}, {Z: 12, X: c.X, Y: c.Y - 1}, {Z: 12, X: c.X - 1, Y: c.Y}, c}
}

func setupTileZone(t *testing.T) *tileZone {
	t.Helper()
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := &tileZone{db: db, now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return z.now }
	z.corner = geo.TileAt(orb.Point{-70.1, -30.05}, 12)
	nw := z.corner.Bound()
	lon, lat := nw.Min[0], nw.Max[1]
	square := func(w, s, e, n float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}}
	}
	const r = 0.03
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "tile-test", Name: "瓦片测试区", Boundary: square(lon-r, lat-r, lon+r, lat+r)})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range []grid.Grid{
		{Code: "TW", Name: "西区网格", Industry: "新材料", Geom: square(lon-r, lat-r, lon, lat+r)},
		{Code: "TE", Name: "东区网格", Industry: "新能源", Geom: square(lon, lat-r, lon+r, lat+r)},
	} {
		g.ZoneID = zone.ID
		if g, err = db.CreateGrid(ctx, g); err != nil {
			t.Fatalf("grid %d: %v", i, err)
		}
		z.grids = append(z.grids, g)
	}
	rng := rand.New(rand.NewPCG(12, 4096))
	var points []orb.Point
	for len(points) < 300 {
		points = append(points, orb.Point{lon + (rng.Float64()*2-1)*0.025, lat + (rng.Float64()*2-1)*0.025})
	}
	for i := 0; i < 24; i++ { // three buildings of eight organizations
		points = append(points, points[i%3])
	}
	for i, p := range points {
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: fmt.Sprintf("瓦片测试%03d有限公司", i),
			USCC: testUSCC(800000 + i), Kind: grid.OrgKinds[(i*7)%3], Industry: "物流",
			Employees: 10, PartyOrg: grid.PartyNone, Location: p})
		if err != nil {
			t.Fatal(err)
		}
		z.orgs = append(z.orgs, o)
	}
	if _, err := db.AssignGrids(ctx, zone.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '瓦片联络员', $2, ST_SetSRID(ST_MakePoint($3, $4), 4326)) RETURNING id`,
		zone.ID, z.grids[0].ID, lon, lat).Scan(&z.liaison); err != nil {
		t.Fatal(err)
	}
	for _, o := range z.orgs[:3] {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause) VALUES ($1, $2, 'rule')`,
			o.ID, z.liaison); err != nil {
			t.Fatal(err)
		}
	}
	// Requests: in time, overdue, in the last fifth of their time, closed.
	kinds := []struct {
		status            grid.RequestStatus
		reported, due     time.Duration // before (-) or after now
		sla               string
		closed, satisfied bool
	}{
		{grid.StatusReported, -time.Hour, 7 * 24 * time.Hour, "green", false, false},
		{grid.StatusAssigned, -8 * 24 * time.Hour, -time.Hour, "red", false, false},
		{grid.StatusInProgress, -10 * 24 * time.Hour, 24 * time.Hour, "yellow", false, false},
		{grid.StatusVerified, -20 * 24 * time.Hour, -13 * 24 * time.Hour, "green", true, true},
	}
	for i := 0; i < 60; i++ {
		k := kinds[i%len(kinds)]
		reported := z.now.Add(k.reported)
		var closedAt *time.Time
		var satisfaction *int
		if k.closed {
			closedAt, satisfaction = &reported, ptr(5)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO request (zone_id, org_id, title, category, status,
  reported_at, response_due_at, due_at, closed_at, satisfaction)
VALUES ($1, $2, '瓦片测试诉求', 'ordinary', $3, $4, $5, $6, $7, $8)`,
			zone.ID, z.orgs[i*5].ID, k.status, reported, reported.Add(24*time.Hour), z.now.Add(k.due),
			closedAt, satisfaction); err != nil {
			t.Fatal(err)
		}
		z.requests = append(z.requests, tileRequest{org: i * 5, status: k.status, sla: k.sla})
	}
	return z
}

func ptr[T any](v T) *T { return &v }

// decodeTile fetches and decodes one tile's only layer; nil when empty.
func decodeTile(t *testing.T, db *postgis.DB, layer grid.TileLayer, tile geo.Tile, scope grid.Scope) *mvt.Layer {
	t.Helper()
	data, err := db.Tile(context.Background(), layer, tile, scope)
	if err != nil {
		t.Fatalf("%s %v: %v", layer, tile, err)
	}
	if len(data) == 0 {
		return nil
	}
	layers, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatalf("%s %v: not a vector tile: %v", layer, tile, err)
	}
	if len(layers) != 1 || layers[0].Name != string(layer) || layers[0].Extent != geo.TileExtent {
		t.Fatalf("%s %v: layers %v, want one named %s", layer, tile, layers, layer)
	}
	return layers[0]
}

// cellKey is a cluster cell, counted over the world at the tile's zoom.
type cellKey struct{ x, y int64 }

// cells sums the counts of a tile's features per cell, over the tile and
// its buffer, and collects the features.
func cells(t *testing.T, tile geo.Tile, l *mvt.Layer) (map[cellKey]int, map[cellKey]map[string]any) {
	t.Helper()
	counts, props := map[cellKey]int{}, map[cellKey]map[string]any{}
	if l == nil {
		return counts, props
	}
	units := int64(geo.TileExtent / grid.ClusterCells)
	for _, f := range l.Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			t.Fatalf("feature geometry %T, want a point", f.Geometry)
		}
		ux, uy := int64(p[0])+int64(tile.X)*geo.TileExtent, int64(p[1])+int64(tile.Y)*geo.TileExtent
		k := cellKey{floorDiv(ux, units), floorDiv(uy, units)}
		if _, dup := counts[k]; dup {
			t.Errorf("tile %v: two features in cell %v", tile, k)
		}
		counts[k] = int(f.Properties["count"].(float64))
		props[k] = f.Properties
	}
	return counts, props
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// inTile reports whether cell k lies in tile (not its buffer).
func inTile(tile geo.Tile, k cellKey) bool {
	return k.x/grid.ClusterCells == int64(tile.X) && k.y/grid.ClusterCells == int64(tile.Y)
}

// Aggregated tiles count every organization exactly once, in the cell the
// Go twin (geo.WorldUnit) puts it, with the most common kind; a cell with
// one organization is that organization.
func TestTileClustersAddUp(t *testing.T) {
	z := setupTileZone(t)
	units := int64(geo.TileExtent / grid.ClusterCells)
	want := map[cellKey]int{}
	kinds := map[cellKey]map[grid.OrgKind]int{}
	only := map[cellKey]grid.Org{}
	for _, o := range z.orgs {
		ux, uy := geo.WorldUnit(o.Location, 12)
		k := cellKey{ux / units, uy / units}
		want[k]++
		if kinds[k] == nil {
			kinds[k] = map[grid.OrgKind]int{}
		}
		kinds[k][o.Kind]++
		only[k] = o
	}
	total, clusters := 0, 0
	for _, tile := range z.quad() {
		got, props := cells(t, tile, decodeTile(t, z.db, grid.LayerOrganizations, tile, grid.Scope{All: true}))
		for k, n := range got {
			if want[k] != n {
				t.Errorf("tile %v cell %v: count %d, want %d", tile, k, n, want[k])
			}
			if inTile(tile, k) {
				total += n
			}
			p := props[k]
			if n == 1 {
				o := only[k]
				wantProps := map[string]any{"count": 1.0, "id": float64(o.ID), "name": o.Name, "kind": string(o.Kind),
					"grid_id": p["grid_id"], "party_org": "none"}
				if o.ID == z.orgs[0].ID || o.ID == z.orgs[1].ID || o.ID == z.orgs[2].ID {
					wantProps["liaison_id"] = float64(z.liaison)
				}
				if diff := cmp.Diff(wantProps, p); diff != "" {
					t.Errorf("tile %v cell %v, one organization (-want +got):\n%s", tile, k, diff)
				}
				if p["grid_id"] == nil {
					t.Errorf("organization %d has no grid_id", o.ID)
				}
				continue
			}
			clusters++
			best := grid.OrgKinds[0]
			for _, kind := range grid.OrgKinds {
				if kinds[k][kind] > kinds[k][best] {
					best = kind
				}
			}
			if diff := cmp.Diff(map[string]any{"count": float64(n), "kind": string(best)}, p); diff != "" {
				t.Errorf("tile %v cell %v, cluster (-want +got):\n%s", tile, k, diff)
			}
		}
		for k, n := range want {
			if inTile(tile, k) && got[k] != n {
				t.Errorf("tile %v: cell %v with %d organizations missing", tile, k, n)
			}
		}
	}
	if total != len(z.orgs) {
		t.Errorf("the four tiles count %d organizations, want %d", total, len(z.orgs))
	}
	if clusters < 3 {
		t.Errorf("%d clusters, want at least the three shared points", clusters)
	}

	t.Run("scopes", func(t *testing.T) {
		var west int
		if err := z.db.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM organization WHERE grid_id = $1 AND active`, z.grids[0].ID).Scan(&west); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name  string
			scope grid.Scope
			want  int
		}{
			{"officer", grid.Scope{GridIDs: []int64{z.grids[0].ID}}, west},
			{"liaison", grid.Scope{LiaisonID: z.liaison}, 3},
			{"nobody", grid.Scope{}, 0},
		} {
			sum := 0
			for _, tile := range z.quad() {
				got, _ := cells(t, tile, decodeTile(t, z.db, grid.LayerOrganizations, tile, tt.scope))
				for k, n := range got {
					if inTile(tile, k) {
						sum += n
					}
				}
			}
			if sum != tt.want {
				t.Errorf("%s: %d organizations, want %d", tt.name, sum, tt.want)
			}
		}
	})

	t.Run("requests", func(t *testing.T) {
		rank := map[string]int{"green": 1, "yellow": 2, "red": 3}
		wantCount, wantOpen, wantSLA := map[cellKey]int{}, map[cellKey]int{}, map[cellKey]string{}
		for _, r := range z.requests {
			ux, uy := geo.WorldUnit(z.orgs[r.org].Location, 12)
			k := cellKey{ux / units, uy / units}
			wantCount[k]++
			if !r.status.Closed() {
				wantOpen[k]++
			}
			if rank[r.sla] > rank[wantSLA[k]] {
				wantSLA[k] = r.sla
			}
		}
		total := 0
		for _, tile := range z.quad() {
			got, props := cells(t, tile, decodeTile(t, z.db, grid.LayerRequests, tile, grid.Scope{All: true}))
			for k, n := range got {
				if inTile(tile, k) {
					total += n
				}
				p := props[k]
				if n != wantCount[k] || p["open"] != float64(wantOpen[k]) || p["sla"] != wantSLA[k] {
					t.Errorf("tile %v cell %v: %v, want count %d, open %d, sla %s", tile, k, p, wantCount[k], wantOpen[k], wantSLA[k])
				}
			}
		}
		if total != len(z.requests) {
			t.Errorf("%d requests, want %d", total, len(z.requests))
		}
	})

	t.Run("detail", func(t *testing.T) {
		for _, r := range z.requests[:4] {
			o := z.orgs[r.org]
			tile := geo.TileAt(o.Location, grid.ClusterBelowZoom)
			l := decodeTile(t, z.db, grid.LayerOrganizations, tile, grid.Scope{All: true})
			found := false
			for _, f := range l.Features {
				if f.Properties["id"] == float64(o.ID) {
					found = true
					if f.ID != float64(o.ID) || f.Properties["name"] != o.Name || f.Properties["count"] != 1.0 {
						t.Errorf("organization %d: id %v, properties %v", o.ID, f.ID, f.Properties)
					}
				}
			}
			if !found {
				t.Errorf("organization %d not in its z%d tile %v", o.ID, grid.ClusterBelowZoom, tile)
			}
			rl := decodeTile(t, z.db, grid.LayerRequests, tile, grid.Scope{All: true})
			found = false
			for _, f := range rl.Features {
				if f.Properties["org_id"] == float64(o.ID) {
					found = true
					p := f.Properties
					if p["sla"] != r.sla || p["status"] != string(r.status) || p["category"] != "ordinary" || p["count"] != 1.0 {
						t.Errorf("request of organization %d: %v, want sla %s, status %s", o.ID, p, r.sla, r.status)
					}
				}
			}
			if !found {
				t.Errorf("request of organization %d not in tile %v", o.ID, tile)
			}
		}
	})

	t.Run("grids", func(t *testing.T) {
		// The east grid, and the west one's edge in the buffer.
		l := decodeTile(t, z.db, grid.LayerGrids, z.corner, grid.Scope{})
		if l == nil {
			t.Fatal("no grids in the south-east tile")
		}
		codes := map[any]bool{}
		for _, f := range l.Features {
			p := f.Properties
			codes[p["code"]] = true
			if p["code"] == "TE" && (p["name"] != "东区网格" || p["industry"] != "新能源" || p["org_count"] == nil || f.ID != float64(z.grids[1].ID)) {
				t.Errorf("grid TE: id %v, properties %v", f.ID, p)
			}
			if _, ok := f.Geometry.(orb.Polygon); !ok {
				t.Errorf("grid geometry %T, want a polygon", f.Geometry)
			}
		}
		if !codes["TE"] {
			t.Errorf("grids %v, want TE", codes)
		}
	})

	t.Run("empty", func(t *testing.T) {
		for _, layer := range grid.TileLayers {
			data, err := z.db.Tile(context.Background(), layer, geo.Tile{Z: 14, X: 0, Y: 0}, grid.Scope{All: true})
			if err != nil || len(data) != 0 {
				t.Errorf("%s in the Arctic: %d bytes, %v; want none", layer, len(data), err)
			}
		}
	})

	t.Run("bounds", func(t *testing.T) {
		b, ok, err := z.db.TileBounds(context.Background(), 0)
		if err != nil || !ok {
			t.Fatalf("TileBounds: %v, %v", ok, err)
		}
		box := orb.Bound{Min: orb.Point{b.MinLon, b.MinLat}, Max: orb.Point{b.MaxLon, b.MaxLat}}
		for _, o := range z.orgs {
			if !box.Contains(o.Location) {
				t.Errorf("bounds %v leave out organization %d at %v", b, o.ID, o.Location)
			}
		}
		for _, g := range z.grids {
			if !box.Contains(g.Geom.Bound().Min) || !box.Contains(g.Geom.Bound().Max) {
				t.Errorf("bounds %v leave out grid %s", b, g.Code)
			}
		}
	})
}
