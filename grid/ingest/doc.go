// Package ingest reads an organization register (企业名录) from a file into
// grid values, checking every row and reporting each problem by row and
// field in Chinese, so that a clerk can fix the file and try again.
//
// Formats: CSV (UTF-8 with or without BOM, GBK, or UTF-16 with a BOM;
// comma, tab or semicolon), XLSX (one sheet, streamed) and GeoJSON (a FeatureCollection
// of Points). Open gives a Rows for any of them; CheckOrgs finds the
// header, maps the columns (GuessMapping, or the caller's Mapping), checks
// each row and returns a Result; ReadOrgs does both.
//
// A caller such as the import endpoint:
//
//	res, err := ingest.ReadOrgs(body, ingest.Options{CRS: crs, ZoneID: z.ID,
//		Mapping: override, Inside: ingest.InBoundary(z.Boundary), Industries: gridIndustries,
//		Progress: job.SetRowsDone})
//
// err concerns the file as a whole: a *CapError (413 for CapBytes, 422
// otherwise, naming Cap), or an EInvalid *grid.Error (an unreadable file,
// an unknown format, encoding, CRS or sheet, or a bad mapping, with res
// still carrying the header and guessed mapping). Otherwise res.Problems
// lists the problems (the first Limits.Problems; Truncated and
// ProblemCounts tell of the rest) and res.Rows the rows that passed, in
// WGS84; a dry run sends res as JSON, a real one loads res.Rows if there
// is no problem.
//
// Caps bound every input (Limits): a CSV row is capped before the CSV
// reader holds it; an XLSX is checked for zip bombs, billion-cell
// dimensions and oversized cells, and stripped to the parts needed to read
// cells, before the XLSX library expands it. The package
// is pure: no HTTP, no SQL.
//
// ReadBoundaries reads a zone's grid boundaries (boundary.go): GeoJSON and
// KML here, GeoPackage, Shapefile and MapInfo TAB through GDAL's ogr2ogr
// (ogr.go: a program run without a shell, under a timeout and an output
// cap, on a zip unpacked here under caps). It checks each feature's rings,
// coordinates, vertex count and attributes; topology (self-intersections,
// overlaps, gaps) is the store's, which has PostGIS.
//
// ReadBaseFeatures (basefeature.go) reads a zone's base layer (roads,
// place names, water and green areas) through the same readers, the KML
// one keeping lines and points too; a feature that cannot be drawn is a
// problem of that feature and is left out.
package ingest
