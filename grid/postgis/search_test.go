package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// searchZone is a zone of two grids with organizations, liaisons and a
// request whose names share 琨瑶泰, a string no other test uses.
type searchZone struct {
	gridA, gridB                 grid.Grid
	prefix, near, far, byAddress grid.Org // grid A but far (grid B)
	liaisonA, liaisonB           int64
	request                      int64
}

// makeSearchZone makes the zone once for the package's tests: they search
// it with every scope, admins' included, so it must be the only one.
func makeSearchZone(t *testing.T, db *postgis.DB) searchZone {
	t.Helper()
	searchZoneOnce.Do(func() { theSearchZone = buildSearchZone(t, db) })
	if theSearchZone.request == 0 {
		t.Fatal("search zone set-up failed")
	}
	return theSearchZone
}

var (
	searchZoneOnce sync.Once
	theSearchZone  searchZone
)

func buildSearchZone(t *testing.T, db *postgis.DB) searchZone {
	ctx := context.Background()
	box := func(x0, x1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, 40}, {x1, 40}, {x1, 41}, {x0, 41}, {x0, 40}}}}
	}
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "search-test", Name: "搜索测试区", Boundary: box(40, 42)})
	if err != nil {
		t.Fatal(err)
	}
	var z searchZone
	if z.gridA, err = db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "KYA", Name: "琨瑶甲网格", Industry: "新材料", Geom: box(40, 41)}); err != nil {
		t.Fatal(err)
	}
	if z.gridB, err = db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "KYB", Name: "琨瑶乙网格", Industry: "新能源", Geom: box(41, 42)}); err != nil {
		t.Fatal(err)
	}
	org := func(n int, name, address string, lon float64) grid.Org {
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: name, USCC: testUSCC(950000 + n), Kind: grid.KindEnterprise,
			Industry: "物流", PartyOrg: grid.PartyNone, Address: address, Location: orb.Point{lon, 40.5}})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	z.prefix = org(1, "琨瑶泰科技有限公司", "高新区创业路1号", 40.2)
	z.near = org(2, "河南琨瑶泰材料有限公司", "高新区创业路2号", 40.3)
	z.far = org(3, "平顶山琨瑶泰新型建筑材料股份有限公司", "高新区创业路3号", 41.5)
	z.byAddress = org(4, "平顶山某某有限公司", "高新区琨瑶泰路8号", 40.4)
	if _, err := db.AssignGrids(ctx, zone.ID); err != nil {
		t.Fatal(err)
	}
	liaison := func(name string, g grid.Grid, lon float64) int64 {
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, 40.5), 4326)) RETURNING id`, zone.ID, name, g.ID, lon).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	z.liaisonA = liaison("琨瑶甲", z.gridA, 40.5)
	z.liaisonB = liaison("琨瑶乙", z.gridB, 41.5)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause) VALUES ($1, $2, 'rule')`,
		z.prefix.ID, z.liaisonA); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `INSERT INTO request (zone_id, org_id, title, category, reported_at, response_due_at, due_at)
VALUES ($1, $2, '琨瑶泰厂区道路积水', 'ordinary', now(), now() + interval '1 day', now() + interval '7 days') RETURNING id`,
		zone.ID, z.near.ID).Scan(&z.request); err != nil {
		t.Fatal(err)
	}
	return z
}

