package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridgis/geo"
	"gridgis/grid"
)

// BoundaryFormat is the kind of file a grid boundary import reads.
type BoundaryFormat string

// The boundary formats: GeoJSON and KML (or KMZ) are read here; a zip (a
// Shapefile with its .dbf, .shx, .prj and .cpg, a MapInfo TAB set, or a
// GeoPackage inside) and a bare GeoPackage go through GDAL's ogr2ogr.
const (
	BoundaryGeoJSON BoundaryFormat = "geojson"
	BoundaryKML     BoundaryFormat = "kml"
	BoundaryZip     BoundaryFormat = "zip"
	BoundaryGPKG    BoundaryFormat = "gpkg"
)

// ParseBoundaryFormat reads a ?format= value; "" leaves it to the file.
func ParseBoundaryFormat(s string) (BoundaryFormat, error) {
	switch f := BoundaryFormat(strings.ToLower(strings.TrimSpace(s))); f {
	case "", BoundaryGeoJSON, BoundaryKML, BoundaryZip, BoundaryGPKG:
		return f, nil
	case "json":
		return BoundaryGeoJSON, nil
	case "kmz", "shp", "shapefile", "tab", "mapinfo":
		return BoundaryZip, nil
	}
	return "", grid.Invalid("format", "未知格式 %q，须为 geojson、kml、zip（Shapefile / MapInfo TAB）或 gpkg / unknown format %q", s, s)
}

// BoundaryLimits caps what a boundary file may make us read, hold or run.
// A zero field takes its default (DefaultBoundaryLimits).
type BoundaryLimits struct {
	Bytes    int64 // the file as uploaded
	Features int   // features in the file
	// FeatureVertices caps one feature's positions (a feature over it is
	// a problem of that feature); Vertices caps the file's (a *CapError).
	FeatureVertices int
	Vertices        int
	// ZipEntries, Unzipped and Ratio cap a zip: its entries, their bytes
	// together as inflated, and how many times its compressed size an
	// entry of more than a MiB may be (a zip bomb is a thousandfold).
	ZipEntries int
	Unzipped   int64
	Ratio      int
	// OGROutput caps the GeoJSON ogr2ogr writes (read as it comes,
	// never held whole); OGRTime its run.
	OGROutput int64
	OGRTime   time.Duration
}

// DefaultBoundaryLimits are safe for a server: a zone has tens to a few
// thousand grids, drawn with at most some thousands of vertices each.
var DefaultBoundaryLimits = BoundaryLimits{
	Bytes:           100 << 20,
	Features:        10_000,
	FeatureVertices: 100_000,
	Vertices:        2_000_000,
	ZipEntries:      64,
	Unzipped:        512 << 20,
	Ratio:           200,
	OGROutput:       64 << 20, // 2 M vertices are about 50 MiB of GeoJSON
	OGRTime:         2 * time.Minute,
}

func (l BoundaryLimits) withDefaults() BoundaryLimits {
	d := DefaultBoundaryLimits
	return BoundaryLimits{
		Bytes: positiveOr(l.Bytes, d.Bytes), Features: positiveOr(l.Features, d.Features),
		FeatureVertices: positiveOr(l.FeatureVertices, d.FeatureVertices), Vertices: positiveOr(l.Vertices, d.Vertices),
		ZipEntries: positiveOr(l.ZipEntries, d.ZipEntries), Unzipped: positiveOr(l.Unzipped, d.Unzipped),
		Ratio: positiveOr(l.Ratio, d.Ratio), OGROutput: positiveOr(l.OGROutput, d.OGROutput),
		OGRTime: time.Duration(positiveOr(int64(l.OGRTime), int64(d.OGRTime))),
	}
}

// BoundaryOptions say how to read a boundary file.
type BoundaryOptions struct {
	Format   BoundaryFormat // "": from Filename's extension, else the content
	Filename string         // as uploaded, for its extension
	CRS      geo.CRS        // the coordinates' system, converted to WGS84
	Limits   BoundaryLimits
	// OGR2OGR is the ogr2ogr program ("" finds it on PATH).
	OGR2OGR string
	// Log hears what the operator must fix (no sandbox for GDAL); nil
	// is slog's default.
	Log *slog.Logger
	// Outline reads a zone's outline, not grids: its features'
	// attributes are not checked, so they need no code or industry (a
	// Shapefile outline has only a name, if that). Geometry and caps are
	// checked as for grids.
	Outline bool
	// lines reads points and lines too (ReadBaseFeatures).
	lines bool
}

