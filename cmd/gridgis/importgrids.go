package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/ingest"
	"gridgis/server"
)

const importGridsUsage = "usage: gridgis import grids FILE [--crs wgs84|gcj02|bd09|cgcs2000] [--dry-run] [--zone CODE] [--zone-boundary from-grids] [--format geojson|kml|zip|gpkg]"

// importGrids runs `gridgis import grids FILE`: the same reading, checks,
// preview and all-or-nothing change as the boundary import endpoint.
func importGrids(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import grids", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := spatialFileFlags(fs)
	dryRun := fs.Bool("dry-run", false, "")
	zone := fs.String("zone", "", "")
	zoneBoundary := fs.String("zone-boundary", "", "")
	name, err := parseFileArgs(fs, args, importGridsUsage)
	if err != nil {
		return err
	}
	in := server.GridImport{DryRun: *dryRun, Who: cliActor}
	switch *zoneBoundary {
	case "":
	case "from-grids":
		in.ZoneFromGrids = true
	default:
		return fmt.Errorf("--zone-boundary: 只能是 from-grids（区界改为网格的并集）/ must be from-grids")
	}
	if in.File, err = file.read(name, &in.Read); err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if in.Zone, err = db.FindZone(ctx, *zone); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "网格边界导入：%s → %s（%s）\n", name, in.Zone.Name, in.Zone.Code)
	rep, err := server.ImportGrids(ctx, db, in, func(p server.ImportProgress) {
		switch {
		case p.Phase == "check" && p.Total > 0:
			fmt.Fprintf(stdout, "已读取 %d 个要素，正在检查拓扑（自相交、重叠、空隙）并预览变化…\n", p.Done)
		}
	})
	if err != nil {
		return err
	}
	writeGridImportReport(stdout, rep)
	if rep.ProblemCount > 0 {
		return fmt.Errorf("发现 %d 个问题，未写入任何数据 / %d problems: nothing written", rep.ProblemCount, rep.ProblemCount)
	}
	return nil
}

var gridFieldNames = map[string]string{"geometry": "几何", "code": "网格编码", "name": "网格名称", "industry": "行业",
	"officer": "网格员", "file": "文件", "format": "格式"}

// writeGridImportReport prints a boundary import's outcome in Chinese.
func writeGridImportReport(w io.Writer, rep *grid.GridImportReport) {
	if rep.Format != "" {
		fmt.Fprintf(w, "格式 %s，要素 %d 个\n", rep.Format, rep.Features)
	}
	if rep.ProblemCount > 0 {
		fmt.Fprintf(w, "问题（%d 个%s）：\n", rep.ProblemCount, listed(len(rep.Problems), rep.ProblemCount))
		for _, p := range rep.Problems {
			where := "园区/文件"
			if p.Feature > 0 {
				where = fmt.Sprintf("第 %d 个要素", p.Feature)
				if p.Code != "" {
					where += "（" + p.Code + "）"
				}
			}
			field := gridFieldNames[p.Field]
			if field == "" {
				field = p.Field
			}
			fmt.Fprintf(w, "  %s  %s：%s\n", where, field, p.Reason)
		}
		if rep.DryRun {
			fmt.Fprintln(w, "试运行：请改正以上问题后再导入。未写入任何数据。")
		} else {
			fmt.Fprintln(w, "有问题，未写入任何数据（导入须全部无误）。请改正后重试，可先加 --dry-run 预览。")
		}
		return
	}
	if z := rep.Zone; z != nil {
		fmt.Fprintf(w, "区界改为网格的并集：面积 %s → %s 平方公里\n", km2(z.AreaFromM2), km2(z.AreaToM2))
		if z.OrgsOutside > 0 {
			fmt.Fprintf(w, "%d 家企业将落在新区界外（仍属本园区，按最近网格划分），如：%s\n", z.OrgsOutside, strings.Join(z.OrgsOutsideNames, "、"))
		}
	}
	fmt.Fprintf(w, "网格：新增 %d 个，更新 %d 个，未变 %d 个，删除 %d 个（文件中没有的现有网格）\n",
		rep.Inserted, rep.Updated, rep.Unchanged, rep.Removed)
	if len(rep.RemovedCodes) > 0 {
		fmt.Fprintf(w, "删除的网格：%s\n", strings.Join(rep.RemovedCodes, "、"))
	}
	if rep.LiaisonsEnded > 0 {
		fmt.Fprintf(w, "%d 家企业将无联络员（联络员不在其新网格，包联解除）\n", rep.LiaisonsEnded)
	}
	fmt.Fprintf(w, "按“行业归口、属地兜底”改变网格的企业 %d 家%s：\n", rep.Moved, listed(len(rep.Moves), rep.Moved))
	for _, m := range rep.Moves {
		from := m.FromGrid
		if from == "" {
			from = "（无）"
		}
		ended := ""
		if m.LiaisonEnded {
			ended = "；联络员不在新网格，包联关系解除"
		}
		fmt.Fprintf(w, "  %s  %s  %s → %s（%s）%s\n", m.Name, m.USCC, from, m.ToGrid, m.Reason, ended)
	}
	if len(rep.Loads) > 0 {
		fmt.Fprintf(w, "联络员负荷将超出范围（%d 名）：\n", len(rep.Loads))
		for _, l := range rep.Loads {
			fmt.Fprintf(w, "  %s（网格 %s）  %d → %d 家，应为 %d–%d 家\n", l.Name, l.Grid, l.Before, l.After, l.Min, l.Max)
		}
	}
	if rep.DryRun {
		fmt.Fprintln(w, "试运行（预览）：未写入任何数据，去掉 --dry-run 即可导入。")
	} else {
		fmt.Fprintf(w, "导入完成：已替换网格边界并重新划分，解除包联关系 %d 条；每家改变网格的企业已记入审计日志。\n", rep.LiaisonsEnded)
	}
}

// spatialFile holds the flags of the imports of spatial files (grids,
// base layer): the coordinate system and the format.
type spatialFile struct{ crs, format *string }

func spatialFileFlags(fs *flag.FlagSet) spatialFile {
	return spatialFile{crs: fs.String("crs", "wgs84", ""), format: fs.String("format", "", "")}
}

// read checks the flags into opt and reads the file, capped.
func (f spatialFile) read(name string, opt *ingest.BoundaryOptions) ([]byte, error) {
	var err error
	if opt.CRS, err = geo.ParseCRS(*f.crs); err != nil {
		return nil, fmt.Errorf("--crs: %w", err)
	}
	if opt.Format, err = ingest.ParseBoundaryFormat(*f.format); err != nil {
		return nil, fmt.Errorf("--format: %w", err)
	}
	opt.Filename, opt.Limits.Bytes = name, cliImportMaxBytes
	return readCapped(name, cliImportMaxBytes)
}
