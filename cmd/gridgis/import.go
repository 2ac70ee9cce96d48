package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/ingest"
	"gridgis/server"
)

// cliImportMaxBytes caps the file the command reads.
const cliImportMaxBytes = 512 << 20

const importUsage = "usage: gridgis import orgs FILE [--crs wgs84|gcj02|bd09|cgcs2000] [--dry-run] [--encoding utf-8|gbk] [--sheet S] [--zone CODE] [--mapping JSON]"

// importData runs `gridgis import orgs FILE`: the same checks and
// all-or-nothing write as the import endpoint, with a progress bar.
func importData(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "grids" {
		return importGrids(ctx, cfg, args[1:], stdout)
	}
	if len(args) > 0 && args[0] == "roads" {
		return importRoads(ctx, cfg, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "orgs" {
		return errors.New(importUsage)
	}
	fs := flag.NewFlagSet("import orgs", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	crs := fs.String("crs", "wgs84", "")
	dryRun := fs.Bool("dry-run", false, "")
	encoding := fs.String("encoding", "", "")
	sheet := fs.String("sheet", "", "")
	zone := fs.String("zone", "", "")
	mapping := fs.String("mapping", "", "")
	name, err := parseFileArgs(fs, args[1:], importUsage)
	if err != nil {
		return err
	}
	var in server.OrgImport
	if in.CRS, err = geo.ParseCRS(*crs); err != nil {
		return fmt.Errorf("--crs: %w", err)
	}
	if in.Read.Encoding, err = ingest.ParseEncoding(*encoding); err != nil {
		return fmt.Errorf("--encoding: %w", err)
	}
	if *mapping != "" {
		if err := in.Mapping.UnmarshalJSON([]byte(*mapping)); err != nil {
			return fmt.Errorf("--mapping: %w", err)
		}
	}
	in.Read.Sheet, in.DryRun, in.Who = *sheet, *dryRun, cliActor
	// A local file may be larger than an upload: a million rows of every
	// column pass 100 MiB. The row cap stays.
	in.Read.Limits.Bytes = cliImportMaxBytes
	if in.File, err = readCapped(name, cliImportMaxBytes); err != nil {
		return err
	}
	switch strings.ToLower(name[strings.LastIndexByte(name, '.')+1:]) {
	case "csv", "txt":
		in.Read.Format = ingest.CSV
	case "xlsx":
		in.Read.Format = ingest.XLSX
	case "geojson", "json":
		in.Read.Format = ingest.GeoJSON
	}

	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if in.Target, err = db.ImportTarget(ctx, *zone); err != nil {
		return err
	}
	bar := newProgressBar(stdout, in.DryRun)
	rep, err := server.ImportOrgs(ctx, db, in, bar.show)
	bar.end()
	if err != nil {
		return err
	}
	writeImportReport(stdout, name, in.Target.Zone, rep)
	if rep.ErrorCount > 0 {
		return fmt.Errorf("发现 %d 个问题，未写入任何数据 / %d problems: nothing written", rep.ErrorCount, rep.ErrorCount)
	}
	return nil
}

// wouldDo says what the valid rows of an unwritten import would change.
func wouldDo(rep *grid.ImportReport) string {
	if rep.Valid == 0 {
		return ""
	}
	return fmt.Sprintf("无误的 %d 行将新增 %d 家，更新 %d 家，未变 %d 家。", rep.Valid, rep.Inserted, rep.Updated, rep.Unchanged)
}

// parseFileArgs parses an import's flags and its one file, which may come
// before or after them.
func parseFileArgs(fs *flag.FlagSet, args []string, usage string) (string, error) {
	var files []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return "", fmt.Errorf("%v\n%s", err, usage)
		}
		args = fs.Args()
		if len(args) > 0 {
			files = append(files, args[0])
			args = args[1:]
		}
	}
	if len(files) != 1 {
		return "", errors.New(usage)
	}
	return files[0], nil
}

// importLimits are serve's caps on an import job.
type importLimits struct {
	MaxBytes int64         // GRIDGIS_IMPORT_MAX_BYTES, default 100 MiB: an uploaded file
	Timeout  time.Duration // GRIDGIS_IMPORT_TIMEOUT, default 30m: one import job
	Jobs     int           // GRIDGIS_IMPORT_JOBS, default 2: jobs running at once in the process
}

// importLimitsFromEnv reads serve's import caps; zero leaves the server's
// defaults.
func importLimitsFromEnv(getenv func(string) string) (importLimits, error) {
	var l importLimits
	if text := getenv("GRIDGIS_IMPORT_MAX_BYTES"); text != "" {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n < 1<<10 || n > 1<<30 {
			return l, fmt.Errorf("GRIDGIS_IMPORT_MAX_BYTES=%q: want a number of bytes from 1024 to 1073741824", text)
		}
		l.MaxBytes = n
	}
	if text := getenv("GRIDGIS_IMPORT_TIMEOUT"); text != "" {
		d, err := time.ParseDuration(text)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return l, fmt.Errorf("GRIDGIS_IMPORT_TIMEOUT=%q: want a duration from 1m to 24h, such as 45m", text)
		}
		l.Timeout = d
	}
	if text := getenv("GRIDGIS_IMPORT_JOBS"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > 64 {
			return l, fmt.Errorf("GRIDGIS_IMPORT_JOBS=%q: want a number of jobs from 1 to 64", text)
		}
		l.Jobs = n
	}
	return l, nil
}

