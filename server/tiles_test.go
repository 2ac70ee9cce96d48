package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"gridgis/geo"
	"gridgis/grid"
)

// fixtureCentre is the middle of the fixture zone.
var fixtureCentre = orb.Point{113.1, 33.05}

// tilePath is the path of layer's tile of zoom z over p.
func tilePath(layer string, p orb.Point, z int) string {
	t := geo.TileAt(p, z)
	return fmt.Sprintf("/api/v1/tiles/%s/%d/%d/%d.mvt", layer, t.Z, t.X, t.Y)
}

// tileAccess are the access matrix rows of the vector tile routes: every
// signed-in role reads tiles, each seeing its own scope (an empty tile is
// 204), and TileJSON.
var tileAccess = []accessRow{
	{method: "GET", route: "/api/v1/tiles/:layer/:z/:x/:y.mvt", path: tilePath("organizations", fixtureCentre, 10),
		want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/tiles/:layer/:z/:x/:y.mvt", path: tilePath("grids", fixtureCentre, 12),
		want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/tiles/:layer/:z/:x/:y.mvt", path: "/api/v1/tiles/requests/10/0/0.mvt",
		want: statuses{unauth, noContent, noContent, noContent, noContent, noContent}},
	{method: "GET", route: "/api/v1/tiles/:layer.json", path: "/api/v1/tiles/organizations.json",
		want: statuses{unauth, ok, ok, ok, ok, ok}},
}

// getTile fetches a tile as p and decodes its one layer (nil for 204),
// checking the media type and, when gzip was asked for, the encoding.
func getTile(t *testing.T, fx *fixture, p persona, path string, headers ...string) (int, http.Header, *mvt.Layer) {
	t.Helper()
	status, header, body := fx.do(t, p, "GET", path, "", headers...)
	if status != http.StatusOK {
		return status, header, nil
	}
	if ct := header.Get("Content-Type"); ct != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	var layers mvt.Layers
	var err error
	if header.Get("Content-Encoding") == "gzip" {
		layers, err = mvt.UnmarshalGzipped(body)
	} else {
		layers, err = mvt.Unmarshal(body)
	}
	if err != nil {
		t.Fatalf("%s: not a vector tile: %v", path, err)
	}
	if len(layers) != 1 || layers[0].Extent != geo.TileExtent {
		t.Fatalf("%s: %d layers, want 1 of extent %d", path, len(layers), geo.TileExtent)
	}
	return status, header, layers[0]
}

// interiorCount sums the count of the features inside the tile proper
// (not its buffer).
func interiorCount(t *testing.T, l *mvt.Layer) int {
	t.Helper()
	n := 0
	if l == nil {
		return 0
	}
	for _, f := range l.Features {
		pt := f.Geometry.(orb.Point)
		if pt[0] >= 0 && pt[0] < geo.TileExtent && pt[1] >= 0 && pt[1] < geo.TileExtent {
			n += int(f.Properties["count"].(float64))
		}
	}
	return n
}

// visibleOrgs counts the active organizations persona p may read in tile
// t, placing each in its tile as the server must (geo.WorldUnit).
func visibleOrgs(t *testing.T, fx *fixture, p persona, tile geo.Tile) int {
	t.Helper()
	return visibleInTile(t, fx, p, tile, `
SELECT ST_X(o.geom), ST_Y(o.geom), coalesce(o.grid_id, 0), coalesce(a.liaison_id, 0), 0
FROM organization o LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
WHERE o.active AND o.zone_id = $1`)
}

// visibleRequests counts the requests persona p may read in tile t.
func visibleRequests(t *testing.T, fx *fixture, p persona, tile geo.Tile) int {
	t.Helper()
	return visibleInTile(t, fx, p, tile, `
SELECT ST_X(o.geom), ST_Y(o.geom), coalesce(o.grid_id, 0), coalesce(a.liaison_id, 0), coalesce(r.liaison_id, 0)
FROM request r JOIN organization o ON o.id = r.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
WHERE r.zone_id = $1`)
}

