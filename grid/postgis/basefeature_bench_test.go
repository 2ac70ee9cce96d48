package postgis_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// BenchmarkBaseTileDenseCity times base tiles over a dense city: 200,000
// road segments of about 300 m (1 in 10 主干路, 1 in 10 次干路, the rest
// 支路) over 40 × 40 km, about 125 a km². The caps and zoom filters keep
// every tile to a few thousand roads.
//
//	go test -run XXX -bench BaseTileDenseCity -benchtime 10x ./grid/postgis/
func BenchmarkBaseTileDenseCity(b *testing.B) {
	db := pgtest.Open(b, testDSN)
	ctx := context.Background()
	z, err := db.CreateZone(ctx, grid.Zone{Code: "dense-city", Name: "稠密城区", Boundary: box(113.1, 33.55, 113.5, 33.95)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `
INSERT INTO base_feature (zone_id, kind, name, class, style, geom)
SELECT $1, 'road', '合成路' || i, '', (ARRAY['primary', 'secondary', 'minor', 'minor', 'minor', 'minor', 'minor', 'minor', 'minor', 'minor'])[1 + i % 10],
  ST_MakeLine(ARRAY[ST_MakePoint(x, y), ST_MakePoint(x + 0.001, y + 0.0004), ST_MakePoint(x + 0.002, y + 0.0001), ST_MakePoint(x + 0.003, y + 0.0006)])
FROM (SELECT i, 113.1 + random() * 0.4 AS x, 33.55 + random() * 0.4 AS y FROM generate_series(1, 200000) i) s`, z.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE base_feature SET size = ST_Length(geom::geography) WHERE zone_id = $1`, z.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE base_feature`); err != nil {
		b.Fatal(err)
	}
	scope := grid.Scope{All: true, ZoneID: z.ID}
	for _, zoom := range []int{10, 12, 14, 16} {
		tile := geo.TileAt(orb.Point{113.3, 33.75}, zoom)
		b.Run(fmt.Sprintf("z%d", zoom), func(b *testing.B) {
			var size int
			for b.Loop() {
				data, err := db.BaseTile(ctx, tile, scope)
				if err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(size), "bytes/tile")
		})
	}
}
