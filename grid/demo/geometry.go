package demo

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
)

// The zone is laid out on a local kilometre plane whose origin is its
// nominal south-west corner; at this size a flat projection is exact to
// well under a metre, which is all synthetic data needs.
const (
	originLon   = 113.2595 // so that the zone is centred near 113.30°E
	originLat   = 33.7320  // and 33.75°N
	kmPerDegLon = 92.56    // 111.32 km × cos 33.75°
	kmPerDegLat = 110.95
)

// The 3 × 2 cells of the zone, west to east and south to north, in km:
// 7.5 km × 4 km, about 30 km².
var (
	columnWidthsKM = []float64{2.7, 2.5, 2.3}
	rowHeightsKM   = []float64{2.1, 1.9}
)

// Jitter of the shared vertex lattice, in km. Small against the cell size
// (≥ 1.9 km), so no ring can cross itself or a neighbour.
const (
	nodeJitterKM        = 0.18
	edgeBendKM          = 0.10 // sideways offset of an edge's inner points
	outerEdgeBendKM     = 0.14 // the outline is a little more irregular
	innerEdgePoints     = 3
	outerEdgePoints     = 5
	outsideMinOffsetKM  = 0.25 // organizations just outside the zone
	outsideMaxOffsetKM  = 0.70
	clustersPerGridMin  = 2
	clustersPerGridMax  = 3
	clusterSpreadFactor = 0.28 // cluster centres within this share of the cell
)

// gridSpecs are the six industry grids, by cell (row-major from the
// south-west): the zone's three leading industries 新材料, 新能源, 装备制造
// and three more of a typical national high-tech zone.
var gridSpecs = []struct {
	code, industry string
}{
	{"G01", "新材料"}, {"G02", "新能源"}, {"G03", "装备制造"},
	{"G04", "电子信息"}, {"G05", "生物医药"}, {"G06", "现代服务"},
}

func toKM(p orb.Point) orb.Point {
	return orb.Point{(p[0] - originLon) * kmPerDegLon, (p[1] - originLat) * kmPerDegLat}
}

func fromKM(p orb.Point) orb.Point {
	return orb.Point{originLon + p[0]/kmPerDegLon, originLat + p[1]/kmPerDegLat}
}

// cluster is a Gaussian cloud of organizations, like an industrial park
// around its main roads.
type cluster struct {
	grid   int       // index into layout.grids
	centre orb.Point // km
	sigma  float64   // km
	weight float64
}

// layout is the zone's geometry: its outline, the grids tiling it and the
// clusters organizations gather in.
type layout struct {
	zone     orb.MultiPolygon
	grids    []grid.Grid
	clusters []cluster
	// gridOfIndustry maps an industry to its grid index.
	gridOfIndustry map[string]int
}

func newLayout(rng *rand.Rand) layout {
	lat := newLattice(rng)
	l := layout{zone: orb.MultiPolygon{{lat.zoneRing()}}, gridOfIndustry: make(map[string]int)}
	officers := newNamer()
	for i, spec := range gridSpecs {
		col, row := i%len(columnWidthsKM), i/len(columnWidthsKM)
		l.grids = append(l.grids, grid.Grid{
			ID:         int64(i + 1),
			ZoneID:     1,
			Code:       spec.code,
			Name:       spec.industry + "产业网格",
			Industry:   spec.industry,
			Officer:    officers.person(rng),
			Instructor: officers.person(rng),
			Geom:       orb.MultiPolygon{{lat.cellRing(col, row)}},
		})
		l.gridOfIndustry[spec.industry] = i
		l.clusters = append(l.clusters, cellClusters(rng, i, col, row)...)
	}
	return l
}

