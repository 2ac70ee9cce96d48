package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/width"

	gridgeo "gridgis/geo"
	"gridgis/grid"
)

// TestFormats reads the same register in every format and encoding.
func TestFormats(t *testing.T) {
	rows := sampleRows()
	utf := toCSV(t, rows, ',')
	geoRows := sampleOrgs()
	for i := range geoRows {
		geoRows[i].Row-- // GeoJSON rows are feature numbers
	}
	for _, tc := range []struct {
		name string
		file []byte
		read ReadOptions
		want []OrgRow
	}{
		{"csv utf-8", utf, ReadOptions{}, sampleOrgs()},
		{"csv utf-8 bom", append([]byte(bom), utf...), ReadOptions{}, sampleOrgs()},
		{"csv gbk guessed", toGBK(t, utf), ReadOptions{}, sampleOrgs()},
		{"csv gbk named", toGBK(t, utf), ReadOptions{Encoding: "GBK"}, sampleOrgs()},
		{"csv gbk format named", toGBK(t, utf), ReadOptions{Format: CSV}, sampleOrgs()},
		{"csv tab", toCSV(t, rows, '\t'), ReadOptions{}, sampleOrgs()},
		{"csv semicolon gbk", toGBK(t, toCSV(t, rows, ';')), ReadOptions{}, sampleOrgs()},
		{"csv crlf", bytes.ReplaceAll(utf, []byte("\n"), []byte("\r\n")), ReadOptions{}, sampleOrgs()},
		{"csv utf-16le tab (Excel's Unicode text)", toUTF16(t, toCSV(t, rows, '\t'), unicode.LittleEndian), ReadOptions{}, sampleOrgs()},
		{"csv utf-16be", toUTF16(t, toCSV(t, rows, ','), unicode.BigEndian), ReadOptions{}, sampleOrgs()},
		{"xlsx", toXLSX(t, rows, "Sheet1"), ReadOptions{}, sampleOrgs()},
		{"xlsx named sheet", toXLSX(t, rows, "企业名录"), ReadOptions{Sheet: "企业名录"}, sampleOrgs()},
		{"geojson", toGeoJSON(t, rows), ReadOptions{}, geoRows},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var progress []int
			res, err := ReadOrgs(bytes.NewReader(tc.file), Options{Read: tc.read, Progress: func(n int) { progress = append(progress, n) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) != 0 {
				t.Fatalf("problems: %+v", res.Problems)
			}
			if diff := cmp.Diff(tc.want, res.Rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if res.Total != 3 || res.Valid != 3 || res.Invalid != 0 || res.Unlocated != 1 {
				t.Errorf("counts: total %d valid %d invalid %d unlocated %d", res.Total, res.Valid, res.Invalid, res.Unlocated)
			}
			if !slices.Equal(progress, []int{3}) {
				t.Errorf("progress %v, want [3]", progress)
			}
		})
	}
}

// TestEnglishHeadersAndTitleRow: English heads, a title row and a blank
// row above the header, blank rows between data, and our own export's
// apostrophes.
func TestEnglishHeadersAndTitleRow(t *testing.T) {
	in := "Zone register 2026,,\n,,\nname,USCC,Lon,Lat,industry,kind,employees,party_members,party_org,high_tech,specialized\n" +
		"'=cmd," + code(7) + ",121.5,31.2,'-x,enterprise,10,3,standalone,true,0\n,,,\n" +
		"B," + code(8) + ",,,'@软件,new_economic,1,1,joint,yes,y\n"
	res, err := ReadOrgs(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Fatalf("problems: %+v", res.Problems)
	}
	if res.HeaderRow != 3 {
		t.Errorf("header row %d, want 3", res.HeaderRow)
	}
	got := []string{res.Rows[0].Org.Name, res.Rows[0].Org.Industry, res.Rows[1].Org.Industry}
	if !slices.Equal(got, []string{"=cmd", "-x", "@软件"}) {
		t.Errorf("apostrophes: %q", got)
	}
	if res.Rows[0].Row != 4 || res.Rows[1].Row != 6 {
		t.Errorf("row numbers %d %d, want 4 6", res.Rows[0].Row, res.Rows[1].Row)
	}
}

// TestApostropheBeforeDigitKept: an apostrophe before a digit is Excel's
// own text mark, which a CSV never carries: it stays, and the code is wrong.
func TestApostropheBeforeDigitKept(t *testing.T) {
	in := "名称,统一社会信用代码,行业\nA,'" + code(1) + ",软件\n"
	res, err := ReadOrgs(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || res.Problems[0].Field != "uscc" {
		t.Errorf("problems %+v, want one on uscc", res.Problems)
	}
}

type want struct {
	row   int
	field string
	has   string // a part of the reason
}

// TestChecks puts every rule in one file and wants each problem named.
func TestChecks(t *testing.T) {
	header := "名称,统一社会信用代码,类型,行业,经度,纬度,从业人员,党员人数,党组织情况,高新技术企业,地址,坐标\n"
	rows := []string{
		"好," + code(1) + ",企业,软件,121.5,31.2,10,3,单独组建,是,,",                 // 2 valid
		"," + code(2) + ",企业,软件,,,,,,,,",                                   // 3 no name
		"A," + badCheck(3) + ",企业,软件,,,,,,,,",                              // 4 check digit
		"B,,企业,软件,,,,,,,,",                                                 // 5 no code
		"C," + code(5) + ",公司,软件,,,,,,,,",                                  // 6 unknown kind
		"D," + code(6) + ",企业,化工,,,,,,,,",                                  // 7 industry not the zone's
		"E," + code(7) + ",企业,软件,121.5,,,,,,,",                             // 8 one coordinate
		"F," + code(8) + ",企业,软件,abc,31.2,,,,,,",                           // 9 not a number
		"G," + code(9) + ",企业,软件,NaN,31.2,,,,,,",                           // 10 not finite
		"H," + code(10) + ",企业,软件,31.2,121.5,,,,,,",                        // 11 swapped, out of range
		"I," + code(11) + ",企业,软件,116.4,39.9,,,,,,",                        // 12 outside the zone
		"J," + code(12) + ",企业,软件,,,12.5,,,,,",                             // 13 not integral
		"K," + code(13) + ",企业,软件,,,-1,,,,,",                               // 14 negative
		"L," + code(14) + ",企业,软件,,,2147483648,,,,,",                       // 15 too large
		"M," + code(15) + ",企业,软件,,,5,6,,,,",                               // 16 party members > employees
		"N," + code(16) + ",企业,软件,,,5,2,单独组建,,,",                           // 17 standalone needs 3
		"O," + code(17) + ",企业,软件,,,,,党支部,,,",                              // 18 unknown party org
		"P," + code(18) + ",企业,软件,,,,,,也许,,",                               // 19 not yes/no
		"Q," + code(1) + ",企业,软件,,,,,,,,",                                  // 20 duplicate of row 2
		"R," + code(19) + ",企业,,,,,,,,,",                                   // 21 no industry
		"S," + code(20) + ",企业,软件,,,,,,," + strings.Repeat("址", 201) + ",", // 22 long address
		"T," + code(21) + ",企业,软件,,,1,x,,,,",                               // 23 bad party members, no knock-on
		",bad,公司,,1,,z,,,,,",                                               // 24 many at once
		"U," + code(22) + ",企业,软件,,,,,,,,\"121.5, 31.2\"",                  // 25 location in one cell, but lng/lat mapped: ignored
		"V," + code(1) + ",企业,软件,,,,,,,,",                                  // 26 second duplicate of row 2
	}
	in := header + strings.Join(rows, "\n") + "\n"
	zone := gridgeo.BBox{MinLon: 121, MinLat: 31, MaxLon: 122, MaxLat: 32}
	res, err := ReadOrgs(strings.NewReader(in), Options{Inside: InBBox(zone), Industries: []string{"软件", "商贸"}})
	if err != nil {
		t.Fatal(err)
	}
	wants := []want{
		{2, "uscc", "与第 20 行重复"},
		{3, "name", "名称不能为空"},
		{4, "uscc", "校验位错误，应为 " + code(3)[17:]},
		{5, "uscc", "不能为空"},
		{6, "kind", "类型“公司”无法识别"},
		{7, "industry", "不是本园区的行业"},
		{8, "location", "同时填写或同时留空"},
		{9, "lng", "经度“abc”"},
		{10, "lng", "有限的数字"},
		{11, "location", "经纬度可能填反了"},
		{12, "location", "不在本园区范围内"},
		{13, "employees", "须为整数"},
		{14, "employees", "0 到 2147483647"},
		{15, "employees", "0 到 2147483647"},
		{16, "party_members", "不能超过从业人员"},
		{17, "party_org", "至少需要 3 名党员"},
		{18, "party_org", "党支部"},
		{19, "high_tech", "是 或 否"},
		{20, "uscc", "与第 2 行重复"},
		{21, "industry", "行业不能为空"},
		{22, "address", "200"},
		{23, "party_members", "须为整数"},
		{24, "kind", "公司"},
		{24, "employees", "须为整数"},
		{24, "uscc", "须为 18 位"},
		{24, "location", "同时填写"},
		{24, "name", "名称不能为空"},
		{24, "industry", "行业不能为空"},
		{26, "uscc", "与第 2 行重复"},
	}
	checkProblems(t, res.Problems, wants)
	if res.Total != 25 || res.Valid != 1 || res.Invalid != 24 || res.Unlocated != 1 {
		t.Errorf("counts: total %d valid %d invalid %d unlocated %d", res.Total, res.Valid, res.Invalid, res.Unlocated)
	}
	if len(res.Rows) != 1 || res.Rows[0].Row != 25 {
		t.Errorf("kept rows %+v, want only row 25", res.Rows)
	}
	for _, p := range res.Problems {
		if p.Row == 12 && (p.Point == nil || *p.Point != (orb.Point{116.4, 39.9})) {
			t.Errorf("outside problem's point %v, want (116.4, 39.9)", p.Point)
		}
	}
}

// checkProblems wants exactly the problems listed, in row order, each
// reason containing its part.
func checkProblems(t *testing.T, got []Problem, wants []want) {
	t.Helper()
	key := func(row int, field string) string {
		return strings.Join([]string{string(rune('0' + row/10)), string(rune('0' + row%10)), field}, ":")
	}
	left := map[string]want{}
	for _, w := range wants {
		left[key(w.row, w.field)] = w
	}
	for i, p := range got {
		if i > 0 && got[i-1].Row > p.Row {
			t.Errorf("problems out of row order at %+v", p)
		}
		w, ok := left[key(p.Row, p.Field)]
		if !ok {
			t.Errorf("unexpected problem %+v", p)
			continue
		}
		delete(left, key(p.Row, p.Field))
		if !strings.Contains(p.Reason, w.has) {
			t.Errorf("row %d %s: reason %q lacks %q", p.Row, p.Field, p.Reason, w.has)
		}
	}
	for _, w := range left {
		t.Errorf("missing problem: row %d field %s (%q)", w.row, w.field, w.has)
	}
}

// TestLocationColumn reads coordinates from one cell, and from the
// longitude column when the latitude one is empty.
func TestLocationColumn(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"location column", "名称,信用代码,行业,经纬度\nA," + code(1) + ",软件,\"121.5, 31.2\"\n"},
		{"full-width comma", "name,uscc,industry,coordinates\nA," + code(1) + ",软件,121.5，31.2\n"},
		{"pair in lng", "名称,信用代码,行业,经度,纬度\nA," + code(1) + ",软件,\"121.5,31.2\",\n"},
		{"degree sign", "名称,信用代码,行业,经度,纬度\nA," + code(1) + ",软件,121.5°,31.2°\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ReadOrgs(strings.NewReader(tc.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) != 0 || len(res.Rows) != 1 || !res.Rows[0].Located || res.Rows[0].Org.Location != (orb.Point{121.5, 31.2}) {
				t.Errorf("got %+v, problems %+v", res.Rows, res.Problems)
			}
		})
	}
	res, err := ReadOrgs(strings.NewReader("名称,信用代码,行业,坐标\nA,"+code(1)+",软件,121.5\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, res.Problems, []want{{2, "location", "经度, 纬度"}})
}

// TestGCJ02 imports Amap (and Baidu) coordinates of known WGS84 positions and wants
// each within 1 m of it. The pairs come from the npm package gcoord 1.0.7
// (geo/testdata/gcoord/vectors.json, points "random" and "city").
// Without the conversion every point would be over 100 m off.
func TestGCJ02(t *testing.T) {
	known := [][4]float64{ // WGS84 lng, lat; GCJ-02 lng, lat
		{115.5993119, 34.9507126, 115.60481460857545, 34.94976811316395},
		{107.709984, 30.8428458, 107.71448550764177, 30.840379824890043},
		{121.1648043, 26.7789139, 121.16899028079033, 26.775680623243012},
		{116.397428, 39.90923, 116.40367162595768, 39.91063350638631},
		{121.473701, 31.230416, 121.47822405739267, 31.22847374224698},
		{113.264385, 23.129112, 113.26971458288735, 23.126435336538538},
		{114.057868, 22.543099, 114.06298196110272, 22.540381757783795},
	}
	var b strings.Builder
	b.WriteString("名称,统一社会信用代码,行业,经度,纬度\n")
	for i, k := range known {
		b.WriteString("org," + code(i+1) + ",软件," + ftoa(k[2]) + "," + ftoa(k[3]) + "\n")
	}
	res, err := ReadOrgs(strings.NewReader(b.String()), Options{CRS: "GCJ02"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(known) {
		t.Fatalf("rows %d, problems %+v", len(res.Rows), res.Problems)
	}
	for i, k := range known {
		got := res.Rows[i].Org.Location
		if d := geo.Distance(got, orb.Point{k[0], k[1]}); d > 1 {
			t.Errorf("point %d: %v is %.3f m from %v", i, got, d, k[:2])
		}
		if d := geo.Distance(orb.Point{k[2], k[3]}, orb.Point{k[0], k[1]}); d < 100 {
			t.Errorf("point %d: the GCJ-02 offset is only %.1f m; the test would not notice a missing conversion", i, d)
		}
	}
	// Baidu's BD-09, as an XLSX: the same promise.
	bd := [][4]float64{
		{116.397428, 39.90923, 116.41004410170474, 39.916972856075134},
		{121.473701, 31.230416, 121.48478247238995, 31.23432658138832},
		{113.264385, 23.129112, 113.27613576798366, 23.132723116471208},
	}
	rows := [][]string{{"名称", "统一社会信用代码", "行业", "经度", "纬度"}}
	for i, k := range bd {
		rows = append(rows, []string{"org", code(i + 1), "软件", ftoa(k[2]), ftoa(k[3])})
	}
	res, err = ReadOrgs(bytes.NewReader(toXLSX(t, rows, "Sheet1")), Options{CRS: "bd09"})
	if err != nil || len(res.Rows) != len(bd) {
		t.Fatalf("bd09: %v %+v", err, res.Problems)
	}
	for i, k := range bd {
		if d := geo.Distance(res.Rows[i].Org.Location, orb.Point{k[0], k[1]}); d > 1 {
			t.Errorf("bd09 point %d: %v is %.3f m from %v", i, res.Rows[i].Org.Location, d, k[:2])
		}
	}
	if _, err := ReadOrgs(strings.NewReader("名称,信用代码\n"), Options{CRS: "mars"}); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("unknown crs: %v", err)
	}
}

// TestMapping: a guessed mapping, an override, and the mistakes an
// override can make.
func TestMapping(t *testing.T) {
	header := []string{"序号", "企业名称（全称）", "*统一社会信用代码", "所在地址", "X", "Y", "备注", "是否高新技术企业"}
	got := GuessMapping(header)
	wantM := Mapping{1: FieldName, 2: FieldUSCC, 4: FieldLng, 5: FieldLat, 7: FieldHighTech}
	if !cmp.Equal(got, wantM) {
		t.Errorf("guessed %v, want %v", got, wantM)
	}

	// The clerk's file calls the name column 单位 and the industry 门类:
	// neither is guessed, so the override names them.
	in := "单位,代码,门类,备注\nA," + code(1) + ",软件,x\n"
	if _, err := ReadOrgs(strings.NewReader(in), Options{}); grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "name") {
		t.Errorf("unguessable header: %v", err)
	}
	var m Mapping
	if err := m.UnmarshalJSON([]byte(`{"0":"name","1":"uscc","2":"industry"}`)); err != nil {
		t.Fatal(err)
	}
	res, err := ReadOrgs(strings.NewReader(in), Options{Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Org.Industry != "软件" || res.HeaderRow != 1 {
		t.Errorf("override: %+v %+v", res.Rows, res.Problems)
	}
	var arr Mapping
	if err := arr.UnmarshalJSON([]byte(`["name","uscc","industry",""]`)); err != nil || !cmp.Equal(arr, m) {
		t.Errorf("array form: %v %v", arr, err)
	}

	for _, tc := range []struct {
		json, has string
	}{
		{`{"0":"name","1":"uscc","2":"colour"}`, `"colour"`},
		{`{"0":"name","1":"uscc","2":"name"}`, "name mapped to columns 0 and 2"},
		{`{"0":"name","2":"industry"}`, "required field uscc"},
		{`{"1":"uscc"}`, "required field name"},
		{`{"0":"name","1":"uscc","9":"address"}`, "column 9 does not exist"},
		{`{"0":"name","1":"uscc","-1":"address"}`, "column -1 does not exist"},
		{`{"0":"name","1":"uscc","2":"lng"}`, "lng and lat"},
		{`{"0":"name","1":"uscc","2":"lng","3":"lat","4":"location"}`, "either location"},
		{`{"x":"name"}`, "not an integer"},
		{`"name"`, "JSON object or array"},
	} {
		var m Mapping
		err := m.UnmarshalJSON([]byte(tc.json))
		if err == nil {
			err = m.Validate(5)
		}
		if err == nil || grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), tc.has) {
			t.Errorf("%s: error %v, want one containing %q", tc.json, err, tc.has)
		}
		var ge *grid.Error
		if errors.As(err, &ge) && ge.Field != "mapping" {
			t.Errorf("%s: field %q, want mapping", tc.json, ge.Field)
		}
	}
}

// TestGBKTextInUTF8File: a file valid UTF-8 in its first MiB but GBK
// later is read as UTF-8, and the later rows say their encoding is wrong.
func TestGBKTextInUTF8File(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("名称,信用代码,行业\n")
	for i := 0; b.Len() < sniffSize+100; i++ {
		b.WriteString("Company," + code(i+1) + ",IT\n")
	}
	b.Write(toGBK(t, []byte("公司,"+code(999999)+",软件\n")))
	res, err := ReadOrgs(&b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || res.Problems[0].Field != "encoding" || !strings.Contains(res.Problems[0].Reason, "GBK") ||
		res.Problems[0].Row != res.Total+1 {
		t.Errorf("problems %+v, want one on encoding in the last row (%d)", res.Problems, res.Total+1)
	}
}

// TestGeoJSON: geometry kinds, nulls, members in any order, bad input.
func TestGeoJSON(t *testing.T) {
	in := `{"features":[
	 {"type":"Feature","properties":{"name":"A","uscc":"` + code(1) + `","industry":"软件","employees":12,"high_tech":true},"geometry":{"type":"Point","coordinates":[121.5,31.2,4]}},
	 {"type":"Feature","geometry":null,"properties":{"uscc":"` + code(2) + `","name":"B","industry":"软件","extra":[1,2]}},
	 {"type":"Feature","properties":{"name":"C","uscc":"` + code(3) + `","industry":"软件"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}},
	 {"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[1e999,2]}}
	],"type":"FeatureCollection","crs":{"type":"name"}}`
	res, err := ReadOrgs(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, res.Problems, []want{
		{3, "location", "LineString"},
		{4, "location", "有限的数字"}, {4, "name", "不能为空"}, {4, "uscc", "不能为空"}, {4, "industry", "不能为空"},
	})
	if len(res.Rows) != 2 || !res.Rows[0].Located || res.Rows[1].Located || res.Rows[0].Org.Employees != 12 || !res.Rows[0].Org.HighTech {
		t.Errorf("rows %+v", res.Rows)
	}
	for _, bad := range []string{`[]`, `{"type":"Feature"}`, `{"type":"FeatureCollection","features":{}}`, `{"type":"Polygon","features":[]}`, `{"features":[{"type":"Feature","properties":[1]}]}`} {
		if _, err := ReadOrgs(strings.NewReader(bad), Options{Read: ReadOptions{Format: GeoJSON}}); grid.ErrorCode(err) != grid.EInvalid {
			t.Errorf("%s: error %v, want invalid", bad, err)
		}
	}
}

// TestXLSXGapsAndRawValues: row numbers follow the sheet across empty
// rows, and numbers are read unformatted.
func TestXLSXGapsAndRawValues(t *testing.T) {
	rows := [][]string{zhHeader, {"A", code(1), "企业", "软件", "", "121.123456789", "31.2", "10", "0", "", "", ""},
		{}, {}, {"B", code(2), "企业", "软件", "", "", "", "1", "0", "", "", ""}}
	res, err := ReadOrgs(bytes.NewReader(toXLSX(t, rows, "Sheet1")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || res.Rows[1].Row != 5 || res.Rows[0].Org.Location[0] != 121.123456789 {
		t.Errorf("rows %+v problems %+v", res.Rows, res.Problems)
	}
	if _, err := ReadOrgs(bytes.NewReader(toXLSX(t, rows, "Sheet1")), Options{Read: ReadOptions{Sheet: "nope"}}); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("missing sheet: %v", err)
	}
	if _, err := ReadOrgs(strings.NewReader("PK\x03\x04 not a zip"), Options{}); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("broken zip: %v", err)
	}
	xls := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	if _, err := ReadOrgs(bytes.NewReader(xls), Options{}); grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), ".xls") {
		t.Errorf("an .xls: %v", err)
	}
}

