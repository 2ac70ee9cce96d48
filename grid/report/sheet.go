package report

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"gridgis/grid"
)

// Location is where dates are shown: China Standard Time, which is
// Asia/Shanghai for every date since 1991 (no daylight saving), without
// depending on the host's time zone database.
var Location = grid.StatsLocation

// kind is how a column's cells are typed and formatted.
type kind int

const (
	text     kind = iota
	integer       // whole numbers
	coord         // degrees, 6 decimals (about 0.1 m)
	decimal       // 2 decimals: hours, ratings
	percent       // a rate 0..1 shown as 12.34%
	datetime      // a time.Time shown as 2025-06-01 09:30 (China Standard Time)
)

// column is a sheet column: its header and how its cells are typed.
type column struct {
	head string
	kind kind
}

// Width limits, in Excel's character units: a column is never narrower
// than minWidth nor wider than maxWidth (longer text wraps or is cut off
// on screen but stays whole in the cell).
const (
	minWidth = 6
	maxWidth = 60
	// sampleRows is how many rows a sheet holds before writing, to fit
	// its column widths to what they contain.
	sampleRows = 1000
)

// book is a workbook being written sheet by sheet through excelize's
// StreamWriter.
type book struct {
	f      *excelize.File
	styles map[kind]int
	title  int
	head   int
	sheets []*sheet
	// rowLimit is Excel's rows per sheet (a test lowers it).
	rowLimit int
}

func newBook() (*book, error) {
	b := &book{f: excelize.NewFile(), styles: map[kind]int{}, rowLimit: excelize.TotalRows}
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(s)
		return id
	}
	b.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14},
		Alignment: &excelize.Alignment{Vertical: "center"}})
	b.head = style(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
			{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}})
	b.styles[integer] = style(&excelize.Style{NumFmt: 1}) // 0
	b.styles[coord] = style(&excelize.Style{CustomNumFmt: ptr("0.000000")})
	b.styles[decimal] = style(&excelize.Style{NumFmt: 2})  // 0.00
	b.styles[percent] = style(&excelize.Style{NumFmt: 10}) // 0.00%
	b.styles[datetime] = style(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	if err != nil {
		_ = b.f.Close()
		return nil, err
	}
	return b, nil
}

func ptr[T any](v T) *T { return &v }

// sheet starts a sheet named name whose first row is title and second
// the column heads. Its rows are added with add; finish them with the
// book's write.
func (b *book) sheet(name, title string, cols []column) *sheet {
	s := &sheet{b: b, name: name, title: title, cols: cols, widths: make([]int, len(cols))}
	for i, c := range cols {
		s.widths[i] = displayWidth(c.head)
	}
	b.sheets = append(b.sheets, s)
	return s
}

// write finishes every sheet and writes the workbook to w. The zip is
// streamed to w (excelize would otherwise build it whole in memory); the
// sheets' rows come from excelize's temporary files.
func (b *book) write(w io.Writer) error {
	defer b.f.Close()
	for _, s := range b.sheets {
		if err := s.flush(); err != nil {
			return err
		}
	}
	b.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	return b.f.Write(io.Discard)
}

// sheet writes one sheet's rows: the first sampleRows are held to fit
// the column widths, the rest go straight to the StreamWriter. A sheet
// that reaches Excel's row limit goes on in a new sheet named "name(2)".
type sheet struct {
	b      *book
	name   string
	title  string
	cols   []column
	widths []int
	held   [][]any
	sw     *excelize.StreamWriter
	row    int // the last row written
	part   int
	cells  []any
}

// add appends a row of values in column order: string, int, int64,
// float64, *float64 (nil is an empty cell), time.Time or *time.Time
// (zero or nil is empty), or nil.
func (s *sheet) add(values ...any) error {
	if len(values) != len(s.cols) {
		return fmt.Errorf("report: sheet %s: %d values for %d columns", s.name, len(values), len(s.cols))
	}
	if s.sw == nil {
		for i, v := range values {
			s.widths[i] = max(s.widths[i], valueWidth(s.cols[i].kind, v))
		}
		if len(s.held) < sampleRows {
			s.held = append(s.held, values)
			return nil
		}
		if err := s.b.startUpTo(s); err != nil {
			return err
		}
	}
	return s.write(values)
}