// cellClusters places two or three clusters near the centre of a cell.
func cellClusters(rng *rand.Rand, gridIndex, col, row int) []cluster {
	x0, y0 := offsetOf(columnWidthsKM, col), offsetOf(rowHeightsKM, row)
	w, h := columnWidthsKM[col], rowHeightsKM[row]
	n := clustersPerGridMin + rng.IntN(clustersPerGridMax-clustersPerGridMin+1)
	out := make([]cluster, n)
	for i := range out {
		out[i] = cluster{
			grid: gridIndex,
			centre: orb.Point{
				x0 + w/2 + uniform(rng, -1, 1)*clusterSpreadFactor*w,
				y0 + h/2 + uniform(rng, -1, 1)*clusterSpreadFactor*h,
			},
			sigma:  uniform(rng, 0.18, 0.32),
			weight: uniform(rng, 1, 3),
		}
	}
	return out
}

// lattice is the zone's shared vertex network. Nodes sit at cell corners;
// every edge between two nodes is bent through a few inner points, and the
// cells on both sides of an edge use the very same points, so the cells
// tile the zone exactly: no gap, no overlap, identical float64 values.
type lattice struct {
	h [][]orb.LineString // h[i][j] runs east from node (i, j) to (i+1, j)
	v [][]orb.LineString // v[i][j] runs north from node (i, j) to (i, j+1)
}

func newLattice(rng *rand.Rand) lattice {
	cols, rows := len(columnWidthsKM), len(rowHeightsKM)
	nodes := make([][]orb.Point, cols+1) // in km
	for i := range nodes {
		nodes[i] = make([]orb.Point, rows+1)
		for j := range nodes[i] {
			nodes[i][j] = orb.Point{
				offsetOf(columnWidthsKM, i) + uniform(rng, -nodeJitterKM, nodeJitterKM),
				offsetOf(rowHeightsKM, j) + uniform(rng, -nodeJitterKM, nodeJitterKM),
			}
		}
	}
	var lat lattice
	lat.h = make([][]orb.LineString, cols)
	for i := range lat.h {
		lat.h[i] = make([]orb.LineString, rows+1)
		for j := range lat.h[i] {
			outer := j == 0 || j == rows
			lat.h[i][j] = bentEdge(rng, nodes[i][j], nodes[i+1][j], outer)
		}
	}
	lat.v = make([][]orb.LineString, cols+1)
	for i := range lat.v {
		lat.v[i] = make([]orb.LineString, rows)
		for j := range lat.v[i] {
			outer := i == 0 || i == cols
			lat.v[i][j] = bentEdge(rng, nodes[i][j], nodes[i][j+1], outer)
		}
	}
	return lat
}

// bentEdge returns the edge from a to b (km) in degrees, through inner
// points spread along it and pushed sideways a little.
func bentEdge(rng *rand.Rand, a, b orb.Point, outer bool) orb.LineString {
	n, bend := innerEdgePoints, edgeBendKM
	if outer {
		n, bend = outerEdgePoints, outerEdgeBendKM
	}
	dx, dy := b[0]-a[0], b[1]-a[1]
	length := math.Hypot(dx, dy)
	nx, ny := -dy/length, dx/length
	line := orb.LineString{fromKM(a)}
	step := 1 / float64(n+1)
	for m := 1; m <= n; m++ {
		t := float64(m)*step + uniform(rng, -0.3, 0.3)*step
		side := uniform(rng, -bend, bend)
		line = append(line, fromKM(orb.Point{a[0] + t*dx + side*nx, a[1] + t*dy + side*ny}))
	}
	return append(line, fromKM(b))
}

// cellRing is cell (col, row)'s counter-clockwise ring: south edge east,
// east edge north, north edge west, west edge south.
func (lat lattice) cellRing(col, row int) orb.Ring {
	return joinRing(
		run{lat.h[col][row], false},
		run{lat.v[col+1][row], false},
		run{lat.h[col][row+1], true},
		run{lat.v[col][row], true},
	)
}

// zoneRing is the outline of all cells, counter-clockwise from the
// south-west corner.
func (lat lattice) zoneRing() orb.Ring {
	cols, rows := len(columnWidthsKM), len(rowHeightsKM)
	var runs []run
	for i := 0; i < cols; i++ {
		runs = append(runs, run{lat.h[i][0], false})
	}
	for j := 0; j < rows; j++ {
		runs = append(runs, run{lat.v[cols][j], false})
	}
	for i := cols - 1; i >= 0; i-- {
		runs = append(runs, run{lat.h[i][rows], true})
	}
	for j := rows - 1; j >= 0; j-- {
		runs = append(runs, run{lat.v[0][j], true})
	}
	return joinRing(runs...)
}

