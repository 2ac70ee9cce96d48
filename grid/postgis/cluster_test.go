package postgis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// An aggregated tile holds the cells of the tile and its buffer, whole,
// and nothing beyond: an organization a hair outside the buffer passes the
// index test (its float4 box touches the search envelope's) but is in a
// cell no tile of that zoom shows whole, so it must not make a feature
// there with a partial count.
func TestTileCellsEndAtTheBuffer(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	tile := geo.TileAt(orb.Point{45.31, -12.41}, 12)
	m := tile.MercatorBound()
	buffer := 64 * tile.PixelSize(geo.TileExtent)
	west, east := m.Min[0]-buffer, m.Max[0]+buffer
	south, north := m.Min[1]-buffer, m.Max[1]+buffer
	cx, cy := (m.Min[0]+m.Max[0])/2, (m.Min[1]+m.Max[1])/2
	const hair = 1e-4 // metres
	outside := []orb.Point{{west - hair, cy}, {east + hair, cy}, {cx, north + hair}, {cx, south - hair}}
	inside := []orb.Point{{west + 1, cy}, {east - 1, cy}, {cx, north - 1}, {cx, south + 1}, {cx, cy}}
	b := tile.BBox(0.1)
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "tile-edge", Name: "瓦片边缘测试区",
		Boundary: orb.MultiPolygon{{{{b.MinLon, b.MinLat}, {b.MaxLon, b.MinLat}, {b.MaxLon, b.MaxLat}, {b.MinLon, b.MaxLat}, {b.MinLon, b.MinLat}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range append(outside, inside...) {
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: fmt.Sprintf("边缘测试%02d有限公司", i), USCC: testUSCC(810000 + i),
			Kind: grid.KindEnterprise, Industry: "物流", PartyOrg: grid.PartyNone, Location: geo.MercatorToLonLat(p)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO request (zone_id, org_id, title, category, status, reported_at, response_due_at, due_at)
VALUES ($1, $2, '边缘诉求', 'ordinary', 'reported', now(), now() + interval '1 day', now() + interval '7 days')`, zone.ID, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	first, last := int64(tile.X)*grid.ClusterCells-2, int64(tile.X+1)*grid.ClusterCells+1
	firstY, lastY := int64(tile.Y)*grid.ClusterCells-2, int64(tile.Y+1)*grid.ClusterCells+1
	scope := grid.Scope{All: true, ZoneID: zone.ID}
	for _, layer := range []grid.TileLayer{grid.LayerOrganizations, grid.LayerRequests} {
		got, _ := cells(t, tile, decodeTile(t, db, layer, tile, scope))
		total := 0
		for k, n := range got {
			if k.x < first || k.x > last || k.y < firstY || k.y > lastY {
				t.Errorf("%s: a feature of %d in cell %v, beyond the buffer (cells %d–%d, %d–%d)", layer, n, k, first, last, firstY, lastY)
			}
			total += n
		}
		if total != len(inside) {
			t.Errorf("%s: %d in the tile and its buffer, want %d", layer, total, len(inside))
		}
	}
}

// A tile at the world's east edge (x = 2^z - 1) finds what lies in it:
// its buffer grown past 180° and transformed to degrees wrapped to the
// far side of the world, and the z1 and z2 tiles over eastern Asia came
// out empty.
func TestTileAtTheWorldsEdge(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	const lon, lat = 150.2, 38.3
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "world-edge", Name: "东缘测试区", Boundary: square(lon-0.5, lat-0.5, lon+0.5, lat+0.5)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "E1", Name: "东缘网格", Industry: "物流",
		Geom: square(lon-0.5, lat-0.5, lon+0.5, lat+0.5)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: fmt.Sprintf("东缘测试%d有限公司", i), USCC: testUSCC(830000 + i),
			Kind: grid.KindEnterprise, Industry: "物流", PartyOrg: grid.PartyNone, Location: orb.Point{lon + float64(i)*0.001, lat}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, scope := range []grid.Scope{{All: true, ZoneID: zone.ID}, {LiaisonID: 1 << 40, ZoneID: zone.ID}} {
		for z := 1; z <= 3; z++ {
			tile := geo.TileAt(orb.Point{lon, lat}, z)
			if tile.X != 1<<z-1 {
				t.Fatalf("tile %v is not at the east edge", tile)
			}
			want := 3
			if scope.LiaisonID > 0 {
				want = 0
			}
			got, _ := cells(t, tile, decodeTile(t, db, grid.LayerOrganizations, tile, scope))
			n := 0
			for _, c := range got {
				n += c
			}
			if n != want {
				t.Errorf("tile %v for %+v: %d organizations, want %d", tile, scope, n, want)
			}
			if l := decodeTile(t, db, grid.LayerGrids, tile, scope); l == nil || len(l.Features) != 1 {
				t.Errorf("tile %v: grids %v, want E1", tile, l)
			}
		}
	}
}

// clusterZones is the drift test's world: two zones side by side, the
// west one with two grids, the east one with one.
type clusterZones struct {
	db     *postgis.DB
	zones  [2]grid.Zone
	grids  [3]grid.Grid // A1, A2 in the west zone; B1 in the east one
	orgs   map[int64]grid.Org
	rng    *rand.Rand
	serial int
}

// The drift test's area: 0.04° by 0.02°, far from every other test's data.
const (
	driftLon, driftLat = 61.2, 47.3
	driftW, driftH     = 0.04, 0.02
)

func square(w, s, e, n float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}}
}

func setupClusterZones(t *testing.T, db *postgis.DB) *clusterZones {
	t.Helper()
	ctx := context.Background()
	c := &clusterZones{db: db, orgs: map[int64]grid.Org{}, rng: rand.New(rand.NewPCG(14, 16))}
	mid := driftLon + driftW/2
	for i, b := range []orb.MultiPolygon{
		square(driftLon, driftLat, mid, driftLat+driftH), square(mid, driftLat, driftLon+driftW, driftLat+driftH),
	} {
		z, err := db.CreateZone(ctx, grid.Zone{Code: fmt.Sprintf("pyramid-%d", i), Name: fmt.Sprintf("金字塔测试区%d", i), Boundary: b})
		if err != nil {
			t.Fatal(err)
		}
		c.zones[i] = z
	}
	quarter := driftLon + driftW/4
	for i, g := range []grid.Grid{
		{ZoneID: c.zones[0].ID, Code: "A1", Name: "西一网格", Industry: "物流", Geom: square(driftLon, driftLat, quarter, driftLat+driftH)},
		{ZoneID: c.zones[0].ID, Code: "A2", Name: "西二网格", Industry: "新材料", Geom: square(quarter, driftLat, mid, driftLat+driftH)},
		{ZoneID: c.zones[1].ID, Code: "B1", Name: "东一网格", Industry: "物流", Geom: square(mid, driftLat, driftLon+driftW, driftLat+driftH)},
	} {
		g, err := db.CreateGrid(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		c.grids[i] = g
	}
	return c
}

// point is a random point of zone i; one in four lands on a shared
// corner of a few buildings, so that cells hold several organizations
// down to zoom 15.
func (c *clusterZones) point(i int) orb.Point {
	w := driftW / 2
	if c.rng.IntN(4) == 0 {
		k := c.rng.IntN(5)
		return orb.Point{driftLon + float64(i)*w + w*float64(k+1)/7, driftLat + driftH*float64(k+1)/7}
	}
	return orb.Point{driftLon + float64(i)*w + c.rng.Float64()*w, driftLat + c.rng.Float64()*driftH}
}

// newOrg is a random organization of zone i, one in ten unlocated.
func (c *clusterZones) newOrg(i int) grid.Org {
	c.serial++
	o := grid.Org{ZoneID: c.zones[i].ID, Name: fmt.Sprintf("金字塔测试%04d有限公司", c.serial), USCC: testUSCC(820000 + c.serial),
		Kind: grid.OrgKinds[c.rng.IntN(len(grid.OrgKinds))], Industry: []string{"物流", "新材料", "其他"}[c.rng.IntN(3)],
		PartyOrg: grid.PartyNone}
	if c.rng.IntN(10) == 0 {
		o.Unlocated = true
	} else {
		o.Location = c.point(i)
	}
	return o
}

func (c *clusterZones) create(t *testing.T, i int) {
	t.Helper()
	o, err := c.db.CreateOrg(context.Background(), c.newOrg(i))
	if err != nil {
		t.Fatal(err)
	}
	c.orgs[o.ID] = o
}

// pick is a random organization of the test, still in the database.
func (c *clusterZones) pick() (int64, int) {
	ids := slices.Sorted(maps.Keys(c.orgs))
	id := ids[c.rng.IntN(len(ids))]
	if c.orgs[id].ZoneID == c.zones[1].ID {
		return id, 1
	}
	return id, 0
}

// version and status are organization id's current row version and status.
func (c *clusterZones) version(t *testing.T, id int64) (int, string) {
	t.Helper()
	var v int
	var s string
	if err := c.db.Pool.QueryRow(context.Background(), `SELECT version, status FROM organization WHERE id = $1`, id).Scan(&v, &s); err != nil {
		t.Fatal(err)
	}
	return v, s
}

// write makes one random write through the store (or, for what no store
// method does, in SQL).
func (c *clusterZones) write(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	id, zone := c.pick()
	admin := grid.Scope{All: true, ZoneID: c.zones[zone].ID}
	version, status := c.version(t, id)
	patch := grid.OrgPatch{Version: version}
	var what string
	switch c.rng.IntN(9) {
	case 0:
		c.create(t, c.rng.IntN(2))
		return "create"
	case 1, 2:
		p := c.point(zone)
		patch.Geometry = json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%v,%v]}`, p[0], p[1]))
		what = "move"
	case 3:
		k := grid.OrgKinds[c.rng.IntN(len(grid.OrgKinds))]
		patch.Kind = &k
		what = "kind"
	case 4:
		g := c.grids[c.rng.IntN(2)].ID
		if zone == 1 {
			g = c.grids[2].ID
		}
		patch.GridID = json.RawMessage(fmt.Sprint(g))
		what = "grid by hand"
	case 5:
		// No store method brings a retired one back; the data may still.
		var retired int64
		err := c.db.Pool.QueryRow(ctx, `SELECT id FROM organization WHERE zone_id = ANY($1) AND status <> 'active' ORDER BY id LIMIT 1`,
			[]int64{c.zones[0].ID, c.zones[1].ID}).Scan(&retired)
		if err == nil && c.rng.IntN(2) == 0 {
			if _, err := c.db.Pool.Exec(ctx, `UPDATE organization SET status = 'active', retired_at = NULL, active = true WHERE id = $1`, retired); err != nil {
				t.Fatal(err)
			}
			return "reactivate"
		}
		if status != "active" {
			return "skip"
		}
		if _, err := c.db.RetireOrg(ctx, admin, grid.Actor{}, id, grid.Retirement{Kind: grid.StatusMovedOut, Date: "2026-11-01", Version: version}); err != nil {
			t.Fatalf("retire %d: %v", id, err)
		}
		return "retire"
	case 6:
		if _, err := c.db.Pool.Exec(ctx, `DELETE FROM organization WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		delete(c.orgs, id)
		return "delete"
	case 7:
		// Many rows in one statement.
		if _, err := c.db.Pool.Exec(ctx, `UPDATE organization SET geom = ST_Translate(geom, 0.0003, -0.0002), kind = 'social'
WHERE zone_id = $1 AND id % 7 = $2 AND geom IS NOT NULL`, c.zones[zone].ID, c.rng.IntN(7)); err != nil {
			t.Fatal(err)
		}
		return "bulk move"
	default:
		if _, err := c.db.AssignGrids(ctx, c.zones[zone].ID); err != nil {
			t.Fatal(err)
		}
		return "assign grids"
	}
	if status != "active" {
		return "skip"
	}
	if _, err := c.db.UpdateOrg(ctx, admin, grid.Actor{}, id, patch); err != nil {
		t.Fatalf("%s %d: %v", what, id, err)
	}
	return what
}

// importOrgs imports n new organizations into zone i and moves a few of
// its existing ones, through the register import (COPY and set-based
// statements).
func (c *clusterZones) importOrgs(t *testing.T, i, n int) {
	t.Helper()
	var rows []grid.ImportRow
	for r := 0; r < n; r++ {
		o := c.newOrg(i)
		rows = append(rows, grid.ImportRow{Row: r + 2, Org: o, Located: !o.Unlocated, Given: grid.AttrKind})
	}
	// Ten of the zone's active located organizations move and change kind.
	moved, err := c.db.Pool.Query(context.Background(), `SELECT id, name, uscc, industry FROM organization
WHERE zone_id = $1 AND status = 'active' AND geom IS NOT NULL ORDER BY id LIMIT 10`, c.zones[i].ID)
	if err != nil {
		t.Fatal(err)
	}
	for moved.Next() {
		o := grid.Org{ZoneID: c.zones[i].ID, Kind: grid.KindSocial, PartyOrg: grid.PartyNone, Location: c.point(i)}
		if err := moved.Scan(&o.ID, &o.Name, &o.USCC, &o.Industry); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, grid.ImportRow{Row: len(rows) + 2, Org: o, Located: true, Given: grid.AttrKind})
	}
	if err := moved.Err(); err != nil {
		t.Fatal(err)
	}
	var seq iter.Seq[grid.ImportRow] = func(yield func(grid.ImportRow) bool) {
		for _, r := range rows {
			if !yield(r) {
				return
			}
		}
	}
	out, err := c.db.ImportOrgs(context.Background(), grid.Actor{}, grid.ImportWrite{ZoneID: c.zones[i].ID}, seq, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Written || out.Inserted != int64(n) {
		t.Fatalf("import %+v, want %d inserted", out, n)
	}
	c.reload(t)
}

// reload reads the test's organizations back (an import inserts some).
func (c *clusterZones) reload(t *testing.T) {
	t.Helper()
	rows, err := c.db.Pool.Query(context.Background(), `SELECT id, zone_id, name, uscc, industry, geom IS NULL
FROM organization WHERE zone_id = ANY($1)`, []int64{c.zones[0].ID, c.zones[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	c.orgs = map[int64]grid.Org{}
	for rows.Next() {
		o := grid.Org{Kind: grid.KindEnterprise, PartyOrg: grid.PartyNone}
		if err := rows.Scan(&o.ID, &o.ZoneID, &o.Name, &o.USCC, &o.Industry, &o.Unlocated); err != nil {
			t.Fatal(err)
		}
		c.orgs[o.ID] = o
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// regrid moves the line between the west zone's grids (a grid boundary
// import), which places the zone's organizations again.
func (c *clusterZones) regrid(t *testing.T, at float64) {
	t.Helper()
	mid := driftLon + driftW/2
	line := driftLon + at*driftW/2
	file := []grid.GridBoundary{
		{Feature: 1, Code: "A1", Name: "西一网格", Industry: "物流", Geom: square(driftLon, driftLat, line, driftLat+driftH)},
		{Feature: 2, Code: "A2", Name: "西二网格", Industry: "新材料", Geom: square(line, driftLat, mid, driftLat+driftH)},
	}
	rep, err := c.db.ImportGrids(context.Background(), grid.Actor{}, 0, c.zones[0].ID, file, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Written {
		t.Fatalf("grid import not written: %+v", rep.Problems)
	}
}

// scopes are the scopes the pyramid serves, and a liaison's.
func (c *clusterZones) scopes() map[string]grid.Scope {
	a1, a2, b1 := c.grids[0].ID, c.grids[1].ID, c.grids[2].ID
	return map[string]grid.Scope{
		"every zone":  {All: true},
		"west admin":  {All: true, ZoneID: c.zones[0].ID},
		"east admin":  {All: true, ZoneID: c.zones[1].ID},
		"A1 officer":  {GridIDs: []int64{a1}, ZoneID: c.zones[0].ID},
		"A officer":   {GridIDs: []int64{a1, a2}, ZoneID: c.zones[0].ID},
		"B1 officer":  {GridIDs: []int64{b1}, ZoneID: c.zones[1].ID},
		"wrong zone":  {GridIDs: []int64{b1}, ZoneID: c.zones[0].ID},
		"no liaison":  {LiaisonID: 1 << 40, ZoneID: c.zones[0].ID},
		"nobody":      {},
		"grid, zones": {GridIDs: []int64{a2, b1}},
	}
}

// checkTiles compares the served tile with the live aggregation, byte for
// byte, for random tiles over the area at every clustered zoom and scope.
func (c *clusterZones) checkTiles(t *testing.T, when string) int {
	t.Helper()
	ctx := context.Background()
	features := 0
	for z := 0; z < grid.ClusterBelowZoom; z++ {
		for n := 0; n < 3; n++ {
			p := orb.Point{driftLon + c.rng.Float64()*driftW, driftLat + c.rng.Float64()*driftH}
			tile := geo.TileAt(p, z)
			for name, s := range c.scopes() {
				got, err := c.db.Tile(ctx, grid.LayerOrganizations, tile, s)
				if err != nil {
					t.Fatal(err)
				}
				want, err := c.db.OrgTileLive(ctx, tile, s)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: tile %v for %s: %d bytes from the pyramid, %d from the organizations", when, tile, name, len(got), len(want))
				}
				if len(got) > 0 {
					features++
				}
			}
		}
	}
	return features
}

// checkGridCounts compares the grids layer's org_count with the active
// organizations of each grid of the drift area, counted live.
func (c *clusterZones) checkGridCounts(t *testing.T, when string) {
	t.Helper()
	tile := geo.TileAt(orb.Point{driftLon + driftW/2, driftLat + driftH/2}, 8)
	for _, s := range []grid.Scope{{All: true}, {All: true, ZoneID: c.zones[0].ID}} {
		l := decodeTile(t, c.db, grid.LayerGrids, tile, s)
		seen := 0
		for _, f := range l.Features {
			var want float64
			if err := c.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM organization WHERE grid_id = $1 AND active`,
				int64(f.ID.(float64))).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got := f.Properties["org_count"]; got != want {
				t.Fatalf("%s: grid %v: org_count %v, want %v", when, f.ID, got, want)
			}
			seen++
		}
		if seen == 0 {
			t.Fatalf("%s: no grid in tile %v", when, tile)
		}
	}
	// The grids' GeoJSON (GET /api/v1/grids) reads the same counts.
	for _, z := range c.zones {
		err := c.db.EachGridFeature(context.Background(), grid.GridFilter{ZoneID: z.ID}, func(f grid.Feature) error {
			var got struct {
				Properties struct {
					OrgCount int64 `json:"org_count"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(f.JSON, &got); err != nil {
				return err
			}
			var want int64
			if err := c.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM organization WHERE grid_id = $1 AND active`,
				f.ID).Scan(&want); err != nil {
				return err
			}
			if got.Properties.OrgCount != want {
				return fmt.Errorf("grid %d: GeoJSON org_count %d, want %d", f.ID, got.Properties.OrgCount, want)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
}

// pendingDeltas is the number of deltas not yet folded.
func pendingDeltas(t *testing.T, db *postgis.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM org_cluster_delta`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkRebuild folds the pending deltas into the pyramid and the grid
// counts, in a transaction rolled back, and compares them with the live
// counts and with a rebuild from scratch.
func checkRebuild(t *testing.T, db *postgis.DB, when string) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT map_fold_org_cluster()`); err != nil {
		t.Fatal(err)
	}
	const dump = `SELECT (SELECT coalesce(string_agg(format('%s/%s/%s %s:%s %s %s %s %s', z, cx, cy, zone_id, grid_id,
  enterprise, new_economic, social, id_sum), E'\n' ORDER BY z, cy, cx, zone_id, grid_id), '') FROM org_cluster)
  || E'\n--\n' || (SELECT coalesce(string_agg(grid_id || ' ' || orgs, E'\n' ORDER BY grid_id), '') FROM org_grid_count)`
	var kept, rebuilt string
	if err := tx.QueryRow(ctx, dump).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM org_cluster_delta`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left > 0 {
		t.Fatalf("%s: %d deltas left after a fold", when, left)
	}
	// The grid counts are the grids layer's org_count as it was counted.
	var wrong int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM grid g
WHERE (SELECT count(*) FROM organization o WHERE o.grid_id = g.id AND o.active)
   <> coalesce((SELECT c.orgs FROM org_grid_count c WHERE c.grid_id = g.id), 0)`).Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	if wrong > 0 {
		t.Fatalf("%s: %d grids' organization counts are wrong", when, wrong)
	}
	if _, err := tx.Exec(ctx, `SELECT map_rebuild_org_cluster()`); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, dump).Scan(&rebuilt); err != nil {
		t.Fatal(err)
	}
	if kept != rebuilt {
		t.Fatalf("%s: the pyramid (%d bytes) differs from a rebuild (%d bytes)", when, len(kept), len(rebuilt))
	}
}

// The pyramid never drifts: after random writes through every path that
// changes organizations, each tile read from it (with the deltas not yet
// folded, and again after a fold) is the live aggregation's to the byte,
// so are the grid counts, and the folded pyramid is what a rebuild from
// scratch makes. Some rounds are not folded, so deltas pile up on deltas.
func TestOrgClusterDrift(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	ctx := context.Background()
	if _, err := db.FoldTiles(ctx); err != nil {
		t.Fatal(err)
	}
	c := setupClusterZones(t, db)
	for i := 0; i < 160; i++ {
		c.create(t, i%2)
	}
	if _, err := db.AssignGrids(ctx, c.zones[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := pendingDeltas(t, db); n < 160 {
		t.Fatalf("%d deltas pending after creating 160 organizations", n)
	}
	checkRebuild(t, db, "after creating")
	features := c.checkTiles(t, "after creating, not folded")
	c.checkGridCounts(t, "after creating, not folded")
	done := map[string]int{}
	for round := 0; round < 5; round++ {
		for i := 0; i < 40; i++ {
			done[c.write(t)]++
		}
		switch round {
		case 1:
			c.importOrgs(t, 1, 60)
			done["import"]++
		case 2:
			c.regrid(t, 0.3+c.rng.Float64()*0.4)
			done["regrid"]++
		}
		when := fmt.Sprintf("after round %d", round)
		if pendingDeltas(t, db) == 0 {
			t.Fatalf("%s: no deltas pending", when)
		}
		checkRebuild(t, db, when)
		features += c.checkTiles(t, when+", not folded")
		c.checkGridCounts(t, when+", not folded")
		if round%2 == 1 {
			// A batch folds part of the deltas: reads are right half-way.
			before := pendingDeltas(t, db)
			var n int
			if err := db.Pool.QueryRow(ctx, `SELECT map_fold_org_cluster(7)`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if after := pendingDeltas(t, db); n != 7 || after != before-7 {
				t.Fatalf("%s: a batch of 7 folded %d of %d, %d left", when, n, before, after)
			}
			features += c.checkTiles(t, when+", a batch folded")
			c.checkGridCounts(t, when+", a batch folded")
		}
		if round%2 == 0 {
			n, err := db.FoldTiles(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 || pendingDeltas(t, db) != 0 {
				t.Fatalf("%s: folded %d, %d left", when, n, pendingDeltas(t, db))
			}
			features += c.checkTiles(t, when+", folded")
			c.checkGridCounts(t, when+", folded")
			checkRebuild(t, db, when+", folded")
		}
	}
	t.Logf("writes %v; %d non-empty tiles compared", done, features)
	if features < 100 {
		t.Errorf("only %d non-empty tiles compared", features)
	}
	for _, w := range []string{"create", "move", "kind", "grid by hand", "retire", "reactivate", "delete", "bulk move", "assign grids"} {
		if done[w] == 0 {
			t.Errorf("no %q write", w)
		}
	}
}

// The pyramid's arithmetic rests on a tile unit at zoom z being the zoom-0
// unit halved z times, exactly; and the migration writes the zoom-0 unit
// as 2 × MercatorMax / 4096.
func TestClusterUnitHalves(t *testing.T) {
	u0 := geo.Tile{Z: 0}.PixelSize(geo.TileExtent)
	if u0 != 2*geo.MercatorMax/4096 {
		t.Errorf("zoom-0 unit %v, want %v", u0, 2*geo.MercatorMax/4096)
	}
	for z := 0; z < grid.ClusterBelowZoom; z++ {
		if got := (geo.Tile{Z: z}).PixelSize(geo.TileExtent); got != math.Ldexp(u0, -z) {
			t.Errorf("zoom %d unit %v, want %v", z, got, math.Ldexp(u0, -z))
		}
	}
}

// A batch of deltas can hold an organization's leaving one kind without
// its arriving before it: a cell then holds −1 enterprise and +1 social,
// no organizations in all, and must be kept, or the delta folded later
// (+1 enterprise) leaves an enterprise where there is a social one.
func TestFoldKeepsCellsOfMixedSigns(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// A place no other test uses, with a zone id no zone has.
	const zone, id, ux, uy = -7, 42, 12345678, 23456789
	add := func(kinds []string, signs []int32) {
		n := len(kinds)
		ids, zones, grids, uxs, uys := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		for i := range n {
			ids[i], zones[i], uxs[i], uys[i] = id, zone, ux, uy
		}
		if _, err := tx.Exec(ctx, `SELECT map_org_cluster_add($1, $2, $3, $4, $5, $6, $7)`,
			ids, zones, grids, kinds, uxs, uys, signs); err != nil {
			t.Fatal(err)
		}
	}
	add([]string{"social", "enterprise"}, []int32{1, -1}) // the batch folded first
	add([]string{"enterprise"}, []int32{1})               // the creation, folded later
	var cells int
	var bad []string
	rows, err := tx.Query(ctx, `SELECT z, enterprise, new_economic, social, id_sum FROM org_cluster WHERE zone_id = $1 ORDER BY z`, zone)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var z, e, n, s int
		var sum int64
		if err := rows.Scan(&z, &e, &n, &s, &sum); err != nil {
			t.Fatal(err)
		}
		cells++
		if e != 0 || n != 0 || s != 1 || sum != id {
			bad = append(bad, fmt.Sprintf("z%d %d/%d/%d %d", z, e, n, s, sum))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if cells != grid.ClusterBelowZoom || len(bad) > 0 {
		t.Errorf("%d cells (want %d, one social organization each); wrong: %v", cells, grid.ClusterBelowZoom, bad)
	}
}
