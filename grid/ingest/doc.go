// Package ingest reads an organization register (企业名录) from a file into
// grid values, checking every row and reporting each problem by row and
// field in Chinese, so that a clerk can fix the file and try again.
//
// Formats: CSV (UTF-8 with or without BOM, or GBK; comma, tab or
// semicolon), XLSX (one sheet, streamed) and GeoJSON (a FeatureCollection
// of Points). Open gives a Rows for any of them; ReadOrgs maps the columns
// (guessed from the header, or the caller's Mapping), checks each row and
// returns a Result. Caps bound every input (Limits); exceeding one is a
// *CapError naming it.
//
// The package is pure: no HTTP, no SQL. The server and the CLI wire it to
// uploads, jobs and the loader.
package ingest
