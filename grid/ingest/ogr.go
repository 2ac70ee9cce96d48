package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gridgis/geo"
	"gridgis/grid"
)

// The dataset kinds a zip may carry, by the extension of its main file.
var zipDatasets = map[string]BoundaryFormat{
	".shp": "shapefile", ".tab": "mapinfo", ".mif": "mapinfo", ".gpkg": BoundaryGPKG,
	".kml": BoundaryKML, ".geojson": BoundaryGeoJSON, ".json": BoundaryGeoJSON,
	".geojsonl": BoundaryGeoJSON, ".geojsons": BoundaryGeoJSON, // GeoJSONSeq
}

// zipKept are the extensions extracted from a zip: the datasets' files
// and their companions. Everything else is left in the archive.
var zipKept = []string{".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj", ".tab", ".dat", ".map", ".id", ".ind",
	".mif", ".mid", ".gpkg", ".kml", ".geojson", ".json", ".geojsonl", ".geojsons"}

// gdalRead is what a file read through GDAL gave.
type gdalRead struct {
	features []rawBoundary
	format   BoundaryFormat
	// noSRS, when set, says how the file lacks its coordinate system:
	// coordinates out of range are then named as not longitude and
	// latitude, for this reason.
	noSRS string
}

// readThroughGDAL reads a zip (a Shapefile, a MapInfo table, a GeoPackage,
// or a KML or GeoJSON packed as KMZ or zip) or a GeoPackage. Zips are
// unpacked here, under caps, into a fresh directory; GDAL reads only that.
// opt.Filename is the upload's name, for messages about a bare GeoPackage.
func readThroughGDAL(ctx context.Context, data []byte, opt BoundaryOptions, format BoundaryFormat, lim BoundaryLimits) (gdalRead, error) {
	res := gdalRead{format: format}
	dir, err := os.MkdirTemp("", "gridgis-boundary-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "grids.gpkg")
	shown := "grids.gpkg" // the name messages give the dataset
	if opt.Filename != "" && format != BoundaryZip {
		shown = opt.Filename
	}
	if format == BoundaryZip {
		files, err := unzipBoundary(data, dir, lim)
		if err != nil {
			return res, err
		}
		var found []string
		kml := 0
		for _, f := range files {
			if kind, ok := zipDatasets[strings.ToLower(filepath.Ext(f))]; ok {
				found = append(found, f)
				if kind == BoundaryKML {
					kml++
				}
			}
		}
		if len(found) > 0 && kml == len(found) {
			// A KMZ as GDAL's LIBKML writes it has doc.kml link to
			// layers/*.kml: every .kml's Placemarks are read, doc.kml's first.
			res.format = BoundaryKML
			res.features, err = readKMLFiles(found, lim, opt.lines)
			return res, err
		}
		if len(found) != 1 {
			return res, grid.Invalid("file", "压缩包中须恰有一个图层文件（.shp、.tab、.mif、.gpkg、.kml 或 .geojson），此处有 %d 个%s / the zip must hold exactly one dataset",
				len(found), listNames(found))
		}
		main, shown = found[0], found[0]
		res.format = zipDatasets[strings.ToLower(filepath.Ext(main))]
		if res.format == BoundaryGeoJSON {
			f, err := os.Open(main)
			if err != nil {
				return res, err
			}
			defer f.Close()
			res.features, err = readGeoJSONBoundaries(withoutBOM(f), lim)
			return res, err
		}
	} else if err := os.WriteFile(main, data, 0o600); err != nil {
		return res, err
	}
	if err := checkSignature(main, shown); err != nil {
		return res, err
	}
	noPrj := false
	if strings.EqualFold(filepath.Ext(main), ".shp") {
		prj := findFold(strings.TrimSuffix(main, filepath.Ext(main)) + ".prj")
		if noPrj = prj == ""; !noPrj {
			b, err := os.ReadFile(prj)
			if err != nil {
				return res, err
			}
			if err := checkPrjAndCRS(b, opt.CRS); err != nil {
				return res, err
			}
		}
	}
	// A Shapefile without its .prj is read without RFC 7946, which would
	// take its coordinates for longitude and latitude and clip them
	// away; so is a dataset GDAL finds without a system.
	res.features, err = runOGR(ctx, opt, dir, main, !noPrj, lim)
	if errors.Is(err, errNoSRS) {
		res.features, err = runOGR(ctx, opt, dir, main, false, lim)
		res.noSRS = "文件未声明坐标系，请在桌面 GIS 中为图层指定坐标系后再导出"
	}
	if noPrj {
		res.noSRS = "文件缺少 .prj（坐标系），请连同 .prj 一起打包"
	}
	return res, err
}

// readKMLFiles reads the Placemarks of each KML file, doc.kml's first.
func readKMLFiles(files []string, lim BoundaryLimits, lines bool) ([]rawBoundary, error) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b string) int {
		ad, bd := strings.EqualFold(filepath.Base(a), "doc.kml"), strings.EqualFold(filepath.Base(b), "doc.kml")
		switch {
		case ad && !bd:
			return -1
		case bd && !ad:
			return 1
		}
		return strings.Compare(a, b)
	})
	k := &kmlReader{lim: lim, lines: lines}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		err = k.read(f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return k.result()
}

