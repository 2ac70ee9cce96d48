package ingest

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
)

// DefaultBaseLimits are the caps of a base layer file: a city's road
// network has a hundred thousand segments, far more than a zone's grids.
// Fields left zero take DefaultBoundaryLimits'.
var DefaultBaseLimits = BoundaryLimits{
	Bytes:     512 << 20,
	Features:  300_000,
	Vertices:  6_000_000,
	OGROutput: 1 << 30,
}

// BaseResult is what a base layer file holds: the features that passed
// the checks, in WGS84, and the others' problems by feature number (the
// first grid.BaseProblemsListed of ProblemCount).
type BaseResult struct {
	Format       BoundaryFormat
	Features     int
	Base         []grid.BaseFeature
	Problems     []grid.BaseProblem
	ProblemCount int
}

// ReadBaseFeatures reads a zone's base layer (roads, place names, water
// and green areas) from GeoJSON, KML/KMZ, a GeoPackage or a zipped
// Shapefile, with the same streaming readers, caps and sandboxed ogr2ogr
// as ReadBoundaries. A feature's kind is its geometry's: lines are
// roads, points places, polygons areas. Its name and class come from the
// first attribute of grid.BaseNameNames and grid.BaseClassNames. A
// feature that cannot be drawn (no geometry, a collection, a line of one
// point, a place without a name, coordinates out of range) is a problem
// of that feature and is left out; err concerns the file as a whole, as
// for ReadBoundaries. Whether a feature lies in the zone is the store's
// test.
func ReadBaseFeatures(ctx context.Context, data []byte, opt BoundaryOptions) (*BaseResult, error) {
	opt.lines = true
	d := DefaultBaseLimits
	l := opt.Limits
	l.Bytes, l.Features = positiveOr(l.Bytes, d.Bytes), positiveOr(l.Features, d.Features)
	l.Vertices, l.OGROutput = positiveOr(l.Vertices, d.Vertices), positiveOr(l.OGROutput, d.OGROutput)
	lim := l.withDefaults()
	opt.Limits = lim
	raw, err := readRaw(ctx, data, opt, lim)
	if err != nil {
		return nil, err
	}
	features, format, noSRS := raw.features, raw.format, raw.noSRS
	if len(features) == 0 {
		return nil, grid.Invalid("file", "文件中没有要素 / the file holds no features")
	}
	res := &BaseResult{Format: format, Features: len(features)}
	for i, f := range features {
		b, p := checkBase(f, noSRS, lim)
		if p.Reason != "" {
			p.Feature = i + 1
			res.ProblemCount++
			if len(res.Problems) < grid.BaseProblemsListed {
				res.Problems = append(res.Problems, p)
			}
			continue
		}
		b.Feature = i + 1
		b.Geom = toWGS84(opt.CRS, b.Geom)
		res.Base = append(res.Base, b)
	}
	return res, nil
}

