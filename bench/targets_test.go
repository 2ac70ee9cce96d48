package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridgis/geo"
	"gridgis/grid"
)

// maxPlaceholder is the highest $n in sql.
func maxPlaceholder(sql string) int {
	most := 0
	for _, m := range regexp.MustCompile(`\$(\d+)`).FindAllStringSubmatch(sql, -1) {
		n, _ := strconv.Atoi(m[1])
		most = max(most, n)
	}
	return most
}

func TestBaselineArgsFitTheirSQL(t *testing.T) {
	org := baselineOrgArgs(geo.BBox{MinLon: 113, MinLat: 33, MaxLon: 113.1, MaxLat: 33.1}, time.Now(), 10001)
	if got := maxPlaceholder(baselineOrgSQL); got != len(org) {
		t.Errorf("baselineOrgSQL uses $1–$%d, its args are %d", got, len(org))
	}
	tile := baselineTileArgs(geo.Tile{Z: 10, X: 833, Y: 409})
	if got := maxPlaceholder(baselineTileSQL); got != len(tile) {
		t.Errorf("baselineTileSQL uses $1–$%d, its args are %d", got, len(tile))
	}
}

func TestBaselineTileArgs(t *testing.T) {
	// What TileQuery bound at 57f2d70 for the z10 tile of the bench zone.
	got := baselineTileArgs(geo.Tile{Z: 10, X: 833, Y: 409})
	want := []any{10, 833, 409, int64(3411968), int64(1675264), 9.554628535647032}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("arg $%d = %#v, want %#v", i+1, got[i], want[i])
		}
	}
	// The unit is geo's, to the last bit, at every zoom.
	for z := range 21 {
		tile := geo.Tile{Z: z}
		if got, want := baselineTileArgs(tile)[5], tile.PixelSize(geo.TileExtent); got != want {
			t.Errorf("z%d: unit %v, geo says %v", z, got, want)
		}
	}
}

func TestTargets(t *testing.T) {
	for name, want := range map[string]float64{"bbox ~100": 3, "bbox ~1,000": 0, "bbox ~10,000": 5,
		"tile z6": 30, "tile z10": 30, "tile z14": 3} {
		if got := targetFor(name); got != want {
			t.Errorf("targetFor(%q) = %v, want %v", name, got, want)
		}
	}
	tests := []struct{ got, want string }{
		{speedUpLine("tile z6", 31.2, 120, 30), "tile z6      endpoint 31.2× as fast as the baseline (target ≥ 30×): met (its SQL 120.0× the baseline SQL's)"},
		{speedUpLine("tile z6", 29.96, 2.26, 30), "tile z6      endpoint 30.0× as fast as the baseline (target ≥ 30×): NOT MET (its SQL 2.3× the baseline SQL's)"},
		{slowdownLine("log a contact", 1.2), "log a contact              1.20× the time without the triggers (target ≤ 1.2×): met"},
		{slowdownLine("log a contact", 1.25), "log a contact              1.25× the time without the triggers (target ≤ 1.2×): NOT MET"},
		{searchLine("3 chars, rare", "金泰氢", 49*time.Millisecond), "search 3 chars, rare    金泰氢 endpoint p50 49.00 ms (target < 50.00 ms): met"},
		{searchLine("3 chars, rare", "金泰氢", 50*time.Millisecond), "search 3 chars, rare    金泰氢 endpoint p50 50.00 ms (target < 50.00 ms): NOT MET"},
		{loadLine("import orgs", 1_000_000, 100*time.Second), "import orgs  1,000,000 organizations in 100.0 s (10,000 rows/s) (target < 120 s): met"},
		{loadLine("import orgs", 1_000_000, 120*time.Second), "import orgs  1,000,000 organizations in 120.0 s (8,333 rows/s) (target < 120 s): NOT MET"},
		{loadLine("import orgs", 1000, time.Second), "import orgs  1,000 organizations in 1.0 s (1,000 rows/s) (target < 120 s for 1,000,000: not this size)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got  %q\nwant %q", tt.got, tt.want)
		}
	}
}

func TestScaling(t *testing.T) {
	if got := scaling(10, 15); got != 1.5 {
		t.Errorf("scaling(10, 15) = %v, want 1.5", got)
	}
	if got := scaling(0, 15); got != 0 {
		t.Errorf("scaling(0, 15) = %v, want 0", got)
	}
}

func TestMachineParsing(t *testing.T) {
	cpuinfo := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n\nprocessor\t: 1\nmodel name\t: other\n"
	if got := cpuModel(cpuinfo); got != "Intel(R) Xeon(R) CPU @ 2.20GHz" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel("processor : 0\n"); got != "" {
		t.Errorf("cpuModel without a model = %q", got)
	}
	if got := memTotal("MemTotal:        8131452 kB\nMemFree:  1 kB\n"); got != 8131452 {
		t.Errorf("memTotal = %d", got)
	}
	if got := memTotal("MemFree:  1 kB\n"); got != 0 {
		t.Errorf("memTotal without MemTotal = %d", got)
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"host=/var/run/postgresql dbname=gridgis_bench", "host=/var/run/postgresql dbname=gridgis_bench dbname=x_load"},
		{"postgres://u:p@localhost:5432/gridgis_bench?sslmode=disable", "postgres://u:p@localhost:5432/x_load?sslmode=disable"},
		{"postgresql://localhost", "postgresql://localhost/x_load"},
	}
	for _, tt := range tests {
		if got := withDatabase(tt.dsn, "x_load"); got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestRegister(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(string(register(1000, 1_000_000)), "\n"), "\n")
	if len(lines) != 1001 {
		t.Fatalf("%d lines, want a header and 1000 rows", len(lines))
	}
	seen := map[string]bool{}
	for _, line := range lines[1:] {
		cells := strings.Split(line, ",")
		if len(cells) != 10 {
			t.Fatalf("row %q has %d cells, want 10", line, len(cells))
		}
		if !grid.ValidUSCC(cells[1]) || seen[cells[1]] {
			t.Errorf("credit code %q invalid or repeated", cells[1])
		}
		seen[cells[1]] = true
		lon, _ := strconv.ParseFloat(cells[2], 64)
		lat, _ := strconv.ParseFloat(cells[3], 64)
		if lon <= 113 || lon >= 113.2 || lat <= 33 || lat >= 33.1 {
			t.Errorf("row %q lies outside the load zone", line)
		}
	}
	// The largest code of a million rows from 1,000,000 still fits.
	if code := uscc(1_999_999); !grid.ValidUSCC(code) {
		t.Errorf("uscc(1,999,999) = %q, invalid", code)
	}
}

func TestThreeChineseChars(t *testing.T) {
	for text, want := range map[string]bool{"金泰氢": true, "平顶山": true, "平顶": false, "91410400MA": false, "ab金": false, "金泰氢能": false} {
		if got := threeChineseChars(text); got != want {
			t.Errorf("threeChineseChars(%q) = %v, want %v", text, got, want)
		}
	}
}
