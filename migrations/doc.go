// Package migrations embeds gridgis's SQL migrations, NNN_name.sql files
// applied in order by grid/postgis.Migrate. A migration, once landed, is
// never edited: changes go in a new file.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
