// Package report turns grid values into files a zone's clerk and their
// superiors open: the organization register as CSV (UTF-8 with BOM,
// formula-neutralised), XLSX, GeoJSON and KML; request, contact and visit
// ledgers (台账) as XLSX; and the monthly report workbook.
//
// Writers take an iter.Seq2 of values and an io.Writer and stream: rows
// are written as they arrive, so a register of a million organizations is
// never held in memory (the XLSX writers keep only the first rows, to fit
// the column widths). Times are shown in China Standard Time
// (grid.StatsLocation, the same as Asia/Shanghai since 1991); coordinates
// are WGS84.
//
// report imports grid, geo and the file-format libraries, never a
// transport or storage package.
package report
