package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// contactZone is a small zone for the contact log tests: grids A and B,
// and organizations of which some have a liaison.
type contactZone struct {
	zone     grid.Zone
	gridA    grid.Grid
	gridB    grid.Grid
	orgs     []grid.Org
	liaisons []int64 // liaison of grid A, liaison of grid B
	userID   int64
}

// setupContactZone makes the zone with n organizations: those with an
// index in withLiaison[0] belong to the liaison of grid A (and lie in A),
// those in withLiaison[1] to the liaison of grid B (and lie in B); the
// rest lie in A without a liaison.
func setupContactZone(t *testing.T, db *postgis.DB, code string, n int, withLiaison [2][]int) *contactZone {
	t.Helper()
	ctx := context.Background()
	square := func(x float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, 0}, {x + 1, 0}, {x + 1, 1}, {x, 1}, {x, 0}}}}
	}
	z := &contactZone{}
	var err error
	z.zone, err = db.CreateZone(ctx, grid.Zone{Code: code, Name: "联系记录测试区",
		Boundary: orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if z.gridA, err = db.CreateGrid(ctx, grid.Grid{ZoneID: z.zone.ID, Code: "A", Name: "甲网格", Industry: "物流", Geom: square(0)}); err != nil {
		t.Fatal(err)
	}
	if z.gridB, err = db.CreateGrid(ctx, grid.Grid{ZoneID: z.zone.ID, Code: "B", Name: "乙网格", Industry: "新材料", Geom: square(1)}); err != nil {
		t.Fatal(err)
	}
	for i, g := range []grid.Grid{z.gridA, z.gridB} {
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, 0.5), 4326)) RETURNING id`,
			z.zone.ID, fmt.Sprintf("联络员%d", i+1), g.ID, float64(i)+0.5).Scan(&id); err != nil {
			t.Fatal(err)
		}
		z.liaisons = append(z.liaisons, id)
	}
	for i := range n {
		x, industry := 0.2+0.6*float64(i)/float64(n), "物流"
		if slices.Contains(withLiaison[1], i) {
			x, industry = 1.5, "新材料"
		}
		o, err := db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: fmt.Sprintf("联系测试%02d有限公司", i),
			USCC: testUSCC(880000 + int(z.zone.ID)*100 + i), Kind: grid.KindEnterprise, Industry: industry,
			Employees: 10, PartyOrg: grid.PartyNone, Location: orb.Point{x, 0.5}})
		if err != nil {
			t.Fatal(err)
		}
		z.orgs = append(z.orgs, o)
	}
	if _, err := db.AssignGrids(ctx, z.zone.ID); err != nil {
		t.Fatal(err)
	}
	for li, idx := range withLiaison {
		for _, i := range idx {
			if _, err := db.Pool.Exec(ctx, `INSERT INTO assignment (org_id, liaison_id, cause, valid_from)
