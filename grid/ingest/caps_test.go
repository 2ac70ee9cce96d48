package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// wantCap wants err to be a *CapError naming the cap, with its limit.
func wantCap(t *testing.T, err error, name string, limit int64) {
	t.Helper()
	var ce *CapError
	if !errors.As(err, &ce) || ce.Cap != name || ce.Limit != limit {
		t.Fatalf("error %v, want cap %s (limit %d)", err, name, limit)
	}
	if !strings.Contains(ce.Error(), name) || !strings.Contains(ce.Error(), "超出上限") {
		t.Errorf("message %q names neither the cap nor the limit in Chinese", ce.Error())
	}
}

func register(n int) string {
	var b strings.Builder
	b.WriteString("名称,统一社会信用代码,行业\n")
	for i := range n {
		fmt.Fprintf(&b, "企业%d,%s,软件\n", i, code(i+1))
	}
	return b.String()
}

func TestCaps(t *testing.T) {
	five := register(5)
	for _, tc := range []struct {
		name  string
		file  []byte
		read  ReadOptions
		cap   string
		limit int64
	}{
		{"bytes csv", []byte(five), ReadOptions{Limits: Limits{Bytes: 100}}, CapBytes, 100},
		{"bytes xlsx", toXLSX(t, sampleRows(), "Sheet1"), ReadOptions{Limits: Limits{Bytes: 1000}}, CapBytes, 1000},
		{"bytes geojson", toGeoJSON(t, sampleRows()), ReadOptions{Limits: Limits{Bytes: 100}}, CapBytes, 100},
		{"rows csv", []byte(five), ReadOptions{Limits: Limits{Rows: 4}}, CapRows, 4},
		{"rows xlsx", toXLSX(t, sampleRows(), "Sheet1"), ReadOptions{Limits: Limits{Rows: 2}}, CapRows, 2},
		{"rows geojson", toGeoJSON(t, sampleRows()), ReadOptions{Limits: Limits{Rows: 2}}, CapRows, 2},
		{"columns csv", []byte("a,b,c,d\n"), ReadOptions{Limits: Limits{Columns: 3}}, CapColumns, 3},
		{"columns xlsx", toXLSX(t, sampleRows(), "Sheet1"), ReadOptions{Limits: Limits{Columns: 11}}, CapColumns, 11},
		{"columns geojson", toGeoJSON(t, sampleRows()), ReadOptions{Limits: Limits{Columns: 11}}, CapColumns, 11},
		{"cell chars", []byte("名称,统一社会信用代码,行业\n" + strings.Repeat("字", 11) + ",x\n"), ReadOptions{Limits: Limits{CellChars: 10}}, CapCellChars, 10},
		{"xlsx part", toXLSX(t, sampleRows(), "Sheet1"), ReadOptions{Limits: Limits{Part: 100}}, CapPart, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadOrgs(bytes.NewReader(tc.file), Options{Read: tc.read})
			wantCap(t, err, tc.cap, tc.limit)
		})
	}
	// At the cap is still fine: 10 Chinese characters are 30 bytes.
	if _, err := ReadOrgs(strings.NewReader("名称,统一社会信用代码,行业\n"+strings.Repeat("字", 10)+",x\n"),
		Options{Read: ReadOptions{Limits: Limits{CellChars: 10}}}); err != nil {
		t.Errorf("10 characters: %v", err)
	}
	if _, err := ReadOrgs(strings.NewReader(five), Options{Read: ReadOptions{Limits: Limits{Rows: 5}}}); err != nil {
		t.Errorf("5 rows: %v", err)
	}
}

// zipOf builds a zip from raw entries: name, declared size, deflated data.
type rawEntry struct {
	name     string
	declared uint64
	deflated []byte
}

