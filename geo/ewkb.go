package geo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// EWKB geometry types (the OGC codes; PostGIS sends its flags above them)
// and the flags of PostGIS's extended WKB.
const (
	wkbPoint              = 1
	wkbLineString         = 2
	wkbPolygon            = 3
	wkbMultiPoint         = 4
	wkbMultiLineString    = 5
	wkbMultiPolygon       = 6
	wkbGeometryCollection = 7
	wkbPolyhedralSurface  = 15
	wkbTIN                = 16
	wkbTriangle           = 17

	ewkbZ    = 0x80000000
	ewkbM    = 0x40000000
	ewkbSRID = 0x20000000
)

// EWKBBounds is the bounding box of a geometry sent as (E)WKB, PostGIS's
// binary form: the least and greatest x (longitude) and y (latitude) of
// its coordinates, read without building the geometry. It takes PostGIS's
// flags (SRID, Z, M) and ISO WKB's Z/M codes, and refuses curves, an empty
// geometry and bytes that end early or carry more.
func EWKBBounds(b []byte) (BBox, error) {
	r := ewkbReader{b: b, box: BBox{MinLon: math.Inf(1), MinLat: math.Inf(1), MaxLon: math.Inf(-1), MaxLat: math.Inf(-1)}}
	if err := r.geometry(0); err != nil {
		return BBox{}, err
	}
	if r.off != len(b) {
		return BBox{}, fmt.Errorf("ewkb: %d bytes after the geometry", len(b)-r.off)
	}
	if r.box.MinLon > r.box.MaxLon {
		return BBox{}, errors.New("ewkb: empty geometry has no bounding box")
	}
	return r.box, nil
}

// maxEWKBDepth bounds the nesting of collections.
const maxEWKBDepth = 32

var errEWKBShort = errors.New("ewkb: bytes end inside the geometry")

type ewkbReader struct {
	b     []byte
	off   int
	order binary.ByteOrder
	box   BBox
}

func (r *ewkbReader) uint32() (uint32, error) {
	if len(r.b)-r.off < 4 {
		return 0, errEWKBShort
	}
	v := r.order.Uint32(r.b[r.off:])
	r.off += 4
	return v, nil
}

// geometry reads one geometry with its header, adding its coordinates to
// the box.
func (r *ewkbReader) geometry(depth int) error {
	if depth > maxEWKBDepth {
		return errors.New("ewkb: collections nested too deep")
	}
	if r.off >= len(r.b) {
		return errEWKBShort
	}
	switch r.b[r.off] {
	case 0:
		r.order = binary.BigEndian
	case 1:
		r.order = binary.LittleEndian
	default:
		return fmt.Errorf("ewkb: byte order %d", r.b[r.off])
	}
	r.off++
	t, err := r.uint32()
	if err != nil {
		return err
	}
	dims := 2
	if t&ewkbZ != 0 {
		dims++
	}
	if t&ewkbM != 0 {
		dims++
	}
	if t&ewkbSRID != 0 {
		if _, err := r.uint32(); err != nil {
			return err
		}
	}
	code := t &^ (ewkbZ | ewkbM | ewkbSRID)
	iso := code / 1000 // ISO: 1000 Z, 2000 M, 3000 ZM
	if iso > 3 || (iso > 0 && dims > 2) {
		return fmt.Errorf("ewkb: geometry type %#x", t)
	}
	switch iso {
	case 1, 2:
		dims++
	case 3:
		dims += 2
	}
	switch code % 1000 {
	case wkbPoint:
		return r.points(1, dims, true)
	case wkbLineString:
		return r.sequence(dims)
	case wkbPolygon, wkbTriangle:
		rings, err := r.count(4)
		if err != nil {
			return err
		}
		for range rings {
			if err := r.sequence(dims); err != nil {
				return err
			}
		}
		return nil
	case wkbMultiPoint, wkbMultiLineString, wkbMultiPolygon, wkbGeometryCollection, wkbPolyhedralSurface, wkbTIN:
		parts, err := r.count(5) // a part's header at least
		if err != nil {
			return err
		}
		for range parts {
			if err := r.geometry(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("ewkb: geometry type %d is not read here", code)
}

// count reads a number of items of at least minSize bytes each, refusing
// one that the remaining bytes cannot hold.
func (r *ewkbReader) count(minSize int) (int, error) {
	n, err := r.uint32()
	if err != nil {
		return 0, err
	}
	if int64(n)*int64(minSize) > int64(len(r.b)-r.off) {
		return 0, errEWKBShort
	}
	return int(n), nil
}

// sequence reads a counted run of points.
func (r *ewkbReader) sequence(dims int) error {
	n, err := r.count(8 * dims)
	if err != nil {
		return err
	}
	return r.points(n, dims, false)
}

// points adds n points of dims coordinates each to the box. A lone point
// of NaNs is PostGIS's empty point: it adds nothing.
func (r *ewkbReader) points(n, dims int, lone bool) error {
	size := 8 * dims
	if n*size > len(r.b)-r.off {
		return errEWKBShort
	}
	for range n {
		x := math.Float64frombits(r.order.Uint64(r.b[r.off:]))
		y := math.Float64frombits(r.order.Uint64(r.b[r.off+8:]))
		r.off += size
		if math.IsNaN(x) || math.IsNaN(y) {
			if lone {
				continue
			}
			return errors.New("ewkb: a coordinate is not a number")
		}
		r.box.MinLon = min(r.box.MinLon, x)
		r.box.MinLat = min(r.box.MinLat, y)
		r.box.MaxLon = max(r.box.MaxLon, x)
		r.box.MaxLat = max(r.box.MaxLat, y)
	}
	return nil
}
