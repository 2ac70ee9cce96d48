package postgis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/grid/rebalance"
)

// driftZone is the demo zone the drift test writes to, with the ids its
// random writes pick from.
type driftZone struct {
	db       *postgis.DB
	clock    *testClock
	rng      *rand.Rand
	zoneID   int64
	box      geo.BBox // the zone's extent
	grids    []int64
	liaisons []int64
	admin    grid.User
	n        int       // organizations registered so far, for credit codes
	latest   time.Time // the latest the clock was set to
}

// forward moves the clock past the latest it was, for a write of
// history (an assignment) that must not start before an earlier one.
func (z *driftZone) forward() {
	z.latest = z.latest.Add(time.Minute)
	z.clock.Set(z.latest)
}

// ids are the ids of a table's rows in the zone (request, organization).
func (z *driftZone) ids(t *testing.T, sql string) []int64 {
	t.Helper()
	rows, err := z.db.Pool.Query(context.Background(), sql, z.zoneID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func (z *driftZone) pick(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[z.rng.IntN(len(ids))]
}

func (z *driftZone) org(t *testing.T) int64 {
	return z.pick(z.ids(t, `SELECT id FROM organization WHERE zone_id = $1`))
}

func (z *driftZone) activeOrg(t *testing.T) int64 {
	return z.pick(z.ids(t, `SELECT id FROM organization WHERE zone_id = $1 AND active`))
}

// point is a random point inside the zone.
func (z *driftZone) point() orb.Point {
	b := z.box
	for {
		p := orb.Point{b.MinLon + z.rng.Float64()*(b.MaxLon-b.MinLon), b.MinLat + z.rng.Float64()*(b.MaxLat-b.MinLat)}
		var inside bool
		if err := z.db.Pool.QueryRow(context.Background(), `SELECT ST_Covers(ST_Buffer(boundary, -0.0005), ST_SetSRID(ST_MakePoint($2, $3), 4326))
FROM zone WHERE id = $1`, z.zoneID, p[0], p[1]).Scan(&inside); err != nil || inside {
			return p
		}
	}
}

func (z *driftZone) version(t *testing.T, table string, id int64) int {
	t.Helper()
	var v int
	if err := z.db.Pool.QueryRow(context.Background(), `SELECT version FROM `+table+` WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func (z *driftZone) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := z.db.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

var driftIndustries = []string{"新材料", "装备制造", "物流", "电子信息", "生物医药"}

// newOrg is a random organization of the zone, unlocated one time in six.
func (z *driftZone) newOrg() grid.Org {
	z.n++
	o := grid.Org{ZoneID: z.zoneID, Name: fmt.Sprintf("漂移测试%d号\"公司\"\\", z.n), USCC: testUSCC(770000 + z.n),
		Kind:     []grid.OrgKind{grid.KindEnterprise, grid.KindNewEconomic, grid.KindSocial}[z.rng.IntN(3)],
		Industry: driftIndustries[z.rng.IntN(len(driftIndustries))], Employees: 10 + z.rng.IntN(50),
		PartyMembers: z.rng.IntN(6), HighTech: z.rng.IntN(2) == 0, Address: "测试路\t" + fmt.Sprint(z.n) + "号"}
	o.PartyOrg = grid.PartyNone
	if o.PartyMembers >= 3 && z.rng.IntN(2) == 0 {
		o.PartyOrg = grid.PartyStandalone
	}
	if z.rng.IntN(6) == 0 {
		o.Unlocated = true
	} else {
		o.Location = z.point()
	}
	return o
}

// write makes one random write through a store method or, for what no
// store method does (a contact edited or deleted, a request moved or
// deleted, an organization deleted), in SQL.
func (z *driftZone) write(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	all, who := grid.Scope{All: true}, grid.Actor{UserID: z.admin.ID, ClientAddr: "drift"}
	now := z.clock.Now()
	switch op := z.rng.IntN(16); op {
	case 0:
		if _, err := z.db.AddOrg(ctx, all, who, z.newOrg()); err != nil {
			t.Fatalf("add: %v", err)
		}
		return "add"
	case 1, 2:
		id := z.activeOrg(t)
		p := grid.OrgPatch{Version: z.version(t, "organization", id)}
		switch z.rng.IntN(4) {
		case 0:
			at := z.point()
			p.Geometry = []byte(fmt.Sprintf(`{"type":"Point","coordinates":[%v,%v]}`, at[0], at[1]))
		case 1:
			k := []grid.OrgKind{grid.KindEnterprise, grid.KindNewEconomic, grid.KindSocial}[z.rng.IntN(3)]
			p.Kind = &k
		case 2:
			p.GridID = []byte(fmt.Sprint(z.pick(z.grids)))
			if z.rng.IntN(3) == 0 {
				p.GridID = []byte("null")
			}
		default:
			name, ind := fmt.Sprintf("改名%d号企业", z.rng.IntN(1000)), driftIndustries[z.rng.IntN(len(driftIndustries))]
			p.Name, p.Industry = &name, &ind
		}
		if _, err := z.db.UpdateOrg(ctx, all, who, id, p); err != nil {
			t.Fatalf("update %d: %v", id, err)
		}
		return "update"
	case 3:
		id := z.activeOrg(t)
		r := grid.Retirement{Kind: grid.StatusMovedOut, Date: "2026-03-01", Note: "迁走", Version: z.version(t, "organization", id)}
		if _, err := z.db.RetireOrg(ctx, all, who, id, r); err != nil {
			t.Fatalf("retire %d: %v", id, err)
		}
		return "retire"
	case 4, 5:
		ch := grid.LiaisonChange{}
		if z.rng.IntN(4) > 0 {
			l := z.pick(z.liaisons)
			ch.LiaisonID, ch.Pinned = &l, z.rng.IntN(2) == 0
		}
		id := z.activeOrg(t)
		z.forward()
		if _, err := z.db.SetOrgLiaison(ctx, all, who, id, ch); err != nil && grid.ErrorCode(err) != grid.EConflict &&
			grid.ErrorCode(err) != grid.EInvalid {
			t.Fatalf("liaison of %d: %v", id, err)
		}
		return "liaison"
	case 6, 7, 8:
		// Up to three days ahead of the clock: a contact after now.
		at := now.Add(-time.Duration(z.rng.IntN(40*24)) * time.Hour).Add(time.Duration(z.rng.IntN(3*24)) * time.Hour)
		c := grid.Contact{OrgID: z.activeOrg(t), Kind: []grid.ContactKind{grid.ContactCall, grid.ContactVisit}[z.rng.IntN(2)], At: at}
		if _, err := z.db.CreateContact(ctx, all, who, c); err != nil {
			t.Fatalf("contact: %v", err)
		}
		return "contact"
	case 9:
		// A request is drawn at its organization's point: a located one.
		org := z.pick(z.ids(t, `SELECT id FROM organization WHERE zone_id = $1 AND active AND geom IS NOT NULL`))
		n := grid.NewRequest{OrgID: org, Category: grid.CategoryOrdinary, Title: "漂移测试诉求"}
		if _, _, err := z.db.CreateRequest(ctx, z.admin, "", n); err != nil {
			t.Fatalf("request: %v", err)
		}
		return "request"
	case 10, 11:
		id := z.pick(z.ids(t, `SELECT id FROM request WHERE zone_id = $1 AND status NOT IN ('verified', 'rejected')`))
		if id == 0 {
			return "none"
		}
		l, sat := z.pick(z.liaisons), 4
		tr := grid.Transition{Action: grid.TransitionActions[z.rng.IntN(len(grid.TransitionActions))],
			Version: z.version(t, "request", id), Note: "测试", LiaisonID: &l, Satisfaction: &sat}
		if tr.Action != grid.ActionAssign {
			tr.LiaisonID = nil
		}
		if tr.Action != grid.ActionVerify {
			tr.Satisfaction = nil
		}
		// Refused transitions write nothing: a conflict, an invalid one, a
		// verification by the admin who resolved the request.
		if _, err := z.db.TransitionRequest(ctx, z.admin, id, tr); err != nil && grid.ErrorCode(err) != grid.EConflict &&
			grid.ErrorCode(err) != grid.EInvalid && grid.ErrorCode(err) != grid.EForbidden {
			t.Fatalf("transition %d %s: %v", id, tr.Action, err)
		}
		return "transition"
	case 12:
		switch z.rng.IntN(3) {
		case 0:
			z.exec(t, `DELETE FROM contact WHERE id = (SELECT max(c.id) FROM contact c JOIN organization o ON o.id = c.org_id
WHERE o.zone_id = $1)`, z.zoneID)
		case 1:
			z.exec(t, `UPDATE contact SET at = at - interval '20 days', kind = 'visit' WHERE id IN (SELECT c.id FROM contact c
JOIN organization o ON o.id = c.org_id WHERE o.zone_id = $1 ORDER BY c.at DESC LIMIT 3)`, z.zoneID)
		default:
			z.exec(t, `UPDATE contact SET org_id = $2 WHERE id = (SELECT max(c.id) FROM contact c JOIN organization o
ON o.id = c.org_id WHERE o.zone_id = $1)`, z.zoneID, z.activeOrg(t))
		}
		return "contact edit"
	case 13:
		if z.rng.IntN(2) == 0 {
			// To a located organization, as a request is filed: the requests
			// layer draws it at its organization's point, and cannot list one
			// whose organization has none.
			org := z.pick(z.ids(t, `SELECT id FROM organization WHERE zone_id = $1 AND active AND geom IS NOT NULL`))
			z.exec(t, `UPDATE request SET org_id = $2 WHERE id = (SELECT max(id) FROM request WHERE zone_id = $1)`,
				z.zoneID, org)
		} else {
			z.exec(t, `DELETE FROM request WHERE id = (SELECT min(id) FROM request WHERE zone_id = $1 AND status = 'reported')`,
				z.zoneID)
		}
		return "request edit"
	case 14:
		z.exec(t, `DELETE FROM organization WHERE id = $1`, z.org(t))
		return "delete"
	default:
		// The clock moves: back a few days (contacts appear after now),
		// or on.
		z.clock.Set(z.latest.Add(time.Duration(z.rng.IntN(10*24)-6*24) * time.Hour))
		if z.clock.Now().After(z.latest) {
			z.latest = z.clock.Now()
		}
		return "clock"
	}
}

// bulk makes the writes that change many rows in one statement: a
// register import (COPY), the grid rule after a grid's industry changes,
// a rebalance plan applied.
func (z *driftZone) bulk(t *testing.T, kind int) string {
	t.Helper()
	ctx := context.Background()
	z.forward()
	switch kind {
	case 0:
		var rows []grid.ImportRow
		for i := range 12 {
			o := z.newOrg()
			if i < 3 { // a known credit code: the row updates that organization
				if err := z.db.Pool.QueryRow(ctx, `SELECT uscc FROM organization WHERE id = $1`, z.activeOrg(t)).Scan(&o.USCC); err != nil {
					t.Fatal(err)
				}
			}
			rows = append(rows, grid.ImportRow{Row: i + 2, Org: o, Located: !o.Unlocated,
				Given: grid.AttrKind | grid.AttrAddress | grid.AttrEmployees | grid.AttrPartyMembers | grid.AttrPartyOrg})
		}
		seq := iter.Seq[grid.ImportRow](func(yield func(grid.ImportRow) bool) {
			for _, r := range rows {
				if !yield(r) {
					return
				}
			}
		})
		if _, err := z.db.ImportOrgs(ctx, grid.Actor{ClientAddr: "cli"}, grid.ImportWrite{ZoneID: z.zoneID}, seq, nil); err != nil {
			t.Fatalf("import: %v", err)
		}
		return "import"
	case 1:
		z.exec(t, `UPDATE grid SET industry = $2 WHERE id = $1`, z.pick(z.grids), driftIndustries[z.rng.IntN(len(driftIndustries))])
		if _, err := z.db.AssignGrids(ctx, z.zoneID); err != nil {
			t.Fatalf("assign grids: %v", err)
		}
		return "regrid"
	default:
		saved, _, err := rebalance.DraftPlan(ctx, z.db, grid.Actor{ClientAddr: "cli"}, z.zoneID, rebalance.DefaultOptions())
		if err != nil {
			t.Fatalf("draft plan: %v", err)
		}
		if _, err := z.db.ApplyRebalancePlan(ctx, grid.Actor{ClientAddr: "cli"}, saved.ID); err != nil {
			t.Fatalf("apply plan: %v", err)
		}
		return "rebalance"
	}
}

// driftFilters are the listings the map and the API make, each read
// both ways.
func (z *driftZone) filters(t *testing.T) map[string]grid.OrgFilter {
	all := grid.Scope{All: true}
	no := false
	call, visit := grid.ContactCall, grid.ContactVisit
	b := z.box
	mid := geo.BBox{MinLon: b.MinLon + (b.MaxLon-b.MinLon)/4, MinLat: b.MinLat + (b.MaxLat-b.MinLat)/4,
		MaxLon: b.MaxLon - (b.MaxLon-b.MinLon)/4, MaxLat: b.MaxLat - (b.MaxLat-b.MinLat)/4}
	g, l := z.grids[0], z.liaisons[0]
	kind, ind, party := grid.KindEnterprise, driftIndustries[0], grid.PartyStandalone
	fs := map[string]grid.OrgFilter{
		"every organization":  {Scope: all, Status: "all", WithUnlocated: true},
		"the map":             {Scope: all, ZoneID: &z.zoneID},
		"bbox":                {Scope: all, BBox: &mid},
		"bbox page 2":         {Scope: all, BBox: &mid, AfterID: z.org(t), Limit: 7},
		"retired":             {Scope: all, Status: "retired"},
		"unlocated":           {Scope: all, Located: &no},
		"officer":             {Scope: grid.Scope{ZoneID: z.zoneID, GridIDs: z.grids[:2]}},
		"officer's unlocated": {Scope: grid.Scope{ZoneID: z.zoneID, GridIDs: z.grids[:2]}, Located: &no},
		"liaison":             {Scope: grid.Scope{ZoneID: z.zoneID, LiaisonID: l}, Status: "all"},
		"grid kind industry":  {Scope: all, GridID: &g, Kind: &kind, Industry: &ind, PartyOrg: &party},
		"liaison filter":      {Scope: all, LiaisonID: &l},
		"overdue contact":     {Scope: all, Overdue: &call},
		"overdue visit":       {Scope: all, Overdue: &visit, BBox: &mid},
	}
	if id := z.ids(t, `SELECT id FROM organization WHERE zone_id = $1 AND geom IS NULL ORDER BY id LIMIT 1`); len(id) > 0 {
		fs["one unlocated by id"] = grid.OrgFilter{Scope: all, ID: &id[0]}
	}
	for _, ind := range grid.Indicators {
		fs["gap "+string(ind)] = grid.OrgFilter{Scope: all, Gap: &ind}
	}
	return fs
}

type driftRow struct {
	ID      int64
	BBox    geo.BBox
	Feature any
}

// check compares every filter's listing read from the projection with
// the live query's, row by row, the Features as parsed JSON.
func (z *driftZone) check(t *testing.T, after string) {
	t.Helper()
	ctx := context.Background()
	read := func(each func(context.Context, grid.OrgFilter, grid.FeatureFunc) error, f grid.OrgFilter) []driftRow {
		var out []driftRow
		if err := each(ctx, f, func(ft grid.Feature) error {
			r := driftRow{ID: ft.ID, BBox: ft.BBox}
			if err := json.Unmarshal(ft.JSON, &r.Feature); err != nil {
				return fmt.Errorf("feature %d: %w: %s", ft.ID, err, ft.JSON)
			}
			out = append(out, r)
			return nil
		}); err != nil {
			t.Fatalf("after %s: %v", after, err)
		}
		return out
	}
	for name, f := range z.filters(t) {
		sql, _, unordered, err := z.db.OrgFeatureQuery(f)
		if err != nil || !strings.Contains(sql, "FROM org_feature") {
			t.Fatalf("%s is not read from the projection (%v): %.200s", name, err, sql)
		}
		if unordered != (f.Limit > 0) {
			t.Fatalf("%s: unordered %t with limit %d", name, unordered, f.Limit)
		}
		got, want := read(z.db.EachOrgFeature, f), read(z.db.EachOrgFeatureLive, f)
		if unordered && len(got) > 0 {
			// A page: any order, but the largest id last.
			last := got[len(got)-1].ID
			for _, r := range got {
				if r.ID > last {
					t.Fatalf("after %s, %s: %d comes before the last, %d", after, name, r.ID, last)
				}
			}
			slices.SortFunc(got, func(a, b driftRow) int { return compareIDs(a.ID, b.ID) })
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("after %s, %s: the projection drifted from the live query (-live +projection):\n%s", after, name, diff)
		}
		if name == "every organization" && len(got) < 400 {
			t.Fatalf("after %s: only %d organizations", after, len(got))
		}
	}
}

// compareIDs orders ids for slices.SortFunc.
func compareIDs(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// The projection never drifts: after random writes through the store's
// methods, the bulk paths and plain SQL, every listing read from it is
// the live query's, row for row.
func TestOrgFeatureNoDrift(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	z := newDriftZone(t, db)
	z.check(t, "the seed")
	for batch := range 9 {
		var done []string
		for range 25 {
			done = append(done, z.write(t))
		}
		done = append(done, z.bulk(t, batch%3))
		z.check(t, fmt.Sprintf("batch %d (%v)", batch, done))
	}
	checkFeatureRebuild(t, db, "the writes")
}

// checkFeatureRebuild checks that a rebuild from scratch gives the rows
// org_feature and org_activity hold, as the reads see them (a missing
// org_activity row is one of defaults; a temporary table lives on one
// connection). The rebuild is kept: run it with writers stopped.
func checkFeatureRebuild(t *testing.T, db *postgis.DB, after string) {
	t.Helper()
	ctx := t.Context()
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	const joined = `SELECT f.*, a.liaison_id, coalesce(a.pinned, false) AS pinned, a.contact_max, a.visit_max,
  coalesce(a.open_requests, 0) AS open_requests FROM org_feature f LEFT JOIN org_activity a ON a.id = f.id`
	for _, sql := range []string{`DROP TABLE IF EXISTS kept`, `CREATE TEMP TABLE kept AS ` + joined,
		`SELECT map_rebuild_org_feature()`} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	var differ, kept int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM ((SELECT * FROM kept EXCEPT `+joined+`)
UNION ALL (`+joined+` EXCEPT SELECT * FROM kept)) d), (SELECT count(*) FROM kept)`).Scan(&differ, &kept); err != nil {
		t.Fatal(err)
	}
	if differ != 0 {
		t.Errorf("after %s: %d of %d rows kept by the triggers differ from a rebuild", after, differ, kept)
	}
}

// newDriftZone loads a demo zone into db for the drift tests, with a few
// unlocated organizations and contacts dated after the clock.
func newDriftZone(t *testing.T, db *postgis.DB) *driftZone {
	t.Helper()
	ctx := t.Context()
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	z := &driftZone{db: db, clock: clock, rng: rand.New(rand.NewPCG(14, 1)), zoneID: zoneID, latest: clock.Now()}
	if err := db.Pool.QueryRow(ctx, `SELECT ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary)
FROM zone WHERE id = $1`, zoneID).Scan(&z.box.MinLon, &z.box.MinLat, &z.box.MaxLon, &z.box.MaxLat); err != nil {
		t.Fatal(err)
	}
	z.grids = z.ids(t, `SELECT id FROM grid WHERE zone_id = $1 ORDER BY id`)
	z.liaisons = z.ids(t, `SELECT id FROM liaison WHERE zone_id = $1 AND active ORDER BY id`)
	var err error
	if z.admin, err = db.CreateUser(ctx, grid.User{ZoneID: zoneID, Username: fmt.Sprintf("drift-admin-%d", zoneID),
		Role: grid.RoleAdmin}, "$argon2id$v=19$m=65536,t=1,p=4$bm90dXNlZA$bm90dXNlZA", nil); err != nil {
		t.Fatal(err)
	}
	// Some unlocated organizations from the start, one with a contact
	// ahead of the clock.
	for range 3 {
		o := z.newOrg()
		o.Unlocated, o.Location = true, orb.Point{}
		if _, err := db.AddOrg(ctx, grid.Scope{All: true}, grid.Actor{}, o); err != nil {
			t.Fatal(err)
		}
	}
	z.exec(t, `INSERT INTO contact (org_id, kind, at) SELECT id, 'visit', $2 FROM organization WHERE zone_id = $1 LIMIT 5`,
		zoneID, clock.Now().Add(48*time.Hour))
	return z
}

// A Feature is compact JSON: no padding spaces between keys and values,
// as json.Compact would write it, with the keys the map reads.
func TestOrgFeatureCompact(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	n := 0
	err := db.EachOrgFeature(ctx, grid.OrgFilter{Scope: grid.Scope{All: true}, ZoneID: &zoneID}, func(f grid.Feature) error {
		var c bytes.Buffer
		if err := json.Compact(&c, f.JSON); err != nil {
			return err
		}
		if !bytes.Equal(c.Bytes(), f.JSON) {
			return fmt.Errorf("feature %d is not compact: %.120s", f.ID, f.JSON)
		}
		var ft struct {
			Type       string
			ID         int64
			Properties map[string]any
		}
		if err := json.Unmarshal(f.JSON, &ft); err != nil {
			return err
		}
		for _, k := range []string{"name", "liaison_id", "last_contact_at", "contact_overdue", "visit_overdue", "open_requests", "version"} {
			if _, ok := ft.Properties[k]; !ok || ft.Type != "Feature" || ft.ID != f.ID {
				return fmt.Errorf("feature %d lacks %s: %s", f.ID, k, f.JSON)
			}
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 400 {
		t.Errorf("%d features", n)
	}
}