VALUES ($1, $2, 'rule', '2020-01-01')`, z.orgs[i].ID, z.liaisons[li]); err != nil {
				t.Fatal(err)
			}
		}
	}
	u, err := db.CreateUser(ctx, grid.User{ZoneID: z.zone.ID, Username: code + "-admin", Role: grid.RoleAdmin}, noLoginHash, nil)
	if err != nil {
		t.Fatal(err)
	}
	z.userID = u.ID
	return z
}

// noLoginHash is a stored password hash nobody can sign in with.
const noLoginHash = "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5"

func countRows(t *testing.T, db *postgis.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestCreateContact(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	// Organizations 0 and 1: liaison of A; 2: none (in A); 3: liaison of B.
	z := setupContactZone(t, db, "contact-create", 4, [2][]int{{0, 1}, {3}})
	at := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	officerA := grid.Scope{GridIDs: []int64{z.gridA.ID}}
	tests := []struct {
		name        string
		scope       grid.Scope
		org         int64
		wantLiaison *int64
		wantCode    string
	}{
		{"admin, for the active liaison", grid.Scope{All: true}, z.orgs[0].ID, &z.liaisons[0], ""},
		{"officer, organization without a liaison", officerA, z.orgs[2].ID, nil, ""},
		{"liaison, own organization", grid.Scope{LiaisonID: z.liaisons[0]}, z.orgs[1].ID, &z.liaisons[0], ""},
		{"liaison, another's organization", grid.Scope{LiaisonID: z.liaisons[0]}, z.orgs[3].ID, nil, grid.ENotFound},
		{"liaison, organization without a liaison", grid.Scope{LiaisonID: z.liaisons[0]}, z.orgs[2].ID, nil, grid.ENotFound},
		{"officer, another grid", officerA, z.orgs[3].ID, nil, grid.ENotFound},
		{"the zero scope", grid.Scope{}, z.orgs[0].ID, nil, grid.ENotFound},
		{"unknown organization", grid.Scope{All: true}, 1 << 40, nil, grid.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contacts := countRows(t, db, "SELECT count(*) FROM contact")
			audits := countRows(t, db, "SELECT count(*) FROM audit_log WHERE action = 'contact_create'")
			who := grid.Actor{UserID: z.userID, ClientAddr: "192.0.2.7"}
			e, err := db.CreateContact(ctx, tt.scope, who, grid.Contact{OrgID: tt.org, Kind: grid.ContactVisit, At: at, Note: "走访企业"})
			if tt.wantCode != "" {
				if grid.ErrorCode(err) != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
				if n := countRows(t, db, "SELECT count(*) FROM contact"); n != contacts {
					t.Errorf("%d contacts written", n-contacts)
				}
				if n := countRows(t, db, "SELECT count(*) FROM audit_log WHERE action = 'contact_create'"); n != audits {
					t.Errorf("%d audit rows written", n-audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.OrgID != tt.org || e.Kind != grid.ContactVisit || !e.At.Equal(at) || e.Note != "走访企业" ||
				e.CreatedBy == nil || *e.CreatedBy != z.userID {
				t.Errorf("entry %+v", e)
			}
			if diff := cmp.Diff(tt.wantLiaison, e.LiaisonID); diff != "" {
				t.Errorf("liaison_id (-want +got):\n%s", diff)
			}
			if (e.LiaisonName != nil) != (tt.wantLiaison != nil) {
				t.Errorf("liaison_name %v", e.LiaisonName)
			}
			var stored grid.ContactEntry
			if err := db.Pool.QueryRow(ctx, `SELECT org_id, liaison_id, kind, at, note FROM contact WHERE id = $1`, e.ID).
				Scan(&stored.OrgID, &stored.LiaisonID, &stored.Kind, &stored.At, &stored.Note); err != nil {
				t.Fatal(err)
			}
			if stored.OrgID != tt.org || !stored.At.Equal(at) || !cmp.Equal(stored.LiaisonID, tt.wantLiaison) {
				t.Errorf("stored %+v", stored)
			}
			var detail map[string]any
			var actor int64
			var addr string
			if err := db.Pool.QueryRow(ctx, `SELECT actor_id, client_addr, detail FROM audit_log
WHERE action = 'contact_create' AND target = $1 ORDER BY id DESC LIMIT 1`, fmt.Sprintf("organization:%d", tt.org)).
				Scan(&actor, &addr, &detail); err != nil {
				t.Fatal(err)
			}
			if actor != z.userID || addr != "192.0.2.7" || detail["contact_id"] != float64(e.ID) || detail["kind"] != "visit" {
				t.Errorf("audit row: actor %d addr %q detail %v", actor, addr, detail)
			}
		})
	}
}

func TestListContacts(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	z := setupContactZone(t, db, "contact-list", 3, [2][]int{{0}, {2}})
	base := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	// Twelve entries, with ties in time, so that the id breaks them.
	for i := range 12 {
		kind := grid.ContactCall
		if i%3 == 0 {
			kind = grid.ContactVisit
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO contact (org_id, liaison_id, kind, at, note) VALUES ($1, $2, $3, $4, $5)`,
			z.orgs[0].ID, z.liaisons[0], kind, base.Add(time.Duration(i/2)*24*time.Hour), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO contact (org_id, kind, at) VALUES ($1, 'contact', $2)`, z.orgs[1].ID, base); err != nil {
		t.Fatal(err)
	}
	want := func(kind string) []int64 {
		rows, err := db.Pool.Query(ctx, `SELECT id FROM contact WHERE org_id = $1 AND ($2 = '' OR kind = $2)