func zipOf(t *testing.T, entries ...rawEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate,
			CompressedSize64: uint64(len(e.deflated)), UncompressedSize64: e.declared})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.deflated); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func deflate(t *testing.T, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(p)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zerosGiB is a deflate stream of 1 GiB of zeros, made without compressing
// a GiB: one MiB's blocks, sync-flushed, repeated (their back-references
// reach only zeros) and closed with an empty final stored block.
func zerosGiB(t *testing.T) []byte {
	t.Helper()
	var chunk bytes.Buffer
	fw, _ := flate.NewWriter(&chunk, flate.BestCompression)
	fw.Write(make([]byte, 1<<20))
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	s := bytes.Repeat(chunk.Bytes(), 1024)
	return append(s, 0x01, 0x00, 0x00, 0xff, 0xff)
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// minimalXLSX is a workbook of one cell whose sheet claims dimension.
func minimalXLSX(t testing.TB, dimension string) []byte {
	return workbook(t, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="`+
		dimension+`"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row></sheetData></worksheet>`, "")
}

// workbook is the smallest XLSX around a worksheet's XML and, unless
// empty, a shared strings part's.
func workbook(t testing.TB, sheet, sharedStrings string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add := func(name, text string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(text))
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	add("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships `+ns+`><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	add("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships `+ns+`><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	add("xl/worksheets/sheet1.xml", sheet)
	if sharedStrings != "" {
		add("xl/sharedStrings.xml", sharedStrings)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestXLSXBillionCells: a 1 KB workbook whose sheet claims A1:XFD1048576
// (17 billion cells) is refused before any row is read, allocating little.
func TestXLSXBillionCells(t *testing.T) {
	ok := minimalXLSX(t, "A1")
	rows, err := OpenXLSX(bytes.NewReader(ok), int64(len(ok)), "", Limits{})
	if err != nil {
		t.Fatalf("the honest minimal workbook: %v", err)
	}
	row, err := rows.Next()
	if err != nil || len(row.Cells) != 1 || row.Cells[0] != "名称" {
		t.Fatalf("honest workbook row %+v %v", row, err)
	}
	rows.Close()

	bomb := minimalXLSX(t, "A1:XFD1048576")
	if len(bomb) > 2048 {
		t.Errorf("the crafted workbook is %d bytes, want about 1 KB", len(bomb))
	}
	var err2 error
	n := allocated(func() { _, err2 = OpenXLSX(bytes.NewReader(bomb), int64(len(bomb)), "", Limits{}) })
	wantCap(t, err2, CapCells, DefaultLimits.Cells)
	if n > 8<<20 {
		t.Errorf("refusing it allocated %d bytes", n)
	}
}

// TestZipBombs: a 1 GiB entry of zeros packed into 1 MiB is refused by its
// ratio; one that claims 1 KiB but inflates to 1 GiB is refused when it
// overflows its claim; entries whose declared sizes add up past the cap
// are refused unread. None costs more than a few MiB.
func TestZipBombs(t *testing.T) {
	zeros := zerosGiB(t)
	random := make([]byte, 600<<10)
	for i := range random {
		random[i] = byte(rand.IntN(256))
	}
	randomDeflated := deflate(t, random)
	for _, tc := range []struct {
		name  string
		file  []byte
		lim   Limits
		check func(*testing.T, error)
	}{
		{"1 GiB of zeros", zipOf(t, rawEntry{"xl/worksheets/sheet1.xml", 1 << 30, zeros}), Limits{},
			func(t *testing.T, err error) { wantCap(t, err, CapRatio, 200) }},
		{"1 GiB claiming 1 KiB", zipOf(t, rawEntry{"xl/media/image1.png", 1 << 10, zeros}), Limits{},
			func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "not a valid zip file") {
					t.Fatalf("error %v, want the file refused", err)
				}
			}},
		{"declared sum", zipOf(t, rawEntry{"a.xml", uint64(len(random)), randomDeflated}, rawEntry{"b.xml", uint64(len(random)), randomDeflated}),
			Limits{Unzipped: 1 << 20},
			func(t *testing.T, err error) { wantCap(t, err, CapUnzipped, 1<<20) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = OpenXLSX(bytes.NewReader(tc.file), int64(len(tc.file)), "", tc.lim) })
			tc.check(t, err)
			if n > 16<<20 {
				t.Errorf("refusing it allocated %d bytes", n)
			}
		})
	}
}

// TestCSVLongLine: a line of 50 MiB (commas, or one cell) is refused when
// its row passes the caps, before the CSV reader builds the record.
func TestCSVLongLine(t *testing.T) {
	const size = 50 << 20
	for _, tc := range []struct {
		name, line string
		cap        string
		limit      int64
	}{
		{"commas", strings.Repeat(",", size), CapColumns, int64(DefaultLimits.Columns)},
		{"one cell", strings.Repeat("a", size), CapLine, DefaultLimits.Line},
		{"quoted lines", `"` + strings.Repeat("abc\n", size/4) + `"`, CapLine, DefaultLimits.Line},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := "名称,统一社会信用代码,行业\n甲," + code(1) + ",软件\n" + tc.line + "\n"
			var err error
			n := allocated(func() { _, err = ReadOrgs(strings.NewReader(file), Options{}) })
			wantCap(t, err, tc.cap, tc.limit)
			var ce *CapError
			if errors.As(err, &ce) && ce.Row != 3 {
				t.Errorf("cap at row %d, want 3", ce.Row)
			}
			t.Logf("allocated %d MiB", n>>20)
			if n > 64<<20 {
				t.Errorf("refusing it allocated %d MiB", n>>20)
			}
		})
	}
	// A row of quoted line breaks under the cap reads.
	ok := "名称,统一社会信用代码,行业\n\"甲" + strings.Repeat("\n", 50) + "\"," + code(1) + ",软件\n"
	if res, err := ReadOrgs(strings.NewReader(ok), Options{Read: ReadOptions{Limits: Limits{Line: 100}}}); err != nil || res.Valid != 1 {
		t.Errorf("short multi-line row: %v %+v", err, res)
	}
}