// readCapped reads a file of at most limit bytes.
func readCapped(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &ingest.CapError{Cap: ingest.CapBytes, Limit: limit}
	}
	return b, nil
}

// progressBar draws an import's progress: a bar redrawn in place on a
// terminal, else a plain line every 10 %.
type progressBar struct {
	w         io.Writer
	terminal  bool
	dryRun    bool // the writes are rolled back: the second phase compares
	lastTenth int
	drawn     time.Time
	shown     bool
}

func newProgressBar(w io.Writer, dryRun bool) *progressBar {
	b := &progressBar{w: w, lastTenth: -1, dryRun: dryRun}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.terminal = true
		}
	}
	return b
}

// label names p's phase: a dry run's, or a file's with problems, second
// phase compares (its writes are rolled back).
func (b *progressBar) label(p server.ImportProgress) string {
	switch {
	case p.Phase == "check":
		return "检查"
	case b.dryRun || p.Problems > 0:
		return "比对"
	}
	return "写入"
}

// show takes one progress report. Done and Total count steps (a row
// checked, then written); the bar shows rows of the current phase.
func (b *progressBar) show(p server.ImportProgress) {
	if p.Total == 0 {
		return
	}
	rows := p.Total / 2 // each row is checked, then written
	done := p.Done
	if p.Phase == "write" {
		done -= rows
	}
	done = min(max(done, 0), rows)
	tenth := p.Done * 10 / p.Total
	if b.terminal {
		if time.Since(b.drawn) < 100*time.Millisecond && p.Done != p.Total {
			return
		}
		b.drawn = time.Now()
		const width = 30
		filled := p.Done * width / p.Total
		fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d 行 %3d%%", b.label(p), strings.Repeat("█", filled),
			strings.Repeat("░", width-filled), done, rows, p.Done*100/p.Total)
		b.shown = true
		return
	}
	if tenth > b.lastTenth {
		b.lastTenth = tenth
		fmt.Fprintf(b.w, "%s %d/%d 行（%d%%）\n", b.label(p), done, rows, tenth*10)
	}
}

func (b *progressBar) end() {
	if b.terminal && b.shown {
		fmt.Fprintln(b.w)
	}
}

