package grid

import (
	"testing"

	"github.com/paulmach/orb"
)

// square returns a counter-clockwise square grid with its lower-left corner
// at (x, y) and side 1.
func square(code, industry string, x, y float64) Grid {
	ring := orb.Ring{{x, y}, {x + 1, y}, {x + 1, y + 1}, {x, y + 1}, {x, y}}
	return Grid{Code: code, Industry: industry, Geom: orb.MultiPolygon{{ring}}}
}

func TestAssignGrid(t *testing.T) {
	// G02 (新能源) lies left of G01 (新材料): they share the edge x = 1.
	grids := []Grid{square("G01", "新材料", 1, 0), square("G02", "新能源", 0, 0)}
	tests := []struct {
		name     string
		industry string
		at       orb.Point
		want     string
		reason   GridReason
	}{
		{"industry beats territory", "新材料", orb.Point{0.5, 0.5}, "G01", ReasonIndustry},
		{"industry when outside every grid", "新能源", orb.Point{5, 5}, "G02", ReasonIndustry},
		{"territory inside", "物流", orb.Point{0.5, 0.5}, "G02", ReasonTerritory},
		{"territory on outer edge", "物流", orb.Point{2, 0.5}, "G01", ReasonTerritory},
		{"shared edge goes to the lowest code", "物流", orb.Point{1, 0.5}, "G01", ReasonTerritory},
		{"shared corner goes to the lowest code", "物流", orb.Point{1, 1}, "G01", ReasonTerritory},
		{"nearest on the left", "物流", orb.Point{-0.2, 0.5}, "G02", ReasonNearest},
		{"nearest on the right", "物流", orb.Point{2.3, 0.5}, "G01", ReasonNearest},
		{"equidistant goes to the lowest code", "物流", orb.Point{1, 1.5}, "G01", ReasonNearest},
		{"empty industry never matches", "", orb.Point{0.5, 0.5}, "G02", ReasonTerritory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, reason, ok := AssignGrid(tt.industry, tt.at, grids)
			if !ok || g.Code != tt.want || reason != tt.reason {
				t.Errorf("AssignGrid(%q, %v) = %s, %s, %v; want %s, %s", tt.industry, tt.at, g.Code, reason, ok, tt.want, tt.reason)
			}
		})
	}
}

func TestAssignGridOrderDoesNotMatter(t *testing.T) {
	a, b := square("G01", "新材料", 1, 0), square("G02", "新能源", 0, 0)
	for _, grids := range [][]Grid{{a, b}, {b, a}} {
		if g, _, _ := AssignGrid("物流", orb.Point{1, 0.25}, grids); g.Code != "G01" {
			t.Errorf("boundary point went to %s with order %s,%s", g.Code, grids[0].Code, grids[1].Code)
		}
	}
}

func TestAssignGridSeveralGridsOfOneIndustry(t *testing.T) {
	grids := []Grid{square("G01", "新材料", 0, 0), square("G02", "新材料", 3, 0)}
	if g, r, _ := AssignGrid("新材料", orb.Point{3.5, 0.5}, grids); g.Code != "G02" || r != ReasonIndustry {
		t.Errorf("got %s %s; want the covering grid of the industry, G02", g.Code, r)
	}
	if g, _, _ := AssignGrid("新材料", orb.Point{2.2, 0.5}, grids); g.Code != "G02" {
		t.Errorf("got %s; want the nearest grid of the industry, G02", g.Code)
	}
}

func TestAssignGridNoGrids(t *testing.T) {
	if _, _, ok := AssignGrid("新材料", orb.Point{0, 0}, nil); ok {
		t.Error("AssignGrid with no grids reported a grid")
	}
}

func TestValidUSCC(t *testing.T) {
	body := "91410400MA44X5CA3"
	c, ok := USCCCheckChar(body)
	if !ok {
		t.Fatal("USCCCheckChar refused a valid body")
	}
	good := body + string(c)
	tests := []struct {
		code string
		want bool
	}{
		{good, true},
		{body + "0", c == '0'},
		{"91410400MA44X5CA3", false},             // 17 characters
		{"9141040OMA44X5CA3" + string(c), false}, // letter O in the division code
		{"91410400MA44X5CI3" + string(c), false}, // I is not in the alphabet
		{"91410400ma44x5ca3" + string(c), false}, // lower case
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidUSCC(tt.code); got != tt.want {
			t.Errorf("ValidUSCC(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
	// The published example code of GB 32100's appendix style: a known-good
	// real-world format check (Tencent's Shenzhen company).
	if !ValidUSCC("9144030071526726XG") {
		t.Error("a well-known valid code was rejected")
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("正确的密码 horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(h, "正确的密码 horse"); !ok || err != nil {
		t.Errorf("right password refused: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "wrong"); ok {
		t.Error("wrong password accepted")
	}
	h2, _ := HashPassword("正确的密码 horse")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	if _, err := CheckPassword("$2a$10$abc", "x"); err == nil {
		t.Error("a non-argon2id hash was accepted")
	}
}
