package ingest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"gridgis/geo"
	"gridgis/grid"
)

// fuzzLimits keep a fuzzed input small and quick.
var fuzzLimits = Limits{Bytes: 1 << 20, Rows: 2000, Columns: 50, CellChars: 2000, Unzipped: 8 << 20, Part: 4 << 20, Cells: 1 << 20}

// checkResult holds for any input: the error is a cap or an invalid-input
// *grid.Error, never anything else; a result's counts add up, its rows
// obey grid.Org.Validate, and its problems are in row order and say
// something in valid UTF-8.
func checkResult(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		var ce *CapError
		var ge *grid.Error
		if !errors.As(err, &ce) && !(errors.As(err, &ge) && ge.Code == grid.EInvalid) {
			t.Fatalf("error %T %v is neither a cap nor invalid input", err, err)
		}
		if !utf8.ValidString(err.Error()) {
			t.Fatalf("error message is not UTF-8: %q", err.Error())
		}
		return
	}
	if res.Valid != len(res.Rows) || res.Valid+res.Invalid != res.Total || res.Unlocated > res.Valid {
		t.Fatalf("counts: %d rows, total %d valid %d invalid %d unlocated %d", len(res.Rows), res.Total, res.Valid, res.Invalid, res.Unlocated)
	}
	for i, r := range res.Rows {
		// Each kept row is valid on what it states; the store checks the
		// rules between columns on the values merged with the stored ones.
		o := statedOnly(r.Org, r.Given)
		if err := o.Validate(); err != nil {
			t.Fatalf("row %d kept but invalid: %v (%+v, given %b)", r.Row, err, o, r.Given)
		}
		if i > 0 && res.Rows[i-1].Row >= r.Row {
			t.Fatalf("rows out of order: %d then %d", res.Rows[i-1].Row, r.Row)
		}
		if r.Row <= res.HeaderRow {
			t.Fatalf("data row %d at or above the header %d", r.Row, res.HeaderRow)
		}
		if r.Located && (r.Org.Location[0] < 121 || r.Org.Location[0] > 122 || r.Org.Location[1] < 31 || r.Org.Location[1] > 32) {
			t.Fatalf("row %d located outside the zone: %v", r.Row, r.Org.Location)
		}
	}
	for i, p := range res.Problems {
		if p.Field == "" || p.Reason == "" || !utf8.ValidString(p.Reason) {
			t.Fatalf("problem %+v", p)
		}
		if i > 0 && res.Problems[i-1].Row > p.Row {
			t.Fatalf("problems out of order at %+v", p)
		}
	}
}

func fuzzOptions(format Format) Options {
	return Options{Read: ReadOptions{Format: format, Limits: fuzzLimits}, CRS: geo.GCJ02,
		Inside: InBBox(geo.BBox{MinLon: 121, MinLat: 31, MaxLon: 122, MaxLat: 32})}
}

// FuzzCSV reads any bytes as a CSV register, guessing the encoding.
func FuzzCSV(f *testing.F) {
	rows := sampleRows()
	for _, s := range [][]byte{
		toCSV(f, rows, ','), toGBK(f, toCSV(f, rows, ';')), append([]byte(bom), toCSV(f, rows, '\t')...),
		[]byte(register(3)), []byte("名称,信用代码,经纬度\nA," + code(1) + ",\"121.5, 31.2\"\n"),
		[]byte("\"unterminated\n"), []byte("a,\"b\"c\",d\n"), {0xff, 0xfe, 0, 0}, []byte(""),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadOrgs(bytes.NewReader(b), fuzzOptions(CSV))
		checkResult(t, res, err)
	})
}

// FuzzXLSX reads any bytes as an XLSX register.
func FuzzXLSX(f *testing.F) {
	f.Add(toXLSX(f, sampleRows(), "Sheet1"))
	f.Add(toXLSX(f, [][]string{{"name", "uscc"}, {"A", code(1)}}, "Sheet1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadOrgs(bytes.NewReader(b), fuzzOptions(XLSX))
		checkResult(t, res, err)
	})
}

// FuzzGeoJSON reads any bytes as a GeoJSON register.
func FuzzGeoJSON(f *testing.F) {
	f.Add(toGeoJSON(f, sampleRows()))
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[]}`,
		`{"features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[121.5,31.2]},"properties":{"name":"A","uscc":"` + code(1) + `","industry":"x"}}],"type":"FeatureCollection"}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1e999,"x"]},"properties":{"a":{"b":[1]}}}]}`,
		`{"features":[null,1,"x",[]]}`, `[`, `{"features":[{"properties":{"":1,"":2}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadOrgs(bytes.NewReader(b), fuzzOptions(GeoJSON))
		checkResult(t, res, err)
		if err == nil && strings.TrimSpace(string(b)) == "" {
			t.Fatal("an empty file read without error")
		}
	})
}

// FuzzXLSXSheet reads any worksheet and shared strings XML inside a sound
// workbook: mutations of a zip rarely get past its checksums, so this is
// where the sheet reader meets hostile XML.
func FuzzXLSXSheet(f *testing.F) {
	const head = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	sst := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>名称</t></si><si><t>统一社会信用代码</t></si><si><r><t>甲</t></r><r><t>公司</t></r></si></sst>`
	f.Add(head+`<dimension ref="A1:C2"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>经纬度</t></is></c></row>`+
		`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="str"><v>`+code(1)+`</v></c><c r="C2" t="str"><v>121.5,31.2</v></c></row></sheetData></worksheet>`, sst)
	f.Add(head+`<sheetData><row r="1"><c r="XFD1"><v>1</v></c></row><row r="1048576"><c r="A1048576" t="s"><v>99</v></c></row></sheetData></worksheet>`, sst)
	f.Add(head+`<sheetData><row><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c s="9"><v>1e308</v></c></row></sheetData></worksheet>`, "")
	f.Fuzz(func(t *testing.T, sheet, sharedStrings string) {
		res, err := ReadOrgs(bytes.NewReader(workbook(t, sheet, sharedStrings)), fuzzOptions(XLSX))
		checkResult(t, res, err)
	})
}