// run is an edge walked forwards or backwards.
type run struct {
	line     orb.LineString
	reversed bool
}

// joinRing chains runs that meet end to start into a closed ring.
func joinRing(runs ...run) orb.Ring {
	var ring orb.Ring
	for _, r := range runs {
		n := len(r.line)
		for m := 0; m < n-1; m++ { // the next run starts at this run's last point
			if r.reversed {
				ring = append(ring, r.line[n-1-m])
			} else {
				ring = append(ring, r.line[m])
			}
		}
	}
	return append(ring, ring[0])
}

// inZone reports whether the zone covers p (degrees).
func (l *layout) inZone(p orb.Point) bool { return geo.CoversPoint(l.zone, p) }

// pointInCluster draws a point of cluster c inside the zone.
func (l *layout) pointInCluster(rng *rand.Rand, c cluster) orb.Point {
	for {
		p := fromKM(orb.Point{
			c.centre[0] + rng.NormFloat64()*c.sigma,
			c.centre[1] + rng.NormFloat64()*c.sigma,
		})
		if l.inZone(p) {
			return p
		}
	}
}

// pointInGrid draws a point near one of grid gi's clusters that the grid
// itself covers, as a liaison's base.
func (l *layout) pointInGrid(rng *rand.Rand, gi int) orb.Point {
	own := l.clustersOf(gi)
	for {
		c := own[rng.IntN(len(own))]
		p := fromKM(orb.Point{
			c.centre[0] + rng.NormFloat64()*c.sigma,
			c.centre[1] + rng.NormFloat64()*c.sigma,
		})
		if geo.CoversPoint(l.grids[gi].Geom, p) {
			return p
		}
	}
}

// pointOutside draws a point a few hundred metres outside the zone,
// beyond a random stretch of its outline.
func (l *layout) pointOutside(rng *rand.Rand) orb.Point {
	ring := l.zone[0][0]
	for {
		i := rng.IntN(len(ring) - 1)
		a, b := toKM(ring[i]), toKM(ring[i+1])
		dx, dy := b[0]-a[0], b[1]-a[1]
		length := math.Hypot(dx, dy)
		t := uniform(rng, 0.2, 0.8)
		off := uniform(rng, outsideMinOffsetKM, outsideMaxOffsetKM)
		// The outward normal of a counter-clockwise ring points right.
		p := fromKM(orb.Point{a[0] + t*dx + off*dy/length, a[1] + t*dy - off*dx/length})
		if !l.inZone(p) {
			return p
		}
	}
}

func (l *layout) clustersOf(gi int) []cluster {
	var out []cluster
	for _, c := range l.clusters {
		if c.grid == gi {
			out = append(out, c)
		}
	}
	return out
}

// pickCluster draws a cluster by weight, from all of them or from grid gi's
// (gi ≥ 0).
func (l *layout) pickCluster(rng *rand.Rand, gi int) cluster {
	total := 0.0
	for _, c := range l.clusters {
		if gi < 0 || c.grid == gi {
			total += c.weight
		}
	}
	x := rng.Float64() * total
	var last cluster
	for _, c := range l.clusters {
		if gi >= 0 && c.grid != gi {
			continue
		}
		if x < c.weight {
			return c
		}
		x -= c.weight
		last = c
	}
	return last
}

// offsetOf is the sum of sizes[:i].
func offsetOf(sizes []float64, i int) float64 {
	sum := 0.0
	for _, s := range sizes[:i] {
		sum += s
	}
	return sum
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }

// distanceKM is the planar distance between two points in degrees, in km.
func distanceKM(a, b orb.Point) float64 {
	return math.Hypot((a[0]-b[0])*kmPerDegLon, (a[1]-b[1])*kmPerDegLat)
}
