package postgis_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
)

// BenchmarkOrgFeatureBBox times bbox reads of the organization layer
// (admin scope, limit 10,001, the rows streamed as the server streams
// them) from the projection and from the live query, interleaved, for
// boxes around the first zone's centre holding about 100, 1,000 and
// 10,000 organizations, and logs each p50 and their ratio. It reads the
// database GRIDGIS_BENCH_DSN names (a million organizations:
// gridgis_bench_proj), else the demo at GRIDGIS_BENCH_SCALE copies.
//
//	GRIDGIS_BENCH_DSN="host=/var/run/postgresql dbname=gridgis_bench_proj" \
//	  go test ./grid/postgis/ -run '^$' -bench OrgFeatureBBox -benchtime 1x
func BenchmarkOrgFeatureBBox(b *testing.B) {
	var db *postgis.DB
	if dsn := os.Getenv("GRIDGIS_BENCH_DSN"); dsn != "" {
		db = pgtest.Open(b, dsn)
	} else {
		scale := 10
		if s, err := strconv.Atoi(os.Getenv("GRIDGIS_BENCH_SCALE")); err == nil && s > 0 {
			scale = s
		}
		db = demoDB(b, scale)
	}
	rounds := 15
	if s, err := strconv.Atoi(os.Getenv("GRIDGIS_BENCH_ROUNDS")); err == nil && s > 0 {
		rounds = s
	}
	ctx := context.Background()
	var cx, cy float64
	if err := db.Pool.QueryRow(ctx, `SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(boundary) c FROM zone ORDER BY id LIMIT 1) z`).
		Scan(&cx, &cy); err != nil {
		b.Fatal(err)
	}
	boxOf := func(h float64) geo.BBox {
		return geo.BBox{MinLon: cx - h, MinLat: cy - h, MaxLon: cx + h, MaxLat: cy + h}
	}
	count := func(box geo.BBox) int {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM organization WHERE active AND geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)`,
			box.MinLon, box.MinLat, box.MaxLon, box.MaxLat).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	type size struct {
		want     int
		box      geo.BBox
		n        int
		old, new []time.Duration
	}
	var sizes []*size
	for _, want := range []int{100, 1000, 10000} {
		lo, hi := 0.0, 0.5
		for range 22 { // the half-width whose box holds want organizations
			if count(boxOf((lo+hi)/2)) < want {
				lo = (lo + hi) / 2
			} else {
				hi = (lo + hi) / 2
			}
		}
		s := &size{want: want, box: boxOf(hi)}
		s.n = count(s.box)
		sizes = append(sizes, s)
	}
	read := func(each func(context.Context, grid.OrgFilter, grid.FeatureFunc) error, box geo.BBox) (time.Duration, int) {
		f := grid.OrgFilter{Scope: grid.Scope{All: true}, BBox: &box, Limit: 10001}
		n, bytes := 0, 0
		start := time.Now()
		if err := each(ctx, f, func(ft grid.Feature) error { n++; bytes += len(ft.JSON); return nil }); err != nil {
			b.Fatal(err)
		}
		return time.Since(start), n
	}
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			for _, s := range sizes {
				// Alternate which goes first, so neither always finds the
				// other's pages warm.
				if r%2 == 0 {
					d, _ := read(db.EachOrgFeatureLive, s.box)
					s.old = append(s.old, d)
				}
				d, n := read(db.EachOrgFeature, s.box)
				if n != min(s.n, 10001) {
					b.Fatalf("bbox of %d: %d features", s.n, n)
				}
				s.new = append(s.new, d)
				if r%2 == 1 {
					d, _ := read(db.EachOrgFeatureLive, s.box)
					s.old = append(s.old, d)
				}
			}
		}
	}
	b.StopTimer()
	p50 := func(ds []time.Duration) time.Duration {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	for _, s := range sizes {
		old, new := p50(s.old), p50(s.new)
		b.Logf("bbox ≈%d (%d features): live p50 %v, projection p50 %v: %.1f× faster (%d runs each)",
			s.want, s.n, old.Round(10*time.Microsecond), new.Round(10*time.Microsecond), float64(old)/float64(new), len(s.new))
		b.ReportMetric(float64(new.Microseconds())/1000, fmt.Sprintf("ms-p50-proj-%d", s.want))
		b.ReportMetric(float64(old.Microseconds())/1000, fmt.Sprintf("ms-p50-live-%d", s.want))
	}
}

// BenchmarkOrgFeatureWrites times writes through the store (a contact
// logged, an organization renamed: each its own committed transaction
// with its audit row) with the map_org_feature_contact_ins trigger and
// the organization's map_organization_upd (since migration 025 the one
// UPDATE trigger, notifications and clusters included) on and off,
// alternating, and logs each p50 and the ratio. The writes made with the
// triggers off are then made again with them on (an update that changes
// nothing), so the projection is exact afterwards. Same databases as
// BenchmarkOrgFeatureBBox.
//
//	GRIDGIS_BENCH_DSN="host=/var/run/postgresql dbname=gridgis_bench_proj" \
//	  go test ./grid/postgis/ -run '^$' -bench OrgFeatureWrites -benchtime 1x
func BenchmarkOrgFeatureWrites(b *testing.B) {
	var db *postgis.DB
	if dsn := os.Getenv("GRIDGIS_BENCH_DSN"); dsn != "" {
		db = pgtest.Open(b, dsn)
	} else {
		db = demoDB(b, 10)
	}
	rounds := 6
	if s, err := strconv.Atoi(os.Getenv("GRIDGIS_BENCH_ROUNDS")); err == nil && s > 0 {
		rounds = s
	}
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	toggle := func(on bool) {
		verb := "DISABLE"
		if on {
			verb = "ENABLE"
		}
		for table, triggers := range map[string][]string{"contact": {"map_org_feature_contact_ins"}, "organization": {"map_organization_upd"}} {
			for _, tg := range triggers {
				exec("ALTER TABLE " + table + " " + verb + " TRIGGER " + tg)
			}
		}
	}
	var ids []int64
	rows, err := db.Pool.Query(ctx, `SELECT id FROM organization TABLESAMPLE SYSTEM (1) WHERE active LIMIT 2000`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	all, who := grid.Scope{All: true}, grid.Actor{ClientAddr: "bench"}
	times := map[string][]time.Duration{}
	var touched []int64
	next := 0
	write := func(mode string) {
		for range 20 {
			id := ids[next%len(ids)]
			next++
			start := time.Now()
			if _, err := db.CreateContact(ctx, all, who, grid.Contact{OrgID: id, Kind: grid.ContactCall, At: time.Now().Add(-time.Minute)}); err != nil {
				b.Fatal(err)
			}
			times[mode+" contact"] = append(times[mode+" contact"], time.Since(start))
			var version int
			if err := db.Pool.QueryRow(ctx, `SELECT version FROM organization WHERE id = $1`, id).Scan(&version); err != nil {
				b.Fatal(err)
			}
			name := fmt.Sprintf("写入测试企业%d", next)
			start = time.Now()
			if _, err := db.UpdateOrg(ctx, all, who, id, grid.OrgPatch{Version: version, Name: &name}); err != nil {
				b.Fatal(err)
			}
			times[mode+" update"] = append(times[mode+" update"], time.Since(start))
			if mode == "off" {
				touched = append(touched, id)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			first := r%2 == 0
			for _, on := range []bool{first, !first} {
				toggle(on)
				mode := map[bool]string{true: "on", false: "off"}[on]
				write(mode)
			}
		}
	}
	b.StopTimer()
	toggle(true)
	exec(`UPDATE organization SET id = id WHERE id = ANY($1)`, touched)
	exec(`UPDATE contact SET at = at WHERE org_id = ANY($1)`, touched)
	p50 := func(ds []time.Duration) time.Duration {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	for _, w := range []string{"contact", "update"} {
		on, off := p50(times["on "+w]), p50(times["off "+w])
		b.Logf("%s: p50 %v with the triggers, %v without: %+.0f%% (%d writes each)", w, on.Round(10*time.Microsecond),
			off.Round(10*time.Microsecond), 100*(float64(on)/float64(off)-1), len(times["on "+w]))
	}
}