// BoundaryResult is what a boundary file holds: the grids that passed the
// checks and the problems of the others, each by feature number.
type BoundaryResult struct {
	Format   BoundaryFormat
	Features int
	Grids    []grid.GridBoundary
	Problems []grid.GridProblem
}

// ReadBoundaries reads the grid boundaries of a file and checks each
// feature: a Polygon or MultiPolygon with closed rings of at least four
// positions, finite coordinates in range and at most FeatureVertices of
// them, a code, a name (the code when missing) and an industry, no code
// twice. Topology (self-intersections, overlaps, gaps) is checked by the
// store, which has PostGIS. err concerns the file as a whole: a
// *CapError, or an EInvalid *grid.Error for a file it cannot read.
func ReadBoundaries(ctx context.Context, data []byte, opt BoundaryOptions) (*BoundaryResult, error) {
	lim := opt.Limits.withDefaults()
	raw, err := readRaw(ctx, data, opt, lim)
	if err != nil {
		return nil, err
	}
	return checkBoundaries(raw.features, raw.format, opt.CRS, raw.noSRS, lim, opt.Outline)
}

// readRaw checks the file's size, tells its format and reads its features
// unchecked: the opening that grid boundaries and base layers share.
func readRaw(ctx context.Context, data []byte, opt BoundaryOptions, lim BoundaryLimits) (gdalRead, error) {
	if int64(len(data)) > lim.Bytes {
		return gdalRead{}, &CapError{Cap: CapBytes, Limit: lim.Bytes}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return gdalRead{}, grid.Invalid("file", "文件为空 / the file is empty")
	}
	r := gdalRead{format: opt.Format}
	if r.format == "" {
		r.format = sniffBoundary(data, opt.Filename)
	}
	var err error
	switch r.format {
	case BoundaryGeoJSON:
		r.features, err = readGeoJSONBoundaries(withoutBOM(bytes.NewReader(data)), lim)
	case BoundaryKML:
		r.features, err = readKML(bytes.NewReader(data), lim, opt.lines)
	case BoundaryZip, BoundaryGPKG:
		r, err = readThroughGDAL(ctx, data, opt, r.format, lim)
	default:
		return gdalRead{}, grid.Invalid("file", "无法识别的文件格式：请上传 GeoJSON、KML/KMZ、GeoPackage，或打包为 zip 的 Shapefile / MapInfo TAB / unrecognised file format")
	}
	return r, err
}

// sniffBoundary tells the format from the file name, else the content.
func sniffBoundary(data []byte, name string) BoundaryFormat {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".geojson", ".json", ".geojsonl", ".geojsons":
		return BoundaryGeoJSON
	case ".kml":
		return BoundaryKML
	case ".zip", ".kmz":
		return BoundaryZip
	case ".gpkg":
		return BoundaryGPKG
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return BoundaryZip
	case bytes.HasPrefix(data, []byte("SQLite format 3\x00")):
		return BoundaryGPKG
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n\x1e")
	switch {
	case bytes.HasPrefix(text, []byte("{")):
		return BoundaryGeoJSON
	case bytes.HasPrefix(text, []byte("<")):
		return BoundaryKML
	}
	return ""
}

// rawBoundary is one feature as read, before the checks.
type rawBoundary struct {
	geom orb.Geometry // nil when the feature has none
	// problem is why its geometry could not be read.
	problem string
	attrs   map[string]string
}

// The attribute names (lower case) each grid field is read from.
var (
	codeNames       = []string{"code", "grid_code", "编码", "网格编码", "网格代码", "编号", "网格编号"}
	nameNames       = []string{"name", "grid_name", "名称", "网格名称", "网格名"}
	industryNames   = []string{"industry", "行业", "主导产业", "产业", "所属行业"}
	officerNames    = []string{"officer", "网格员"}
	instructorNames = []string{"instructor", "党建指导员", "指导员"}
)

// attr is the first non-blank attribute of names. A DBF cuts field names
// at 10 bytes, mid-character in UTF-8 ("网格编码" becomes "网格编" and a
// broken byte): a key of three or more characters that begins one of the
// names counts too.
func attr(attrs map[string]string, names []string) string {
	for _, n := range names {
		if v := strings.TrimSpace(attrs[n]); v != "" {
			return v
		}
	}
	// In the order of names, then of the keys: two cut names may both
	// begin one ("网格编码" and "网格编号" cut to "网格编"), and the
	// same file must give the same column every time.
	keys := slices.Sorted(maps.Keys(attrs))
	for _, n := range names {
		for _, k := range keys {
			v := strings.TrimSpace(attrs[k])
			k = strings.TrimRight(strings.ToValidUTF8(k, "\uFFFD"), "\uFFFD")
			if utf8.RuneCountInString(k) >= 3 && v != "" && strings.HasPrefix(n, k) {
				return v
			}
		}
	}
	return ""
}

