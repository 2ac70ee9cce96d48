package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// The columns a GeoJSON point's coordinates come in, ahead of the
// properties.
const (
	geometryLng = "geometry.lng"
	geometryLat = "geometry.lat"
)

// geojsonRows streams a FeatureCollection's features. The header is the
// geometry's two columns and the property names: keys when set (every
// feature's, from geojsonKeys), else the first feature's, in file order.
type geojsonRows struct {
	d       *json.Decoder
	lim     Limits
	started bool
	done    bool
	index   map[string]int // property name → column
	width   int
	first   *rawFeature // read to make the header, yielded next
	keys    []string    // every feature's property names, when known
	num     int
}

type rawFeature struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

func newGeoJSONRows(r io.Reader, lim Limits) Rows {
	d := json.NewDecoder(r)
	d.UseNumber()
	return &geojsonRows{d: d, lim: lim}
}

var errNotCollection = errors.New("须为 GeoJSON FeatureCollection / want a GeoJSON FeatureCollection")

func (g *geojsonRows) Next() (Row, error) {
	if g.done {
		return Row{}, io.EOF
	}
	if !g.started {
		g.started = true
		return g.header()
	}
	f := g.first
	g.first = nil
	if f == nil {
		if !g.d.More() {
			g.done = true
			if err := g.finish(); err != nil {
				return Row{}, errFile(GeoJSON, err)
			}
			return Row{}, io.EOF
		}
		f = new(rawFeature)
		if err := g.d.Decode(f); err != nil {
			return Row{}, errFile(GeoJSON, err)
		}
	}
	g.num++
	if g.num > g.lim.Rows {
		return Row{}, &CapError{Cap: CapRows, Limit: int64(g.lim.Rows), Row: g.num}
	}
	return g.row(f)
}

// header reads up to the first feature and yields the header row.
func (g *geojsonRows) header() (Row, error) {
	if err := g.openFeatures(); err != nil {
		return Row{}, errFile(GeoJSON, err)
	}
	cells := []string{geometryLng, geometryLat}
	g.index = map[string]int{}
	add := func(k string, _ json.RawMessage) error {
		if _, dup := g.index[k]; !dup {
			if len(cells) >= g.lim.Columns {
				return &CapError{Cap: CapColumns, Limit: int64(g.lim.Columns), Row: 0}
			}
			g.index[k] = len(cells)
			cells = append(cells, k)
		}
		return nil
	}
	for _, k := range g.keys {
		if err := add(k, nil); err != nil {
			return Row{}, err
		}
	}
	if g.d.More() {
		g.first = new(rawFeature)
		if err := g.d.Decode(g.first); err != nil {
			return Row{}, errFile(GeoJSON, err)
		}
		if err := eachProperty(g.first.Properties, add); err != nil {
			return Row{}, errFile(GeoJSON, err)
		}
	}
	g.width = len(cells)
	if err := checkCells(cells, 0, g.lim); err != nil {
		return Row{}, err
	}
	return Row{Num: 0, Cells: cells}, nil
}

// geojsonKeys passes over a FeatureCollection's features and returns the
// names of their properties in order of first appearance, so that a
// property the first feature lacks is still a column. A file it cannot
// read gives the names found so far: the second pass reports its error.
func geojsonKeys(b []byte, lim Limits) ([]string, error) {
	g := newGeoJSONRows(bytes.NewReader(b), lim).(*geojsonRows)
	if g.openFeatures() != nil {
		return nil, nil
	}
	var keys []string
	seen := map[string]bool{}
	for g.d.More() {
		var f rawFeature
		if g.d.Decode(&f) != nil {
			break
		}
		err := eachProperty(f.Properties, func(k string, _ json.RawMessage) error {
			if !seen[k] {
				if len(keys)+2 >= lim.Columns {
					return &CapError{Cap: CapColumns, Limit: int64(lim.Columns), Row: 0}
				}
				seen[k] = true
				keys = append(keys, k)
			}
			return nil
		})
		var ce *CapError
		if errors.As(err, &ce) {
			return nil, ce
		}
		if err != nil {
			break
		}
	}
	return keys, nil
}