func TestParseNames(t *testing.T) {
	if f, err := ParseFormat("JSON"); err != nil || f != GeoJSON {
		t.Errorf("json: %v %v", f, err)
	}
	if _, err := ParseFormat("shp"); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("shp: %v", err)
	}
	if e, err := ParseEncoding("GB18030"); err != nil || e != GBK {
		t.Errorf("gb18030: %v %v", e, err)
	}
	if _, err := ParseEncoding("latin1"); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("latin1: %v", err)
	}
	if _, err := ReadOrgs(strings.NewReader("\n\n"), Options{}); grid.ErrorCode(err) != grid.EInvalid {
		t.Errorf("empty file: %v", err)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// TestProgress reports every thousand rows and at the end.
func TestProgress(t *testing.T) {
	var got []int
	res, err := ReadOrgs(strings.NewReader(register(2500)), Options{Progress: func(n int) { got = append(got, n) }})
	if err != nil || res.Valid != 2500 {
		t.Fatalf("%v %+v", err, res.Problems)
	}
	if !slices.Equal(got, []int{1000, 2000, 2500}) {
		t.Errorf("progress %v", got)
	}
}

// TestResultJSON: the report a dry run sends.
func TestResultJSON(t *testing.T) {
	res, err := ReadOrgs(strings.NewReader("名称,信用代码,行业\nA,x,软件\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"header":["名称","信用代码","行业"],"header_row":1,"mapping":{"0":"name","1":"uscc","2":"industry"},` +
		`"problems":[{"row":2,"field":"uscc","reason":"统一社会信用代码 X 须为 18 位，此处为 1 位"}],"total":1,"valid":0,"invalid":1,"unlocated":0}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var m Mapping
	if err := json.Unmarshal([]byte(`{"0":"name","1":"uscc"}`), &m); err != nil || m[1] != FieldUSCC {
		t.Errorf("mapping from JSON: %v %v", m, err)
	}
}

// TestInBoundary: inside the outer ring, not in a hole.
func TestInBoundary(t *testing.T) {
	square := func(a, b float64) orb.Ring { return orb.Ring{{a, a}, {b, a}, {b, b}, {a, b}, {a, a}} }
	inside := InBoundary(orb.MultiPolygon{{square(0, 10), square(4, 6)}})
	for p, want := range map[orb.Point]bool{{1, 1}: true, {5, 5}: false, {11, 1}: false, {0, 5}: true} {
		if inside(p) != want {
			t.Errorf("%v: inside %v, want %v", p, !want, want)
		}
	}
}

// TestXLSXSharedStrings: Excel keeps text in the shared strings part, rich
// text in runs; a credit code typed as a number has lost its last digits.
func TestXLSXSharedStrings(t *testing.T) {
	sst := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>名称</t></si><si><t>统一社会信用代码</t></si>` +
		`<si><r><t>甲</t></r><r><rPr><b/></rPr><t>公司</t></r></si><si><t>` + code(1) + `</t></si><si><t>行业</t></si><si><t>软件</t></si></sst>`
	sheet := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>4</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" t="s"><v>5</v></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3"><v>9.1310100000000003E+17</v></c><c r="C3" t="s"><v>5</v></c></row>` +
		`</sheetData></worksheet>`
	res, err := ReadOrgs(bytes.NewReader(workbook(t, sheet, sst)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Org.Name != "甲公司" || res.Rows[0].Org.USCC != code(1) {
		t.Errorf("rows %+v", res.Rows)
	}
	checkProblems(t, res.Problems, []want{{3, "uscc", "存成了数字"}})
}

// TestFullWidthAndLegalForms: what a Chinese input method types, and kinds
// given as legal forms.
func TestFullWidthAndLegalForms(t *testing.T) {
	fw := func(s string) string { return width.Widen.String(s) }
	in := "名称,统一社会信用代码,行业,类型,经纬度,从业人员,高新技术企业\n" +
		"甲," + fw(code(1)) + ",软件,有限责任公司," + fw("121.5,31.2") + "," + fw("120") + ",是\n" +
		"乙," + code(2) + ",商贸,民办非企业单位,,,\n"
	res, err := ReadOrgs(strings.NewReader(in), Options{})
	if err != nil || len(res.Rows) != 2 {
		t.Fatalf("%v %+v", err, res.Problems)
	}
	a, b := res.Rows[0].Org, res.Rows[1].Org
	if a.USCC != code(1) || a.Location != (orb.Point{121.5, 31.2}) || a.Employees != 120 || a.Kind != grid.KindEnterprise || b.Kind != grid.KindSocial {
		t.Errorf("got %+v\n%+v", a, b)
	}
}

// TestGeoJSONWithBOM: Notepad saves GeoJSON with a UTF-8 BOM; it reads.
func TestGeoJSONWithBOM(t *testing.T) {
	in := bom + `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[121.5,31.2]},` +
		`"properties":{"名称":"甲","统一社会信用代码":"` + code(1) + `","行业":"软件"}}]}`
	res, err := ReadOrgs(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatalf("GeoJSON with a BOM: %v", err)
	}
	if len(res.Rows) != 1 || !res.Rows[0].Located {
		t.Errorf("rows %+v problems %+v", res.Rows, res.Problems)
	}
}

// TestIndustryRequired: a mapping without the industry column is refused
// as a whole, not row by row with "行业不能为空".
func TestIndustryRequired(t *testing.T) {
	_, err := ReadOrgs(strings.NewReader("名称,统一社会信用代码\n甲,"+code(1)+"\n"), Options{})
	if grid.ErrorCode(err) != grid.EInvalid || !strings.Contains(err.Error(), "required field industry") {
		t.Fatalf("error %v, want the industry column required", err)
	}
	var ge *grid.Error
	if errors.As(err, &ge) && ge.Field != "mapping" {
		t.Errorf("field %q, want mapping", ge.Field)
	}
}

// TestCSVRowNumbersCountBlankLines: Excel and WPS show a blank line as a
// row, and a quoted cell's line breaks inside one row; problems name the
// row the clerk sees.
func TestCSVRowNumbersCountBlankLines(t *testing.T) {
	in := "\n名称,统一社会信用代码,行业\n\n甲,BAD,软件\n\"乙\n有限公司\",BAD,软件\n\r\n\n丙,BAD,软件\n"
	res, err := ReadOrgs(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.HeaderRow != 2 {
		t.Errorf("header row %d, want 2", res.HeaderRow)
	}
	var rows []int
	for _, p := range res.Problems {
		rows = append(rows, p.Row)
	}
	if !slices.Equal(rows, []int{4, 5, 8}) {
		t.Errorf("problem rows %v, want [4 5 8]", rows)
	}
}

// TestGeoJSONLaterProperties: a property the first feature lacks is a
// column too, guessed and read from the features that have it.
func TestGeoJSONLaterProperties(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":null,"properties":{"名称":"甲","统一社会信用代码":"` + code(1) + `"}},
{"type":"Feature","geometry":null,"properties":{"名称":"乙","统一社会信用代码":"` + code(2) + `","行业":"软件","地址":"张江路 1 号","从业人员":10}},
{"type":"Feature","geometry":null,"properties":{"行业":"商贸","名称":"丙","统一社会信用代码":"` + code(3) + `"}}]}`
	res, err := ReadOrgs(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{geometryLng, geometryLat, "名称", "统一社会信用代码", "行业", "地址", "从业人员"}; !slices.Equal(res.Header, want) {
		t.Errorf("header %v, want %v", res.Header, want)
	}
	checkProblems(t, res.Problems, []want{{1, "industry", "不能为空"}})
	if len(res.Rows) != 2 || res.Rows[0].Org.Address != "张江路 1 号" || res.Rows[0].Org.Employees != 10 || res.Rows[1].Org.Industry != "商贸" {
		t.Errorf("rows %+v", res.Rows)
	}
	// The columns cap counts every feature's properties.
	_, err = ReadOrgs(strings.NewReader(in), Options{Read: ReadOptions{Limits: Limits{Columns: 6}}})
	wantCap(t, err, CapColumns, 6)
}

