package postgis_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/grid/rebalance"
)

// Manual assignment: reassign, pin, unassign, no-op, and every refusal,
// with history kept and each change audited.
func TestSetOrgLiaison(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Open(t, testDSN)
	clock := newTestClock()
	zoneID, _ := rebalanceZone(t, db, clock)
	in, err := db.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	orgGrid := map[int64]int64{}
	for _, o := range in.Orgs {
		orgGrid[o.ID] = o.GridID
	}
	liaisonGrid := map[int64]int64{}
	for _, l := range in.Liaisons {
		liaisonGrid[l.ID] = l.GridID
	}
	// An unpinned organization, a liaison of its grid other than its own,
	// and a liaison of another grid.
	var org, own, same, other int64
	for _, c := range in.Current {
		if !c.Pinned {
			org, own = c.OrgID, c.LiaisonID
			break
		}
	}
	g := orgGrid[org]
	for _, l := range in.Liaisons {
		switch {
		case l.GridID == g && l.ID != own && same == 0:
			same = l.ID
		case l.GridID != g && other == 0:
			other = l.ID
		}
	}
	otherZoneLiaison := liaisonElsewhere(t, db)
	var inactive int64
	if err := db.Pool.QueryRow(ctx, `
UPDATE liaison SET active = false WHERE id = (SELECT max(id) FROM liaison WHERE zone_id = $1 AND grid_id = $2)
RETURNING id`, zoneID, g).Scan(&inactive); err != nil {
		t.Fatal(err)
	}
	if same == inactive || own == inactive {
		t.Fatal("the test deactivated a liaison it uses")
	}
	ptr := func(v int64) *int64 { return &v }
	all := grid.Scope{All: true}
	officer := grid.Scope{GridIDs: []int64{g}}
	officerOfTwo := grid.Scope{GridIDs: []int64{g, liaisonGrid[other]}}
	alice := grid.Actor{UserID: 0, ClientAddr: "198.51.100.7"}

	tests := []struct {
		name     string
		scope    grid.Scope
		org      int64
		change   grid.LiaisonChange
		wantCode string
		field    string
		// want is the active liaison after (0: none), and whether it is
		// pinned and a change was made.
		want    int64
		pinned  bool
		changed bool
	}{
		{name: "no-op", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(own)}, want: own},
		{name: "reassign", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(same)}, want: same, changed: true},
		{name: "pin", scope: officer, org: org, change: grid.LiaisonChange{LiaisonID: ptr(same), Pinned: true}, want: same, pinned: true, changed: true},
		{name: "officer of another grid", scope: grid.Scope{GridIDs: []int64{liaisonGrid[other]}}, org: org,
			change: grid.LiaisonChange{LiaisonID: ptr(other)}, wantCode: grid.ENotFound},
		{name: "officer gives a liaison outside their grids", scope: officer, org: org,
			change: grid.LiaisonChange{LiaisonID: ptr(other)}, wantCode: grid.EInvalid, field: "liaison_id"},
		{name: "officer gives a liaison of their other grid", scope: officerOfTwo, org: org,
			change: grid.LiaisonChange{LiaisonID: ptr(other)}, wantCode: grid.EForbidden, field: "liaison_id"},
		{name: "liaison scope", scope: grid.Scope{LiaisonID: same}, org: org,
			change: grid.LiaisonChange{}, wantCode: grid.EForbidden},
		{name: "inactive liaison", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(inactive)},
			wantCode: grid.EInvalid, field: "liaison_id"},
		{name: "unknown liaison", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(1 << 40)},
			wantCode: grid.EInvalid, field: "liaison_id"},
		{name: "liaison id not positive", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(0)},
			wantCode: grid.EInvalid, field: "liaison_id"},
		{name: "pinned without a liaison", scope: all, org: org, change: grid.LiaisonChange{Pinned: true},
			wantCode: grid.EInvalid, field: "pinned"},
		{name: "liaison of another zone", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(otherZoneLiaison)},
			wantCode: grid.EInvalid, field: "liaison_id"},
		{name: "unknown organization", scope: all, org: 1 << 40, change: grid.LiaisonChange{}, wantCode: grid.ENotFound},
		{name: "admin gives another grid's liaison", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(other)},
			want: other, changed: true},
		{name: "unassign", scope: officer, org: org, change: grid.LiaisonChange{}, changed: true},
		{name: "unassign again", scope: all, org: org, change: grid.LiaisonChange{}},
		{name: "assign again, pinned", scope: all, org: org, change: grid.LiaisonChange{LiaisonID: ptr(own), Pinned: true},
			want: own, pinned: true, changed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.advance(time.Minute)
			rowsBefore := zoneAssignments(t, db, zoneID)
			audits := auditRows(t, db, org)
			got, err := db.SetOrgLiaison(ctx, tt.scope, alice, tt.org, tt.change)
			if tt.wantCode != "" {
				var ge *grid.Error
				if grid.ErrorCode(err) != tt.wantCode || (tt.field != "" && (!asGridError(err, &ge) || ge.Field != tt.field)) {
					t.Fatalf("error %v, want %s on %q", err, tt.wantCode, tt.field)
				}
				if diff := cmp.Diff(rowsBefore, zoneAssignments(t, db, zoneID)); diff != "" {
					t.Errorf("a refused change wrote (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotLiaison int64
			if got.LiaisonID != nil {
				gotLiaison = *got.LiaisonID
			}
			if gotLiaison != tt.want || got.Pinned != tt.pinned || got.Changed != tt.changed {
				t.Errorf("got %+v, want liaison %d pinned %t changed %t", got, tt.want, tt.pinned, tt.changed)
			}
			rows := zoneAssignments(t, db, zoneID)
			var active []assignmentRow
			for _, r := range rows {
				if r.OrgID == org && r.ValidTo == nil {
					active = append(active, r)
				}
			}
			switch {
			case tt.want == 0 && len(active) != 0, tt.want != 0 && (len(active) != 1 || active[0].LiaisonID != tt.want ||
				active[0].Pinned != tt.pinned):
				t.Errorf("active assignments %+v", active)
			case tt.changed && tt.want != 0 && (active[0].Cause != "manual" || !active[0].ValidFrom.Equal(clock.Now())):
				t.Errorf("new assignment %+v, want cause manual from now", active[0])
			}
			grown := len(rows) - len(rowsBefore)
			wantGrown := 0
			if tt.changed && tt.want != 0 {
				wantGrown = 1
			}
			if grown != wantGrown {
				t.Errorf("%d new assignment rows, want %d (history must be kept)", grown, wantGrown)
			}
			wantAudits := 0
			if tt.changed {
				wantAudits = 1
			}
			if n := auditRows(t, db, org) - audits; n != wantAudits {
				t.Errorf("%d audit rows, want %d", n, wantAudits)
			}
		})
	}

	// Rebalancing keeps the pin set last.
	p, _, err := rebalance.DraftPlan(ctx, db, cliActor, zoneID, rebalance.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Moves {
		if m.OrgID == org {
			t.Errorf("the plan moves pinned organization %d: %+v", org, m)
		}
	}
}

func asGridError(err error, target **grid.Error) bool { return errors.As(err, target) }

// liaisonElsewhere makes a zone with one grid and one liaison, and
// returns the liaison's id.
func liaisonElsewhere(t *testing.T, db *postgis.DB) int64 {
	t.Helper()
	ctx := t.Context()
	square := orb.MultiPolygon{{{{114, 34}, {114.1, 34}, {114.1, 34.1}, {114, 34.1}, {114, 34}}}}
	z, err := db.CreateZone(ctx, grid.Zone{Code: fmt.Sprintf("elsewhere%d", time.Now().UnixNano()%1e12), Name: "别处", Boundary: square})
	if err != nil {
		t.Fatal(err)
	}
	g, err := db.CreateGrid(ctx, grid.Grid{ZoneID: z.ID, Code: "E1", Name: "别处网格", Industry: "物流", Geom: square})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '别处联络员', $2, ST_SetSRID(ST_MakePoint(114.05, 34.05), 4326)) RETURNING id`, z.ID, g.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func auditRows(t *testing.T, db *postgis.DB, orgID int64) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'assignment_set' AND target = $1`,
		fmt.Sprintf("organization:%d", orgID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
