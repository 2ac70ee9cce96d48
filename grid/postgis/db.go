package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"gridgis/grid"
	"gridgis/migrations"
)

// DefaultURL is the local Unix-socket cluster's gridgis database, as the
// OS user (what scripts/db-setup.sh prepares).
const DefaultURL = "host=/var/run/postgresql dbname=gridgis"

// DB is gridgis's PostGIS store.
type DB struct {
	Pool *pgxpool.Pool
	// Now is the clock; tests replace it.
	Now func() time.Time
	// SLA sets requests' deadlines; the zero policy means grid.DefaultSLA.
	SLA grid.SLAPolicy
}

// sessionSettings are set on every connection, unless url sets them.
//
// jit: a map query over many rows crosses the JIT cost thresholds and
// spent tens of milliseconds compiling, then ran no faster: the row work
// is in PostGIS and JSON functions, which JIT does not compile.
//
// TimeZone: interval arithmetic on timestamptz ("at - interval '7 days'")
// follows the session's zone, across daylight saving too; in UTC it is
// exactly the 168 hours the Go twins use.
var sessionSettings = map[string]string{
	"jit":      "off",
	"timezone": "UTC",
}

// MapQueryMode is how the map queries (GeoJSON layers, counts, tiles) run:
// as pgx's unnamed statement, which PostgreSQL plans for the values bound
// on every run. A cached prepared statement turns to a generic plan after
// five runs, made without the values; but a map query's best plan hangs on
// them (a bbox or tile over a few rows or over a million), and generic
// plans measured up to 4× slower at a million organizations. Other
// queries keep their cached plans: replanning the token lookup on every
// request (plan_cache_mode = force_custom_plan for the whole session)
// doubled its time.
const MapQueryMode = pgx.QueryExecModeCacheDescribe

// mapArgs leads a map query's arguments with MapQueryMode.
func mapArgs(args []any) []any { return append([]any{MapQueryMode}, args...) }

// Open connects to the database at url and checks that it answers.
// Geometry columns are exchanged as EWKB bytes.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	for k, v := range sessionSettings {
		if _, ok := cfg.ConnConfig.RuntimeParams[k]; !ok {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	cfg.AfterConnect = registerGeometry
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{Pool: pool, Now: time.Now}, nil
}

// Close releases every connection.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.Pool.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// registerGeometry makes pgx send and receive PostGIS geometry as bytea
// (EWKB) instead of text.
func registerGeometry(ctx context.Context, conn *pgx.Conn) error {
	var oid uint32
	err := conn.QueryRow(ctx, "SELECT oid FROM pg_type WHERE typname = 'geometry'").Scan(&oid)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // PostGIS not installed yet: Migrate installs it
	}
	if err != nil {
		return err
	}
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "geometry", OID: oid, Codec: pgtype.ByteaCodec{}})
	return nil
}

// Migrate applies every embedded migration not yet applied, under an
// advisory lock so concurrent starts do not race.
func Migrate(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	defer conn.Close(ctx)
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		return err
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// translate turns driver errors into grid errors in one place:
// constraint violations become conflicts or invalid input.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return grid.Errorf(grid.ENotFound, "not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505", "23P01": // unique, exclusion
			return &grid.Error{Code: grid.EConflict, Message: "conflicts with an existing row (" + pgErr.ConstraintName + ")"}
		case "23503":
			return &grid.Error{Code: grid.EInvalid, Message: "refers to a row that does not exist (" + pgErr.ConstraintName + ")"}
		case "23514", "23502", "22P02", "22023", "22021", "XX000":
			return &grid.Error{Code: grid.EInvalid, Message: "violates " + pgErr.ConstraintName + ": " + pgErr.Message}
		}
	}
	return err
}
