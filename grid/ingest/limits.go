package ingest

import (
	"archive/zip"
	"fmt"
	"io"
)

// Limits caps what a file may make us read or hold. A zero field takes its
// default (DefaultLimits).
type Limits struct {
	Bytes     int64 // the file as uploaded
	Rows      int   // data rows (blank rows are not counted)
	Columns   int   // cells in one row
	CellChars int   // characters in one cell
	// Line caps the bytes of one CSV row (its quoted line breaks
	// included), checked before the CSV reader builds the row in memory.
	Line int64
	// Problems caps the problems a Result lists; the rest are counted.
	Problems int
	// Unzipped caps an XLSX's entries together, both as the archive
	// declares them and as actually inflated.
	Unzipped int64
	// Held caps the XLSX parts the library keeps in memory, together:
	// every part it is given except worksheets and shared strings large
	// enough to spill to a temporary file. Parts it does not need to read
	// cells (images, printer settings, anything unnamed by the workbook)
	// are left out before it opens the file.
	Held int64
	// Part caps one XLSX entry other than a worksheet or the shared
	// strings, which the XLSX library holds in memory.
	Part int64
	// Cells caps the cells a worksheet's <dimension ref> may claim.
	Cells int64
	// Ratio caps how many times larger than compressed an XLSX entry of
	// more than a MiB may declare itself: a register's XML packs about
	// tenfold, a zip bomb a thousandfold.
	Ratio int
}

// DefaultLimits are safe for a server: a register of a million rows fits.
var DefaultLimits = Limits{
	Bytes:     100 << 20,
	Rows:      1_000_000,
	Columns:   200,
	CellChars: 10_000,
	Line:      1 << 20,
	Problems:  1000,
	Unzipped:  1 << 30,
	Part:      64 << 20,
	Held:      256 << 20,
	Cells:     100_000_000,
	Ratio:     200,
}

// withDefaults fills l's zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	return Limits{
		Bytes: positiveOr(l.Bytes, d.Bytes), Rows: positiveOr(l.Rows, d.Rows),
		Columns: positiveOr(l.Columns, d.Columns), CellChars: positiveOr(l.CellChars, d.CellChars),
		Line: positiveOr(l.Line, d.Line), Problems: positiveOr(l.Problems, d.Problems),
		Unzipped: positiveOr(l.Unzipped, d.Unzipped), Held: positiveOr(l.Held, d.Held),
		Part: positiveOr(l.Part, d.Part), Cells: positiveOr(l.Cells, d.Cells), Ratio: positiveOr(l.Ratio, d.Ratio),
	}
}

func positiveOr[T int | int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// The caps' names, as a *CapError and the server's problem name them.
const (
	CapBytes     = "bytes"
	CapRows      = "rows"
	CapColumns   = "columns"
	CapCellChars = "cell_chars"
	CapLine      = "line_bytes"
	CapUnzipped  = "unzipped_bytes"
	CapPart      = "xlsx_part_bytes"
	CapHeld      = "xlsx_held_bytes"
	CapCells     = "xlsx_cells"
	CapRatio     = "unzip_ratio"
	// Boundary files (boundary.go).
	CapFeatures   = "features"
	CapVertices   = "vertices"
	CapZipEntries = "zip_entries"
	CapOGROutput  = "ogr_output_bytes"
	CapOGRTime    = "ogr_seconds"
)

var capLabels = map[string]string{
	CapBytes: "文件大小（字节）", CapRows: "行数", CapColumns: "列数", CapCellChars: "单元格字符数", CapLine: "单行字节数",
	CapUnzipped: "解压后大小（字节）", CapPart: "XLSX 单个部件大小（字节）", CapHeld: "XLSX 读取所需部件总大小（字节）", CapCells: "工作表单元格数",
	CapRatio:    "压缩比",
	CapFeatures: "要素数", CapVertices: "顶点总数", CapZipEntries: "压缩包文件数",
	CapOGROutput: "GDAL 转换结果大小（字节）", CapOGRTime: "GDAL 转换时间（秒）",
}

// CapError says a file exceeded a cap. The server answers 413 for CapBytes
// and 422 for the others, naming Cap.
type CapError struct {
	Cap   string // one of the Cap… names
	Limit int64
	// Row is the row where it happened, when there is one.
	Row int
}

func (e *CapError) Error() string {
	at := ""
	if e.Row > 0 {
		at = fmt.Sprintf("第 %d 行：", e.Row)
	}
	return fmt.Sprintf("%s超出上限：%s不能超过 %d / cap %s exceeded (limit %d)", at, capLabels[e.Cap], e.Limit, e.Cap, e.Limit)
}

// zipEntryCap refuses a zip entry by its header, before it inflates: one
// declaring more than left bytes (what the archive's cap of unzipped
// bytes has left), or of more than a MiB declaring itself over ratio
// times its compressed size (a zip bomb is a thousandfold). Both the
// register's XLSX and a boundary zip are held to it; what actually
// inflates is counted by a capReader named CapUnzipped.
func zipEntryCap(zf *zip.File, left, unzipped int64, ratio int) error {
	if zf.UncompressedSize64 > uint64(max(left, 0)) {
		return &CapError{Cap: CapUnzipped, Limit: unzipped}
	}
	if zf.UncompressedSize64 > 1<<20 && zf.UncompressedSize64/max(zf.CompressedSize64, 1) > uint64(ratio) {
		return &CapError{Cap: CapRatio, Limit: int64(ratio)}
	}
	return nil
}

// capReader fails with a *CapError once more than limit bytes are read.
type capReader struct {
	r     io.Reader
	n     int64
	limit int64
	name  string
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, &CapError{Cap: c.name, Limit: c.limit}
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		// Hand over no byte past the cap, so that no reader can finish
		// a value that would not fit without seeing the error.
		return n - int(c.n-c.limit), &CapError{Cap: c.name, Limit: c.limit}
	}
	return n, err
}
