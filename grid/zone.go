package grid

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Zone is one industrial zone (园区). A deployment may hold several; every
// row carries its zone.
type Zone struct {
	ID       int64
	Code     string
	Name     string
	Boundary orb.MultiPolygon
}

// Grid is an industry grid (产业网格): one polygon, one industry, one grid
// officer (网格员) and one party-building instructor (党建指导员).
type Grid struct {
	ID         int64
	ZoneID     int64
	Code       string
	Name       string
	Industry   string
	Officer    string
	Instructor string
	Geom       orb.MultiPolygon
}

// ZoneSummary is one zone as `gridgis zone list` shows it.
type ZoneSummary struct {
	Zone
	AreaM2 float64
	Grids  int
	Orgs   int // active organizations
}

// ZoneBoundary is a new boundary for a zone: the union of Parts (the
// polygons of a file, which may touch or overlap), or with FromGrids the
// union of the zone's grids.
type ZoneBoundary struct {
	Parts     []orb.MultiPolygon
	FromGrids bool
	Source    string // the file, for the audit log
}

// ZoneChange is what setting a zone's boundary did.
type ZoneChange struct {
	Zone              Zone
	OldAreaM2, AreaM2 float64
	OldHash, Hash     string // md5 of the boundary's WKB
	Grids, Orgs       int    // the zone's grids and located organizations
	OrgsOutsideBefore int    // of Orgs, those already outside the old boundary (left as they are)
}

// ZoneStore creates zones and sets their boundaries. A boundary must be a
// valid polygon of positive area inside China's box and cover every grid
// of the zone and every organization the old boundary covered, to
// GridTolerance m² (a grid) or GridSliverWidth m (a point); else EInvalid
// on field "boundary" naming what would fall outside. Each change is
// audited (zone_create, zone_boundary).
type ZoneStore interface {
	AddZone(ctx context.Context, who Actor, z Zone, b ZoneBoundary) (ZoneChange, error)
	SetZoneBoundary(ctx context.Context, who Actor, zoneID int64, b ZoneBoundary) (ZoneChange, error)
	ListZones(ctx context.Context) ([]ZoneSummary, error)
}

// zoneCode is the form zone codes take (the zone table's CHECK).
var zoneCode = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)

// ValidateZone checks a new zone's code and name.
func ValidateZone(z Zone) error {
	if !zoneCode.MatchString(z.Code) {
		return Invalid("code", "园区编码 %q 只能由小写字母、数字、下划线和连字符组成，至多 40 个字符 / a zone code is 1-40 of a-z 0-9 _ -", z.Code)
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(z.Name)); n == 0 || n > 100 {
		return Invalid("name", "园区名称须为 1–100 个字符 / a zone name is 1-100 characters")
	}
	return nil
}

// China's box, as the coordinate converters draw it (geo/crs.go): a zone
// outside it is a file in the wrong coordinates (projected metres, or
// latitude and longitude swapped).
const (
	ChinaMinLon, ChinaMaxLon = 72.004, 137.8347
	ChinaMinLat, ChinaMaxLat = 0.8293, 55.8271
)

// CheckInChina refuses a boundary with a vertex outside China's box.
func CheckInChina(parts []orb.MultiPolygon) error {
	for _, mp := range parts {
		for _, poly := range mp {
			for _, r := range poly {
				for _, p := range r {
					if !(p[0] >= ChinaMinLon && p[0] <= ChinaMaxLon && p[1] >= ChinaMinLat && p[1] <= ChinaMaxLat) {
						return Invalid("boundary", "坐标 (%g, %g) 不在中国范围内（经度 %g–%g，纬度 %g–%g）：请检查坐标系与经纬度顺序 / outside China",
							p[0], p[1], ChinaMinLon, ChinaMaxLon, ChinaMinLat, ChinaMaxLat)
					}
				}
			}
		}
	}
	return nil
}