// openFeatures reads the collection up to the opening of its features
// array, skipping the other members.
func (g *geojsonRows) openFeatures() error {
	_, err := openFeatures(g.d, nil)
	return err
}

// errNoFeatures: the object ended without a features array.
var errNoFeatures = errors.New("no features array")

// openFeatures reads a GeoJSON object up to the opening of its features
// array, returning its type when it came first. Other members are
// skipped, or kept in keep when it is not nil (the geometry and
// properties of a lone Feature); an object without features ends with
// errNoFeatures and its type. With keep nil a type other than
// FeatureCollection is errNotCollection.
func openFeatures(d *json.Decoder, keep map[string]json.RawMessage) (string, error) {
	if err := delim(d, '{'); err != nil {
		return "", errNotCollection
	}
	typ := ""
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return typ, err
		}
		key, _ := tok.(string)
		switch key {
		case "features":
			return typ, delim(d, '[')
		case "type":
			if err := d.Decode(&typ); err != nil || (keep == nil && typ != "FeatureCollection") {
				return typ, errNotCollection
			}
		default:
			var raw json.RawMessage
			if err := d.Decode(&raw); err != nil {
				return typ, err
			}
			if keep != nil && (key == "geometry" || key == "properties") {
				keep[key] = raw
			}
		}
	}
	if keep == nil {
		return typ, errNotCollection
	}
	return typ, errNoFeatures
}

// finish reads past the features to the end of the collection.
func (g *geojsonRows) finish() error { return finishFeatures(g.d) }

// finishFeatures reads past the features to the end of the collection.
func finishFeatures(d *json.Decoder) error {
	if err := delim(d, ']'); err != nil {
		return err
	}
	for d.More() {
		if _, err := d.Token(); err != nil {
			return err
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return err
		}
	}
	return delim(d, '}')
}

func delim(d *json.Decoder, want json.Delim) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}

func (g *geojsonRows) row(f *rawFeature) (Row, error) {
	row := Row{Num: g.num, Cells: make([]string, g.width)}
	if f.Type != "Feature" {
		row.Problems = append(row.Problems, Problem{Row: g.num, Field: "location",
			Reason: fmt.Sprintf("要素类型须为 Feature，此处为 %q", f.Type)})
	}
	err := eachProperty(f.Properties, func(k string, v json.RawMessage) error {
		if i, ok := g.index[k]; ok {
			row.Cells[i] = cellText(v)
		}
		return nil
	})
	if err != nil {
		return Row{}, errFile(GeoJSON, err)
	}
	if p := pointCells(f.Geometry, row.Cells); p != "" {
		row.Problems = append(row.Problems, Problem{Row: g.num, Field: "location", Reason: p})
	}
	if err := checkCells(row.Cells, g.num, g.lim); err != nil {
		return Row{}, err
	}
	return row, nil
}

// pointCells writes a Point geometry's coordinates into the first two
// cells; a null geometry leaves them empty (unlocated). It returns the
// reason a geometry is refused.
func pointCells(raw json.RawMessage, cells []string) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var geom struct {
		Type        string            `json:"type"`
		Coordinates []json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &geom); err != nil {
		return "几何无法读取：须为点（Point）"
	}
	if geom.Type != "Point" {
		return fmt.Sprintf("几何类型须为点（Point），此处为 %q", geom.Type)
	}
	if len(geom.Coordinates) < 2 {
		return "点须有经度和纬度两个坐标"
	}
	for i := range 2 {
		v, err := strconv.ParseFloat(string(geom.Coordinates[i]), 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return "点坐标须为有限的数字"
		}
		cells[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// eachProperty calls fn for each member of a properties object, in file
// order. Null or absent properties have none.
func eachProperty(raw json.RawMessage, fn func(string, json.RawMessage) error) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errors.New("properties 须为对象 / properties must be an object")
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// cellText is a property's value as a cell: strings unquoted, null empty,
// numbers and booleans as written, objects and arrays as compact JSON.
func cellText(v json.RawMessage) string {
	switch {
	case len(v) == 0 || string(v) == "null":
		return ""
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return b.String()
	}
	return string(v)
}

func (g *geojsonRows) Close() error { return nil }
