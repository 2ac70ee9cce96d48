// Command gridgis serves the grid-management GIS and administers its data.
//
//	gridgis serve                      migrate, then serve the API and map app
//	gridgis migrate                    apply database migrations
//	gridgis seed --demo [--scale N]    load the synthetic demo zone (once)
//	gridgis user add NAME --role ROLE [--grid CODE]...
//	gridgis rebalance [--apply] [--min N --max N ...]  optimize liaison assignments
//	gridgis import orgs FILE [--crs C] [--dry-run] ...  import an organization register
//	gridgis import roads FILE [--replace] ...  load the zone's streets for the offline map
//	gridgis zone add|boundary|list ...  create zones, set their boundaries
//
// Configuration comes from the environment; see Config.
//
// Each subcommand has its own file (serve.go, seed.go, user.go,
// rebalance.go, import.go); main.go dispatches and config.go reads the environment.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"gridgis/grid/postgis"
)

const usage = `gridgis — grid-management GIS for an industrial zone

usage:
  gridgis serve                        migrate, then serve the API and map app on GRIDGIS_ADDR
  gridgis migrate                      apply database migrations
  gridgis seed --demo [--scale N]      load the synthetic demo zone if it is not loaded yet
  gridgis user add NAME --role admin|officer|liaison|planner [--zone CODE] [--grid CODE]... [--liaison ID]
  gridgis user passwd NAME             set a new password (ends sessions, revokes tokens)
                                       passwords from GRIDGIS_PASSWORD or standard input
  gridgis user list                    list users, roles and grids
  gridgis user disable|enable NAME     disable (ends sessions, revokes tokens) or re-enable
  gridgis rebalance [--apply] [--zone CODE] [--min N] [--max N] [--stability M] [--keep-in-grid=false]
                    [--cross-grid-penalty M] [--moves N] [--plan ID]
                                       build an optimized liaison plan (saved as a draft) and print it;
                                       --apply makes it the active assignment; --plan ID shows (and with
                                       --apply applies) a plan built earlier, e.g. in the web app
  gridgis import orgs FILE [--crs wgs84|gcj02|bd09|cgcs2000] [--dry-run] [--encoding utf-8|gbk]
                    [--sheet S] [--zone CODE] [--mapping JSON]
                                       import an organization register (CSV, XLSX, GeoJSON), all or
                                       nothing; prints the problems by row and exits 1 if there are any
  gridgis import grids FILE [--crs wgs84|gcj02|bd09|cgcs2000] [--dry-run] [--zone CODE] [--format F]
                                       replace the zone's grid boundaries (GeoJSON, KML/KMZ, GeoPackage, zipped
                                       Shapefile or MapInfo TAB); --dry-run previews who changes grid
  gridgis import roads FILE [--zone CODE] [--crs wgs84|gcj02|bd09|cgcs2000] [--dry-run] [--replace]
                                       load the zone's base layer for the map without a basemap server:
                                       lines are roads, points place names, polygons water/green areas
                                       (GeoJSON, KML/KMZ, GeoPackage, zipped Shapefile); lists refused ones
  gridgis zone add CODE NAME --boundary FILE [--crs wgs84|gcj02|bd09|cgcs2000]
                                       create a zone from a polygon file (as import grids reads; several
                                       polygons make their union)
  gridgis zone boundary CODE (FILE [--crs C] | --from-grids)
                                       replace a zone's boundary (refused if a grid or organization would
                                       fall outside); --from-grids takes the union of its grids
  gridgis zone list                    list zones with their area, grids and organizations

environment:
  DATABASE_URL         PostgreSQL/PostGIS connection (default: local socket, database gridgis)
  GRIDGIS_ADDR         listen address (default 127.0.0.1:8080)
  GRIDGIS_PASSWORD     password for "user add" (else read from standard input)
  GRIDGIS_BASEMAP      map backgrounds, comma-separated: tianditu-vec, tianditu-img, amap-vec,
                       amap-img or raster tile URL templates; the first is shown at start
  GRIDGIS_TIANDITU_KEY 天地图 key (tk), needed by the tianditu presets
  GRIDGIS_BASEMAP_DATUM  datum of the URLs' tiles: wgs84 (default) or gcj02 (Amap-style)
  GRIDGIS_WEB_DIR      built map app (default frontend/dist)
  GRIDGIS_SECURE_COOKIES  "true" to mark the session cookie Secure (behind HTTPS)
  GRIDGIS_TRUSTED_PROXIES comma-separated proxy IPs/CIDRs allowed to set X-Forwarded-For
  GRIDGIS_DB_MAX_CONNS    serve's database connections at most (default max(8, 4 × CPUs))
  GRIDGIS_STATEMENT_TIMEOUT  longest any one query may run, e.g. 30s (default 30s)
  GRIDGIS_HASH_CONCURRENCY password checks (64 MiB each) run at once (default 2)
  GRIDGIS_IMPORT_MAX_BYTES largest file an import takes over HTTP (default 104857600, 100 MiB)
  GRIDGIS_IMPORT_TIMEOUT   longest an import job may run, e.g. 1h (default 30m)
`

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, configFromEnv(), os.Args[1:], os.Stdin, os.Stdout, log)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gridgis:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, stdout, log)
	case "migrate":
		if err := postgis.Migrate(ctx, cfg.DatabaseURL); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "database is up to date")
		return nil
	case "seed":
		return seed(ctx, cfg, args[1:], stdout)
	case "user":
		return user(ctx, cfg, args[1:], stdin, stdout)
	case "rebalance":
		return rebalanceZone(ctx, cfg, args[1:], stdout)
	case "import":
		return importData(ctx, cfg, args[1:], stdout)
	case "zone":
		return zoneCommand(ctx, cfg, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q (try gridgis --help)", args[0])
}

// openMigrated brings the database up to date and connects to it.
func openMigrated(ctx context.Context, cfg Config) (*postgis.DB, error) {
	if err := postgis.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	return postgis.Open(ctx, cfg.DatabaseURL)
}
