package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
)

// The bbox filter is exact and closed: a point on any edge of the box is
// in it, a point 1e-7° (about a centimetre) outside is not. The index
// compares float4-rounded boxes (about 1e-5° here), so the index test
// alone lets such points in.
func TestBBoxEdges(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	org := fx.orgs[0] // the liaison's, with two requests
	x, y := org.Location[0], org.Location[1]
	var lx, ly float64
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT ST_X(base), ST_Y(base) FROM liaison WHERE id = $1`,
		fx.liaisonID).Scan(&lx, &ly); err != nil {
		t.Fatal(err)
	}
	// Every layer is asked about one point: the organization's (its
	// requests are drawn there) or the liaison's base.
	layers := []struct {
		name, path string
		x, y       float64
		in         int // features at the point
	}{
		{"organizations", "/api/v1/organizations", x, y, 1},
		{"requests", "/api/v1/requests", x, y, 2},
		{"liaisons", "/api/v1/liaisons", lx, ly, 1},
		{"ogc organizations", "/ogc/collections/organizations/items", x, y, 1},
		{"ogc requests", "/ogc/collections/requests/items", x, y, 2},
		{"ogc liaisons", "/ogc/collections/liaisons/items", lx, ly, 1},
		{"ogc organizations in CRS84", "/ogc/collections/organizations/items", x, y, 1},
	}
	const d, eps = 0.005, 1e-7 // the fixture's points are 0.01° or more apart
	for _, l := range layers {
		px, py := l.x, l.y
		sides := []struct {
			side    string
			on, out [4]float64
		}{
			{"west", [4]float64{px, py - d, px + d, py + d}, [4]float64{px + eps, py - d, px + d, py + d}},
			{"east", [4]float64{px - d, py - d, px, py + d}, [4]float64{px - d, py - d, px - eps, py + d}},
			{"south", [4]float64{px - d, py, px + d, py + d}, [4]float64{px - d, py + eps, px + d, py + d}},
			{"north", [4]float64{px - d, py - d, px + d, py}, [4]float64{px - d, py - d, px + d, py - eps}},
		}
		for _, s := range sides {
			for _, c := range []struct {
				what string
				box  [4]float64
				want int
			}{{"on", s.on, l.in}, {"outside", s.out, 0}} {
				target := l.path + "?bbox=" + bboxText(c.box)
				if l.name == "ogc organizations in CRS84" {
					target += "&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84"
				}
				t.Run(l.name+" "+c.what+" "+s.side, func(t *testing.T) {
					status, _, body := fx.do(t, admin, http.MethodGet, target, "")
					if status != http.StatusOK {
						t.Fatalf("GET %s: status %d: %s", target, status, body)
					}
					var fc struct {
						Features      []json.RawMessage `json:"features"`
						NumberMatched *int              `json:"numberMatched"`
					}
					if err := json.Unmarshal(body, &fc); err != nil {
						t.Fatal(err)
					}
					if len(fc.Features) != c.want {
						t.Errorf("GET %s: %d features, want %d", target, len(fc.Features), c.want)
					}
					if fc.NumberMatched != nil && *fc.NumberMatched != c.want {
						t.Errorf("GET %s: numberMatched %d, want %d", target, *fc.NumberMatched, c.want)
					}
				})
			}
		}
	}
}

// bboxText writes a box as the bbox parameter, each number exactly.
func bboxText(b [4]float64) string {
	s := ""
	for i, v := range b {
		if i > 0 {
			s += ","
		}
		s += strconv.FormatFloat(v, 'g', -1, 64)
	}
	return s
}