// A row is checked on what it states: the rules between attributes do not
// fault a column the file lacks or a blank cell (the store checks them on
// the values merged with the organization's), but still fault what the
// row states.
func TestRulesBetweenAttributesOnWhatTheRowStates(t *testing.T) {
	for _, tc := range []struct {
		file    string
		problem string // "" none; else the field
	}{
		{"名称,统一社会信用代码,行业,党员人数\n甲公司," + code(1) + ",软件,30\n", ""},
		{"名称,统一社会信用代码,行业,党组织情况\n甲公司," + code(1) + ",软件,单独组建\n", ""},
		{"名称,统一社会信用代码,行业,从业人员,党员人数\n甲公司," + code(1) + ",软件,,30\n", ""},
		{"名称,统一社会信用代码,行业,从业人员,党员人数\n甲公司," + code(1) + ",软件,10,30\n", "party_members"},
		{"名称,统一社会信用代码,行业,党员人数,党组织情况\n甲公司," + code(1) + ",软件,2,单独组建\n", "party_org"},
		{"名称,统一社会信用代码,行业,从业人员,党组织情况\n甲公司," + code(1) + ",软件,2,单独组建\n", "party_org"},
	} {
		res, err := ReadOrgs(strings.NewReader(tc.file), Options{})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.problem == "" && len(res.Problems) > 0:
			t.Errorf("%q: problems %+v, want none", tc.file, res.Problems)
		case tc.problem != "" && (len(res.Problems) != 1 || res.Problems[0].Field != tc.problem):
			t.Errorf("%q: problems %+v, want one on %s", tc.file, res.Problems, tc.problem)
		}
	}
}

