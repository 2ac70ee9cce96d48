// Package postgis implements grid's stores on PostgreSQL/PostGIS with pgx
// v5: connection set-up (geometry travels as EWKB), migrations, the demo
// loader, and the SQL behind every store method.
//
// It imports grid, geo and migrations; nothing imports it but main and
// tests. SQL sits next to the code that scans it, with $n parameters only.
package postgis
