// Package report turns grid values into files a zone's clerk and their
// superiors open: the organization register as CSV (UTF-8 with BOM,
// formula-neutralised), XLSX, GeoJSON and KML; request, contact and visit
// ledgers (台账) as XLSX; and the monthly report workbook.
//
// Writers take an iter.Seq2 of values and an io.Writer and stream: rows
// are written as they arrive, so a register of a million organizations is
// never held in memory. The XLSX writers hold the first 1,000 rows of a
// sheet to fit its column widths; excelize's StreamWriter keeps the
// sheet's XML (about 0.9 KB a register row) in a temporary file past
// 16 MB, and the zip is written to w as it is compressed. Times are shown in China Standard Time
// (grid.StatsLocation, the same as Asia/Shanghai since 1991); coordinates
// are WGS84. An organization without coordinates is written without
// them (empty cells, a null geometry, a Placemark without a Point), never
// at 0,0.
//
// report imports grid, geo and the file-format libraries, never a
// transport or storage package.
package report