// checkPrjAndCRS refuses GCJ-02 or BD-09 for a Shapefile whose .prj is a
// projected system (Gauss-Krüger, UTM): those offsets exist only as
// longitude and latitude, or as Web Mercator drawn over an online map.
func checkPrjAndCRS(prj []byte, crs geo.CRS) error {
	if crs != geo.GCJ02 && crs != geo.BD09 {
		return nil
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(prj), "\ufeff"))
	upper := strings.ToUpper(text)
	if !strings.HasPrefix(upper, "PROJCS[") && !strings.HasPrefix(upper, "PROJCRS[") {
		return nil
	}
	for _, web := range []string{"WEB_MERCATOR", "PSEUDO-MERCATOR", "POPULAR VISUALISATION", "MERCATOR_AUXILIARY_SPHERE"} {
		if strings.Contains(upper, web) {
			return nil
		}
	}
	name := ""
	if _, rest, ok := strings.Cut(text, `"`); ok {
		name, _, _ = strings.Cut(rest, `"`)
	}
	return grid.Invalid("crs", "文件的 .prj 是投影坐标系（%s），坐标不会是 %s：请将坐标系选为 WGS84（按 .prj 换算） / a projected .prj cannot hold %s coordinates: choose wgs84",
		clip(name, 60), strings.ToUpper(string(crs)), crs)
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
		if err := zipEntryCap(zf, left, lim.Unzipped, lim.Ratio); err != nil {
			return nil, err
		}
		// Names that differ only in case are one file to Windows users.
		key := strings.ToLower(name)
		if seen[key] {
			return nil, grid.Invalid("file", "压缩包中有重名文件 %s / duplicate file in the zip", safeName(name))
		}
		seen[key] = true
		n, err := extract(zf, filepath.Join(dir, name), left, lim.Unzipped)
		if err != nil {
			return nil, err
		}
		left -= n
		paths = append(paths, filepath.Join(dir, name))
	}
	return paths, nil
}

// extract writes one entry, failing with the cap of unzipped bytes
// (unzipped) once more than left bytes inflate.
func extract(zf *zip.File, dst string, left, unzipped int64) (int64, error) {
	rc, err := zf.Open()
	if err != nil {
		return 0, grid.Invalid("file", "zip 中的 %s 无法读取 / unreadable zip entry: %v", safeName(zf.Name), errText(err))
	}
	defer rc.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, &capReader{r: rc, limit: left, name: CapUnzipped})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var ce *CapError
	switch {
	case errors.As(err, &ce):
		return n, &CapError{Cap: CapUnzipped, Limit: unzipped}
	case err != nil && !errors.Is(err, io.EOF):
		return n, grid.Invalid("file", "zip 中的 %s 无法解压 / corrupt zip entry: %v", safeName(zf.Name), errText(err))
	}
	return n, nil
}

// errNoSRS: GDAL found the layer without a coordinate system.
var errNoSRS = errors.New("no SRS set on layer")

// sandboxErrPrefix begins what the sandbox says when it cannot start
// ogr2ogr (exit 126).
const sandboxErrPrefix = "gridgis sandbox:"