// visibleInTile counts the rows of sql (lon, lat, grid id, two liaison
// ids) of the fixture's zone ($1) in tile t that p's scope reads, by the
// scope rules of the design (every persona belongs to that zone).
func visibleInTile(t *testing.T, fx *fixture, p persona, tile geo.Tile, sql string) int {
	t.Helper()
	rows, err := fx.db.Pool.Query(context.Background(), sql, fx.zone.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var lon, lat float64
		var gridID, liaison1, liaison2 int64
		if err := rows.Scan(&lon, &lat, &gridID, &liaison1, &liaison2); err != nil {
			t.Fatal(err)
		}
		ux, uy := geo.WorldUnit(orb.Point{lon, lat}, tile.Z)
		if ux/geo.TileExtent != int64(tile.X) || uy/geo.TileExtent != int64(tile.Y) {
			continue
		}
		switch {
		case p == officerA && gridID != fx.grids[0].ID,
			p == officerB && gridID != fx.grids[1].ID,
			p == liaison && liaison1 != fx.liaisonID && liaison2 != fx.liaisonID:
			continue
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// Each role's organizations tile holds exactly the organizations of its
// scope: aggregated at low zoom with exact counts, one by one at high zoom.
func TestTileOrganizationsScope(t *testing.T) {
	fx := setup(t)
	const z = 5 // cells of ~0.09°: the fixture's lattice (0.04°) shares them
	tile := geo.TileAt(fixtureCentre, z)
	for _, o := range fx.orgs {
		if geo.TileAt(o.Location, z) != tile {
			t.Fatalf("organization %d is not in tile %v", o.ID, tile)
		}
	}
	path := tilePath("organizations", fixtureCentre, z)
	want := map[persona]int{admin: 25, planner: 25, officerA: 15, officerB: 10, liaison: 2} // the fixture's
	for _, p := range []persona{admin, planner, officerA, officerB, liaison} {
		t.Run(string(p), func(t *testing.T) {
			status, _, l := getTile(t, fx, p, path)
			if status != http.StatusOK || l.Name != "organizations" {
				t.Fatalf("status %d, layer %v", status, l)
			}
			got, exact := interiorCount(t, l), visibleOrgs(t, fx, p, tile)
			if got != exact || got < want[p] {
				t.Errorf("sum of counts %d, want %d (the fixture alone has %d)", got, exact, want[p])
			}
			clusters := 0
			for _, f := range l.Features {
				props := f.Properties
				if props["count"].(float64) > 1 {
					clusters++
					if props["kind"] == nil || props["id"] != nil || props["name"] != nil || f.ID != nil {
						t.Errorf("cluster (id %v) with properties %v", f.ID, props)
					}
					continue
				}
				if props["id"] == nil || props["name"] == nil || props["kind"] == nil || props["party_org"] == nil || f.ID == nil {
					t.Errorf("organization feature (id %v) with properties %v", f.ID, props)
				}
				g, _ := props["grid_id"].(float64)
				if (p == officerA && int64(g) != fx.grids[0].ID) || (p == officerB && int64(g) != fx.grids[1].ID) {
					t.Errorf("organization %v of grid %v leaked to %s", props["id"], g, p)
				}
			}
			if p == admin && clusters == 0 {
				t.Errorf("no aggregated feature at z%d over %d organizations", z, got)
			}
		})
	}
}

// From zoom 16 each organization is its own feature with its attributes,
// and only for those who may read it.
func TestTileOrganizationDetail(t *testing.T) {
	fx := setup(t)
	o := fx.orgs[0] // in G01, the liaison's
	path := tilePath("organizations", o.Location, grid.ClusterBelowZoom)
	for _, p := range []persona{admin, officerA, liaison} {
		status, _, l := getTile(t, fx, p, path)
		if status != http.StatusOK {
			t.Fatalf("%s: status %d", p, status)
		}
		var found bool
		for _, f := range l.Features {
			if f.ID != float64(o.ID) {
				continue
			}
			found = true
			want := map[string]any{"count": 1.0, "id": float64(o.ID), "name": o.Name, "kind": string(o.Kind),
				"grid_id": float64(fx.grids[0].ID), "party_org": "standalone", "liaison_id": float64(fx.liaisonID)}
			for k, v := range want {
				if f.Properties[k] != v {
					t.Errorf("%s: %s = %v, want %v", p, k, f.Properties[k], v)
				}
			}
		}
		if !found {
			t.Errorf("%s: organization %d missing from %s", p, o.ID, path)
		}
	}
	// Outside officer B's scope: nothing there for them.
	if status, _, _ := getTile(t, fx, officerB, path); status != http.StatusNoContent {
		t.Errorf("officer_b: status %d, want 204", status)
	}
}

// The grids layer is the same for every role, with each grid's counts.
func TestTileGrids(t *testing.T) {
	fx := setup(t)
	path := tilePath("grids", fixtureCentre, 11)
	for _, p := range []persona{liaison, officerB, planner} {
		status, _, l := getTile(t, fx, p, path)
		if status != http.StatusOK || l.Name != "grids" {
			t.Fatalf("%s: status %d", p, status)
		}
		got := map[string]bool{}
		for _, f := range l.Features {
			code, _ := f.Properties["code"].(string)
			got[code] = true
			for i, g := range fx.grids {
				if g.Code != code {
					continue
				}
				var n int
				if err := fx.db.Pool.QueryRow(context.Background(),
					"SELECT count(*) FROM organization WHERE grid_id = $1 AND active", g.ID).Scan(&n); err != nil {
					t.Fatal(err)
				}
				props := f.Properties
				if f.ID != float64(g.ID) || props["name"] != g.Name || props["industry"] != g.Industry || props["org_count"] != float64(n) {
					t.Errorf("%s: grid %d: id %v, properties %v, want org_count %d", p, i, f.ID, props, n)
				}
				if _, ok := f.Geometry.(orb.Polygon); !ok {
					t.Errorf("%s: grid geometry %T", p, f.Geometry)
				}
			}
		}
		if !got["G01"] || !got["G02"] {
			t.Errorf("%s: grids %v, want G01 and G02", p, got)
		}
	}
}

// Requests sit at their organization with their SLA colour, for those
// who may read them.
func TestTileRequests(t *testing.T) {
	fx := setup(t)
	ctx := context.Background()
	now := time.Now()
	var ids []int64
	t.Cleanup(func() {
		if _, err := fx.db.Pool.Exec(context.Background(), "DELETE FROM request WHERE id = ANY($1)", ids); err != nil {
			t.Error(err)
		}
	})
	// Overdue about the liaison's organization 0 (G01); in time about
	// organization 4 (G02).
	for _, r := range []struct {
		org            grid.Org
		status         string
		reported, dueH time.Duration
	}{
		{fx.orgs[0], "assigned", -10 * 24 * time.Hour, -time.Hour},
		{fx.orgs[4], "reported", -time.Hour, 7 * 24 * time.Hour},
	} {
		var id int64
		reported := now.Add(r.reported)
		if err := fx.db.Pool.QueryRow(ctx, `INSERT INTO request (zone_id, org_id, title, category, status,
  reported_at, response_due_at, due_at) VALUES ($1, $2, '瓦片诉求', 'complex', $3, $4, $5, $6) RETURNING id`,
			fx.zone.ID, r.org.ID, r.status, reported, reported.Add(24*time.Hour), now.Add(r.dueH)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}

	path := tilePath("requests", fx.orgs[0].Location, grid.ClusterBelowZoom)
	for _, p := range []persona{admin, officerA, liaison} {
		status, _, l := getTile(t, fx, p, path)
		if status != http.StatusOK || l.Name != "requests" {
			t.Fatalf("%s: status %d", p, status)
		}
		var found bool
		for _, f := range l.Features {
			if f.ID != float64(ids[0]) {
				continue
			}
			found = true
			want := map[string]any{"count": 1.0, "open": 1.0, "id": float64(ids[0]), "status": "assigned",
				"sla": "red", "category": "complex", "org_id": float64(fx.orgs[0].ID)}
			for k, v := range want {
				if f.Properties[k] != v {
					t.Errorf("%s: %s = %v, want %v", p, k, f.Properties[k], v)
				}
			}
		}
		if !found {
			t.Errorf("%s: request %d missing", p, ids[0])
		}
	}
	if status, _, _ := getTile(t, fx, officerB, path); status != http.StatusNoContent {
		t.Errorf("officer_b: status %d, want 204", status)
	}

	// Aggregated: officer B sees only G02's request, green; the liaison
	// only theirs; the admin both.
	lowTile := geo.TileAt(fixtureCentre, 5)
	low := tilePath("requests", fixtureCentre, 5)
	for p, fixtureOnly := range map[persona]int{officerB: 1, admin: 2, liaison: 1} {
		_, _, l := getTile(t, fx, p, low)
		got, want := interiorCount(t, l), visibleRequests(t, fx, p, lowTile)
		if got != want || got < fixtureOnly {
			t.Errorf("%s: %d requests, want %d (this test's alone: %d)", p, got, want, fixtureOnly)
		}
		if p == officerB && want == 1 {
			for _, f := range l.Features {
				if f.Properties["sla"] != "green" {
					t.Errorf("officer_b: sla %v, want green", f.Properties["sla"])
				}
			}
		}
	}
}

func TestTileBadRequests(t *testing.T) {
	fx := setup(t)
	tests := []struct {
		path   string
		status int
		field  string
	}{
		{"/api/v1/tiles/parcels/0/0/0.mvt", http.StatusBadRequest, "layer"},
		{"/api/v1/tiles/grids/21/0/0.mvt", http.StatusBadRequest, "z"},
		{"/api/v1/tiles/grids/-1/0/0.mvt", http.StatusBadRequest, "z"},
		{"/api/v1/tiles/grids/a/0/0.mvt", http.StatusBadRequest, "z"},
		{"/api/v1/tiles/grids/1/2/0.mvt", http.StatusBadRequest, "x"},
		{"/api/v1/tiles/grids/3/1.5/0.mvt", http.StatusBadRequest, "x"},
		{"/api/v1/tiles/grids/1/1/2.mvt", http.StatusBadRequest, "y"},
		{"/api/v1/tiles/grids/0/0/0.mvt?buffer=9", http.StatusBadRequest, "buffer"},
		{"/api/v1/tiles/parcels.json", http.StatusBadRequest, "layer"},
		{"/api/v1/tiles/grids/0/0/0.pbf", http.StatusNotFound, ""},
		{"/api/v1/tiles/grids/0/0/0", http.StatusNotFound, ""},
		{"/api/v1/tiles/grids/0/0.mvt", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, header, body := fx.do(t, admin, "GET", tt.path, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			var prob struct{ Field, Code string }
			if err := json.Unmarshal(body, &prob); err != nil || header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("not a problem: %s", body)
			}
			if prob.Field != tt.field {
				t.Errorf("field %q, want %q: %s", prob.Field, tt.field, body)
			}
		})
	}
	if status, _, _ := fx.do(t, anonymous, "GET", tilePath("grids", fixtureCentre, 10), ""); status != http.StatusUnauthorized {
		t.Errorf("anonymous: status %d, want 401", status)
	}
}

// Tiles revalidate with their ETag and come compressed when asked.
func TestTileCaching(t *testing.T) {
	fx := setup(t)
	path := tilePath("organizations", fixtureCentre, 10)
	status, header, l := getTile(t, fx, officerA, path, "Accept-Encoding", "gzip")
	if status != http.StatusOK || header.Get("Content-Encoding") != "gzip" || l == nil {
		t.Fatalf("status %d, encoding %q", status, header.Get("Content-Encoding"))
	}
	etag := header.Get("ETag")
	if etag == "" || header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, header.Get("Cache-Control"))
	}
	if status, _, _ := fx.do(t, officerA, "GET", path, "", "Accept-Encoding", "gzip", "If-None-Match", etag); status != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", status)
	}
	// Another scope is another tile.
	if status, _, _ := fx.do(t, officerB, "GET", path, "", "Accept-Encoding", "gzip", "If-None-Match", etag); status != http.StatusOK {
		t.Errorf("officer_b with officer_a's ETag: status %d, want 200", status)
	}
}

