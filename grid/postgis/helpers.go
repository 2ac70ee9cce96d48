package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/geo"
	"gridgis/grid"
)

// where collects the conditions of a WHERE clause and the values they
// bind. Conditions are fixed SQL text with $n placeholders; no value is
// ever put in the text.
type where struct {
	conds []string
	args  []any
}

// bind adds a value and returns its placeholder.
func (w *where) bind(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add appends a condition.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// bbox adds "the point geom lies in the box, edges included" for a point
// geometry expression. && alone is the index's test: it compares
// float4-rounded boxes and lets in points up to ~1e-5° (about a metre)
// outside, so the coordinates are compared exactly too, which costs far
// less than ST_Intersects and means the same for a point. The comparison
// is one CASE so that the planner takes it for a single test of unknown
// selectivity (½), keeping the index's estimate: as two ranges on
// expressions without statistics it would count 0.005² of it (a box of
// 30,000 organizations planned as 1 row).
func (w *where) bbox(geom string, b *geo.BBox) {
	if b != nil {
		minLon, minLat, maxLon, maxLat := w.bind(b.MinLon), w.bind(b.MinLat), w.bind(b.MaxLon), w.bind(b.MaxLat)
		w.add(geom + " && ST_MakeEnvelope(" + minLon + ", " + minLat + ", " + maxLon + ", " + maxLat + ", 4326)" +
			" AND CASE WHEN ST_X(" + geom + ") BETWEEN " + minLon + " AND " + maxLon +
			" THEN ST_Y(" + geom + ") BETWEEN " + minLat + " AND " + maxLat + " ELSE false END")
	}
}

// eq adds "column = value" when v is not nil.
func eq[T any](w *where, column string, v *T) {
	if v != nil {
		w.add(column + " = " + w.bind(*v))
	}
}

// String is the WHERE clause.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(w.conds, " AND ")
}

// limit appends a LIMIT clause when n > 0.
func (w *where) limit(sql string, n int) string {
	if n <= 0 {
		return sql
	}
	return sql + " LIMIT " + w.bind(n)
}

// querier runs queries on a pool or in a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// execer is what audit needs: a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// writeTx runs a write in one transaction. When the request carries an
// Idempotency-Key claim, the claim is inserted first in the same
// transaction: the key is taken if and only if the write commits, and a
// concurrent retry waits on the claim's row and then finds it taken
// (grid.ErrIdempotencyKeyTaken) instead of writing again.
func (db *DB) writeTx(ctx context.Context, fn func(pgx.Tx) error) error {
	claim := grid.IdempotencyClaimFrom(ctx)
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if err := db.takeClaim(ctx, tx, claim); err != nil {
			return err
		}
		return fn(tx)
	})
	if err == nil {
		markCommitted(claim)
	}
	return err
}

// markCommitted records that claim (if any) committed with its write.
func markCommitted(claim *grid.IdempotencyClaim) {
	if claim != nil {
		claim.MarkCommitted()
	}
}

// mapArgs leads a map query's arguments with MapQueryMode.
func mapArgs(args []any) []any { return append([]any{MapQueryMode}, args...) }

// count runs a SELECT count(*) map query.
func (db *DB) count(ctx context.Context, sql string, args []any) (int64, error) {
	var n int64
	err := db.Pool.QueryRow(ctx, sql, mapArgs(args)...).Scan(&n)
	return n, translate(err)
}

// eachFeature runs a map query returning (id, geometry, feature text)
// rows and hands each row to fn as it arrives, with the bounding box of
// the geometry, read from its bytes (geo.EWKBBounds): ST_XMin and its three
// siblings were four calls a row, a tenth of a 10,000-feature bbox read.
func (db *DB) eachFeature(ctx context.Context, fn grid.FeatureFunc, sql string, args ...any) error {
	rows, err := db.Pool.Query(ctx, sql, mapArgs(args)...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f grid.Feature
		if err := rows.Scan(&f.ID, nil, nil); err != nil {
			return err
		}
		v := rows.RawValues()
		var err error
		if f.BBox, err = geo.EWKBBounds(v[1]); err != nil {
			return fmt.Errorf("feature %d: %w", f.ID, err)
		}
		// The feature text is handed on without a copy; it lives until Next.
		f.JSON = v[2]
		if err := fn(f); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// zoneBox is the SQL of the exact bounding rectangle of zone's boundary:
// what an unlocated organization's feature box is read from (eachFeature),
// five points instead of the whole outline. ST_Envelope could answer
// PostGIS's cached float box, a little wider.
func zoneBox(zone string) string {
	return "(SELECT ST_MakeEnvelope(ST_XMin(z.boundary), ST_YMin(z.boundary), ST_XMax(z.boundary), ST_YMax(z.boundary)) FROM zone z WHERE z.id = " + zone + ")"
}

// jsonMember is one member of a JSON object written in SQL: its key (a
// constant of ours, never input) and the SQL expression of its value.
type jsonMember struct{ key, value string }

// jsonObject is SQL text writing a JSON object without padding, which
// json_build_object(...)::text puts around every colon ("key" : value).
// Each value is written as json_build_object writes it (to_json), a NULL
// as null.
func jsonObject(members ...jsonMember) string {
	if len(members) == 0 {
		return "'{}'"
	}
	var b strings.Builder
	for i, m := range members {
		open := ","
		if i == 0 {
			open = "{"
		}
		b.WriteString("'" + open + `"` + m.key + `":' || coalesce(to_json(` + m.value + ")::text, 'null') || ")
	}
	b.WriteString("'}'")
	return b.String()
}

// featureSQL is SQL text writing a compact GeoJSON Feature: id is a
// non-null integer expression, geometry an expression of GeoJSON text
// (ST_AsGeoJSON; NULL writes null) and properties its members in order.
func featureSQL(id, geometry string, properties ...jsonMember) string {
	return `'{"type":"Feature","id":' || ` + id + ` || ',"geometry":' || coalesce(` + geometry +
		`, 'null') || ',"properties":' || ` + jsonObject(properties...) + ` || '}'`
}

// ewkbOf encodes g as EWKB with SRID 4326 for a bound parameter.
func ewkbOf(g orb.Geometry) ([]byte, error) {
	return ewkb.Marshal(g, 4326)
}

// actorID is who.UserID as a nullable reference: the CLI has none.
func actorID(who grid.Actor) *int64 {
	if who.UserID == 0 {
		return nil
	}
	return &who.UserID
}
