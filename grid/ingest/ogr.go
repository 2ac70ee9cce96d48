package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gridgis/grid"
)

// The dataset kinds a zip may carry, by the extension of its main file.
var zipDatasets = map[string]BoundaryFormat{
	".shp": "shapefile", ".tab": "mapinfo", ".mif": "mapinfo", ".gpkg": BoundaryGPKG,
	".kml": BoundaryKML, ".geojson": BoundaryGeoJSON, ".json": BoundaryGeoJSON,
}

// zipKept are the extensions extracted from a zip: the datasets' files
// and their companions. Everything else is left in the archive.
var zipKept = []string{".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj", ".tab", ".dat", ".map", ".id", ".ind",
	".mif", ".mid", ".gpkg", ".kml", ".geojson", ".json"}

// readThroughGDAL reads a zip (a Shapefile, a MapInfo table, a GeoPackage,
// or a KML or GeoJSON packed as KMZ or zip) or a GeoPackage. Zips are
// unpacked here, under caps, into a fresh directory; GDAL reads only that.
// filename is the upload's name, for messages about a bare GeoPackage.
func readThroughGDAL(ctx context.Context, data []byte, format BoundaryFormat, filename, ogr string, lim BoundaryLimits) ([]rawBoundary, BoundaryFormat, error) {
	dir, err := os.MkdirTemp("", "gridgis-boundary-")
	if err != nil {
		return nil, format, err
	}
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "grids.gpkg")
	shown := "grids.gpkg" // the name messages give the dataset
	if filename != "" && format != BoundaryZip {
		shown = filename
	}
	if format == BoundaryZip {
		files, err := unzipBoundary(data, dir, lim)
		if err != nil {
			return nil, format, err
		}
		var found []string
		for _, f := range files {
			if _, ok := zipDatasets[strings.ToLower(filepath.Ext(f))]; ok {
				found = append(found, f)
			}
		}
		if len(found) != 1 {
			return nil, format, grid.Invalid("file", "压缩包中须恰有一个图层文件（.shp、.tab、.mif、.gpkg、.kml 或 .geojson），此处有 %d 个%s / the zip must hold exactly one dataset",
				len(found), listNames(found))
		}
		main, shown = found[0], found[0]
		format = zipDatasets[strings.ToLower(filepath.Ext(main))]
		switch format {
		case BoundaryKML, BoundaryGeoJSON:
			b, err := os.ReadFile(main)
			if err != nil {
				return nil, format, err
			}
			if format == BoundaryKML {
				f, err := readKML(b, lim)
				return f, format, err
			}
			f, err := readGeoJSONBoundaries(b, lim)
			return f, format, err
		}
	} else if err := os.WriteFile(main, data, 0o600); err != nil {
		return nil, format, err
	}
	if err := checkSignature(main, shown); err != nil {
		return nil, format, err
	}
	out, err := runOGR(ctx, ogr, dir, main, lim)
	if err != nil {
		return nil, format, err
	}
	f, err := readGeoJSONBoundaries(out, lim)
	return f, format, err
}

// signatures are how each dataset GDAL reads must begin. GDAL picks its
// driver by content, not by name: a VRT named grids.gpkg would make it
// read any file or URL the VRT names. Only these open.
var signatures = map[string]func([]byte) bool{
	".shp":  func(b []byte) bool { return bytes.HasPrefix(b, []byte{0, 0, 0x27, 0x0a}) },
	".gpkg": func(b []byte) bool { return bytes.HasPrefix(b, []byte("SQLite format 3\x00")) },
	".tab": func(b []byte) bool {
		return bytes.HasPrefix(bytes.ToLower(bytes.TrimLeft(b, "\xef\xbb\xbf \t\r\n")), []byte("!table"))
	},
	".mif": func(b []byte) bool {
		return bytes.HasPrefix(bytes.ToLower(bytes.TrimLeft(b, "\xef\xbb\xbf \t\r\n")), []byte("version"))
	},
}

