package ingest

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"gridgis/grid"
)

// ParseEncoding reads a CSV encoding name: utf-8 (utf8) or gbk (gb2312,
// gb18030, cp936 read as GB 18030, which holds them all); empty means
// guess.
func ParseEncoding(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "utf-8", "utf8":
		return UTF8, nil
	case "gbk", "gb2312", "gb18030", "cp936":
		return GBK, nil
	}
	return "", grid.Invalid("encoding", "未知编码 %q，须为 utf-8 或 gbk / unknown encoding %q: use utf-8 or gbk", s, s)
}

type csvRows struct {
	r       *csv.Reader
	num     int
	endLine int // the physical line the last record ended on
	lim     Limits
}

// newCSVRows reads CSV from r, whose first bytes are head (truncated: the
// file goes on past them).
func newCSVRows(r io.Reader, head []byte, truncated bool, encoding string, lim Limits) (Rows, error) {
	enc, err := ParseEncoding(encoding)
	if err != nil {
		return nil, err
	}
	// Excel's "Unicode text" is UTF-16 with a BOM, tab-separated.
	if utf16 := utf16Encoding(head); utf16 != nil {
		dec := utf16.NewDecoder()
		decoded, _, _ := transform.Bytes(dec, head[:len(head)&^1])
		return newCSVReader(transform.NewReader(r, utf16.NewDecoder()), decoded, lim), nil
	}
	hasBOM := bytes.HasPrefix(head, []byte(bom))
	if enc == "" {
		enc = GBK
		if hasBOM || validUTF8Prefix(head, truncated) {
			enc = UTF8
		}
	}
	if hasBOM {
		if _, err := io.ReadFull(r, make([]byte, len(bom))); err != nil {
			return nil, errFile(CSV, err)
		}
		head = head[len(bom):]
	}
	if enc == GBK {
		r = transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
	}
	return newCSVReader(r, head, lim), nil
}

// newCSVReader reads UTF-8 CSV from r, whose first bytes are head.
func newCSVReader(r io.Reader, head []byte, lim Limits) Rows {
	comma := guessComma(head)
	cr := csv.NewReader(&recordCapReader{r: r, comma: byte(comma), lim: lim})
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true // a stray quote in Chinese text is kept, not fatal
	cr.ReuseRecord = true
	return &csvRows{r: cr, lim: lim}
}

// utf16Encoding is the UTF-16 a byte order mark announces, or nil. The
// decoder drops the mark.
func utf16Encoding(head []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	}
	return nil
}

// validUTF8Prefix reports whether p is valid UTF-8, allowing a rune cut
// off at the end when p is only the start of the file.
func validUTF8Prefix(p []byte, truncated bool) bool {
	if truncated {
		for i := 1; i <= utf8.UTFMax && i <= len(p); i++ {
			if utf8.RuneStart(p[len(p)-i]) {
				if !utf8.FullRune(p[len(p)-i:]) {
					p = p[:len(p)-i]
				}
				break
			}
		}
	}
	return utf8.Valid(p)
}

// guessComma picks the separator the first line uses most: comma, tab or
// semicolon (a European Excel's CSV). Bytes inside quotes do not count.
// In GBK these ASCII bytes never occur inside a Chinese character.
func guessComma(head []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, b := range head {
		if b == '"' {
			quoted = !quoted
		}
		if !quoted && (b == '\n' || b == '\r') {
			break
		}
		if !quoted {
			counts[b]++
		}
	}
	comma := byte(',')
	for _, c := range []byte{'\t', ';'} {
		if counts[c] > counts[comma] {
			comma = c
		}
	}
	return rune(comma)
}

func (c *csvRows) Next() (Row, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return Row{}, io.EOF
	}
	if err != nil {
		return Row{}, errFile(CSV, err)
	}
	// The CSV reader skips blank lines, which a spreadsheet shows as rows;
	// a quoted line break stays inside its row.
	start, _ := c.r.FieldPos(0)
	last, _ := c.r.FieldPos(len(rec) - 1)
	c.num += start - c.endLine
	c.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	if err := checkCells(rec, c.num, c.lim); err != nil {
		return Row{}, err
	}
	row := Row{Num: c.num, Cells: rec}
	for _, s := range rec {
		if !utf8.ValidString(s) {
			row.Problems = append(row.Problems, Problem{Row: c.num, Field: "encoding",
				Reason: "含有不是 UTF-8 的字符：文件可能是 GBK 编码，请选择 GBK 后重新导入"})
			break
		}
	}
	return row, nil
}

func (c *csvRows) Close() error { return nil }

// recordCapReader stands before the CSV reader, which holds a whole row
// in memory before the caps can look at it: it follows the CSV quoting
// and fails with a *CapError as soon as one row (a record, its quoted line
// breaks included) passes lim.Line bytes or lim.Columns cells.
type recordCapReader struct {
	r     io.Reader
	comma byte
	lim   Limits
	state recordState
	bytes int64 // of the current row
	cells int   // of the current row, once it has begun
	row   int   // rows begun, blank ones included, as a spreadsheet numbers them
}

type recordState uint8

const (
	fieldStart recordState = iota
	unquoted
	quoted
	quoteInQuoted // a quote inside a quoted field: its end, or the first of ""
)

func (c *recordCapReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if c.bytes == 0 {
			c.row++
			c.cells = 1
		}
		c.bytes++
		if c.bytes > c.lim.Line {
			// Hand over no byte past the cap.
			return i, &CapError{Cap: CapLine, Limit: c.lim.Line, Row: c.row}
		}
		end := false
		switch c.state {
		case fieldStart, unquoted:
			switch {
			case b == c.comma:
				c.state = fieldStart
			case b == '\n':
				end = true
			case b == '"' && c.state == fieldStart:
				c.state = quoted
			default:
				c.state = unquoted
			}
		case quoted:
			if b == '"' {
				c.state = quoteInQuoted
			}
		case quoteInQuoted:
			switch b {
			case '"':
				c.state = quoted
			case c.comma:
				c.state = fieldStart
			case '\n':
				end = true
			case '\r':
			default:
				c.state = quoted // a stray quote, kept (LazyQuotes)
			}
		}
		if b == c.comma && c.state == fieldStart {
			c.cells++
			if c.cells > c.lim.Columns {
				return i, &CapError{Cap: CapColumns, Limit: int64(c.lim.Columns), Row: c.row}
			}
		}
		if end {
			c.state, c.bytes = fieldStart, 0
		}
	}
	return n, err
}
