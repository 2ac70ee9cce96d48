package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"gridgis/server"
)

// /api/v1/config lists the configured basemaps in order, with their
// layers and datum; the CSP names every tile host they use, and only
// those.
func TestConfigListsBasemaps(t *testing.T) {
	tdt := server.Basemap{ID: "tianditu-vec", Name: "天地图矢量", Datum: "wgs84", MaxZoom: 18, Layers: []server.BasemapLayer{
		{Tiles: []string{"https://t0.tianditu.gov.cn/vec_w/wmts?x={x}&tk=k", "https://t1.tianditu.gov.cn/vec_w/wmts?x={x}&tk=k"}},
		{Tiles: []string{"https://t0.tianditu.gov.cn/cva_w/wmts?x={x}&tk=k"}},
	}}
	amap := server.Basemap{ID: "amap-vec", Name: "高德地图", Datum: "gcj02", MaxZoom: 18, Attribution: "© 高德地图",
		Layers: []server.BasemapLayer{{Tiles: []string{"https://webrd01.is.autonavi.com/appmaptile?x={x}"}}}}
	srv := server.New(server.Config{Basemaps: []server.Basemap{amap, tdt}}, nil, discardLog)

	status, h, body := get(t, srv, "/api/v1/config")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var got struct {
		Basemaps []server.Basemap `json:"basemaps"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Basemaps) != 2 || got.Basemaps[0].ID != "amap-vec" || got.Basemaps[0].Datum != "gcj02" ||
		got.Basemaps[1].ID != "tianditu-vec" || len(got.Basemaps[1].Layers) != 2 || got.Basemaps[1].Layers[0].Tiles[1] != tdt.Layers[0].Tiles[1] {
		t.Errorf("config %s", body)
	}
	img := directive(h.Get("Content-Security-Policy"), "img-src")
	want := []string{"'self'", "data:", "blob:", "https://webrd01.is.autonavi.com", "https://t0.tianditu.gov.cn", "https://t1.tianditu.gov.cn"}
	if !slices.Equal(img, want) {
		t.Errorf("img-src %v, want %v", img, want)
	}

	// None configured: an empty list, never null.
	_, _, body = get(t, server.New(server.Config{}, nil, discardLog), "/api/v1/config")
	if string(body) != `{"basemaps":[],"map_tiles_above":20000}` {
		t.Errorf("no basemap: %s", body)
	}
	// The large-scope threshold, as configured.
	_, _, body = get(t, server.New(server.Config{MapTilesAbove: 50}, nil, discardLog), "/api/v1/config")
	if string(body) != `{"basemaps":[],"map_tiles_above":50}` {
		t.Errorf("map_tiles_above 50: %s", body)
	}
	// The test shorthand: one WGS84 template.
	_, _, body = get(t, server.New(server.Config{Basemap: "https://tiles.example.com/{z}/{x}/{y}.png"}, nil, discardLog), "/api/v1/config")
	if err := json.Unmarshal(body, &got); err != nil || len(got.Basemaps) != 1 || got.Basemaps[0].Datum != "wgs84" || got.Basemaps[0].ID != "custom-1" {
		t.Errorf("shorthand: %s", body)
	}
}