// checkSignature refuses a dataset whose content is not what its name
// says; shown is the name the message gives it.
func checkSignature(name, shown string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	ext := strings.ToLower(filepath.Ext(name))
	if ok := signatures[ext]; ok == nil || !ok(head[:n]) {
		return grid.Invalid("file", "%s 不是有效的 %s 文件 / not a valid %s file", safeName(shown), ext, ext)
	}
	return nil
}

func listNames(names []string) string {
	if len(names) == 0 {
		return ""
	}
	base := make([]string, len(names))
	for i, n := range names {
		base[i] = safeName(n)
	}
	return "：" + strings.Join(base, "、")
}

// unzipBoundary writes the kept entries of a zip into dir, flattened to
// their base names, and returns their paths. The entry count, each
// entry's ratio and the bytes inflated together are capped, the last as
// actually inflated, so a zip bomb stops at the cap whatever its
// headers claim.
func unzipBoundary(data []byte, dir string, lim BoundaryLimits) ([]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, grid.Invalid("file", "zip 无法读取 / unreadable zip: %v", errText(err))
	}
	if len(zr.File) > lim.ZipEntries {
		return nil, &CapError{Cap: CapZipEntries, Limit: int64(lim.ZipEntries)}
	}
	var paths []string
	seen := map[string]bool{}
	left := lim.Unzipped
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		name := path.Base(strings.ReplaceAll(zf.Name, `\`, "/"))
		ext := strings.ToLower(filepath.Ext(name))
		if !slices.Contains(zipKept, ext) || strings.HasPrefix(name, ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		if zf.UncompressedSize64 > uint64(left) {
			return nil, &CapError{Cap: CapZipBytes, Limit: lim.Unzipped}
		}
		if zf.UncompressedSize64 > 1<<20 && zf.UncompressedSize64/max(zf.CompressedSize64, 1) > uint64(lim.Ratio) {
			return nil, &CapError{Cap: CapZipRatio, Limit: int64(lim.Ratio)}
		}
		// Names that differ only in case are one file to Windows users.
		key := strings.ToLower(name)
		if seen[key] {
			return nil, grid.Invalid("file", "压缩包中有重名文件 %s / duplicate file in the zip", safeName(name))
		}
		seen[key] = true
		n, err := extract(zf, filepath.Join(dir, name), left)
		if err != nil {
			return nil, err
		}
		left -= n
		paths = append(paths, filepath.Join(dir, name))
	}
	return paths, nil
}

// extract writes one entry, failing with a cap once more than limit bytes
// inflate.
func extract(zf *zip.File, dst string, limit int64) (int64, error) {
	rc, err := zf.Open()
	if err != nil {
		return 0, grid.Invalid("file", "zip 中的 %s 无法读取 / unreadable zip entry: %v", safeName(zf.Name), errText(err))
	}
	defer rc.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, &capReader{r: rc, limit: limit, name: CapZipBytes})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var ce *CapError
	switch {
	case errors.As(err, &ce):
		return n, err
	case err != nil && !errors.Is(err, io.EOF):
		return n, grid.Invalid("file", "zip 中的 %s 无法解压 / corrupt zip entry: %v", safeName(zf.Name), errText(err))
	}
	return n, nil
}

// runOGR converts the dataset at src to GeoJSON in WGS84 with ogr2ogr: a
// program run directly (no shell) with a timeout, an environment of its
// own and its output capped. A Shapefile without a .cpg is read as GBK
// (CP936), as Chinese desktop GIS writes its DBF; a .prj is honoured
// (RFC7946=YES reprojects to WGS84 when the layer has a system).
func runOGR(ctx context.Context, ogr, dir, src string, lim BoundaryLimits) ([]byte, error) {
	if ogr == "" {
		ogr = "ogr2ogr"
	}
	prog, err := exec.LookPath(ogr)
	if err != nil {
		return nil, grid.Invalid("file", "服务器未安装 GDAL（ogr2ogr），无法读取此格式；请改用 GeoJSON 或 KML / %v: %v", errNoOGR, errText(err))
	}
	// No virtual datasets (which name other files), nothing over the network.
	args := []string{"--config", "GDAL_SKIP", "VRT OGR_VRT", "--config", "GDAL_HTTP_TIMEOUT", "1",
		"--config", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS", "none"}
	if strings.EqualFold(filepath.Ext(src), ".shp") {
		cpg := strings.TrimSuffix(src, filepath.Ext(src)) + ".cpg"
		if !fileExistsFold(cpg) {
			args = append(args, "--config", "SHAPE_ENCODING", "CP936")
		}
	}
	// Inside the sandbox the job's directory is /work.
	args = append(args, "-f", "GeoJSON", "-lco", "RFC7946=YES", "/vsistdout/", "/work/"+filepath.Base(src))
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, lim.OGRTime)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog)
	env := []string{"PATH=/usr/bin:/bin", "HOME=/work", "CPL_TMPDIR=/work", "GDAL_DISABLE_READDIR_ON_OPEN=NO"}
	if err := sandboxCommand(cmd, dir, prog, int(math.Ceil(lim.OGRTime.Seconds()))+1, args, env); err != nil {
		return nil, grid.Invalid("file", "服务器无法隔离运行 GDAL，暂不能读取 Shapefile、GeoPackage 和 MapInfo；请改用 GeoJSON 或 KML / no sandbox for ogr2ogr: %v", errText(err))
	}
	// Killed at the timeout, its pipes are closed a moment later even if
	// something it started still holds them.
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, left: 4 << 10}
	// Output past the cap stops GDAL at once.
	out := &cappedBuffer{limit: lim.OGROutput, full: cancel}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		// Namespaces refused (a container's seccomp profile, a sysctl):
		// GDAL is not run outside the sandbox.
		return nil, grid.Invalid("file", "服务器无法隔离运行 GDAL，暂不能读取 Shapefile、GeoPackage 和 MapInfo；请改用 GeoJSON 或 KML / cannot start the ogr2ogr sandbox: %v", errText(err))
	}
	err = cmd.Wait()
	switch {
	case out.over:
		return nil, &CapError{Cap: CapOGROutput, Limit: lim.OGROutput}
	case parent.Err() != nil:
		return nil, parent.Err()
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, &CapError{Cap: CapOGRTime, Limit: int64(math.Ceil(lim.OGRTime.Seconds()))}
	case err != nil:
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "does not already exist in the output dataset") {
			return nil, grid.Invalid("file", "文件含多个图层：请只保留网格边界一个图层 / the file holds several layers: keep the grid layer only")
		}
		return nil, grid.Invalid("file", "GDAL 无法读取该文件 / GDAL cannot read the file: %s", clipText(msg, 500))
	}
	return out.b.Bytes(), nil
}

// cappedBuffer keeps what is written up to limit bytes; past it, it calls
// full and fails every write.
type cappedBuffer struct {
	b     bytes.Buffer
	limit int64
	over  bool
	full  func()
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.over || int64(c.b.Len()+len(p)) > c.limit {
		if !c.over {
			c.over = true
			c.full()
		}
		return 0, errors.New("output cap")
	}
	return c.b.Write(p)
}

// errText is an error's text for a clerk: valid UTF-8 (a parser may quote
// the file's bytes) and at most 300 bytes.
func errText(err error) string {
	return clipText(strings.ToValidUTF8(err.Error(), "\uFFFD"), 300)
}

// safeName is a zip entry's base name, in valid UTF-8.
func safeName(name string) string {
	return strings.ToValidUTF8(path.Base(strings.ReplaceAll(name, `\`, "/")), "\uFFFD")
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// fileExistsFold reports whether name exists, its extension in any case.
func fileExistsFold(name string) bool {
	dir, base := filepath.Split(name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.EqualFold(e.Name(), base) {
			return true
		}
	}
	return false
}

// limitedWriter keeps the first left bytes and drops the rest.
type limitedWriter struct {
	w    io.Writer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	n := len(p)
	if l.left > 0 {
		k := min(l.left, n)
		l.w.Write(p[:k])
		l.left -= k
	}
	return n, nil
}
