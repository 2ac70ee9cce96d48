package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/ingest"
)

const zoneUsage = `usage: gridgis zone add CODE NAME --boundary FILE [--crs wgs84|gcj02|bd09|cgcs2000] [--format F]
       gridgis zone boundary CODE (FILE [--crs C] [--format F] | --from-grids)
       gridgis zone list`

// zoneCommand runs `gridgis zone add|boundary|list`: a zone's boundary
// comes from a polygon file read as the grid import reads one (several
// polygons make their union), or from the union of its grids.
func zoneCommand(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(zoneUsage)
	}
	fs := flag.NewFlagSet("zone "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	crs := fs.String("crs", "wgs84", "")
	format := fs.String("format", "", "")
	file := fs.String("boundary", "", "")
	fromGrids := fs.Bool("from-grids", false, "")
	pos, err := parsePositional(fs, args[1:])
	if err != nil {
		return err
	}
	var b grid.ZoneBoundary
	switch {
	case args[0] == "list" && len(pos) == 0:
	case args[0] == "add" && len(pos) == 2 && *file != "" && !*fromGrids:
		b.Source = *file
	case args[0] == "boundary" && len(pos) == 2 && *file == "" && !*fromGrids:
		b.Source = pos[1]
	case args[0] == "boundary" && len(pos) == 1 && *file == "" && *fromGrids:
		b.FromGrids = true
	default:
		return errors.New(zoneUsage)
	}
	var z grid.Zone
	if args[0] == "add" {
		z = grid.Zone{Code: pos[0], Name: pos[1]}
		if err := grid.ValidateZone(z); err != nil {
			return err
		}
	}
	if b.Source != "" {
		if b.Parts, err = readZoneFile(ctx, b.Source, *crs, *format); err != nil {
			return err
		}
	}

	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	var ch grid.ZoneChange
	switch args[0] {
	case "list":
		zones, err := db.ListZones(ctx)
		if err != nil {
			return err
		}
		writeZones(stdout, zones)
		return nil
	case "add":
		if ch, err = db.AddZone(ctx, cliActor, z, b); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "园区已创建：%s %s（编号 %d），面积 %s 平方公里\n", ch.Zone.Code, ch.Zone.Name, ch.Zone.ID, km2(ch.AreaM2))
		fmt.Fprintf(stdout, "下一步：gridgis import grids 网格文件 --zone %s\n", ch.Zone.Code)
		return nil
	}
	// A zone code only: an id would be one typo from another zone.
	if z, err = db.FindZone(ctx, pos[0]); err != nil {
		return err
	}
	if z.Code != pos[0] {
		return grid.Errorf(grid.ENotFound, "没有编码为 %q 的园区 / no zone %q", pos[0], pos[0])
	}
	if ch, err = db.SetZoneBoundary(ctx, cliActor, z.ID, b); err != nil {
		return err
	}
	from := b.Source
	if b.FromGrids {
		from = "网格的并集"
	}
	fmt.Fprintf(stdout, "园区 %s %s 的区界已更新（来自 %s）：面积 %s → %s 平方公里\n",
		ch.Zone.Code, ch.Zone.Name, from, km2(ch.OldAreaM2), km2(ch.AreaM2))
	fmt.Fprintf(stdout, "网格 %d 个、已定位企业 %d 家均在新区界内；旧区界已记入审计日志（zone_boundary）\n", ch.Grids, ch.Orgs-ch.OrgsOutsideBefore)
	if ch.OrgsOutsideBefore > 0 {
		fmt.Fprintf(stdout, "另有 %d 家企业原本就在区界外，未作处理\n", ch.OrgsOutsideBefore)
	}
	return nil
}

// parsePositional parses flags that may come before, between or after
// the positional arguments, which it returns.
func parsePositional(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%v\n%s", err, zoneUsage)
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return pos, nil
}