// gridCode is the form grid codes take (the grid table's CHECK).
var gridCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// checkBoundaries checks each feature and turns the good ones into grids
// in WGS84.
// noSRS, when set, is why coordinates out of range are not longitude and
// latitude: the file lacks its coordinate system. An outline's features
// need no code or industry.
func checkBoundaries(features []rawBoundary, format BoundaryFormat, crs geo.CRS, noSRS string, lim BoundaryLimits, outline bool) (*BoundaryResult, error) {
	res := &BoundaryResult{Format: format, Features: len(features)}
	if len(features) == 0 {
		return nil, grid.Invalid("file", "文件中没有要素 / the file holds no features")
	}
	seen := map[string]int{}
	for i, f := range features {
		n := i + 1
		problems := len(res.Problems)
		add := func(field, format string, args ...any) {
			res.Problems = append(res.Problems, grid.GridProblem{Feature: n, Field: field, Reason: fmt.Sprintf(format, args...)})
		}
		g := grid.GridBoundary{Feature: n, Code: attr(f.attrs, codeNames), Name: attr(f.attrs, nameNames),
			Industry: attr(f.attrs, industryNames), Officer: attr(f.attrs, officerNames),
			Instructor: attr(f.attrs, instructorNames)}
		if g.Name == "" {
			g.Name, g.NameDefaulted = g.Code, true
		}
		// An outline's attributes mean nothing: only its geometry is read.
		if !outline {
			switch {
			case g.Code == "":
				add("code", "缺少网格编码（属性 code / 编码 / 网格编码）")
			case !gridCode.MatchString(g.Code):
				add("code", "网格编码 %q 只能由字母、数字、下划线和连字符组成，至多 40 个字符", clip(g.Code, 40))
			case seen[g.Code] > 0:
				add("code", "网格编码 %s 与第 %d 个要素重复", g.Code, seen[g.Code])
			default:
				seen[g.Code] = n
			}
			if utf8.RuneCountInString(g.Name) > 100 {
				add("name", "网格名称超过 100 个字符")
			}
			switch {
			case g.Industry == "":
				add("industry", "缺少行业（属性 industry / 行业 / 主导产业）：规则“行业归口”需要它")
			case utf8.RuneCountInString(g.Industry) > 50:
				add("industry", "行业超过 50 个字符")
			}
			if utf8.RuneCountInString(g.Officer) > 50 || utf8.RuneCountInString(g.Instructor) > 50 {
				add("officer", "网格员或党建指导员超过 50 个字符")
			}
		}
		mp, p := checkGeometry(f, noSRS, lim)
		if p.Reason != "" {
			p.Feature = n
			res.Problems = append(res.Problems, p)
		}
		for j := problems; j < len(res.Problems); j++ {
			// A code quoted back is clipped: it is the file's text, not ours.
			res.Problems[j].Code = clip(g.Code, 50)
		}
		if len(res.Problems) > problems {
			continue
		}
		for _, poly := range mp {
			for _, r := range poly {
				for k := range r {
					r[k] = geo.ToWGS84(crs, r[k])
				}
			}
		}
		g.Geom = mp
		res.Grids = append(res.Grids, g)
	}
	return res, nil
}

// clip is text quoted back to a clerk (the file's, a parser's or
// GDAL's): valid UTF-8, cut to n characters, "…" marking the cut.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

