package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"gridgis/geo"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// Marker colours the tiles draw at a control point: nothing else on the
// map is pure magenta or cyan.
var (
	gcjMarker = color.RGBA{0xff, 0x00, 0xff, 0xff} // at the control point's GCJ-02 position
	wgsMarker = color.RGBA{0x00, 0xff, 0xff, 0xff} // at its WGS84 position
)

// markerTileServer serves a light raster basemap on another origin that
// draws a cross at the GCJ-02 image (magenta) and at the WGS84 position
// (cyan) of one point, as an Amap tile shows a place at its GCJ-02
// position. The GCJ-02 position is geo.WGS84ToGCJ02's, which
// geo/crs_test.go checks against the npm package gcoord.
func markerTileServer(t *testing.T, wgs orb.Point) string {
	t.Helper()
	gcj := geo.WGS84ToGCJ02(wgs)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".png"), "/")
		if len(parts) != 3 {
			http.NotFound(w, r)
			return
		}
		z, errZ := strconv.Atoi(parts[0])
		x, errX := strconv.Atoi(parts[1])
		y, errY := strconv.Atoi(parts[2])
		if errZ != nil || errX != nil || errY != nil || z < 0 || z > 22 {
			http.NotFound(w, r)
			return
		}
		img := image.NewRGBA(image.Rect(0, 0, 256, 256))
		draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0xe8, 0xee, 0xe4, 0xff}}, image.Point{}, draw.Src)
		drawCross(img, z, x, y, wgs, wgsMarker)
		drawCross(img, z, x, y, gcj, gcjMarker)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*") // MapLibre fetches tiles with CORS
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// drawCross draws, on tile z/x/y, the part of a cross (arms of 14 px,
// 3 px wide) centred on the Web Mercator pixel of p.
func drawCross(img *image.RGBA, z, x, y int, p orb.Point, c color.RGBA) {
	scale := 256 * math.Exp2(float64(z))
	lat := p[1] * math.Pi / 180
	px := (p[0] + 180) / 360 * scale
	py := (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * scale
	cx, cy := int(math.Floor(px))-x*256, int(math.Floor(py))-y*256
	for d := -14; d <= 14; d++ {
		for w := -1; w <= 1; w++ {
			img.SetRGBA(cx+d, cy+w, c) // SetRGBA ignores pixels off the tile
			img.SetRGBA(cx+w, cy+d, c)
		}
	}
}

// TestBasemapShiftInBrowser: over a basemap drawn in GCJ-02 an
// organization's circle lands on its GCJ-02 position on the tiles, and
// over the same tiles declared WGS84 on its WGS84 position; 定位 draws
// its dot and accuracy ring there too; 导航 sends Amap GCJ-02 and geo:
// WGS84 (frontend/e2e/basemap.e2e.mjs).
func TestBasemapShiftInBrowser(t *testing.T) {
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	db := pgtest.Open(t, testDSN)
	loadOnce.Do(func() { loadErr = loadDemo(context.Background(), db) })
	if loadErr != nil {
		t.Fatalf("load demo: %v", loadErr)
	}
	ctx := context.Background()

	// The control point: the demo organization farthest from any other
	// (so no other circle covers the crosses), without an open request,
	// and 300 m inside the zone (the test moves it a little).
	var id int64
	var name string
	var p orb.Point
	err := db.Pool.QueryRow(ctx, `
SELECT o.id, o.name, ST_X(o.geom), ST_Y(o.geom)
FROM organization o JOIN zone z ON z.id = o.zone_id
WHERE o.active AND o.geom IS NOT NULL
  AND ST_Covers(z.boundary, o.geom) AND ST_Distance(o.geom::geography, ST_Boundary(z.boundary)::geography) > 300
  AND NOT EXISTS (SELECT 1 FROM request r WHERE r.org_id = o.id AND r.status NOT IN ('resolved', 'verified', 'rejected'))
ORDER BY (SELECT min(ST_Distance(o.geom::geography, o2.geom::geography)) FROM organization o2
          WHERE o2.id <> o.id AND o2.active AND o2.geom IS NOT NULL) DESC
LIMIT 1`).Scan(&id, &name, &p[0], &p[1])
	if err != nil {
		t.Fatal(err)
	}
	gcj := geo.WGS84ToGCJ02(p)
	t.Logf("control point: organization #%d %s at WGS84 %.6f,%.6f, GCJ-02 %.6f,%.6f (%.0f m apart)", id, name, p[0], p[1], gcj[0], gcj[1],
		orbgeo.Distance(p, gcj))

	tiles := markerTileServer(t, p) + "/{z}/{x}/{y}.png"
	url := serveWith(t, db, server.Config{Basemaps: []server.Basemap{
		{ID: "test-gcj", Name: "测试底图（GCJ-02）", Datum: "gcj02", MaxZoom: 19, Attribution: "测试瓦片",
			Layers: []server.BasemapLayer{{Tiles: []string{tiles}}}},
		{ID: "test-wgs", Name: "测试底图（WGS84）", Datum: "wgs84", MaxZoom: 19, Attribution: "测试瓦片",
			Layers: []server.BasemapLayer{{Tiles: []string{tiles}}}},
	}})
	runBrowserScript(t, url, "basemap.e2e.mjs", 5*time.Minute, append(logins("admin"),
		"E2E_ORG_ID="+strconv.FormatInt(id, 10), "E2E_ORG_NAME="+name,
		fmt.Sprintf("E2E_WGS=%.9f,%.9f", p[0], p[1]), fmt.Sprintf("E2E_GCJ=%.9f,%.9f", gcj[0], gcj[1]))...)
}

// serveWith serves the demo zone (loaded once for the package) with the
// built map app and cfg on a free loopback port.
func serveWith(t *testing.T, db *postgis.DB, cfg server.Config) string {
	t.Helper()
	web, _ := filepath.Abs("../frontend/dist")
	cfg.WebDir = web
	srv := server.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	srv.Run(ctx)
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() {
		stop()
		_ = srv.App().ShutdownWithTimeout(5 * time.Second)
	})
	return "http://" + ln.Addr().String()
}