// A point just outside the zone comes in with a warning naming the
// distance; one far outside is a problem, with a hint when the
// coordinates are swapped.
func TestPointsNearTheZone(t *testing.T) {
	zone := orb.MultiPolygon{{{{113, 33}, {113.1, 33}, {113.1, 33.1}, {113, 33.1}, {113, 33}}}}
	file := "名称,统一社会信用代码,行业,经度,纬度\n" +
		"甲公司," + code(1) + ",软件,113.05,33.05\n" + // inside
		"乙公司," + code(2) + ",软件,113.105,33.05\n" + // about 470 m east
		"丙公司," + code(3) + ",软件,113.2,33.05\n" + // about 9 km east
		"丁公司," + code(4) + ",软件,33.05,113.05\n" // swapped
	res, err := ReadOrgs(strings.NewReader(file), Options{Outside: OutsideBoundary(zone)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid != 2 || res.WarningCount != 1 || len(res.Warnings) != 1 || res.Warnings[0].Row != 3 ||
		!strings.Contains(res.Warnings[0].Reason, "边界外约 466 米") || res.Warnings[0].Point == nil {
		t.Errorf("valid %d, warnings %d %+v; want row 3 taken with a warning of about 466 m", res.Valid, res.WarningCount, res.Warnings)
	}
	if len(res.Problems) != 2 || res.Problems[0].Row != 4 || !strings.Contains(res.Problems[0].Reason, "约 9.3 公里") ||
		res.Problems[1].Row != 5 || !strings.Contains(res.Problems[1].Reason, "经纬度可能填反了") {
		t.Errorf("problems %+v; want row 4 about 9.3 km out and row 5 swapped", res.Problems)
	}
	near, err := ReadOrgs(strings.NewReader(file), Options{Outside: OutsideBoundary(zone), Near: 10_000})
	if err != nil || near.Valid != 3 || near.WarningCount != 2 {
		t.Errorf("with 10 km allowed: valid %d, warnings %d (%v)", near.Valid, near.WarningCount, err)
	}
}

// TestExpectRowsSameResult: the size hint only reserves room, once the
// file has shown reserveAfter good rows; a hint too small, too large or
// negative reads the same result, duplicates on both sides of that row
// included.
func TestExpectRowsSameResult(t *testing.T) {
	var b strings.Builder
	b.WriteString("名称,统一社会信用代码,行业,经度,纬度\n")
	n := reserveAfter + 300
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "企业%d,%s,软件,121.5,31.2\n", i, code(i%(reserveAfter+250)+1)) // the last 50 repeat the first
	}
	b.WriteString(",bad,软件,x,\n")
	read := func(expect int) *Result {
		res, err := ReadOrgs(strings.NewReader(b.String()), Options{ExpectRows: expect})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	want := read(0)
	if len(want.Rows) <= reserveAfter || len(want.Problems) == 0 {
		t.Fatalf("the file should read more than %d rows and some problems: %d rows, %d problems",
			reserveAfter, len(want.Rows), len(want.Problems))
	}
	for _, expect := range []int{-5, 1, reserveAfter, n + 1, 10 * n} {
		got := read(expect)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ExpectRows %d: the result differs from the one without a hint", expect)
		}
		if expect == 10*n && cap(got.Rows) < expect {
			t.Errorf("ExpectRows %d: room for %d rows, want the hint's", expect, cap(got.Rows))
		}
	}
	// A file whose rows all fail reserves nothing, whatever its hint.
	var bad strings.Builder
	bad.WriteString("名称,统一社会信用代码,行业\n")
	for i := 0; i < 2*reserveAfter; i++ {
		bad.WriteString(",,\n")
	}
	res, err := ReadOrgs(strings.NewReader(bad.String()), Options{ExpectRows: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if cap(res.Rows) > reserveAfter {
		t.Errorf("a file of bad rows reserved room for %d rows", cap(res.Rows))
	}
}