func TestTileJSON(t *testing.T) {
	fx := setup(t)
	for _, info := range grid.TileLayerInfos {
		layer := string(info.Layer)
		status, header, body := fx.do(t, liaison, "GET", "/api/v1/tiles/"+layer+".json", "")
		if status != http.StatusOK || header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: status %d, type %q: %s", layer, status, header.Get("Content-Type"), body)
		}
		var doc struct {
			TileJSON     string     `json:"tilejson"`
			Tiles        []string   `json:"tiles"`
			MinZoom      *int       `json:"minzoom"`
			MaxZoom      int        `json:"maxzoom"`
			Bounds       [4]float64 `json:"bounds"`
			Center       [3]float64 `json:"center"`
			VectorLayers []struct {
				ID     string            `json:"id"`
				Fields map[string]string `json:"fields"`
			} `json:"vector_layers"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		wantURL := "http://example.com/api/v1/tiles/" + layer + "/{z}/{x}/{y}.mvt"
		if doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 || doc.Tiles[0] != wantURL ||
			doc.MinZoom == nil || *doc.MinZoom != 0 || doc.MaxZoom != 20 {
			t.Errorf("%s: %s", layer, body)
		}
		// The fixture zone (113–113.2°E, 33–33.1°N) lies within the bounds.
		b := doc.Bounds
		if b[0] > 113 || b[1] > 33 || b[2] < 113.2 || b[3] < 33.1 || b[0] >= b[2] || b[1] >= b[3] {
			t.Errorf("%s: bounds %v", layer, b)
		}
		if len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != layer {
			t.Fatalf("%s: vector_layers %s", layer, body)
		}
		for _, f := range info.Fields {
			if doc.VectorLayers[0].Fields[f.Name] != f.Type {
				t.Errorf("%s: field %s is %q, want %q", layer, f.Name, doc.VectorLayers[0].Fields[f.Name], f.Type)
			}
		}
	}
}