// runOGR converts the dataset at src to GeoJSON with ogr2ogr and reads
// the features as they come: a program run directly (no shell) in its
// sandbox, with a timeout, an environment of its own and its output
// capped. A Shapefile without a .cpg is read as GBK (CP936), as Chinese
// desktop GIS writes its DBF; with rfc7946 a .prj (a layer's system) is
// honoured, reprojected to WGS84, and a layer without a system is
// errNoSRS: RFC 7946 output clipped its coordinates away.
func runOGR(ctx context.Context, opt BoundaryOptions, dir, src string, rfc7946 bool, lim BoundaryLimits) ([]rawBoundary, error) {
	ogr := opt.OGR2OGR
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
		if findFold(strings.TrimSuffix(src, filepath.Ext(src))+".cpg") == "" {
			args = append(args, "--config", "SHAPE_ENCODING", "CP936")
		}
	}
	rfc := "RFC7946=NO"
	if rfc7946 {
		rfc = "RFC7946=YES"
	}
	// Inside the sandbox the job's directory is /work.
	args = append(args, "-f", "GeoJSON", "-lco", rfc, "/vsistdout/", "/work/"+filepath.Base(src))
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, lim.OGRTime)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog)
	env := []string{"PATH=/usr/bin:/bin", "HOME=/work", "CPL_TMPDIR=/work", "GDAL_DISABLE_READDIR_ON_OPEN=NO"}
	if err := sandboxCommand(cmd, dir, prog, int(math.Ceil(lim.OGRTime.Seconds()))+1, args, env); err != nil {
		return nil, noSandbox(opt, err.Error())
	}
	// Killed at the timeout, its pipes are closed a moment later even if
	// something it started still holds them.
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, left: 4 << 10}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		// Namespaces refused (a container's seccomp profile, a sysctl):
		// GDAL is not run outside the sandbox.
		return nil, noSandbox(opt, err.Error())
	}
	// The output is read as GDAL writes it, never held whole; a cap it
	// passes (bytes, features, vertices) stops GDAL at once. At the
	// timeout the pipe is closed, so reading stops too.
	stop := context.AfterFunc(ctx, func() { stdout.Close() })
	defer stop()
	out := &capReader{r: stdout, limit: lim.OGROutput, name: CapOGROutput}
	features, readErr := readGeoJSONBoundaries(out, lim)
	var capErr *CapError
	if errors.As(readErr, &capErr) {
		cancel()
	} else if _, err := io.Copy(io.Discard, out); errors.As(err, &capErr) {
		// Output past the JSON, up to the cap: GDAL may yet say why.
		cancel()
	}
	err = cmd.Wait()
	msg := strings.TrimSpace(stderr.String())
	var exit *exec.ExitError
	switch {
	case parent.Err() != nil:
		return nil, parent.Err()
	case capErr != nil:
		return nil, capErr
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, &CapError{Cap: CapOGRTime, Limit: int64(math.Ceil(lim.OGRTime.Seconds()))}
	case errors.As(err, &exit) && exit.ExitCode() == 126 && strings.HasPrefix(msg, sandboxErrPrefix):
		// The sandbox started but could not lay out its mounts (an
		// AppArmor rule on user namespaces): the server's fault.
		return nil, noSandbox(opt, msg)
	case err != nil:
		if strings.Contains(msg, "does not already exist in the output dataset") {
			return nil, grid.Invalid("file", "文件含多个图层：请只保留网格边界一个图层 / the file holds several layers: keep the grid layer only")
		}
		return nil, grid.Invalid("file", "GDAL 无法读取该文件 / GDAL cannot read the file: %s", clip(msg, 500))
	case rfc7946 && strings.Contains(msg, "No SRS set on layer"):
		return nil, errNoSRS
	case readErr != nil:
		return nil, readErr
	}
	return features, nil
}

// noSandbox is the answer when ogr2ogr cannot be sandboxed: the server's
// fault, not the file's, so it is logged for the operator too.
func noSandbox(opt BoundaryOptions, why string) error {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	log.Error("ogr2ogr sandbox unavailable: grid files that need GDAL cannot be read", "err", clip(why, 500))
	return grid.Invalid("file", "服务器无法隔离运行 GDAL，暂不能读取 Shapefile、GeoPackage 和 MapInfo；请改用 GeoJSON 或 KML，并请管理员查看服务器日志 / no sandbox for ogr2ogr: %s", clip(why, 300))
}

// errText is an error's text for a clerk: valid UTF-8 (a parser may quote
// the file's bytes) and at most 300 bytes.
func errText(err error) string {
	return clip(err.Error(), 300)
}

// safeName is a zip entry's base name, in valid UTF-8.
func safeName(name string) string {
	return strings.ToValidUTF8(path.Base(strings.ReplaceAll(name, `\`, "/")), "\uFFFD")
}

// findFold is the path of name with its base in any case, "" when no
// such file exists.
func findFold(name string) string {
	dir, base := filepath.Split(name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if strings.EqualFold(e.Name(), base) {
			return filepath.Join(dir, e.Name())
		}
	}
	return ""
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
