package main

import (
	"fmt"
	"strconv"
	"strings"

	"gridgis/server"
)

// Basemap presets for GRIDGIS_BASEMAP. 天地图 serves Web Mercator tiles
// ("_w") on eight hosts t0–t7 through WMTS key–value requests and needs
// a key (tk); its base and its annotation (place names) are separate
// layers. 天地图 is CGCS2000, within a metre of WGS84: no shift. Amap
// (高德) draws in GCJ-02: the app shifts its data onto it.
const (
	tiandituAttribution = "© 天地图 国家地理信息公共服务平台"
	amapAttribution     = "© 高德地图"
)

// tianditu is one 天地图 Web Mercator layer (vec, cva, img or cia) on its
// eight hosts.
func tianditu(layer, key string) server.BasemapLayer {
	var tiles []string
	for i := range 8 {
		tiles = append(tiles, fmt.Sprintf("https://t%d.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"+
			"&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s", i, layer, layer, key))
	}
	return server.BasemapLayer{Tiles: tiles}
}

// amap is one Amap tile style on its four hosts: webrd (roads map) or
// webst (satellite, and the road and label overlay drawn on it).
func amap(host string, style int) server.BasemapLayer {
	var tiles []string
	for i := 1; i <= 4; i++ {
		tiles = append(tiles, fmt.Sprintf("https://%s0%d.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=%d&x={x}&y={y}&z={z}", host, i, style))
	}
	return server.BasemapLayer{Tiles: tiles}
}

// basemapPresets are the names GRIDGIS_BASEMAP takes besides URLs.
var basemapPresets = []string{"tianditu-vec", "tianditu-img", "amap-vec", "amap-img"}

func basemapPreset(name, key string) server.Basemap {
	switch name {
	case "tianditu-vec":
		return server.Basemap{ID: name, Name: "天地图矢量", Datum: "wgs84", Attribution: tiandituAttribution, MaxZoom: 18,
			Layers: []server.BasemapLayer{tianditu("vec", key), tianditu("cva", key)}}
	case "tianditu-img":
		return server.Basemap{ID: name, Name: "天地图影像", Datum: "wgs84", Attribution: tiandituAttribution, MaxZoom: 18,
			Layers: []server.BasemapLayer{tianditu("img", key), tianditu("cia", key)}}
	case "amap-vec":
		return server.Basemap{ID: name, Name: "高德地图", Datum: "gcj02", Attribution: amapAttribution, MaxZoom: 18,
			Layers: []server.BasemapLayer{amap("webrd", 8)}}
	case "amap-img":
		return server.Basemap{ID: name, Name: "高德影像", Datum: "gcj02", Attribution: amapAttribution, MaxZoom: 18,
			Layers: []server.BasemapLayer{amap("webst", 6), amap("webst", 8)}}
	}
	panic("no basemap preset " + name)
}

// basemapsFromEnv reads GRIDGIS_BASEMAP: a comma-separated list of
// presets and raster XYZ URL templates (a comma inside a URL is written
// %2C), offered in the app's chooser in this order, the first shown at
// start. GRIDGIS_TIANDITU_KEY is the 天地图 key its presets need;
// GRIDGIS_BASEMAP_DATUM (wgs84, the default, or gcj02) is the datum of
// the URLs' tiles.
func basemapsFromEnv(getenv func(string) string) ([]server.Basemap, error) {
	datum := strings.ToLower(strings.TrimSpace(getenv("GRIDGIS_BASEMAP_DATUM")))
	switch datum {
	case "":
		datum = "wgs84"
	case "wgs84", "cgcs2000":
		datum = "wgs84" // 天地图's datum; within a metre of WGS84
	case "gcj02":
	default:
		return nil, fmt.Errorf("GRIDGIS_BASEMAP_DATUM=%q: want wgs84 or gcj02 (the datum the tiles are drawn in)", getenv("GRIDGIS_BASEMAP_DATUM"))
	}
	key := strings.TrimSpace(getenv("GRIDGIS_TIANDITU_KEY"))
	var maps []server.Basemap
	seen := map[string]bool{}
	custom := 0
	for _, entry := range strings.Split(getenv("GRIDGIS_BASEMAP"), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name := strings.ToLower(entry)
		switch {
		case isPreset(name):
			if strings.HasPrefix(name, "tianditu-") && key == "" {
				return nil, fmt.Errorf("GRIDGIS_BASEMAP=%s: 天地图底图需要密钥，请设置 GRIDGIS_TIANDITU_KEY / the 天地图 presets need your key (tk) in GRIDGIS_TIANDITU_KEY", entry)
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			maps = append(maps, basemapPreset(name, key))
		case strings.HasPrefix(name, "https://") || strings.HasPrefix(name, "http://") || strings.HasPrefix(entry, "/"):
			if !strings.Contains(entry, "{z}") || !strings.Contains(entry, "{x}") || !strings.Contains(entry, "{y}") {
				return nil, fmt.Errorf("GRIDGIS_BASEMAP: %q is not a tile URL template: it needs {z}, {x} and {y}", entry)
			}
			custom++
			name := "自定义底图"
			if custom > 1 {
				name += strconv.Itoa(custom)
			}
			maps = append(maps, server.Basemap{ID: "custom-" + strconv.Itoa(custom), Name: name, Datum: datum, MaxZoom: 19,
				Layers: []server.BasemapLayer{{Tiles: []string{entry}}}})
		default:
			return nil, fmt.Errorf("GRIDGIS_BASEMAP: %q is neither a preset (%s) nor an http(s) tile URL template", entry, strings.Join(basemapPresets, ", "))
		}
	}
	return maps, nil
}

func isPreset(name string) bool {
	for _, p := range basemapPresets {
		if p == name {
			return true
		}
	}
	return false
}
