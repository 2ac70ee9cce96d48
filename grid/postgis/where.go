package postgis

import (
	"strconv"
	"strings"

	"gridgis/geo"
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

// bbox adds "geom intersects the box" for the geometry expression.
func (w *where) bbox(geom string, b *geo.BBox) {
	if b != nil {
		w.add(geom + " && ST_MakeEnvelope(" + w.bind(b.MinLon) + ", " + w.bind(b.MinLat) + ", " +
			w.bind(b.MaxLon) + ", " + w.bind(b.MaxLat) + ", 4326)")
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
