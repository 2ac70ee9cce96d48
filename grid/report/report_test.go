package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/xuri/excelize/v2"

	"gridgis/grid"
)

// testOrgs are a register with the cases that matter: Chinese text, text
// that a spreadsheet would run as a formula, a negative coordinate, no
// grid or liaison.
func testOrgs() []Org {
	at := time.Date(2025, 6, 1, 1, 30, 0, 0, time.UTC)
	return []Org{
		{Org: grid.Org{ID: 1, ZoneID: 1, Name: "红领智能装备科技有限公司", USCC: "91370100MA3C5LRX4K", Kind: grid.KindEnterprise,
			Industry: "高端装备", Employees: 120, PartyMembers: 5, PartyOrg: grid.PartyStandalone, HighTech: true,
			Address: "济南市高新区舜华路 1 号", Location: orb.Point{117.1234567, 36.6543214}, GridID: 3,
			GridReason: grid.ReasonIndustry, Active: true},
			GridName: "智能装备网格", LiaisonID: 7, LiaisonName: "张伟", LastContactAt: &at},
		{Org: grid.Org{ID: 2, ZoneID: 1, Name: "=HYPERLINK(\"http://x\",\"点我\")", USCC: "+86", Kind: grid.KindSocial,
			Industry: "-行业", Address: "@SUM(A1)", Location: orb.Point{-73.985, -0.5},
			PartyOrg: grid.PartyNone, GridReason: grid.ReasonNearest, Active: true},
			ContactOverdue: true, VisitOverdue: true},
		{Org: grid.Org{ID: 3, ZoneID: 1, Name: "\t制表开头", USCC: "\r回车开头", Kind: grid.KindNewEconomic,
			Industry: "软件", PartyOrg: grid.PartyJoint, PartyMembers: 1, Employees: 3, Location: orb.Point{117, 36},
			GridReason: grid.ReasonManual}},
	}
}

func TestNeutralise(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"红领科技", "红领科技"},
		{"=1+1", "'=1+1"},
		{"+86 531", "'+86 531"},
		{"-2", "'-2"}, // text that looks like a number is still text
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{" =1+1", " =1+1"}, // a leading space is not run
		{"a=1", "a=1"},
		{"'=1", "'=1"},
		{"＝1", "＝1"}, // fullwidth equals is text to Excel
		{"\n=1", "\n=1"},
	} {
		if got := Neutralise(c.in); got != c.want {
			t.Errorf("Neutralise(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOrgsCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteOrgsCSV(&buf, Values(testOrgs())); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: % x", raw[:3])
	}
	recs, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"名称", "统一社会信用代码", "类型", "行业", "网格", "归属依据", "联络员", "地址", "经度", "纬度",
			"从业人员", "党员人数", "党组织情况", "高新技术企业", "专精特新", "状态"},
		{"红领智能装备科技有限公司", "91370100MA3C5LRX4K", "企业", "高端装备", "智能装备网格", "行业归口", "张伟",
			"济南市高新区舜华路 1 号", "117.123457", "36.654321", "120", "5", "单独组建", "是", "否", "在册"},
		// Text is neutralised; the negative coordinates are numbers and stay as they are.
		{"'=HYPERLINK(\"http://x\",\"点我\")", "'+86", "社会组织", "'-行业", "", "就近划入", "", "'@SUM(A1)",
			"-73.985", "-0.5", "0", "0", "未建立", "否", "否", "在册"},
		{"'\t制表开头", "'\r回车开头", "新经济组织", "软件", "", "人工调整", "", "", "117", "36", "3", "1",
			"联合组建", "否", "否", "已迁出"},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	var heads []string
	for _, c := range orgColumns {
		heads = append(heads, c.head)
	}
	if diff := cmp.Diff(heads, recs[0]); diff != "" {
		t.Errorf("CSV heads differ from the XLSX heads:\n%s", diff)
	}
}

// TestOrgsCSVSourceError: a failing source fails the export instead of
// ending it early as if it were complete.
func TestOrgsCSVSourceError(t *testing.T) {
	boom := fmt.Errorf("connection lost")
	src := func(yield func(Org, error) bool) {
		if yield(testOrgs()[0], nil) {
			yield(Org{}, boom)
		}
	}
	if err := WriteOrgsCSV(&bytes.Buffer{}, src); err != boom {
		t.Errorf("err = %v, want %v", err, boom)
	}
	if err := WriteOrgsXLSX(&bytes.Buffer{}, "t", src); err != boom {
		t.Errorf("XLSX err = %v, want %v", err, boom)
	}
}

