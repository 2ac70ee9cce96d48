package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestBasemapsFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

	maps, err := basemapsFromEnv(env(nil))
	if err != nil || len(maps) != 0 {
		t.Fatalf("unset: %v %v, want none", maps, err)
	}

	maps, err = basemapsFromEnv(env(map[string]string{
		"GRIDGIS_BASEMAP":      "tianditu-vec, amap-img ,https://tiles.example.com/{z}/{x}/{y}.png?layers=a%2Cb,tianditu-img",
		"GRIDGIS_TIANDITU_KEY": "k123",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range maps {
		ids = append(ids, m.ID+":"+m.Datum)
	}
	if got := strings.Join(ids, " "); got != "tianditu-vec:wgs84 amap-img:gcj02 custom-1:wgs84 tianditu-img:wgs84" {
		t.Errorf("ids %s", got)
	}
	// 天地图: base then annotation, eight hosts, the key and the WMTS tile address in each.
	vec := maps[0]
	if len(vec.Layers) != 2 || len(vec.Layers[0].Tiles) != 8 || len(vec.Layers[1].Tiles) != 8 {
		t.Fatalf("tianditu-vec layers %+v", vec.Layers)
	}
	for i, want := range []string{"vec", "cva"} {
		for h, tile := range vec.Layers[i].Tiles {
			for _, part := range []string{"https://t" + string(rune('0'+h)) + ".tianditu.gov.cn/" + want + "_w/wmts?", "LAYER=" + want + "&",
				"TILEMATRIXSET=w", "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}", "tk=k123"} {
				if !strings.Contains(tile, part) {
					t.Errorf("layer %s host %d: %s lacks %s", want, h, tile, part)
				}
			}
		}
	}
	if img := maps[3]; !strings.Contains(img.Layers[0].Tiles[0], "/img_w/") || !strings.Contains(img.Layers[1].Tiles[7], "t7.tianditu.gov.cn/cia_w/") {
		t.Errorf("tianditu-img layers %+v", img.Layers)
	}
	// Amap imagery: satellite (style 6) under roads and labels (style 8), four hosts each.
	amapImg := maps[1]
	if len(amapImg.Layers) != 2 || len(amapImg.Layers[0].Tiles) != 4 ||
		amapImg.Layers[0].Tiles[0] != "https://webst01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=6&x={x}&y={y}&z={z}" ||
		!strings.Contains(amapImg.Layers[1].Tiles[3], "webst04.is.autonavi.com/appmaptile?") || !strings.Contains(amapImg.Layers[1].Tiles[3], "style=8") {
		t.Errorf("amap-img layers %+v", amapImg.Layers)
	}
	if c := maps[2]; c.Layers[0].Tiles[0] != "https://tiles.example.com/{z}/{x}/{y}.png?layers=a%2Cb" || c.Name != "自定义底图" {
		t.Errorf("custom %+v", c)
	}

	maps, err = basemapsFromEnv(env(map[string]string{"GRIDGIS_BASEMAP": "http://127.0.0.1:9/{z}/{x}/{y}.png", "GRIDGIS_BASEMAP_DATUM": "GCJ02"}))
	if err != nil || len(maps) != 1 || maps[0].Datum != "gcj02" {
		t.Errorf("custom gcj02: %+v %v", maps, err)
	}

	for _, bad := range []struct {
		env  map[string]string
		says string
	}{
		{map[string]string{"GRIDGIS_BASEMAP": "tianditu-vec"}, "GRIDGIS_TIANDITU_KEY"},
		{map[string]string{"GRIDGIS_BASEMAP": "amap-vec,tianditu-img"}, "GRIDGIS_TIANDITU_KEY"},
		{map[string]string{"GRIDGIS_BASEMAP": "google"}, "neither a preset"},
		{map[string]string{"GRIDGIS_BASEMAP": "https://tiles.example.com/tile.png"}, "{z}"},
		{map[string]string{"GRIDGIS_BASEMAP": "amap-vec", "GRIDGIS_BASEMAP_DATUM": "bd09"}, "GRIDGIS_BASEMAP_DATUM"},
	} {
		if _, err := basemapsFromEnv(env(bad.env)); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%v: error %v, want one naming %s", bad.env, err, bad.says)
		}
	}
}

// serve refuses a 天地图 preset without a key at once, before it touches
// the database.
func TestServeRefusesTiandituWithoutKey(t *testing.T) {
	t.Setenv("GRIDGIS_BASEMAP", "tianditu-img")
	t.Setenv("GRIDGIS_TIANDITU_KEY", "")
	cfg := configFromEnv()
	cfg.DatabaseURL = "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"
	err := run(context.Background(), cfg, []string{"serve"}, strings.NewReader(""), io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "天地图底图需要密钥") || !strings.Contains(err.Error(), "GRIDGIS_TIANDITU_KEY") {
		t.Fatalf("serve: %v, want the missing key named", err)
	}
}