// checkGeometry returns f's geometry as a MultiPolygon, or the problem
// that refuses it. noSRS is as for checkBoundaries.
func checkGeometry(f rawBoundary, noSRS string, lim BoundaryLimits) (orb.MultiPolygon, grid.GridProblem) {
	bad := func(format string, args ...any) (orb.MultiPolygon, grid.GridProblem) {
		return nil, grid.GridProblem{Field: "geometry", Reason: fmt.Sprintf(format, args...)}
	}
	if f.problem != "" {
		return bad("%s", f.problem)
	}
	var mp orb.MultiPolygon
	switch g := f.geom.(type) {
	case nil:
		return bad("缺少几何")
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return bad("几何类型须为面（Polygon 或 MultiPolygon），此处为 %s", g.GeoJSONType())
	}
	if len(mp) == 0 {
		return bad("几何为空")
	}
	vertices := 0
	for _, poly := range mp {
		for _, r := range poly {
			vertices += len(r)
		}
	}
	if vertices > lim.FeatureVertices {
		return bad("顶点数 %d 超出上限 %d（cap feature_vertices）：请简化后再导入", vertices, lim.FeatureVertices)
	}
	for i, poly := range mp {
		if len(poly) == 0 {
			return bad("第 %d 个面没有环", i+1)
		}
		for j, r := range poly {
			ring := ringName(len(mp), i, j)
			for _, p := range r {
				if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
					return bad("%s有非有限坐标（NaN 或无穷大）", ring)
				}
				if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
					if noSRS != "" {
						return bad("坐标 (%s, %s) 不是经纬度：%s", coordText(p[0]), coordText(p[1]), noSRS)
					}
					return bad("%s的坐标 (%g, %g) 超出经度 [-180, 180]、纬度 [-90, 90] 的范围", ring, p[0], p[1])
				}
			}
			if len(r) < 4 {
				return bad("%s只有 %d 个点，至少需要 4 个（首尾相同）", ring, len(r))
			}
			if !r.Closed() {
				pt := r[0]
				m, p := bad("%s未闭合：首点 (%g, %g) 与末点 (%g, %g) 不同", ring, pt[0], pt[1], r[len(r)-1][0], r[len(r)-1][1])
				p.Point = &pt
				return m, p
			}
		}
	}
	return mp, grid.GridProblem{}
}

// coordText is a coordinate as a clerk reads it: 38523456.78, not
// 3.852345678e+07.
func coordText(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// ringName names ring j of polygon i for the clerk.
func ringName(polygons, i, j int) string {
	s := "外环"
	if j > 0 {
		s = fmt.Sprintf("第 %d 个内环", j)
	}
	if polygons > 1 {
		s = fmt.Sprintf("第 %d 个面的%s", i+1, s)
	}
	return s
}

// readGeoJSONBoundaries reads a FeatureCollection, one Feature or a
// GeoJSONSeq (RFC 8142: one Feature a line, RS separators allowed)
// feature by feature as it streams in, so that a feature orb cannot read
// is that feature's problem and a file of too many features or vertices
// is refused having held no more than the cap's worth.
func readGeoJSONBoundaries(r io.Reader, lim BoundaryLimits) ([]rawBoundary, error) {
	// The decoder holds a whole feature before orb reads it: the guard
	// counts its positions as the bytes pass, so one feature of
	// millions is refused at the vertex cap before it is held. Its
	// slack of one a feature is for a property holding numbers.
	d := json.NewDecoder(&geojsonGuard{r: r, left: lim.Vertices + lim.Features, limit: lim.Vertices})
	unreadable := func(err error) error {
		var ce *CapError
		if errors.As(err, &ce) {
			return ce
		}
		return grid.Invalid("file", "GeoJSON 无法读取 / unreadable GeoJSON: %v", errText(err))
	}
	var out []rawBoundary
	vertices := 0
	add := func(rb rawBoundary) error {
		if rb.geom != nil {
			if vertices += countVertices(rb.geom); vertices > lim.Vertices {
				return &CapError{Cap: CapVertices, Limit: int64(lim.Vertices), Row: len(out) + 1}
			}
		}
		out = append(out, rb)
		return nil
	}
	// next reads the next feature, refused past the features cap before
	// it is read.
	next := func() error {
		if len(out) >= lim.Features {
			return &CapError{Cap: CapFeatures, Limit: int64(lim.Features)}
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			var ce *CapError
			if errors.As(err, &ce) && ce.Row == 0 {
				ce.Row = len(out) + 1
			}
			return err
		}
		return add(boundaryOf(raw))
	}
	lone := map[string]json.RawMessage{}
	typ, err := openFeatures(d, lone)
	switch {
	case errors.Is(err, errNoFeatures) && typ == "Feature":
		if err := delim(d, '}'); err != nil {
			return nil, unreadable(err)
		}
		raw, err := json.Marshal(map[string]any{"type": "Feature", "geometry": lone["geometry"], "properties": lone["properties"]})
		if err != nil {
			return nil, unreadable(err)
		}
		if err := add(boundaryOf(raw)); err != nil {
			return nil, err
		}
		// More Features after it: a GeoJSONSeq.
		for d.More() {
			if err := next(); err != nil {
				var ce *CapError
				if errors.As(err, &ce) {
					return nil, ce
				}
				return nil, grid.Invalid("file", "GeoJSON 第 %d 个要素之后的内容无法读取：逐行 GeoJSON（GeoJSONSeq）须每行一个 Feature / unreadable after feature %d: %v",
					len(out), len(out), errText(err))
			}
		}
		if err := atEnd(d); err != nil {
			return nil, grid.Invalid("file", "GeoJSON 第 %d 个要素之后的内容无法读取：逐行 GeoJSON（GeoJSONSeq）须每行一个 Feature / unreadable after feature %d: %v",
				len(out), len(out), errText(err))
		}
		return out, nil
	case errors.Is(err, errNoFeatures) || errors.Is(err, errNotCollection) || (err == nil && typ != "" && typ != "FeatureCollection"):
		return nil, grid.Invalid("file", "须为 GeoJSON FeatureCollection，此处 type 为 %q / want a FeatureCollection", clip(typ, 40))
	case err != nil:
		return nil, unreadable(err)
	}
	for d.More() {
		if err := next(); err != nil {
			return nil, unreadable(err)
		}
	}
	if err := finishFeatures(d); err != nil {
		return nil, unreadable(err)
	}
	if err := atEnd(d); err != nil {
		var ce *CapError
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, grid.Invalid("file", "GeoJSON 文件在 FeatureCollection 之后还有内容：一个文件只能有一个 FeatureCollection / content after the FeatureCollection")
	}
	return out, nil
}

// atEnd is nil when nothing but white space is left.
func atEnd(d *json.Decoder) error {
	tok, err := d.Token()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("unexpected %v", tok)
}

// geojsonGuard stands before the JSON decoder and counts, as bytes
// pass, the positions of every coordinates array (a "[" before a
// number, outside strings), failing with the vertex cap once they pass
// left. A property array of numbers counts too: the count is a bound for
// memory, the exact count comes after. It turns a GeoJSONSeq record
// separator (RS, 0x1E) outside strings into white space.
type geojsonGuard struct {
	r        io.Reader
	left     int // positions the file may still hold
	limit    int // the cap, as its error names it
	err      error
	inString bool
	escaped  bool // after a backslash in a string
	opened   bool // after a "[" and white space
}

func (g *geojsonGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		switch {
		case g.inString:
			switch {
			case g.escaped:
				g.escaped = false
			case b == '\\':
				g.escaped = true
			case b == '"':
				g.inString = false
			}
		case b == ' ' || b == '\t' || b == '\r' || b == '\n':
		case b == 0x1e:
			p[i] = ' '
		case b == '[':
			g.opened = true
		default:
			if g.opened && (b == '-' || b >= '0' && b <= '9') {
				if g.left--; g.left < 0 {
					g.err = &CapError{Cap: CapVertices, Limit: int64(g.limit)}
					return i, g.err
				}
			}
			g.opened, g.inString = false, b == '"'
		}
	}
	return n, err
}

