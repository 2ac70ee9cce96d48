package demo

import (
	"math"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// The demo's base layer: a small street network with place names, so
// that the map shows streets with no basemap server (offline). Every
// name is invented. The east-west roads are the ones organizations'
// addresses name (eastWestRoads, streetAddress), at the heights the
// addresses assume; north-south roads cross them at the grid edges and
// in between. Nothing is random: the same network every time.

// northSouthRoads run from west to east, at x km; main ones are 主干路.
var northSouthRoads = []struct {
	name string
	x    float64
	main bool
}{
	{"西环路", 0.15, false}, {"长椿路", 1.35, false}, {"科技大道", 2.7, true}, {"梧桐街", 3.95, false},
	{"学府路", 5.2, true}, {"银杏路", 6.35, false}, {"东环路", 7.35, false},
}

// branchStreets (支路) are short streets inside the cells: from the road
// below to the road above, at x km.
var branchStreets = []struct {
	name     string
	x        float64
	from, to int // indexes into eastWestRoads
}{
	{"经一街", 0.75, 1, 3}, {"经二街", 2.05, 0, 2}, {"经三街", 3.3, 1, 3}, {"经四街", 4.6, 4, 6},
	{"经五街", 5.8, 5, 7}, {"经六街", 6.9, 2, 4},
}

// demoPlaces are place names at km positions, set off the road lines.
var demoPlaces = []struct {
	name, class string
	x, y        float64
}{
	{"高新区管委会", "政府机构", 3.55, 2.1}, {"科创广场", "广场", 2.95, 1.6}, {"创业园", "园区", 1.0, 1.05},
	{"火炬大厦", "楼宇", 4.35, 2.6}, {"人才公寓", "住宅", 6.0, 3.05}, {"物流中心", "园区", 6.8, 0.55},
	{"翠湖公园", "公园", 4.55, 1.3}, {"清溪河", "河流", 1.9, 3.42},
}

// roadKM is the height of east-west road i, in km: the middle of its
// share of the zone's height, as streetAddress reads it.
func roadKM(i int) float64 {
	height := offsetOf(rowHeightsKM, len(rowHeightsKM))
	return (float64(i) + 0.5) * height / float64(len(eastWestRoads))
}

// line is a road through km points, gently bent so that it reads as a
// street rather than a ruler line.
func line(from, to orb.Point, phase float64) orb.LineString {
	const steps = 12
	dx, dy := to[0]-from[0], to[1]-from[1]
	length := math.Hypot(dx, dy)
	nx, ny := -dy/length, dx/length
	var out orb.LineString
	for i := 0; i <= steps; i++ {
		t := float64(i) / steps
		side := 0.035 * math.Sin(t*length*0.9+phase)
		out = append(out, fromKM(orb.Point{from[0] + t*dx + side*nx, from[1] + t*dy + side*ny}))
	}
	return out
}

// baseFeatures is the demo zone's base layer.
func (l *layout) baseFeatures() []grid.BaseFeature {
	width := offsetOf(columnWidthsKM, len(columnWidthsKM))
	height := offsetOf(rowHeightsKM, len(rowHeightsKM))
	var out []grid.BaseFeature
	add := func(kind grid.BaseKind, name, class string, g orb.Geometry) {
		out = append(out, grid.BaseFeature{Kind: kind, Name: name, Class: class, Style: grid.BaseStyle(kind, class), Geom: g})
	}
	// The river and the park first: areas are drawn under the roads.
	river := line(orb.Point{-0.5, 3.3}, orb.Point{width + 0.5, 3.55}, 1.3)
	var bank orb.Ring
	for _, p := range river {
		bank = append(bank, orb.Point{p[0], p[1] + 0.05/kmPerDegLat})
	}
	for i := len(river) - 1; i >= 0; i-- {
		bank = append(bank, orb.Point{river[i][0], river[i][1] - 0.05/kmPerDegLat})
	}
	bank = append(bank, bank[0])
	add(grid.BaseArea, "清溪河", "河流", orb.Polygon{bank})
	park := orb.Ring{fromKM(orb.Point{4.1, 1.05}), fromKM(orb.Point{5.0, 1.05}), fromKM(orb.Point{5.05, 1.6}),
		fromKM(orb.Point{4.15, 1.65}), fromKM(orb.Point{4.1, 1.05})}
	add(grid.BaseArea, "翠湖公园", "公园", orb.Polygon{park})

	for i, name := range eastWestRoads {
		class := "次干路"
		if len([]rune(name)) >= 4 && string([]rune(name)[2:]) == "大道" {
			class = "主干路"
		}
		y := roadKM(i)
		add(grid.BaseRoad, name, class, line(orb.Point{-0.4, y}, orb.Point{width + 0.4, y}, float64(i)))
	}
	for i, r := range northSouthRoads {
		class := "次干路"
		if r.main {
			class = "主干路"
		}
		add(grid.BaseRoad, r.name, class, line(orb.Point{r.x, -0.4}, orb.Point{r.x, height + 0.4}, float64(i)+0.5))
	}
	for i, s := range branchStreets {
		add(grid.BaseRoad, s.name, "支路", line(orb.Point{s.x, roadKM(s.from)}, orb.Point{s.x, roadKM(s.to)}, float64(i)))
	}
	// 纬一街 runs east-west between 科技大道 and 学府路.
	y := (roadKM(3) + roadKM(4)) / 2
	add(grid.BaseRoad, "纬一街", "支路", line(orb.Point{northSouthRoads[2].x, y}, orb.Point{northSouthRoads[4].x, y}, 2))
	for _, p := range demoPlaces {
		add(grid.BasePlace, p.name, p.class, fromKM(orb.Point{p.x, p.y}))
	}
	return out
}