// fieldNames are the register's fields in Chinese, for the report.
var fieldNames = map[string]string{"name": "名称", "uscc": "统一社会信用代码", "kind": "类型", "industry": "行业",
	"address": "地址", "lng": "经度", "lat": "纬度", "location": "坐标", "employees": "从业人员",
	"party_members": "党员人数", "party_org": "党组织情况", "high_tech": "高新技术企业", "specialized": "专精特新",
	"mapping": "列映射", "file": "文件", "encoding": "编码", "sheet": "工作表", "format": "格式"}

func fieldName(f string) string {
	if n, ok := fieldNames[f]; ok {
		return n
	}
	return f
}

// listed says how many of n are listed, when not all.
func listed(shown, n int) string {
	if shown < n {
		return fmt.Sprintf("，列出前 %d 个", shown)
	}
	return ""
}

// writeImportReport prints what an import did, in Chinese.
func writeImportReport(w io.Writer, file string, z grid.Zone, rep *grid.ImportReport) {
	fmt.Fprintf(w, "企业名录导入：%s → %s（%s）\n", file, z.Name, z.Code)
	if len(rep.Header) > 0 {
		cols := make([]int, 0, len(rep.Mapping))
		for i := range rep.Mapping {
			cols = append(cols, i)
		}
		slices.Sort(cols)
		var parts []string
		for _, i := range cols {
			head := ""
			if i < len(rep.Header) {
				head = rep.Header[i]
			}
			parts = append(parts, fmt.Sprintf("第 %d 列“%s”→ %s", i+1, head, fieldName(rep.Mapping[i])))
		}
		fmt.Fprintf(w, "表头在第 %d 行；列映射：%s\n", rep.HeaderRow, strings.Join(parts, "，"))
	}
	fmt.Fprintf(w, "数据 %d 行：无误 %d 行，有问题 %d 行，无坐标 %d 行\n", rep.Total, rep.Valid, rep.Invalid, rep.UnlocatedCount)
	if rep.ErrorCount > 0 {
		fmt.Fprintf(w, "问题（%d 个%s）：\n", rep.ErrorCount, listed(len(rep.Errors), rep.ErrorCount))
		for _, p := range rep.Errors {
			where := "文件"
			if p.Row > 0 {
				where = fmt.Sprintf("第 %d 行", p.Row)
			}
			fmt.Fprintf(w, "  %s  %s：%s\n", where, fieldName(p.Field), p.Reason)
		}
	}
	if rep.WarningCount > 0 {
		fmt.Fprintf(w, "提醒（%d 个%s，可照常导入）：\n", rep.WarningCount, listed(len(rep.Warnings), rep.WarningCount))
		for _, p := range rep.Warnings {
			fmt.Fprintf(w, "  第 %d 行  %s：%s\n", p.Row, fieldName(p.Field), p.Reason)
		}
	}
	if rep.UnlocatedCount > 0 {
		fmt.Fprintf(w, "无坐标、待在地图上定位（%d 家%s）：\n", rep.UnlocatedCount, listed(len(rep.Unlocated), rep.UnlocatedCount))
		for _, u := range rep.Unlocated {
			fmt.Fprintf(w, "  第 %d 行  %s  %s\n", u.Row, u.Name, u.USCC)
		}
	}
	switch {
	case rep.ErrorCount > 0 && rep.DryRun:
		fmt.Fprintf(w, "试运行：请改正以上问题后再导入。未写入任何数据。%s\n", wouldDo(rep))
	case rep.ErrorCount > 0:
		fmt.Fprintf(w, "有问题，未写入任何数据（导入须全部无误）。请改正后重试，可先加 --dry-run 试运行。%s\n", wouldDo(rep))
	case rep.DryRun:
		fmt.Fprintf(w, "试运行：全部无误，去掉 --dry-run 即可导入。未写入任何数据。%s\n", wouldDo(rep))
	default:
		fmt.Fprintf(w, "导入完成：新增 %d 家，更新 %d 家，未变 %d 家；已按“行业归口、属地兜底”划入网格（已有企业改变网格 %d 家）。\n",
			rep.Inserted, rep.Updated, rep.Unchanged, rep.Regridded)
	}
}
