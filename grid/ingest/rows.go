package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gridgis/grid"
)

// Rows yields a file's rows, the header among them, one at a time.
type Rows interface {
	// Next returns the next row, or io.EOF after the last. An error other
	// than io.EOF ends the file (a *CapError, or a file that cannot be
	// read at all); a problem with one row comes in Row.Problems.
	Next() (Row, error)
	// Close releases what the reader holds (an XLSX's temporary files).
	Close() error
}

// Row is one row of a file.
type Row struct {
	// Num is the number a clerk sees: the spreadsheet row for CSV and XLSX
	// (the first line is 1); the feature's position (from 1) for GeoJSON,
	// whose header is row 0.
	Num   int
	Cells []string
	// Problems the reader found in this row (a GeoJSON geometry that is
	// not a point).
	Problems []Problem
}

// Format names a file format.
type Format string

const (
	CSV     Format = "csv"
	XLSX    Format = "xlsx"
	GeoJSON Format = "geojson"
)

// Encodings of a CSV file.
const (
	UTF8 = "utf-8"
	GBK  = "gbk"
)

// ReadOptions say how to read a file. The zero value guesses everything.
type ReadOptions struct {
	// Format is guessed from the content when empty: a zip is XLSX, a
	// JSON object GeoJSON, anything else CSV.
	Format Format
	// Encoding of a CSV: UTF8 or GBK. When empty, a file that begins with a
	// BOM or whose first MiB is valid UTF-8 is UTF-8, and any other GBK.
	// A UTF-16 BOM (Excel's "Unicode text") wins over both.
	Encoding string
	// Sheet of an XLSX; the first when empty.
	Sheet  string
	Limits Limits
}

// sniffSize is how much of a file the format and encoding guesses look at.
const sniffSize = 1 << 20

// ParseFormat reads a format name (csv, xlsx, geojson, json), ignoring
// case; empty means guess.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", CSV, XLSX, GeoJSON:
		return f, nil
	case "json":
		return GeoJSON, nil
	}
	return "", grid.Invalid("format", "未知文件格式 %q，须为 csv、xlsx 或 geojson / unknown format %q: use csv, xlsx or geojson", s, s)
}

// Open reads r as o says. An XLSX or GeoJSON is read into memory first
// (at most Limits.Bytes); CSV is streamed.
func Open(r io.Reader, o ReadOptions) (Rows, error) {
	lim := o.Limits.withDefaults()
	capped := &capReader{r: r, limit: lim.Bytes, name: CapBytes}
	// The guesses look at the file's start; a small file costs only its
	// own size here.
	var head bytes.Buffer
	if _, err := head.ReadFrom(io.LimitReader(capped, sniffSize)); err != nil {
		return nil, err
	}
	src := io.MultiReader(bytes.NewReader(head.Bytes()), capped)
	format := o.Format
	if format == "" {
		format = guessFormat(head.Bytes())
	}
	switch format {
	case CSV:
		return newCSVRows(src, head.Bytes(), head.Len() == sniffSize, o.Encoding, lim)
	case XLSX:
		b, err := io.ReadAll(src)
		if err != nil {
			return nil, err
		}
		return OpenXLSX(bytes.NewReader(b), int64(len(b)), o.Sheet, lim)
	case GeoJSON:
		// Read whole (at most Limits.Bytes) to pass over the features
		// twice: first for every property name, the header.
		b, err := io.ReadAll(src)
		if err != nil {
			return nil, err
		}
		// Notepad saves JSON with a BOM, which the JSON decoder refuses.
		b = bytes.TrimPrefix(b, []byte(bom))
		keys, err := geojsonKeys(b, lim)
		if err != nil {
			return nil, err
		}
		g := newGeoJSONRows(bytes.NewReader(b), lim).(*geojsonRows)
		g.keys = keys
		return g, nil
	}
	_, err := ParseFormat(string(format))
	return nil, err
}

func guessFormat(head []byte) Format {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, oleMagic) {
		return XLSX
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte(bom)), " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		return GeoJSON
	}
	return CSV
}

const bom = "\uFEFF"

// checkCells enforces the column and cell caps on one row.
func checkCells(cells []string, num int, lim Limits) error {
	if len(cells) > lim.Columns {
		return &CapError{Cap: CapColumns, Limit: int64(lim.Columns), Row: num}
	}
	for _, c := range cells {
		// A rune is at least one byte, so only long cells need counting.
		if len(c) > lim.CellChars && utf8.RuneCountInString(c) > lim.CellChars {
			return &CapError{Cap: CapCellChars, Limit: int64(lim.CellChars), Row: num}
		}
	}
	return nil
}

// errFile wraps an error reading a file as an invalid input, in Chinese.
// A *CapError passes through as it is.
func errFile(format Format, err error) error {
	var ce *CapError
	if errors.As(err, &ce) {
		return ce
	}
	return &grid.Error{Code: grid.EInvalid, Field: "file",
		// The cause may quote the file's bytes, which need not be UTF-8.
		Message: strings.ToValidUTF8(fmt.Sprintf("无法读取 %s 文件 / cannot read the %s file: %v", format, format, err), "\uFFFD")}
}