// boundaryOf reads one GeoJSON feature.
func boundaryOf(raw json.RawMessage) rawBoundary {
	var rb rawBoundary
	f, err := geojson.UnmarshalFeature(raw)
	switch {
	case err != nil:
		rb.problem = "要素无法读取：" + clip(err.Error(), 40)
		// Its attributes may still be readable, to name it.
		var props struct {
			Properties map[string]any `json:"properties"`
		}
		if json.Unmarshal(raw, &props) == nil {
			rb.attrs = attrsOf(props.Properties)
		}
	case f.Type != "Feature":
		rb.problem = fmt.Sprintf("要素类型须为 Feature，此处为 %q", clip(f.Type, 40))
	default:
		rb.geom = f.Geometry
		rb.attrs = attrsOf(f.Properties)
	}
	return rb
}

// withoutBOM is r past a UTF-8 byte order mark, if it begins with one.
func withoutBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	return br
}

// attrsOf turns properties into text keyed by lower-case name.
func attrsOf(props map[string]any) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		var s string
		switch v := v.(type) {
		case nil:
		case string:
			s = v
		case float64:
			s = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(v)
		default:
			b, _ := json.Marshal(v)
			s = string(b)
		}
		out[strings.ToLower(strings.TrimSpace(k))] = s
	}
	return out
}

func countVertices(g orb.Geometry) int {
	n := 0
	switch g := g.(type) {
	case orb.Point:
		n = 1
	case orb.MultiPoint:
		n = len(g)
	case orb.LineString:
		n = len(g)
	case orb.MultiLineString:
		for _, l := range g {
			n += len(l)
		}
	case orb.Ring:
		n = len(g)
	case orb.Polygon:
		for _, r := range g {
			n += len(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			n += countVertices(p)
		}
	case orb.Collection:
		for _, c := range g {
			n += countVertices(c)
		}
	}
	return n
}

// errNoOGR is wrapped when ogr2ogr cannot be run.
var errNoOGR = errors.New("ogr2ogr not found")
