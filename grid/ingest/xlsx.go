package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"gridgis/grid"
)

type xlsxRows struct {
	f    *excelize.File
	rows *excelize.Rows
	num  int
	lim  Limits
}

// OpenXLSX reads the named sheet (the first when empty) of the XLSX file
// r of size bytes, streaming its rows. Before the XLSX library sees the
// file, the archive is checked against lim: its entries' declared and
// actual unzipped sizes, the size of each part the library holds in
// memory, their compression ratio, and each worksheet's claimed dimension, so that a zip bomb or a
// sheet claiming a billion cells is refused without being expanded.
func OpenXLSX(r io.ReaderAt, size int64, sheet string, lim Limits) (Rows, error) {
	lim = lim.withDefaults()
	if size > lim.Bytes {
		return nil, &CapError{Cap: CapBytes, Limit: lim.Bytes}
	}
	head := make([]byte, len(oleMagic))
	if _, err := r.ReadAt(head, 0); err == nil && bytes.Equal(head, oleMagic) {
		return nil, grid.Invalid("file", "这是旧版 Excel（.xls）或加密的工作簿：请在 Excel 中另存为 .xlsx 或 CSV 后导入 / "+
			"an .xls or encrypted workbook: save it as .xlsx or CSV")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errFile(XLSX, err)
	}
	if err := checkZip(zr, lim); err != nil {
		return nil, errFile(XLSX, err)
	}
	spill := min(lim.Part, 16<<20)
	var src io.Reader = io.NewSectionReader(r, 0, size)
	kept, err := keptParts(zr, lim, spill)
	if err != nil {
		return nil, errFile(XLSX, err)
	}
	if kept != nil {
		src = kept
	}
	f, err := excelize.OpenReader(src, excelize.Options{UnzipSizeLimit: lim.Unzipped, UnzipXMLSizeLimit: spill})
	if err != nil {
		return nil, errFile(XLSX, err)
	}
	if sheet == "" {
		if list := f.GetSheetList(); len(list) > 0 {
			sheet = list[0]
		}
	}
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		f.Close()
		return nil, grid.Invalid("sheet", "工作簿中没有名为 %q 的工作表 / no sheet named %q", sheet, sheet)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, errFile(XLSX, err)
	}
	return &xlsxRows{f: f, rows: rows, lim: lim}, nil
}

// oleMagic begins an OLE compound file: an .xls, or an encrypted .xlsx.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// isSheetPart reports whether name is a worksheet or the shared strings:
// the parts the XLSX library spills to a temporary file when large.
func isSheetPart(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
	return strings.HasPrefix(n, "xl/worksheets/sheet") || n == "xl/sharedstrings.xml"
}

// checkZip refuses an archive that expands beyond lim, declared or in
// fact, and a worksheet whose dimension claims more than lim.Cells cells.
// Inflating costs time, not memory: the bytes are counted and dropped.
func checkZip(zr *zip.Reader, lim Limits) error {
	var declared int64
	for _, zf := range zr.File {
		if err := zipEntryCap(zf, lim.Unzipped-declared, lim.Unzipped, lim.Ratio); err != nil {
			return err
		}
		declared += int64(zf.UncompressedSize64) // at most lim.Unzipped: checked above
		if !isSheetPart(zf.Name) && zf.UncompressedSize64 > uint64(lim.Part) {
			return &CapError{Cap: CapPart, Limit: lim.Part}
		}
	}
	counted := &capReader{limit: lim.Unzipped, name: CapUnzipped}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		counted.r = rc
		n := strings.ToLower(zf.Name)
		if strings.HasSuffix(n, ".xml") && (strings.HasPrefix(n, "xl/worksheets/") || strings.HasPrefix(n, "xl/sharedstrings")) {
			err = scanSheet(counted, lim)
		}
		if err == nil {
			_, err = io.Copy(io.Discard, counted)
		}
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// scanSheet reads a worksheet or shared strings part as the XLSX library
// will, refusing what it would hold in memory whole: a <dimension ref>
// claiming more than lim.Cells cells, a cell or shared string with more
// text than lim.CellChars characters, a row of more than lim.Columns
// cells. Under the XML decoder a guard keeps any one token small; it
// leaves a MiB's room for a tag (a long sqref list is legitimate).
func scanSheet(r io.Reader, lim Limits) error {
	maxText := 4 * lim.CellChars // bytes: a character takes at most four
	d := xml.NewDecoder(&tokenGuard{r: r, limit: 8*lim.CellChars + 1<<20, cellChars: lim.CellChars})
	row, cells, text := 0, 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var ce *CapError
			if errors.As(err, &ce) && ce.Row == 0 {
				ce.Row = row
			}
			return err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "dimension":
				for _, a := range el.Attr {
					if a.Name.Local == "ref" && refCells(a.Value) > lim.Cells {
						return &CapError{Cap: CapCells, Limit: lim.Cells}
					}
				}
			case "row":
				row, cells = row+1, 0
				for _, a := range el.Attr {
					if n, err := strconv.Atoi(a.Value); a.Name.Local == "r" && err == nil {
						row = n
					}
				}
			case "c":
				cells, text = cells+1, 0
				if cells > lim.Columns {
					return &CapError{Cap: CapColumns, Limit: int64(lim.Columns), Row: row}
				}
			case "si":
				text = 0
			}
		case xml.CharData:
			if text += len(el); text > maxText {
				return &CapError{Cap: CapCellChars, Limit: int64(lim.CellChars), Row: row}
			}
		}
	}
}

