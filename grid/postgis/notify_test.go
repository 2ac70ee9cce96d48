package postgis_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// notifyUSCC is a valid credit code numbered n.
func notifyUSCC(n int) string {
	body := fmt.Sprintf("91410400MA%07d", 9000000+n)
	c, _ := grid.USCCCheckChar(body)
	return body + string(c)
}

// Migrations 017's and 021's triggers announce, after commit, each layer
// whose tables a statement changed, with each zone whose rows it changed,
// once per transaction; statements that change no row, rolled-back writes
// and tables no tile reads announce nothing; TRUNCATE announces its layers
// for every zone.
func TestMapNotify(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Fresh(t, testDSN)
	zone, err := db.CreateZone(ctx, grid.Zone{Code: "notify", Name: "通知测试区",
		Boundary: orb.MultiPolygon{{{{113, 33}, {113.1, 33}, {113.1, 33.1}, {113, 33.1}, {113, 33}}}}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := db.CreateGrid(ctx, grid.Grid{ZoneID: zone.ID, Code: "N1", Name: "网格", Industry: "物流",
		Geom: orb.MultiPolygon{{{{113, 33}, {113.1, 33}, {113.1, 33.1}, {113, 33.1}, {113, 33}}}}})
	if err != nil {
		t.Fatal(err)
	}
	org, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: "通知测试有限公司", USCC: notifyUSCC(1),
		Kind: grid.OrgKinds[0], Industry: "物流", Employees: 5, PartyMembers: 3, PartyOrg: grid.PartyStandalone, Location: orb.Point{113.05, 33.05}})
	if err != nil {
		t.Fatal(err)
	}
	var liaisonID int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO liaison (zone_id, name, grid_id, base)
VALUES ($1, '通知联络员', $2, ST_SetSRID(ST_MakePoint(113.05, 33.05), 4326)) RETURNING id`, zone.ID, g.ID).Scan(&liaisonID); err != nil {
		t.Fatal(err)
	}
	zone2, err := db.CreateZone(ctx, grid.Zone{Code: "notify-2", Name: "通知测试二区",
		Boundary: orb.MultiPolygon{{{{114, 33}, {114.1, 33}, {114.1, 33.1}, {114, 33.1}, {114, 33}}}}})
	if err != nil {
		t.Fatal(err)
	}
	org2, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone2.ID, Name: "通知二区有限公司", USCC: notifyUSCC(3),
		Kind: grid.OrgKinds[0], Industry: "物流", Employees: 5, PartyMembers: 3, PartyOrg: grid.PartyStandalone, Location: orb.Point{114.05, 33.05}})
	if err != nil {
		t.Fatal(err)
	}
	user, err := db.CreateUser(ctx, grid.User{ZoneID: zone.ID, Username: "notify-admin", Role: grid.RoleAdmin},
		"$argon2id$v=19$m=65536,t=1,p=4$bm90dXNlZA$bm90dXNlZA", nil)
	if err != nil {
		t.Fatal(err)
	}

	heard := listenCases(t, db, "gridgis_map")
	exec := func(sql string, args ...any) func() error {
		return func() error { _, err := db.Pool.Exec(ctx, sql, args...); return err }
	}
	in := func(zoneID int64, layers ...string) []string {
		var out []string
		for _, l := range layers {
			out = append(out, fmt.Sprintf("%s:%d", l, zoneID))
		}
		return out
	}
	all := in(zone.ID, "organizations", "requests", "grids")
	all2 := in(zone2.ID, "organizations", "requests", "grids")
	for _, tt := range []struct {
		name  string
		write func() error
		want  []string
	}{
		{"an organization updated", exec(`UPDATE organization SET name = name || '一' WHERE id = $1`, org.ID), all},
		{"no organization updated", exec(`UPDATE organization SET name = 'x' WHERE false`), nil},
		{"an organization registered", func() error {
			_, err := db.CreateOrg(ctx, grid.Org{ZoneID: zone.ID, Name: "通知测试二有限公司", USCC: notifyUSCC(2),
				Kind: grid.OrgKinds[1], Industry: "物流", Employees: 5, PartyMembers: 3, PartyOrg: grid.PartyStandalone, Location: orb.Point{113.02, 33.02}})
			return err
		}, all},
		{"two statements in one transaction", func() error {
			return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
				for range 2 {
					if _, err := tx.Exec(ctx, `UPDATE organization SET name = name || '二' WHERE id = $1`, org.ID); err != nil {
						return err
					}
				}
				return nil
			})
		}, all},
		{"rolled back", func() error {
			tx, err := db.Pool.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE organization SET name = 'gone' WHERE id = $1`, org.ID); err != nil {
				return err
			}
			return tx.Rollback(ctx)
		}, nil},
		{"an assignment made", exec(`INSERT INTO assignment (org_id, liaison_id, cause) VALUES ($1, $2, 'rule')`, org.ID, liaisonID),
			in(zone.ID, "organizations", "requests")},
		{"an assignment ended", exec(`UPDATE assignment SET valid_to = now() WHERE org_id = $1`, org.ID),
			in(zone.ID, "organizations", "requests")},
		{"an assignment in the other zone", exec(`INSERT INTO assignment (org_id, liaison_id, cause) VALUES ($1, $2, 'rule')`, org2.ID, liaisonID),
			in(zone2.ID, "organizations", "requests")},
		{"organizations of two zones updated", exec(`UPDATE organization SET employees = employees + 1 WHERE id IN ($1, $2)`, org.ID, org2.ID),
			append(slices.Clone(all), all2...)},
		{"an organization moved to the other zone and back", func() error {
			return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
				for _, z := range []int64{zone2.ID, zone.ID} {
					if _, err := tx.Exec(ctx, `UPDATE organization SET zone_id = $2 WHERE id = $1`, org.ID, z); err != nil {
						return err
					}
				}
				return nil
			})
		}, append(slices.Clone(all), all2...)},
		{"the other zone's organization updated", exec(`UPDATE organization SET name = name || '三' WHERE id = $1`, org2.ID), all2},
		{"a request reported", func() error {
			_, _, err := db.CreateRequest(ctx, user, "", grid.NewRequest{OrgID: org.ID, Category: "ordinary", Title: "通知", Topic: "operations"})
			return err
		}, in(zone.ID, "requests")},
		{"nothing to escalate", func() error { _, err := db.EscalateRequests(ctx); return err }, nil},
		{"a request's status changed", exec(`UPDATE request SET status = 'assigned' WHERE org_id = $1`, org.ID), in(zone.ID, "requests")},
		{"no request updated", exec(`UPDATE request SET status = 'assigned' WHERE false`), nil},
		{"a request filed in the other zone", exec(`INSERT INTO request (zone_id, org_id, title, category, reported_at, response_due_at, due_at)
SELECT $2, $1, '二区', 'ordinary', now(), now() + interval '1 day', now() + interval '1 day'`, org2.ID, zone2.ID), in(zone2.ID, "requests")},
		{"requests of two zones closed", exec(`UPDATE request SET status = 'rejected' WHERE org_id IN ($1, $2)`, org.ID, org2.ID),
			append(in(zone.ID, "requests"), in(zone2.ID, "requests")...)},
		{"a request deleted", exec(`DELETE FROM request WHERE org_id = $1`, org2.ID), in(zone2.ID, "requests")},
		{"no request deleted", exec(`DELETE FROM request WHERE false`), nil},
		{"a grid renamed", exec(`UPDATE grid SET name = '新网格' WHERE id = $1`, g.ID), in(zone.ID, "grids")},
		{"a contact logged", exec(`INSERT INTO contact (org_id, liaison_id, kind, at) VALUES ($1, $2, 'visit', now())`, org.ID, liaisonID), nil},
		{"requests truncated", exec(`TRUNCATE request CASCADE`), []string{"requests"}},
		{"assignments truncated", exec(`TRUNCATE assignment`), []string{"organizations", "requests"}},
	} {
		if err := tt.write(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := heard()
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: heard %q, want %q", tt.name, got, want)
		}
	}
}

