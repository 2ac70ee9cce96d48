package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"gridgis/grid"
	"gridgis/server"
)

const importRoadsUsage = "usage: gridgis import roads FILE [--zone CODE] [--crs wgs84|gcj02|bd09|cgcs2000] [--dry-run] [--replace] [--format geojson|kml|zip|gpkg]"

// importRoads runs `gridgis import roads FILE`: the zone's base layer
// (roads, place names, water and green areas) for the map without a
// basemap server, as the HTTP import loads it.
func importRoads(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import roads", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := spatialFileFlags(fs)
	dryRun := fs.Bool("dry-run", false, "")
	replace := fs.Bool("replace", false, "")
	zone := fs.String("zone", "", "")
	name, err := parseFileArgs(fs, args, importRoadsUsage)
	if err != nil {
		return err
	}
	in := server.BaseLayerImport{DryRun: *dryRun, Replace: *replace, Who: cliActor}
	if in.File, err = file.read(name, &in.Read); err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	z, err := db.FindZone(ctx, *zone)
	if err != nil {
		return err
	}
	in.ZoneID = z.ID
	fmt.Fprintf(stdout, "底图图层导入：%s → %s（%s）\n", name, z.Name, z.Code)
	rep, err := server.ImportBaseLayer(ctx, db, in)
	if rep != nil {
		writeBaseImportReport(stdout, rep)
	}
	return err
}

var baseKindNames = map[grid.BaseKind]string{grid.BaseRoad: "道路（线）", grid.BasePlace: "地名（点）", grid.BaseArea: "水系绿地（面）"}

// writeBaseImportReport prints a base layer import's outcome in Chinese.
func writeBaseImportReport(w io.Writer, rep *grid.BaseImportReport) {
	fmt.Fprintf(w, "格式 %s，要素 %d 个\n", rep.Format, rep.Features)
	verb := "导入"
	if rep.DryRun {
		verb = "可导入"
	}
	var counts []string
	for _, k := range grid.BaseKinds {
		counts = append(counts, fmt.Sprintf("%s %d 个", baseKindNames[k], rep.Loaded[k]))
	}
	fmt.Fprintf(w, "%s：%s\n", verb, strings.Join(counts, "，"))
	if rep.ProblemCount > 0 {
		fmt.Fprintf(w, "拒绝 %d 个要素（未导入%s）：\n", rep.ProblemCount, listed(len(rep.Problems), rep.ProblemCount))
		for _, p := range rep.Problems {
			where := fmt.Sprintf("第 %d 个要素", p.Feature)
			if p.Name != "" {
				where += "（" + p.Name + "）"
			}
			at := ""
			if p.Point != nil {
				at = fmt.Sprintf(" [%.6f, %.6f]", p.Point[0], p.Point[1])
			}
			fmt.Fprintf(w, "  %s%s：%s\n", where, at, p.Reason)
		}
	}
	switch {
	case rep.LoadedCount() == 0:
		fmt.Fprintln(w, "没有可导入的要素，未写入任何数据。")
	case rep.DryRun:
		fmt.Fprintln(w, "试运行（预览）：未写入任何数据，去掉 --dry-run 即可导入。")
	case rep.Removed > 0:
		fmt.Fprintf(w, "导入完成：已删除原有底图要素 %d 个并换为以上要素。\n", rep.Removed)
	default:
		fmt.Fprintln(w, "导入完成（追加到园区原有底图要素；加 --replace 可整体替换）。")
	}
}