// openXLSX reads a workbook back as Excel would find it.
func openXLSX(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rawCell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// numFmt is the number format of a cell: its built-in id, or its custom code.
func numFmt(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return strconv.Itoa(st.NumFmt)
}

// checkLayout checks what every sheet has: the title merged across row 1,
// the heads in row 2, both rows frozen.
func checkLayout(t *testing.T, f *excelize.File, sheet, title string, heads []string) {
	t.Helper()
	if got := cell(t, f, sheet, "A1"); got != title {
		t.Errorf("%s A1 = %q, want title %q", sheet, got, title)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 {
		t.Fatalf("%s: %d rows", sheet, len(rows))
	}
	if diff := cmp.Diff(heads, rows[1]); diff != "" {
		t.Errorf("%s heads (-want +got):\n%s", sheet, diff)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 2 || panes.XSplit != 0 || panes.TopLeftCell != "A3" {
		t.Errorf("%s panes = %+v, want the two top rows frozen", sheet, panes)
	}
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := excelize.CoordinatesToCellName(len(heads), 1)
	if len(merged) != 1 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != last {
		t.Errorf("%s merged cells = %v, want A1:%s", sheet, merged, last)
	}
}

func headsOf(cols []column) []string {
	var h []string
	for _, c := range cols {
		h = append(h, c.head)
	}
	return h
}

func colWidth(t *testing.T, f *excelize.File, sheet, col string) float64 {
	t.Helper()
	w, err := f.GetColWidth(sheet, col)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestOrgsXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteOrgsXLSX(&buf, "企业名录（2025年6月）", Values(testOrgs())); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	const sh = "企业名录"
	if diff := cmp.Diff([]string{sh}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets:\n%s", diff)
	}
	checkLayout(t, f, sh, "企业名录（2025年6月）", headsOf(orgColumns))
	for ref, want := range map[string]string{
		"A3": "红领智能装备科技有限公司", "C3": "企业", "E3": "智能装备网格", "F3": "行业归口", "M3": "单独组建", "N3": "是",
		// In XLSX text is typed as text: a formula-like name is not neutralised and not run.
		"A4": "=HYPERLINK(\"http://x\",\"点我\")", "D4": "-行业", "H4": "@SUM(A1)",
		"P5": "已迁出",
	} {
		if got := cell(t, f, sh, ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	for _, ref := range []string{"A4", "B4", "H4"} {
		if fm, _ := f.GetCellFormula(sh, ref); fm != "" {
			t.Errorf("%s has formula %q", ref, fm)
		}
		if ty, _ := f.GetCellType(sh, ref); ty != excelize.CellTypeInlineString {
			t.Errorf("%s type = %v, want an inline string", ref, ty)
		}
	}
	// Coordinates and counts are numbers with their formats; a negative
	// coordinate is a number too.
	for ref, want := range map[string]string{"I3": "117.123457", "J3": "36.654321", "I4": "-73.985", "J4": "-0.5", "K3": "120", "L3": "5"} {
		if got := rawCell(t, f, sh, ref); got != want {
			t.Errorf("%s raw = %q, want %q", ref, got, want)
		}
		if ty, _ := f.GetCellType(sh, ref); ty != excelize.CellTypeUnset && ty != excelize.CellTypeNumber {
			t.Errorf("%s type = %v, want a number", ref, ty)
		}
	}
	if got := numFmt(t, f, sh, "I4"); got != "0.000000" {
		t.Errorf("longitude format = %q", got)
	}
	if got := cell(t, f, sh, "I4"); got != "-73.985000" {
		t.Errorf("longitude shown as %q", got)
	}
	if got := numFmt(t, f, sh, "K3"); got != "1" {
		t.Errorf("employees format = %q, want built-in 1 (0)", got)
	}
	// Widths fit Chinese text: the widest name, =HYPERLINK("http://x","点我"),
	// is 27 characters of which 2 CJK, so 29 columns, plus 2 of margin.
	if got := colWidth(t, f, sh, "A"); got != 31 {
		t.Errorf("name column width = %v, want 31", got)
	}
	// CJK counts double: 智能装备网格 takes 12 columns, plus 2 of margin.
	if got := colWidth(t, f, sh, "E"); got != 2*6+2 {
		t.Errorf("grid column width = %v, want 14", got)
	}
	// The head 统一社会信用代码 (8 CJK, 16 columns) is wider than the codes (18).
	if got := colWidth(t, f, sh, "B"); got != 20 {
		t.Errorf("credit code column width = %v, want 20", got)
	}
	if got := colWidth(t, f, sh, "N"); got != 14 {
		t.Errorf("高新技术企业 column width = %v, want 14", got)
	}
}

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "红领": 4, "Ａ": 2, "12号楼": 6, "（）": 4, "·": 1} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestWidthCap: a long text widens its column only up to maxWidth.
func TestWidthCap(t *testing.T) {
	o := testOrgs()[0]
	o.Address = strings.Repeat("很长的地址", 40)
	var buf bytes.Buffer
	if err := WriteOrgsXLSX(&buf, "t", Values([]Org{o})); err != nil {
		t.Fatal(err)
	}
	if got := colWidth(t, openXLSX(t, buf.Bytes()), "企业名录", "H"); got != maxWidth {
		t.Errorf("address width = %v, want the cap %d", got, maxWidth)
	}
}

// TestOrgsXLSXRowLimit: past the rows a sheet can hold, the register goes
// on in a second sheet with its own title and heads.
func TestOrgsXLSXRowLimit(t *testing.T) {
	b, err := newBook()
	if err != nil {
		t.Fatal(err)
	}
	b.rowLimit = 2 + 2 // title, heads and two organizations a sheet
	var buf bytes.Buffer
	if err := b.writeOrgs(&buf, "名录", Values(testOrgs())); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	if diff := cmp.Diff([]string{"企业名录", "企业名录(2)"}, f.GetSheetList()); diff != "" {
		t.Fatalf("sheets:\n%s", diff)
	}
	checkLayout(t, f, "企业名录(2)", "名录", headsOf(orgColumns))
	if got := cell(t, f, "企业名录(2)", "A3"); got != "\t制表开头" {
		t.Errorf("second sheet A3 = %q", got)
	}
	if got := colWidth(t, f, "企业名录(2)", "A"); got != 31 {
		t.Errorf("second sheet keeps the widths: %v", got)
	}
}

// checkSerial checks that a cell holds Excel's date number for a
// wall-clock time (to a tenth of a second: Excel keeps 15 digits).
func checkSerial(t *testing.T, f *excelize.File, sheet, ref string, y int, m time.Month, d, h, mi int) {
	t.Helper()
	want := time.Date(y, m, d, h, mi, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	raw := rawCell(t, f, sheet, ref)
	got, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.Abs(got-want) > 1e-6 {
		t.Errorf("%s %s = %q, want the date number %v", sheet, ref, raw, want)
	}
}

func testRequests() []Request {
	reported := time.Date(2025, 5, 31, 16, 30, 0, 0, time.UTC) // 2025-06-01 00:30 in Shanghai
	assigned := reported.Add(3 * time.Hour)
	return []Request{
		{Request: grid.Request{ID: 11, Title: "用电扩容", Category: grid.CategoryComplex, Topic: grid.TopicOperations,
			Status: grid.StatusAssigned, ReportedAt: reported, ResponseDueAt: reported.Add(grid.ResponseTime),
			DueAt: reported.Add(grid.ComplexResolveTime), AssignedAt: &assigned, Supervision: grid.SupervisionYellow,
			Description: "=cmd|' /C calc'!A0"},
			OrgName: "红领智能装备科技有限公司", GridName: "智能装备网格", LiaisonName: "张伟", SLA: grid.SLAYellow},
		{Request: grid.Request{ID: 12, Title: "融资对接", Category: grid.CategoryOrdinary, Topic: grid.TopicInnovation,
			Status: grid.StatusVerified, ReportedAt: reported, ResponseDueAt: reported.Add(grid.ResponseTime),
			DueAt: reported.Add(grid.OrdinaryResolveTime), AssignedAt: &assigned, ResolvedAt: &assigned, ClosedAt: &assigned,
			Satisfaction: 5, ReworkCount: 1, Resolution: "已对接银行", Supervision: grid.SupervisionNone},
			OrgName: "某软件公司", UnitName: "某银行", SLA: grid.SLAGreen},
	}
}

func TestRequestsXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRequestsXLSX(&buf, "诉求台账（2025年6月）", Values(testRequests())); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	const sh = "诉求台账"
	checkLayout(t, f, sh, "诉求台账（2025年6月）", headsOf(requestColumns))
	for ref, want := range map[string]string{
		"A3": "11", "B3": "用电扩容", "E3": "生产经营", "F3": "复杂诉求", "G3": "已交办", "H3": "临期", "I3": "黄牌督办",
		"J3": "张伟", "T3": "=cmd|' /C calc'!A0",
		"G4": "已办结", "H4": "已结束", "K4": "某银行", "R4": "1", "S4": "5", "U4": "已对接银行",
		// Times are China Standard Time, shown with the date format.
		"L3": "2025-06-01 00:30", "M3": "2025-06-02 00:30", "N3": "2025-07-01 00:30", "O3": "2025-06-01 03:30",
		"P3": "", "Q3": "", "S3": "",
	} {
		if got := cell(t, f, sh, ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	// A date is a real Excel date: a number with a date format, not a string.
	checkSerial(t, f, sh, "L3", 2025, 6, 1, 0, 30)
	if got := numFmt(t, f, sh, "L3"); got != "yyyy-mm-dd hh:mm" {
		t.Errorf("L3 format = %q", got)
	}
	if ty, _ := f.GetCellType(sh, "L3"); ty != excelize.CellTypeUnset && ty != excelize.CellTypeNumber {
		t.Errorf("L3 type = %v, want a number", ty)
	}
	if fm, _ := f.GetCellFormula(sh, "T3"); fm != "" {
		t.Errorf("T3 has formula %q", fm)
	}
	if got := colWidth(t, f, sh, "L"); got != 18 {
		t.Errorf("date column width = %v, want 18", got)
	}
}

func TestContactsXLSX(t *testing.T) {
	liaison := "张伟"
	at := time.Date(2025, 6, 3, 2, 0, 0, 0, time.UTC)
	contacts := []Contact{
		{ContactEntry: grid.ContactEntry{ID: 1, OrgID: 1, LiaisonName: &liaison, Kind: grid.ContactVisit, At: at,
			Note: "走访了解用工需求", CreatedAt: at.Add(time.Hour)}, OrgName: "红领智能装备科技有限公司", GridName: "智能装备网格"},
		{ContactEntry: grid.ContactEntry{ID: 2, OrgID: 2, Kind: grid.ContactCall, At: at.Add(-24 * time.Hour),
			Note: "-电话回访", CreatedAt: at}, OrgName: "某软件公司"},
	}
	var buf bytes.Buffer
	if err := WriteContactsXLSX(&buf, "走访台账", Values(contacts)); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	const sh = "联系走访台账"
	checkLayout(t, f, sh, "走访台账", headsOf(contactColumns))
	for ref, want := range map[string]string{
		"A3": "2025-06-03 10:00", "B3": "走访", "C3": "红领智能装备科技有限公司", "E3": "张伟", "G3": "2025-06-03 11:00",
		"A4": "2025-06-02 10:00", "B4": "联系", "E4": "", "F4": "-电话回访",
	} {
		if got := cell(t, f, sh, ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	checkSerial(t, f, sh, "A3", 2025, 6, 3, 10, 0)
}

func TestExcelTime(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want float64
	}{
		{time.Date(1900, 3, 1, 0, 0, 0, 0, Location), 61}, // Excel counts a 29 February 1900
		{time.Date(2025, 1, 1, 0, 0, 0, 0, Location), 45658},
		{time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC), 45658}, // midnight in Shanghai
		{time.Date(2025, 1, 1, 12, 0, 0, 0, Location), 45658.5},
	} {
		if got := excelTime(c.t); got != c.want {
			t.Errorf("excelTime(%v) = %v, want %v", c.t, got, c.want)
		}
	}
}

func TestOrgFromFeature(t *testing.T) {
	js := `{"type":"Feature","id":5,"geometry":{"type":"Point","coordinates":[117.1,36.6]},
	"properties":{"name":"红领科技","uscc":"91370100MA3C5LRX4K","kind":"new_economic","industry":"软件",
	"employees":10,"party_members":3,"party_org":"standalone","high_tech":true,"specialized":false,
	"address":"舜华路","zone_id":1,"grid_id":3,"grid_reason":"territory","version":2,"liaison_id":7,
	"pinned":false,"last_contact_at":"2025-06-01T09:30:00+08:00","last_visit_at":null,
	"contact_overdue":false,"visit_overdue":true,"open_requests":0}}`
	o, err := OrgFromFeature(grid.Feature{ID: 5, JSON: []byte(js)},
		Names{Grids: map[int64]string{3: "软件网格"}, Liaisons: map[int64]string{7: "张伟"}})
	if err != nil {
		t.Fatal(err)
	}
	contact := time.Date(2025, 6, 1, 1, 30, 0, 0, time.UTC)
	want := Org{Org: grid.Org{ID: 5, ZoneID: 1, Name: "红领科技", USCC: "91370100MA3C5LRX4K", Kind: grid.KindNewEconomic,
		Industry: "软件", Employees: 10, PartyMembers: 3, PartyOrg: grid.PartyStandalone, HighTech: true,
		Address: "舜华路", Location: orb.Point{117.1, 36.6}, GridID: 3, GridReason: grid.ReasonTerritory, Active: true},
		GridName: "软件网格", LiaisonID: 7, LiaisonName: "张伟", LastContactAt: &contact, VisitOverdue: true}
	if diff := cmp.Diff(want, o, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := OrgFromFeature(grid.Feature{ID: 6, JSON: []byte(`{`)}, Names{}); err == nil {
		t.Error("a broken feature decoded")
	}
}

func ratePtr(num, den int64) *grid.Rate { r := grid.NewRate(num, den); return &r }

func TestMonthlyXLSX(t *testing.T) {
	var table CoverageTable
	for _, c := range []struct {
		id int64
		js string
	}{
		{3, `{"type":"Feature","id":3,"properties":{"code":"G03","name":"智能装备网格","industry":"高端装备","indicator":"party_org","numerator":8,"denominator":10}}`},
		{4, `{"type":"Feature","id":4,"properties":{"code":"G04","name":"软件网格","industry":"软件","indicator":"party_org","numerator":1,"denominator":3}}`},
		{3, `{"type":"Feature","id":3,"properties":{"code":"G03","name":"智能装备网格","industry":"高端装备","indicator":"contact_7d","numerator":0,"denominator":0}}`},
	} {
		if err := table.Add(grid.Feature{ID: c.id, JSON: []byte(c.js)}); err != nil {
			t.Fatal(err)
		}
	}
	m := Monthly{
		Title:    "某某园区 2025年6月 党建网格工作月报",
		Coverage: table.Grids,
		ByGrid: []grid.StatsGroup{
			{Key: "3", Name: "智能装备网格", Reported: 12, Rejected: 2, Closed: 8, ClosureRate: grid.NewRate(8, 10),
				OnTimeRate: grid.NewRate(7, 8), ReworkRate: grid.NewRate(1, 9), Answered24h: grid.NewRate(10, 10),
				MedianResponseHours: grid.NewMedianHours(10, 3*3600+1800), MedianResolutionHours: grid.NewMedianHours(0, 0),
				Satisfaction: grid.NewMean(38, 8), ContactCompliance: ratePtr(9, 10), VisitCompliance: ratePtr(0, 0)},
			{Key: grid.StatsNoneKey, Reported: 1},
		},
		ByLiaison:       []grid.StatsGroup{{Key: "7", Name: "张伟", Reported: 4, ClosureRate: grid.NewRate(0, 4)}},
		OverdueRequests: Values(testRequests()[:1]),
		OverdueOrgs:     Values(testOrgs()[:2]),
	}
	var buf bytes.Buffer
	if err := WriteMonthlyXLSX(&buf, m); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	sheets := []string{"覆盖指标", "诉求指标(按网格)", "诉求指标(按联络员)", "逾期诉求", "逾期联系走访"}
	if diff := cmp.Diff(sheets, f.GetSheetList()); diff != "" {
		t.Fatalf("sheets:\n%s", diff)
	}
	for _, sh := range sheets {
		heads, _ := f.GetRows(sh)
		if len(heads) < 3 {
			t.Errorf("%s has %d rows", sh, len(heads))
			continue
		}
		if !strings.HasPrefix(heads[0][0], m.Title+" · ") {
			t.Errorf("%s title = %q", sh, heads[0][0])
		}
		checkLayout(t, f, sh, heads[0][0], heads[1])
	}

	const cov = "覆盖指标"
	heads, _ := f.GetRows(cov)
	wantHeads := []string{"网格编码", "网格名称", "主导产业", "党组织覆盖率", "党组织覆盖数", "党组织覆盖基数"}
	if diff := cmp.Diff(wantHeads, heads[1][:6]); diff != "" {
		t.Errorf("coverage heads:\n%s", diff)
	}
	if len(heads[1]) != 3+3*len(grid.Indicators) {
		t.Errorf("coverage has %d columns", len(heads[1]))
	}
	for ref, want := range map[string]string{
		"A3": "G03", "B3": "智能装备网格", "D3": "80.00%", "E3": "8", "F3": "10",
		"A4": "G04", "D4": "33.33%",
		"B5": "园区合计", "D5": "69.23%", "E5": "9", "F5": "13", // the grids summed
	} {
		if got := cell(t, f, cov, ref); got != want {
			t.Errorf("%s %s = %q, want %q", cov, ref, got, want)
		}
	}
	if got := rawCell(t, f, cov, "D3"); got != "0.8" {
		t.Errorf("D3 raw = %q, want the number 0.8", got)
	}
	if got := numFmt(t, f, cov, "D3"); got != "10" {
		t.Errorf("rate format = %q, want built-in 10 (0.00%%)", got)
	}
	// contact_7d of G03 has no denominator: an empty rate, not 0 %; G04 has no figure at all.
	contact7d := 3 + 3*5 + 1 // the 6th indicator's rate column
	ref, _ := excelize.CoordinatesToCellName(contact7d, 3)
	if got := cell(t, f, cov, ref); got != "" {
		t.Errorf("contact_7d rate with no denominator = %q, want empty", got)
	}
	ref, _ = excelize.CoordinatesToCellName(contact7d+2, 3)
	if got := cell(t, f, cov, ref); got != "0" {
		t.Errorf("contact_7d base = %q, want 0", got)
	}

	const kg = "诉求指标(按网格)"
	for ref, want := range map[string]string{
		"A2": "网格", "A3": "智能装备网格", "B3": "12", "C3": "2", "D3": "8", "E3": "80.00%", "F3": "87.50%",
		"G3": "11.11%", "H3": "100.00%", "I3": "3.50", "J3": "", "K3": "4.75", "L3": "90.00%", "M3": "",
		"A4": "未划入网格", "E4": "",
	} {
		if got := cell(t, f, kg, ref); got != want {
			t.Errorf("%s %s = %q, want %q", kg, ref, got, want)
		}
	}
	if got := numFmt(t, f, kg, "I3"); got != "2" {
		t.Errorf("hours format = %q, want built-in 2 (0.00)", got)
	}
	if got := cell(t, f, "诉求指标(按联络员)", "E3"); got != "0.00%" {
		t.Errorf("liaison closure rate = %q", got)
	}
	if got := cell(t, f, "逾期诉求", "B3"); got != "用电扩容" {
		t.Errorf("overdue request = %q", got)
	}
	for ref, want := range map[string]string{"A3": "红领智能装备科技有限公司", "E3": "2025-06-01 09:30", "F3": "", "G3": "否",
		"A4": "=HYPERLINK(\"http://x\",\"点我\")", "G4": "是", "H4": "是"} {
		if got := cell(t, f, "逾期联系走访", ref); got != want {
			t.Errorf("逾期联系走访 %s = %q, want %q", ref, got, want)
		}
	}
	// The title is not counted in the widths; the heads are.
	if got := colWidth(t, f, cov, "A"); got != 10 {
		t.Errorf("grid code width = %v, want 10 (网格编码 is 8 wide)", got)
	}
}

// TestMonthlyTotal: given zone totals, the total row shows them rather than
// the grids' sum.
func TestMonthlyTotal(t *testing.T) {
	m := Monthly{Title: "月报", Coverage: []GridCoverage{{Code: "G1", Name: "一", Rates: map[grid.Indicator]grid.Rate{
		grid.IndicatorPartyOrg: grid.NewRate(1, 2)}}},
		Total: map[grid.Indicator]grid.Rate{grid.IndicatorPartyOrg: grid.NewRate(3, 4)}}
	var buf bytes.Buffer
	if err := WriteMonthlyXLSX(&buf, m); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	if got := cell(t, f, "覆盖指标", "D4"); got != "75.00%" {
		t.Errorf("total = %q, want 75.00%%", got)
	}
	// Empty sheets still have their title and heads.
	checkLayout(t, f, "逾期诉求", "月报 · 逾期诉求", headsOf(requestColumns))
}

// TestMonthlyOverdueStreamed: the overdue lists are sequences the writer
// ranges over; a failing source fails the report.
func TestMonthlyOverdueStreamed(t *testing.T) {
	broken := fmt.Errorf("the query failed")
	pulled := 0
	orgs := func(yield func(Org, error) bool) {
		for _, o := range testOrgs() {
			pulled++
			if !yield(o, nil) {
				return
			}
		}
		yield(Org{}, broken)
	}
	err := WriteMonthlyXLSX(io.Discard, Monthly{Title: "月报", OverdueOrgs: orgs})
	if !errors.Is(err, broken) || pulled != len(testOrgs()) {
		t.Errorf("err %v after %d organizations, want the source's error after all %d", err, pulled, len(testOrgs()))
	}
}

// manyOrgs yields n organizations without holding them.
func manyOrgs(n int) iter.Seq2[Org, error] {
	base := testOrgs()[0]
	return func(yield func(Org, error) bool) {
		for i := range n {
			o := base
			o.ID = int64(i + 1)
			o.Location = orb.Point{117 + float64(i%1000)/1e4, 36 + float64(i/1000)/1e4}
			if !yield(o, nil) {
				return
			}
		}
	}
}

const benchRows = 100_000

// BenchmarkOrgsCSV writes a 100,000-organization register as CSV.
func BenchmarkOrgsCSV(b *testing.B) {
	var n int64
	for b.Loop() {
		var c countingWriter
		if err := WriteOrgsCSV(&c, manyOrgs(benchRows)); err != nil {
			b.Fatal(err)
		}
		n = c.n
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(n), "bytes/file")
}

// BenchmarkOrgsXLSX writes a 100,000-organization register as XLSX.
func BenchmarkOrgsXLSX(b *testing.B) {
	var n int64
	for b.Loop() {
		var c countingWriter
		if err := WriteOrgsXLSX(&c, "企业名录", manyOrgs(benchRows)); err != nil {
			b.Fatal(err)
		}
		n = c.n
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(n), "bytes/file")
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestXLSXMarkup: text with XML markup or a control character (which XML
// cannot hold) still makes a workbook that opens.
func TestXLSXMarkup(t *testing.T) {
	o := testOrgs()[0]
	o.Name = "A&B <公司> \"引号\""
	o.Address = "控制\x01字符"
	var buf bytes.Buffer
	if err := WriteOrgsXLSX(&buf, "<名录> & 附表", Values([]Org{o})); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	for ref, want := range map[string]string{"A1": "<名录> & 附表", "A3": o.Name, "H3": "控制\uFFFD字符"} {
		if got := cell(t, f, "企业名录", ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
}

// maxWriteWriter records the largest single Write.
type maxWriteWriter struct {
	countingWriter
	max int
}

func (m *maxWriteWriter) Write(p []byte) (int, error) {
	m.max = max(m.max, len(p))
	return m.countingWriter.Write(p)
}

// TestXLSXStreamsZip: the workbook reaches the writer as it is zipped, in
// small writes, not built whole in memory first (excelize's default).
func TestXLSXStreamsZip(t *testing.T) {
	var w maxWriteWriter
	if err := WriteOrgsXLSX(&w, "名录", manyOrgs(10_000)); err != nil {
		t.Fatal(err)
	}
	if w.n < 256<<10 || w.max > 64<<10 {
		t.Errorf("%d bytes in writes of up to %d bytes, want many small writes", w.n, w.max)
	}
}