// search runs q as scope and returns the results of kind, in order.
func search(t *testing.T, db *postgis.DB, scope grid.Scope, text string, kind grid.SearchKind) []grid.SearchResult {
	t.Helper()
	q, err := grid.ParseSearch(text, grid.MaxSearchLimit)
	if err != nil {
		t.Fatal(err)
	}
	q.Scope = scope
	all, err := db.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []grid.SearchResult
	for _, r := range all {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

func ids(rs []grid.SearchResult) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// The cluster's pg_trgm must see CJK characters as word characters, or
// the trigram indexes of migration 012 hold nothing for Chinese names
// (under a C ctype it drops every non-ASCII character).
func TestSearchTrigramsCoverCJK(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT cardinality(show_trgm('华为技术'))`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("show_trgm('华为技术') is empty: this database's ctype drops CJK characters, and name search by substring cannot use its index")
	}
}

// Three characters from the middle of a Chinese name find it; a name that
// begins with them comes first, then the closest names, then addresses.
func TestSearchRanksPrefixThenSimilarity(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	z := makeSearchZone(t, db)
	got := search(t, db, grid.Scope{All: true}, "琨瑶泰", grid.SearchOrg)
	want := []int64{z.prefix.ID, z.near.ID, z.far.ID, z.byAddress.ID}
	if !slices.Equal(ids(got), want) {
		t.Fatalf("found %v, want %v (prefix, nearest name, farther name, address)", ids(got), want)
	}
	if got[0].Match != grid.MatchPrefix || got[1].Match != grid.MatchContains {
		t.Errorf("matches %v, %v; want prefix, contains", got[0].Match, got[1].Match)
	}
	if got[0].Point == nil || *got[0].Point != z.prefix.Location {
		t.Errorf("point %v, want %v", got[0].Point, z.prefix.Location)
	}
	if want := z.prefix.USCC + " · 高新区创业路1号 · 琨瑶甲网格"; got[0].Sublabel != want {
		t.Errorf("sublabel %q, want %q", got[0].Sublabel, want)
	}
	// Three characters from the middle: 瑶泰材.
	if got := search(t, db, grid.Scope{All: true}, "瑶泰材", grid.SearchOrg); !slices.Equal(ids(got), []int64{z.near.ID}) {
		t.Errorf("瑶泰材 found %v, want [%d]", ids(got), z.near.ID)
	}
	// Two characters match beginnings only (no trigram to look up).
	if got := search(t, db, grid.Scope{All: true}, "琨瑶", grid.SearchOrg); !slices.Equal(ids(got), []int64{z.prefix.ID}) {
		t.Errorf("琨瑶 found %v, want only the name that begins with it [%d]", ids(got), z.prefix.ID)
	}
	// Wildcards are what they are.
	if got := search(t, db, grid.Scope{All: true}, "琨%泰", grid.SearchOrg); len(got) != 0 {
		t.Errorf("琨%%泰 found %v, want nothing", ids(got))
	}
}

// Requests of the same title: the open one comes before the closed one
// (though older closed ones would sort first by id), and each says its
// status.
func TestSearchRequestsOpenFirstWithStatus(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	z := makeSearchZone(t, db)
	ctx := context.Background()
	add := func(status string) int64 {
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO request (zone_id, org_id, title, category, status, reported_at,
  response_due_at, due_at, closed_at, satisfaction)
VALUES ($1, $2, '危化品仓储审批协调', 'ordinary', $3, now() - interval '9 days', now() - interval '8 days', now() - interval '2 days',
  CASE WHEN $3 = 'verified' THEN now() END, CASE WHEN $3 = 'verified' THEN 5 END) RETURNING id`,
			z.gridA.ZoneID, z.near.ID, status).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	closed := add("verified")
	open := add("in_progress")
	got := search(t, db, grid.Scope{All: true}, "仓储审批", grid.SearchRequest)
	if !slices.Equal(ids(got), []int64{open, closed}) {
		t.Fatalf("found %v, want the open #%d before the closed #%d", ids(got), open, closed)
	}
	for i, want := range []string{fmt.Sprintf("#%d · 整改中 · 河南琨瑶泰材料有限公司", open), fmt.Sprintf("#%d · 已办结 · 河南琨瑶泰材料有限公司", closed)} {
		if got[i].Sublabel != want {
			t.Errorf("sublabel %q, want %q", got[i].Sublabel, want)
		}
	}
}

// A whole credit code comes first, whatever else shares its beginning.
func TestSearchExactCreditCodeFirst(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	z := makeSearchZone(t, db)
	for _, text := range []string{z.far.USCC, " " + z.far.USCC + " "} {
		got := search(t, db, grid.Scope{All: true}, text, grid.SearchOrg)
		if len(got) == 0 || got[0].ID != z.far.ID || got[0].Match != grid.MatchExact {
			t.Fatalf("%q found %v, want %d first as exact", text, got, z.far.ID)
		}
	}
	// Lower case, as typed on a phone.
	got := search(t, db, grid.Scope{All: true}, strings.ToLower(z.far.USCC), grid.SearchOrg)
	if len(got) == 0 || got[0].ID != z.far.ID {
		t.Fatalf("lower-case code found %v", ids(got))
	}
	// Its beginning finds it among others, as a prefix.
	got = search(t, db, grid.Scope{GridIDs: []int64{z.gridA.ID, z.gridB.ID}}, z.far.USCC[:12], grid.SearchOrg)
	if !slices.Contains(ids(got), z.far.ID) {
		t.Errorf("code prefix found %v, want it to hold %d", ids(got), z.far.ID)
	}
}

// An officer finds only their grids' organizations, liaisons and
// requests; a liaison only their own organizations and themself. Every
// role finds every grid.
func TestSearchKeepsToScope(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	z := makeSearchZone(t, db)
	officerA := grid.Scope{GridIDs: []int64{z.gridA.ID}}
	officerB := grid.Scope{GridIDs: []int64{z.gridB.ID}}
	liaisonA := grid.Scope{LiaisonID: z.liaisonA}
	for _, tt := range []struct {
		name  string
		scope grid.Scope
		text  string
		kind  grid.SearchKind
		want  []int64
	}{
		{"officer A orgs", officerA, "琨瑶泰", grid.SearchOrg, []int64{z.prefix.ID, z.near.ID, z.byAddress.ID}},
		{"officer B orgs", officerB, "琨瑶泰", grid.SearchOrg, []int64{z.far.ID}},
		{"officer B cannot find A's org by code", officerB, z.near.USCC, grid.SearchOrg, nil},
		{"liaison orgs", liaisonA, "琨瑶泰", grid.SearchOrg, []int64{z.prefix.ID}},
		{"liaison by name prefix", liaisonA, "琨瑶", grid.SearchOrg, []int64{z.prefix.ID}},
		{"officer A liaisons", officerA, "琨瑶", grid.SearchLiaison, []int64{z.liaisonA}},
		{"liaison sees themself", liaisonA, "琨瑶", grid.SearchLiaison, []int64{z.liaisonA}},
		{"officer A requests", officerA, "琨瑶泰", grid.SearchRequest, []int64{z.request}},
		{"officer B requests", officerB, "琨瑶泰", grid.SearchRequest, nil},
		{"request by number", officerA, fmt.Sprintf("#%d", z.request), grid.SearchRequest, []int64{z.request}},
		{"request by number out of scope", officerB, fmt.Sprintf("#%d", z.request), grid.SearchRequest, nil},
		{"liaison does not see a request about another's org", liaisonA, "琨瑶泰", grid.SearchRequest, nil},
		{"grids for everyone (乙 sorts before 甲)", liaisonA, "琨瑶", grid.SearchGrid, []int64{z.gridB.ID, z.gridA.ID}},
		{"grid by code", officerB, "kya", grid.SearchGrid, []int64{z.gridA.ID}},
		{"zero scope", grid.Scope{}, "琨瑶泰", grid.SearchOrg, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(search(t, db, tt.scope, tt.text, tt.kind)); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("found %v, want %v", got, tt.want)
			}
		})
	}
	g := search(t, db, liaisonA, "KYA", grid.SearchGrid)
	if len(g) != 1 || g[0].Match != grid.MatchExact || g[0].BBox == nil || g[0].BBox.MinLon != 40 || g[0].BBox.MaxLon != 41 {
		t.Errorf("grid KYA: %+v", g)
	}
}