// WatchTiles hands on the layers announced after it listens, and listens
// again when its connection ends.
func TestWatchTiles(t *testing.T) {
	db := pgtest.Fresh(t, testDSN)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type change struct {
		layer grid.TileLayer
		zone  int64
	}
	changed := make(chan change, 16)
	status := make(chan error, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.WatchTiles(ctx, func(l grid.TileLayer, zone int64) { changed <- change{l, zone} }, func(err error) { status <- err })
	}()
	next := func() error {
		t.Helper()
		select {
		case err := <-status:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("no word from the watcher within 15 s")
		}
		return nil
	}
	// hear sends payload after some the watcher drops, and wants to hear
	// it as want.
	hear := func(payload string, want change) {
		t.Helper()
		if _, err := db.Pool.Exec(context.Background(), `SELECT pg_notify('gridgis_map', 'not a layer'),
  pg_notify('gridgis_map', 'grids:'), pg_notify('gridgis_map', 'grids:x'), pg_notify('gridgis_map', 'grids:-1'),
  pg_notify('gridgis_map', 'nothing:1'), pg_notify('gridgis_map', $1)`, payload); err != nil {
			t.Fatal(err)
		}
		select {
		case c := <-changed:
			if c != want {
				t.Fatalf("%q: heard %v, want %v", payload, c, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("%s not heard within 15 s", payload)
		}
	}
	if err := next(); err != nil {
		t.Fatalf("first status %v, want listening", err)
	}
	hear("grids", change{grid.LayerGrids, 0})
	hear("organizations:12", change{grid.LayerOrganizations, 12})
	if _, err := db.Pool.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND application_name = 'gridgis tile watcher'`); err != nil {
		t.Fatal(err)
	}
	if err := next(); err == nil {
		t.Fatal("the watcher did not tell that its connection ended")
	}
	if err := next(); err != nil {
		t.Fatalf("after the connection ended: %v, want listening again", err)
	}
	hear("requests:3", change{grid.LayerRequests, 3})
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("WatchTiles did not return when its context ended")
	}
}

// listenCases listens on channel on a connection of its own and returns
// heard: the payloads that reached it since the last call, ended by a
// marker sent through the pool (notices arrive in commit order).
func listenCases(t *testing.T, db *postgis.DB, channel string) (heard func() []string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, `SELECT pg_notify($1, 'end of case')`, channel); err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			wait, cancel := context.WithTimeout(ctx, 10*time.Second)
			n, err := conn.WaitForNotification(wait)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if n.Payload == "end of case" {
				return got
			}
			got = append(got, n.Payload)
		}
	}
}