// readZoneFile reads a zone's polygons with the grid import's reader
// (same formats, coordinate systems and caps).
func readZoneFile(ctx context.Context, name, crs, format string) ([]orb.MultiPolygon, error) {
	var opt ingest.BoundaryOptions
	var err error
	if opt.CRS, err = geo.ParseCRS(crs); err != nil {
		return nil, fmt.Errorf("--crs: %w", err)
	}
	if opt.Format, err = ingest.ParseBoundaryFormat(format); err != nil {
		return nil, fmt.Errorf("--format: %w", err)
	}
	opt.Filename, opt.Limits.Bytes = name, cliImportMaxBytes
	opt.Outline = true // an outline has no grid code or industry
	data, err := readCapped(name, cliImportMaxBytes)
	if err != nil {
		return nil, err
	}
	data = withStandIns(data, name, opt.Format)
	res, err := ingest.ReadBoundaries(ctx, data, opt)
	if err != nil {
		return nil, err
	}
	var geometry, other []string
	for _, p := range res.Problems {
		s := fmt.Sprintf("第 %d 个要素：%s", p.Feature, p.Reason)
		if p.Field == "geometry" {
			geometry = append(geometry, s)
		} else {
			other = append(other, s)
		}
	}
	switch {
	case len(geometry) > 0:
		return nil, grid.Invalid("boundary", "区界文件有问题，未作任何修改：\n  %s", strings.Join(geometry, "\n  "))
	case len(other) > 0:
		// Only a GeoJSON or KML file gets stand-in attributes here.
		return nil, grid.Invalid("boundary", "区界文件的要素缺少网格属性，未作任何修改：Shapefile、GeoPackage 等须带 code（编码）和 industry（行业）属性，值可任意；"+
			"或转为 GeoJSON、KML 再试。\n  %s", strings.Join(other, "\n  "))
	}
	parts := make([]orb.MultiPolygon, len(res.Grids))
	for i, g := range res.Grids {
		parts[i] = g.Geom
	}
	return parts, nil
}

// withStandIns gives each feature of a GeoJSON or KML file a stand-in
// grid code and industry: the grid reader asks for them, a zone's outline
// has none. A bare GeoJSON geometry becomes a feature. Any other file, or
// one it cannot parse, is left for the reader to judge.
func withStandIns(data []byte, name string, format ingest.BoundaryFormat) []byte {
	ext := strings.ToLower(filepath.Ext(name))
	text := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case format == ingest.BoundaryGeoJSON || format == "" && (ext == ".geojson" || ext == ".json" || ext != ".kml" && bytes.HasPrefix(text, []byte("{"))):
		return geojsonStandIns(text, data)
	case format == ingest.BoundaryKML || format == "" && ext == ".kml":
		return kmlStandIns(data)
	}
	return data
}

func standIn(n int) (code, industry string) { return "Z" + strconv.Itoa(n), "zone" }

func geojsonStandIns(text, data []byte) []byte {
	var top map[string]json.RawMessage
	var typ string
	if json.Unmarshal(text, &top) != nil || json.Unmarshal(top["type"], &typ) != nil {
		return data
	}
	var features []map[string]json.RawMessage
	switch typ {
	case "FeatureCollection":
		if json.Unmarshal(top["features"], &features) != nil {
			return data
		}
	case "Feature":
		features = []map[string]json.RawMessage{top}
	case "Polygon", "MultiPolygon":
		features = []map[string]json.RawMessage{{"type": json.RawMessage(`"Feature"`), "geometry": text}}
	default:
		return data
	}
	for i, f := range features {
		if f == nil {
			continue // the reader names a feature that is not an object
		}
		code, industry := standIn(i + 1)
		props, _ := json.Marshal(map[string]string{"code": code, "name": code, "industry": industry})
		f["properties"] = props
	}
	out, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features})
	if err != nil {
		return data
	}
	return out
}

// kmlStandIns adds the attributes at the end of each Placemark, as
// SchemaData, which the reader takes after the file's own.
func kmlStandIns(data []byte) []byte {
	end := []byte("</Placemark>")
	parts := bytes.Split(data, end)
	var out bytes.Buffer
	for i, p := range parts {
		out.Write(p)
		if i == len(parts)-1 {
			break
		}
		code, industry := standIn(i + 1)
		fmt.Fprintf(&out, `<ExtendedData><SchemaData><SimpleData name="code">%s</SimpleData><SimpleData name="name">%s</SimpleData>`+
			`<SimpleData name="industry">%s</SimpleData></SchemaData></ExtendedData>`,
			code, code, industry)
		out.Write(end)
	}
	return out.Bytes()
}

func km2(m2 float64) string { return strconv.FormatFloat(m2/1e6, 'f', 3, 64) }

// writeZones prints the zones as a table.
func writeZones(w io.Writer, zones []grid.ZoneSummary) {
	if len(zones) == 0 {
		fmt.Fprintln(w, "还没有园区：gridgis zone add CODE NAME --boundary FILE")
		return
	}
	rows := [][5]string{{"编码", "名称", "面积（平方公里）", "网格", "企业"}}
	for _, z := range zones {
		rows = append(rows, [5]string{z.Code, z.Name, km2(z.AreaM2), strconv.Itoa(z.Grids), strconv.Itoa(z.Orgs)})
	}
	var col [5]int
	for _, r := range rows {
		for i, cell := range r {
			col[i] = max(col[i], displayWidth(cell))
		}
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s  %s  %s  %s  %s\n", padRight(r[0], col[0]), padRight(r[1], col[1]),
			padLeft(r[2], col[2]), padLeft(r[3], col[3]), padLeft(r[4], col[4]))
	}
}