// A trigram index tells CJK names apart: of a thousand names, its scan
// for a three-character substring returns only the rows that may hold it.
// Where pg_trgm extracted no trigram from the pattern (a ctype without
// CJK letters), the scan would return every row. (Which index the planner
// picks for organization depends on the table's size: the benchmark shows
// it at a million rows.)
func TestSearchTrigramIndexSelectsCJK(t *testing.T) {
	db := pgtest.Open(t, testDSN)
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, sql := range []string{
		`CREATE TEMP TABLE names ON COMMIT DROP AS
		   SELECT '平顶山' || i || '号新型材料有限公司' AS name FROM generate_series(1, 1000) i
		   UNION ALL SELECT '河南琨瑶泰材料有限公司'`,
		`CREATE INDEX ON names USING gin (name gin_trgm_ops)`,
		`ANALYZE names`,
		`SET LOCAL enable_seqscan = off`,
	} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	var plan string
	if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) SELECT name FROM names WHERE name ILIKE '%瑶泰材%'`).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	var nodes []struct {
		Plan struct {
			Plans []struct {
				NodeType   string `json:"Node Type"`
				ActualRows int    `json:"Actual Rows"`
			}
		}
	}
	if err := json.Unmarshal([]byte(plan), &nodes); err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || len(nodes[0].Plan.Plans) != 1 || nodes[0].Plan.Plans[0].NodeType != "Bitmap Index Scan" {
		t.Fatalf("plan is not a bitmap scan of the trigram index: %s", plan)
	}
	if rows := nodes[0].Plan.Plans[0].ActualRows; rows > 10 {
		t.Errorf("the trigram index returned %d of 1,001 rows for 瑶泰材: it does not tell CJK names apart", rows)
	}
}