// tokenGuard stands before an XML decoder, which holds a whole token
// (text, a tag, a CDATA section or a comment) in memory: it fails when one
// passes limit bytes. Text and tags end at the next '<'; a CDATA section
// or comment runs to its closing mark.
type tokenGuard struct {
	r         io.Reader
	limit     int
	cellChars int
	run       int    // bytes of the current token
	tail      []byte // the last bytes read, to spot the marks
	until     string // the mark that ends the current CDATA or comment
}

func (g *tokenGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		g.run++
		if len(g.tail) == 9 {
			copy(g.tail, g.tail[1:])
			g.tail = g.tail[:8]
		}
		g.tail = append(g.tail, b)
		// Each mark ends in '>', '[' or '-': only those need a look back.
		switch {
		case g.until != "":
			if b == '>' && bytes.HasSuffix(g.tail, []byte(g.until)) {
				g.until = ""
			}
		case b == '<':
			g.run = 1
		case b == '[' && bytes.HasSuffix(g.tail, []byte("<![CDATA[")):
			g.until = "]]>"
		case b == '-' && bytes.HasSuffix(g.tail, []byte("<!--")):
			g.until = "-->"
		}
		if g.run > g.limit {
			return i, &CapError{Cap: CapCellChars, Limit: int64(g.cellChars)}
		}
	}
	return n, err
}

// keptParts rebuilds the archive with only the parts the XLSX library
// needs to read cells: the content types, the package and workbook
// relationships, the workbook, and the worksheets, shared strings and
// styles the workbook names. The parts it would hold in memory (all but
// worksheets and shared strings over spill bytes) may not pass lim.Held
// together. It returns nil when every part is needed.
func keptParts(zr *zip.Reader, lim Limits, spill int64) (io.Reader, error) {
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		files[partName(zf.Name)] = zf
	}
	keep := map[string]bool{"[content_types].xml": true, "_rels/.rels": true,
		"xl/workbook.xml": true, "xl/_rels/workbook.xml.rels": true, "xl/sharedstrings.xml": true, "xl/styles.xml": true}
	book := "xl/workbook.xml"
	for _, rel := range readRels(files["_rels/.rels"], "") {
		if strings.HasSuffix(rel.Type, "/officeDocument") {
			book = rel.Target
		}
	}
	dir, base := path.Split(book)
	bookRels := dir + "_rels/" + base + ".rels"
	keep[book], keep[bookRels] = true, true
	for _, rel := range readRels(files[bookRels], dir) {
		switch rel.Type[strings.LastIndexByte(rel.Type, '/')+1:] {
		case "worksheet", "sharedStrings", "styles":
			keep[rel.Target] = true
		}
	}
	var held int64
	all := true
	for _, zf := range zr.File {
		name := partName(zf.Name)
		if !keep[name] {
			all = false
			continue
		}
		spilled := (strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml") && int64(zf.UncompressedSize64) > spill
		if !spilled {
			held += int64(zf.UncompressedSize64)
		}
	}
	if held > lim.Held {
		return nil, &CapError{Cap: CapHeld, Limit: lim.Held}
	}
	if all {
		return nil, nil
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, zf := range zr.File {
		if keep[partName(zf.Name)] {
			if err := zw.Copy(zf); err != nil { // raw: nothing is inflated
				return nil, err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return bytes.NewReader(b.Bytes()), nil
}

// partName is an entry's name as the XLSX library matches it: forward
// slashes, lower case, no leading slash.
func partName(name string) string {
	return strings.TrimPrefix(strings.ToLower(strings.ReplaceAll(name, "\\", "/")), "/")
}

type relationship struct {
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

// readRels reads a relationships part, its targets made part names
// (relative ones from dir); none when it is missing or unreadable.
func readRels(zf *zip.File, dir string) []relationship {
	if zf == nil {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	var rels struct {
		Rels []relationship `xml:"Relationship"`
	}
	// checkZip has capped the part's size.
	if xml.NewDecoder(rc).Decode(&rels) != nil {
		return nil
	}
	for i, r := range rels.Rels {
		t := strings.ReplaceAll(r.Target, "\\", "/")
		if !strings.HasPrefix(t, "/") {
			t = path.Join(dir, t)
		}
		rels.Rels[i].Target = partName(t)
	}
	return rels.Rels
}

// refCells is the number of cells a range such as A1:XFD1048576 covers;
// 0 for a ref it cannot read.
func refCells(ref string) int64 {
	from, to, ok := strings.Cut(ref, ":")
	if !ok {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int64(abs(c2-c1)+1) * int64(abs(r2-r1)+1)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (x *xlsxRows) Next() (Row, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return Row{}, errFile(XLSX, err)
		}
		return Row{}, io.EOF
	}
	// The library yields gaps between rows as empty rows, so counting
	// gives the sheet's row number.
	x.num++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return Row{}, errFile(XLSX, err)
	}
	if err := checkCells(cells, x.num, x.lim); err != nil {
		return Row{}, err
	}
	return Row{Num: x.num, Cells: cells}, nil
}

func (x *xlsxRows) Close() error {
	err := x.rows.Close()
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	return err
}