// checkBase makes f a base feature, or says why it cannot be one.
func checkBase(f rawBoundary, noSRS string, lim BoundaryLimits) (grid.BaseFeature, grid.BaseProblem) {
	b := grid.BaseFeature{Name: clip(strings.TrimSpace(attr(f.attrs, grid.BaseNameNames)), 100),
		Class: clip(strings.TrimSpace(attr(f.attrs, grid.BaseClassNames)), 50)}
	bad := func(format string, args ...any) (grid.BaseFeature, grid.BaseProblem) {
		p := grid.BaseProblem{Field: "geometry", Reason: fmt.Sprintf(format, args...), Name: b.Name}
		if f.geom != nil {
			if pt, ok := grid.FirstPoint(f.geom); ok && finite(pt) {
				p.Point = &pt
			}
		}
		return grid.BaseFeature{}, p
	}
	if f.problem != "" {
		return bad("%s", f.problem)
	}
	switch g := f.geom.(type) {
	case nil:
		return bad("缺少几何")
	case orb.Point, orb.MultiPoint:
		b.Kind = grid.BasePlace
	case orb.LineString, orb.MultiLineString:
		b.Kind = grid.BaseRoad
	case orb.Polygon, orb.MultiPolygon:
		b.Kind = grid.BaseArea
	default:
		return bad("几何类型须为线（道路）、点（地名）或面（水系、绿地），此处为 %s", g.GeoJSONType())
	}
	if n := countVertices(f.geom); n == 0 {
		return bad("几何为空")
	} else if n > lim.FeatureVertices {
		return bad("顶点数 %d 超出上限 %d（cap feature_vertices）：请简化后再导入", n, lim.FeatureVertices)
	}
	var outOfRange *orb.Point
	grid.EachPoint(f.geom, func(p orb.Point) {
		if outOfRange == nil && (!finite(p) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
			outOfRange = &p
		}
	})
	if p := outOfRange; p != nil {
		switch {
		case !finite(*p):
			return bad("有非有限坐标（NaN 或无穷大）")
		case noSRS != "":
			return bad("坐标 (%s, %s) 不是经纬度：%s", coordText(p[0]), coordText(p[1]), noSRS)
		}
		return bad("坐标 (%g, %g) 超出经度 [-180, 180]、纬度 [-90, 90] 的范围", p[0], p[1])
	}
	switch g := f.geom.(type) {
	case orb.LineString:
		if len(g) < 2 {
			return bad("线只有 %d 个点，至少需要 2 个", len(g))
		}
	case orb.MultiLineString:
		for i, l := range g {
			if len(l) < 2 {
				return bad("第 %d 条线只有 %d 个点，至少需要 2 个", i+1, len(l))
			}
		}
	case orb.Polygon, orb.MultiPolygon:
		// A polygon's rings are checked as a grid's are.
		if _, p := checkGeometry(f, noSRS, lim); p.Reason != "" {
			return bad("%s", p.Reason)
		}
	}
	if b.Kind == grid.BasePlace && b.Name == "" {
		p := grid.BaseProblem{Field: "name", Reason: "地名点缺少名称（属性 name / 名称 / 地名）"}
		if pt, ok := grid.FirstPoint(f.geom); ok {
			p.Point = &pt
		}
		return grid.BaseFeature{}, p
	}
	b.Style = grid.BaseStyle(b.Kind, b.Class)
	b.Geom = f.geom
	return b, grid.BaseProblem{}
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}

// toWGS84 shifts every position of g from crs to WGS84, in place.
func toWGS84(crs geo.CRS, g orb.Geometry) orb.Geometry {
	shift := func(ps []orb.Point) {
		for i := range ps {
			ps[i] = geo.ToWGS84(crs, ps[i])
		}
	}
	switch g := g.(type) {
	case orb.Point:
		return geo.ToWGS84(crs, g)
	case orb.MultiPoint:
		shift(g)
	case orb.LineString:
		shift(g)
	case orb.MultiLineString:
		for _, l := range g {
			shift(l)
		}
	case orb.Polygon:
		for _, r := range g {
			shift(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				shift(r)
			}
		}
	}
	return g
}

// finishAny makes a Placemark read with lines a feature: its polygons,
// lines or points, each kind together as one geometry (a Placemark of
// mixed kinds is a collection, which checkBase refuses), and its name as
// the name attribute unless ExtendedData has one.
func (k *kmlReader) finishAny(rb rawBoundary, name string, polygons []kmlPolygon, lines []orb.LineString, points []orb.Point, count int) rawBoundary {
	if attr(rb.attrs, grid.BaseNameNames) == "" {
		rb.attrs["name"] = strings.TrimSpace(name)
	}
	switch {
	case rb.problem != "":
		return rb
	case count > k.lim.FeatureVertices:
		rb.problem = fmt.Sprintf("顶点数 %d 超出上限 %d（cap feature_vertices）：请简化后再导入", count, k.lim.FeatureVertices)
		return rb
	}
	var parts orb.Collection
	if len(polygons) > 0 {
		poly := k.finish(rawBoundary{attrs: map[string]string{"name": "-"}}, "", polygons, 0, count)
		parts = append(parts, poly.geom)
	}
	switch len(lines) {
	case 0:
	case 1:
		parts = append(parts, lines[0])
	default:
		parts = append(parts, orb.MultiLineString(lines))
	}
	switch len(points) {
	case 0:
	case 1:
		parts = append(parts, points[0])
	default:
		parts = append(parts, orb.MultiPoint(points))
	}
	switch len(parts) {
	case 0:
	case 1:
		rb.geom = parts[0]
	default:
		rb.geom = parts
	}
	return rb
}