// TestProblemsCapped: a file of bad rows keeps the first Limits.Problems
// problems, counts all of them by field, and still counts every bad row.
func TestProblemsCapped(t *testing.T) {
	file := strings.Join(zhHeader, ",") + "\n" + strings.Repeat("x,x,x,x,x,x,x,x,x,x,x,x\n", 20_000)
	res, err := ReadOrgs(strings.NewReader(file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != DefaultLimits.Problems || !res.Truncated || res.Invalid != 20_000 || res.Total != 20_000 {
		t.Fatalf("%d problems, truncated %v, invalid %d, total %d", len(res.Problems), res.Truncated, res.Invalid, res.Total)
	}
	if res.ProblemCounts["uscc"] != 20_000 || res.ProblemCounts["lng"] != 20_000 {
		t.Errorf("counts %v", res.ProblemCounts)
	}
	if res.Problems[0].Row != 2 || !slices.IsSortedFunc(res.Problems, func(a, b Problem) int { return a.Row - b.Row }) {
		t.Errorf("the kept problems are not the first, in row order: %+v", res.Problems[:3])
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"truncated":true`) || !strings.Contains(string(b), `"problem_counts":{`) {
		t.Errorf("JSON %.300s…", b)
	}

	res, err = ReadOrgs(strings.NewReader(register(3)+"甲,BAD,软件\n"), Options{Read: ReadOptions{Limits: Limits{Problems: 5}}})
	if err != nil || len(res.Problems) != 1 || res.Truncated || res.ProblemCounts != nil {
		t.Errorf("under the cap: %v %+v", err, res)
	}
}

// junk is n bytes that deflate about tenfold, like a register's XML: a
// random 64 KiB block, longer than deflate's window, repeated.
func junk(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	block := make([]byte, 64<<10)
	for i := range block {
		block[i] = 'a' + byte(r.IntN(16)/15)
	}
	return bytes.Repeat(block, n/len(block)+1)[:n]
}

// withParts is file with extra entries added.
func withParts(t *testing.T, file []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range extra {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestXLSXPartsNotRead: parts the reader does not need (images, junk
// under any name) are never held in memory, however many there are, and
// the parts it keeps are capped together.
func TestXLSXPartsNotRead(t *testing.T) {
	data := junk(20 << 20)
	file := withParts(t, minimalXLSX(t, "A1"), map[string][]byte{
		"xl/media/image1.png": data, "xl/media/image2.png": data, "xl/junk.xml": data})
	var err error
	var row Row
	n := allocated(func() {
		var rows Rows
		rows, err = OpenXLSX(bytes.NewReader(file), int64(len(file)), "", Limits{})
		if err == nil {
			row, err = rows.Next()
			rows.Close()
		}
	})
	t.Logf("a %d MiB workbook with 60 MiB of junk parts: allocated %d MiB", len(file)>>20, n>>20)
	if err != nil || len(row.Cells) != 1 || row.Cells[0] != "名称" {
		t.Fatalf("row %+v, error %v", row, err)
	}
	if n > 24<<20 {
		t.Errorf("reading it allocated %d MiB", n>>20)
	}

	ok := toXLSX(t, sampleRows(), "Sheet1")
	_, err = OpenXLSX(bytes.NewReader(ok), int64(len(ok)), "", Limits{Held: 1000})
	wantCap(t, err, CapHeld, 1000)
}

// TestXLSXHugeCell: a cell of 40 MiB of text, inline or shared, is refused
// while the archive is checked, before the XLSX library holds it.
func TestXLSXHugeCell(t *testing.T) {
	text := string(junk(40 << 20))
	const head = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row><row r="2">`
	for _, tc := range []struct{ name, sheet, shared string }{
		{"inline", head + `<c r="A2" t="inlineStr"><is><t>` + text + `</t></is></c></row></sheetData></worksheet>`, ""},
		{"inline runs", head + `<c r="A2" t="inlineStr"><is>` + strings.Repeat(`<r><t>`+text[:1<<10]+`</t></r>`, 40<<10) + `</is></c></row></sheetData></worksheet>`, ""},
		{"shared", head + `<c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>`,
			`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t><![CDATA[` + text + `]]></t></si></sst>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := workbook(t, tc.sheet, tc.shared)
			var err error
			n := allocated(func() {
				var rows Rows
				rows, err = OpenXLSX(bytes.NewReader(file), int64(len(file)), "", Limits{})
				for err == nil {
					_, err = rows.Next()
				}
				if rows != nil {
					rows.Close()
				}
			})
			t.Logf("allocated %d MiB", n>>20)
			wantCap(t, err, CapCellChars, int64(DefaultLimits.CellChars))
			if n > 16<<20 {
				t.Errorf("refusing it allocated %d MiB", n>>20)
			}
		})
	}
}
