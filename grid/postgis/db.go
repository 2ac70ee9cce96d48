package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"strconv"
	"strings"
	"syscall"
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

// Options tune the pool and every connection's limits. The zero value
// leaves each to its default.
type Options struct {
	// MaxConns caps the pool (pgx's default: max(4, CPUs)).
	MaxConns int32
	// MinIdleConns are kept open and idle, so a burst after a quiet spell
	// does not wait for connections to be made.
	MinIdleConns int32
	// StatementTimeout ends any statement that runs longer (none by
	// default: the CLI's bulk loads may take minutes).
	StatementTimeout time.Duration
	// IdleInTxTimeout ends a session that sits idle inside a transaction
	// longer, releasing its locks.
	IdleInTxTimeout time.Duration
	// ConnectTimeout bounds making a connection (DefaultConnectTimeout);
	// a connect_timeout in the URL wins.
	ConnectTimeout time.Duration
}

// DefaultConnectTimeout bounds making a connection: without it a
// connection to an unreachable host waits for the kernel's TCP timeout
// (minutes), and so would every request that needs one.
const DefaultConnectTimeout = 3 * time.Second

// Open connects to the database at url and checks that it answers.
// Geometry columns are exchanged as EWKB bytes.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with pool and timeout options.
func OpenWith(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	settings := maps.Clone(sessionSettings)
	if opts.StatementTimeout > 0 {
		settings["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	if opts.IdleInTxTimeout > 0 {
		settings["idle_in_transaction_session_timeout"] = strconv.FormatInt(opts.IdleInTxTimeout.Milliseconds(), 10)
	}
	for k, v := range settings {
		if _, ok := cfg.ConnConfig.RuntimeParams[k]; !ok {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
		if opts.ConnectTimeout > 0 {
			cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
		}
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.MinIdleConns > 0 {
		cfg.MinIdleConns = min(opts.MinIdleConns, cfg.MaxConns)
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
// constraint violations become conflicts or invalid input, and a database
// that is away EUnavailable (see Classify).
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
		case "22003", "22001", "22008": // numeric out of range, string too long, datetime out of range
			// A fallback: handlers check each field's range first and
			// name it; this catches what they missed as input, not a 500.
			return &grid.Error{Code: grid.EInvalid, Field: pgErr.ColumnName,
				Message: "值超出范围 / value out of range: " + pgErr.Message}
		}
	}
	// pgx refuses to send an integer too large for its parameter's type
	// (an int4 column) before PostgreSQL sees it; it has no error type
	// for that, only this text.
	if msg := err.Error(); strings.Contains(msg, "failed to encode args[") &&
		(strings.Contains(msg, "greater than maximum value") || strings.Contains(msg, "less than minimum value")) {
		return &grid.Error{Code: grid.EInvalid, Message: "值超出范围 / value out of range: " + msg[strings.LastIndex(msg, ": ")+2:]}
	}
	return Classify(err)
}

// Classify returns an EUnavailable error for err when it says the
// database is away rather than that the query is wrong: it cannot be
// reached or connected to, it dropped the connection, it is shutting
// down, starting or out of connections, or the query ran out of time
// (statement_timeout, or the caller's deadline). Anything else comes back
// as it is. The server applies it to every error no store path
// translated, so no route answers such a fault with a 500.
func Classify(err error) error {
	if err == nil || !unavailable(err) {
		return err
	}
	return &grid.Error{Code: grid.EUnavailable, Message: "数据库暂时不可用，请稍后重试 / the database is unavailable: retry shortly",
		Cause: err}
}

func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", // admin or crash shutdown, cannot connect now
			"53300", // too many connections
			"57014": // query canceled (statement_timeout)
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection exception
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}