ORDER BY at DESC, id DESC`, z.orgs[0].ID, kind)
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
		return ids
	}
	for _, kind := range []string{"", "contact", "visit"} {
		for _, limit := range []int{1, 5, 12, 100} {
			t.Run(fmt.Sprintf("kind %q limit %d", kind, limit), func(t *testing.T) {
				f := grid.ContactFilter{Scope: grid.Scope{LiaisonID: z.liaisons[0]}, OrgID: z.orgs[0].ID, Limit: limit}
				if kind != "" {
					k := grid.ContactKind(kind)
					f.Kind = &k
				}
				var got []int64
				for page := 0; page < 20; page++ {
					entries, err := db.ListContacts(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range entries {
						got = append(got, e.ID)
						if e.OrgID != z.orgs[0].ID || (kind != "" && string(e.Kind) != kind) ||
							e.LiaisonName == nil || *e.LiaisonName != "联络员1" {
							t.Errorf("entry %+v", e)
						}
					}
					if len(entries) < limit {
						break
					}
					f.BeforeID = entries[len(entries)-1].ID
				}
				if diff := cmp.Diff(want(kind), got); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
			})
		}
	}
	t.Run("out of scope", func(t *testing.T) {
		for _, s := range []grid.Scope{{LiaisonID: z.liaisons[1]}, {GridIDs: []int64{z.gridB.ID}}, {}} {
			if _, err := db.ListContacts(ctx, grid.ContactFilter{Scope: s, OrgID: z.orgs[0].ID, Limit: 10}); grid.ErrorCode(err) != grid.ENotFound {
				t.Errorf("scope %+v: err %v, want not found", s, err)
			}
		}
	})
	t.Run("empty log", func(t *testing.T) {
		entries, err := db.ListContacts(ctx, grid.ContactFilter{Scope: grid.Scope{All: true}, OrgID: z.orgs[2].ID, Limit: 10})
		if err != nil || entries == nil || len(entries) != 0 {
			t.Errorf("entries %v, err %v; want an empty list", entries, err)
		}
	})
	t.Run("a cursor of another organization continues nothing", func(t *testing.T) {
		var other int64
		if err := db.Pool.QueryRow(ctx, `SELECT id FROM contact WHERE org_id = $1`, z.orgs[1].ID).Scan(&other); err != nil {
			t.Fatal(err)
		}
		entries, err := db.ListContacts(ctx, grid.ContactFilter{Scope: grid.Scope{All: true}, OrgID: z.orgs[0].ID, BeforeID: other, Limit: 10})
		if err != nil || len(entries) != 0 {
			t.Errorf("%d entries, err %v", len(entries), err)
		}
	})
}

// orgFlags are the contact properties of an organization feature.
type orgFlags struct {
	LastContact    *time.Time `json:"last_contact_at"`
	LastVisit      *time.Time `json:"last_visit_at"`
	ContactOverdue bool       `json:"contact_overdue"`
	VisitOverdue   bool       `json:"visit_overdue"`
}

// The organization layer's last contact, last visit and overdue flags, the
// overdue filter, the contact_7d and visit_30d coverage and the liaison
// layer's compliance all say the same thing at the store's clock.
func TestOrgContactFlags(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	day := 24 * time.Hour
	type logged struct {
		kind grid.ContactKind
		ago  time.Duration // negative: after now
	}
	tests := []struct {
		name                 string
		liaison              bool
		logs                 []logged
		wantContact, wantVis time.Duration // 0: none
		contactDue, visitDue bool
	}{
		{name: "no liaison, never contacted"},
		{name: "no liaison, contacted long ago", logs: []logged{{grid.ContactCall, 40 * day}}, wantContact: 40 * day},
		{name: "liaison, never contacted", liaison: true, contactDue: true, visitDue: true},
		{name: "contacted two days ago", liaison: true, logs: []logged{{grid.ContactCall, 2 * day}, {grid.ContactCall, 9 * day}},
			wantContact: 2 * day, visitDue: true},
		{name: "a visit counts as a contact", liaison: true, logs: []logged{{grid.ContactVisit, 3 * day}, {grid.ContactCall, 20 * day}},
			wantContact: 20 * day, wantVis: 3 * day},
		{name: "contacted exactly 7 days ago", liaison: true, logs: []logged{{grid.ContactCall, 7 * day}},
			wantContact: 7 * day, contactDue: true, visitDue: true},
		{name: "contacted a minute inside 7 days", liaison: true, logs: []logged{{grid.ContactCall, 7*day - time.Minute}},
			wantContact: 7*day - time.Minute, visitDue: true},
		{name: "visited 29 days ago, contacted 8", liaison: true, logs: []logged{{grid.ContactVisit, 29 * day}, {grid.ContactCall, 8 * day}},
			wantContact: 8 * day, wantVis: 29 * day, contactDue: true},
		{name: "visited exactly 30 days ago", liaison: true, logs: []logged{{grid.ContactVisit, 30 * day}, {grid.ContactCall, time.Hour}},
			wantContact: time.Hour, wantVis: 30 * day, visitDue: true},
		{name: "a contact after now does not count yet", liaison: true,
			logs: []logged{{grid.ContactCall, -time.Hour}, {grid.ContactVisit, -time.Hour}}, contactDue: true, visitDue: true},
	}
	var withLiaison []int
	for i, tt := range tests {
		if tt.liaison {
			withLiaison = append(withLiaison, i)
		}
	}
	z := setupContactZone(t, db, "contact-flags", len(tests), [2][]int{withLiaison, nil})
	for i, tt := range tests {
		for _, l := range tt.logs {
			if _, err := db.Pool.Exec(ctx, `INSERT INTO contact (org_id, kind, at) VALUES ($1, $2, $3)`,
				z.orgs[i].ID, l.kind, now.Add(-l.ago)); err != nil {
				t.Fatal(err)
			}
		}
	}
	scope := grid.Scope{All: true}
	features := map[int64]orgFlags{}
	if err := db.EachOrgFeature(ctx, grid.OrgFilter{Scope: scope, ZoneID: &z.zone.ID}, func(f grid.Feature) error {
		var feat struct{ Properties orgFlags }
		if err := json.Unmarshal(f.JSON, &feat); err != nil {
			return err
		}
		features[f.ID] = feat.Properties
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ago := func(d time.Duration) *time.Time {
		if d == 0 {
			return nil
		}
		at := now.Add(-d)
		return &at
	}
	var wantContactDue, wantVisitDue []int64
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := orgFlags{LastContact: ago(tt.wantContact), LastVisit: ago(tt.wantVis),
				ContactOverdue: tt.contactDue, VisitOverdue: tt.visitDue}
			if diff := cmp.Diff(want, features[z.orgs[i].ID]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		if tt.contactDue {
			wantContactDue = append(wantContactDue, z.orgs[i].ID)
		}
		if tt.visitDue {
			wantVisitDue = append(wantVisitDue, z.orgs[i].ID)
		}
	}

	ids := func(f grid.OrgFilter) []int64 {
		t.Helper()
		var out []int64
		if err := db.EachOrgFeature(ctx, f, func(f grid.Feature) error { out = append(out, f.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		kind grid.ContactKind
		ind  grid.Indicator
		want []int64
	}{
		{grid.ContactCall, grid.IndicatorContact7d, wantContactDue},
		{grid.ContactVisit, grid.IndicatorVisit30d, wantVisitDue},
	} {
		t.Run("overdue="+string(c.kind), func(t *testing.T) {
			f := grid.OrgFilter{Scope: scope, ZoneID: &z.zone.ID, Overdue: &c.kind}
			if diff := cmp.Diff(c.want, ids(f)); diff != "" {
				t.Errorf("overdue filter (-want +got):\n%s", diff)
			}
			if n, err := db.CountOrgs(ctx, f); err != nil || n != int64(len(c.want)) {
				t.Errorf("CountOrgs = %d, %v; want %d", n, err, len(c.want))
			}
			gap := grid.OrgFilter{Scope: scope, ZoneID: &z.zone.ID, Gap: &c.ind}
			if diff := cmp.Diff(c.want, ids(gap)); diff != "" {
				t.Errorf("%s gap (-want +got):\n%s", c.ind, diff)
			}
			covered := int64(len(withLiaison))
			want := grid.NewRate(covered-int64(len(c.want)), covered)
			var got *grid.Rate
			if err := db.EachCoverageFeature(ctx, c.ind, func(f grid.Feature) error {
				if f.ID == z.gridA.ID {
					var feat struct{ Properties grid.Rate }
					if err := json.Unmarshal(f.JSON, &feat); err != nil {
						return err
					}
					got = &feat.Properties
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got == nil || !cmp.Equal(want, *got) {
				t.Errorf("%s coverage of grid A = %+v, want %+v", c.ind, got, want)
			}
		})
	}

	t.Run("liaison compliance", func(t *testing.T) {
		var p struct {
			Load, Contacted, Visited int64
			ContactRate, VisitRate   *float64
		}
		if err := db.EachLiaisonFeature(ctx, grid.LiaisonFilter{Scope: scope, ID: &z.liaisons[0]}, func(f grid.Feature) error {
			var feat struct {
				Properties struct {
					Load              int64    `json:"load"`
					Contacted7d       int64    `json:"contacted_7d"`
					Visited30d        int64    `json:"visited_30d"`
					ContactCompliance *float64 `json:"contact_compliance"`
					VisitCompliance   *float64 `json:"visit_compliance"`
				}
			}
			err := json.Unmarshal(f.JSON, &feat)
			q := feat.Properties
			p.Load, p.Contacted, p.Visited, p.ContactRate, p.VisitRate = q.Load, q.Contacted7d, q.Visited30d,
				q.ContactCompliance, q.VisitCompliance
			return err
		}); err != nil {
			t.Fatal(err)
		}
		load := int64(len(withLiaison))
		contacted, visited := load-int64(len(wantContactDue)), load-int64(len(wantVisitDue))
		if p.Load != load || p.Contacted != contacted || p.Visited != visited ||
			!cmp.Equal(p.ContactRate, grid.NewRate(contacted, load).Rate) || !cmp.Equal(p.VisitRate, grid.NewRate(visited, load).Rate) {
			t.Errorf("liaison layer %+v; want load %d, contacted %d, visited %d", p, load, contacted, visited)
		}
	})
}
