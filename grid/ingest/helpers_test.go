package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"gridgis/grid"
)

// code makes a valid credit code from a serial number.
func code(n int) string {
	body := fmt.Sprintf("913101%011d", n)
	ch, ok := grid.USCCCheckChar(body)
	if !ok {
		panic(body)
	}
	return body + string(ch)
}

// badCheck is code(n) with a wrong check character.
func badCheck(n int) string {
	c := code(n)
	wrong := byte('0')
	if c[17] == '0' {
		wrong = '1'
	}
	return c[:17] + string(wrong)
}

var zhHeader = []string{"名称", "统一社会信用代码", "类型", "行业", "地址", "经度", "纬度", "从业人员", "党员人数", "党组织情况", "高新技术企业", "专精特新"}

// sampleRows is a small register: a located enterprise, an unlocated
// social organization, and one with text that needs quoting.
func sampleRows() [][]string {
	return [][]string{
		zhHeader,
		{"上海甲科技有限公司", code(1), "企业", "软件", "浦东新区张江路 1 号", "121.5", "31.2", "120", "8", "单独组建", "是", "否"},
		{"乙商会", code(2), "社会组织", "商贸", "", "", "", "5", "0", "无", "否", "否"},
		{"丙, \"新\" 经济\n组织", code(3), "新经济组织", "软件", "张江路 2 号", "121.51", "31.21", "30", "2", "联合组建", "false", "1"},
	}
}

// allAttrs are the optional attributes every column of sampleRows states.
const allAttrs = grid.AttrKind | grid.AttrAddress | grid.AttrEmployees | grid.AttrPartyMembers | grid.AttrPartyOrg |
	grid.AttrHighTech | grid.AttrSpecialized

// sampleOrgs is what sampleRows reads as.
func sampleOrgs() []OrgRow {
	return []OrgRow{
		{Row: 2, Located: true, Given: allAttrs, Org: grid.Org{Name: "上海甲科技有限公司", USCC: code(1), Kind: grid.KindEnterprise, Industry: "软件",
			Address: "浦东新区张江路 1 号", Location: [2]float64{121.5, 31.2}, Employees: 120, PartyMembers: 8,
			PartyOrg: grid.PartyStandalone, HighTech: true, Active: true}},
		{Row: 3, Given: allAttrs &^ grid.AttrAddress, Org: grid.Org{Name: "乙商会", USCC: code(2), Kind: grid.KindSocial, Industry: "商贸", Employees: 5,
			PartyOrg: grid.PartyNone, Active: true}},
		{Row: 4, Located: true, Given: allAttrs, Org: grid.Org{Name: "丙, \"新\" 经济\n组织", USCC: code(3), Kind: grid.KindNewEconomic, Industry: "软件",
			Address: "张江路 2 号", Location: [2]float64{121.51, 31.21}, Employees: 30, PartyMembers: 2,
			PartyOrg: grid.PartyJoint, Specialized: true, Active: true}},
	}
}

func toCSV(t testing.TB, rows [][]string, comma rune) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func toGBK(t testing.TB, b []byte) []byte {
	t.Helper()
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// toXLSX writes rows to a workbook's sheet (the first sheet when sheet is
// "Sheet1"; otherwise after an empty first sheet). Cells that read as
// numbers are written as numbers, as Excel would keep them.
func toXLSX(t testing.TB, rows [][]string, sheet string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "Sheet1" {
		if _, err := f.NewSheet(sheet); err != nil {
			t.Fatal(err)
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, s := range r {
			if v, err := strconv.ParseFloat(s, 64); err == nil && i > 0 && j != 1 {
				vals[j] = v
			} else {
				vals[j] = s
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// toGeoJSON makes a FeatureCollection of rows: the lng and lat columns
// (5 and 6 of zhHeader) become the geometry, the others properties.
func toGeoJSON(t testing.TB, rows [][]string) []byte {
	t.Helper()
	type feature struct {
		Type       string          `json:"type"`
		Geometry   any             `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection"}
	for _, r := range rows[1:] {
		var props bytes.Buffer
		props.WriteByte('{')
		for j, s := range r {
			if j == 5 || j == 6 {
				continue
			}
			if props.Len() > 1 {
				props.WriteByte(',')
			}
			k, _ := json.Marshal(rows[0][j])
			v, _ := json.Marshal(s)
			props.Write(k)
			props.WriteByte(':')
			props.Write(v)
		}
		props.WriteByte('}')
		var geom any
		if r[5] != "" {
			lng, _ := strconv.ParseFloat(r[5], 64)
			lat, _ := strconv.ParseFloat(r[6], 64)
			geom = map[string]any{"type": "Point", "coordinates": []float64{lng, lat}}
		}
		fc.Features = append(fc.Features, feature{Type: "Feature", Geometry: geom, Properties: props.Bytes()})
	}
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toUTF16(t testing.TB, b []byte, order unicode.Endianness) []byte {
	t.Helper()
	out, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
