package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
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
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		UnzipSizeLimit: lim.Unzipped, UnzipXMLSizeLimit: min(lim.Part, 16<<20)})
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
	var declared uint64
	for _, zf := range zr.File {
		declared += zf.UncompressedSize64
		if declared > uint64(lim.Unzipped) {
			return &CapError{Cap: CapUnzipped, Limit: lim.Unzipped}
		}
		if !isSheetPart(zf.Name) && zf.UncompressedSize64 > uint64(lim.Part) {
			return &CapError{Cap: CapPart, Limit: lim.Part}
		}
		if zf.UncompressedSize64 > 1<<20 && zf.UncompressedSize64/max(zf.CompressedSize64, 1) > uint64(lim.Ratio) {
			return &CapError{Cap: CapRatio, Limit: int64(lim.Ratio)}
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
		if strings.HasPrefix(n, "xl/worksheets/") && strings.HasSuffix(n, ".xml") {
			err = checkDimension(counted, lim)
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

// checkDimension reads a worksheet up to its <dimension ref> (which comes
// before the cells) and refuses a ref claiming more than lim.Cells cells.
func checkDimension(r io.Reader, lim Limits) error {
	d := xml.NewDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "sheetData":
			return nil
		case "dimension":
			for _, a := range el.Attr {
				if a.Name.Local == "ref" && refCells(a.Value) > lim.Cells {
					return &CapError{Cap: CapCells, Limit: lim.Cells}
				}
			}
			return nil
		}
	}
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