// start opens the StreamWriter: column widths, frozen panes, the merged
// title row, the header row, then the held rows.
func (s *sheet) start() error {
	s.part++
	name := s.name
	if s.part > 1 {
		name = fmt.Sprintf("%s(%d)", s.name, s.part)
	}
	f := s.b.f
	if len(f.GetSheetList()) == 1 && f.GetSheetList()[0] == "Sheet1" {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	s.sw, s.row = sw, 0
	for i, w := range s.widths {
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(w+2, minWidth), maxWidth))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A3", ActiveCell: "A3", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(s.cols), 1)
	if err != nil {
		return err
	}
	if len(s.cols) > 1 {
		if err := sw.MergeCell("A1", last); err != nil {
			return err
		}
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: s.b.title, Value: s.title}}, excelize.RowOpts{Height: 28}); err != nil {
		return err
	}
	head := make([]any, len(s.cols))
	for i, c := range s.cols {
		head[i] = excelize.Cell{StyleID: s.b.head, Value: c.head}
	}
	if err := sw.SetRow("A2", head, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	s.row = 2
	held := s.held
	s.held = nil
	for _, r := range held {
		if err := s.write(r); err != nil {
			return err
		}
	}
	return nil
}

// write writes one row to the open StreamWriter.
func (s *sheet) write(values []any) error {
	if s.row == s.b.rowLimit {
		if err := s.sw.Flush(); err != nil {
			return err
		}
		if err := s.start(); err != nil {
			return err
		}
	}
	if s.cells == nil {
		s.cells = make([]any, len(s.cols))
	}
	for i, v := range values {
		s.cells[i] = s.cell(s.cols[i].kind, v)
	}
	s.row++
	ref, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	return s.sw.SetRow(ref, s.cells)
}

// startUpTo starts the sheets before s that have not started, then s,
// so that the workbook keeps its sheets in the order they were added.
func (b *book) startUpTo(s *sheet) error {
	for _, e := range b.sheets {
		if e.sw == nil {
			if err := e.start(); err != nil {
				return err
			}
		}
		if e == s {
			break
		}
	}
	return nil
}

// flush writes what is held and ends the sheet.
func (s *sheet) flush() error {
	if err := s.b.startUpTo(s); err != nil {
		return err
	}
	return s.sw.Flush()
}

// cell types v for a column of kind k: numbers stay numbers with the
// column's number format, times become Excel date numbers in China
// Standard Time, empty values empty cells. Strings are written as inline
// strings, which Excel never evaluates, so they need no neutralising.
func (s *sheet) cell(k kind, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case *float64:
		if x == nil {
			return nil
		}
		v = *x
	case *time.Time:
		if x == nil {
			return nil
		}
		v = *x
	}
	if t, ok := v.(time.Time); ok {
		if t.IsZero() {
			return nil
		}
		v = excelTime(t)
	}
	if id := s.b.styles[k]; id != 0 {
		return excelize.Cell{StyleID: id, Value: v}
	}
	return v
}

// excelEpoch is day 0 of Excel's 1900 date system (as Excel counts, with
// its phantom 29 February 1900, for dates after it).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelTime is t as an Excel date number of t's wall clock in Location,
// to the second.
func excelTime(t time.Time) float64 {
	l := t.In(Location)
	wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	return math.Round(wall.Sub(excelEpoch).Seconds()) / 86400
}

// displayWidth is how many columns s takes in a spreadsheet: a CJK
// (East Asian wide or fullwidth) character takes two, others one.
func displayWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// valueWidth is the width v takes shown in a column of kind k.
func valueWidth(k kind, v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return displayWidth(x)
	case int:
		return len(strconv.Itoa(x))
	case int64:
		return len(strconv.FormatInt(x, 10))
	case *float64:
		if x == nil {
			return 0
		}
		return valueWidth(k, *x)
	case float64:
		switch k {
		case percent:
			return len(strconv.FormatFloat(x*100, 'f', 2, 64)) + 1
		case coord:
			return len(strconv.FormatFloat(x, 'f', 6, 64))
		case decimal:
			return len(strconv.FormatFloat(x, 'f', 2, 64))
		}
		return len(strconv.FormatFloat(x, 'g', -1, 64))
	case time.Time, *time.Time:
		return len("2006-01-02 15:04")
	}
	return 0
}
