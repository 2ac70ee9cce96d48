package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"gridgis/grid"
)

// kmlReader reads the Placemarks of one KML document or several (a
// KMZ's), counting features and vertices across them. It walks the
// tokens itself rather than decoding a Placemark whole, so that the
// tuples of a coordinates text are counted against the vertex caps
// before any ring is built from them.
type kmlReader struct {
	lim      BoundaryLimits
	out      []rawBoundary
	vertices int // in the Placemarks read so far
	// lines keeps points and lines too, not only polygons (the base
	// layer's roads and place names).
	lines bool
}

// readKML reads every Placemark of a KML document, wherever its folders
// put it. A Placemark without a polygon (with lines, without any
// geometry) is a feature with a problem.
func readKML(r io.Reader, lim BoundaryLimits, lines bool) ([]rawBoundary, error) {
	k := &kmlReader{lim: lim, lines: lines}
	if err := k.read(r); err != nil {
		return nil, err
	}
	return k.result()
}

func (k *kmlReader) result() ([]rawBoundary, error) {
	if len(k.out) == 0 {
		return nil, grid.Invalid("file", "KML 中没有 Placemark / the KML holds no Placemark")
	}
	return k.out, nil
}

// read adds the Placemarks of one document.
func (k *kmlReader) read(r io.Reader) error {
	// The XML decoder holds a whole text in memory: the guard counts
	// the tuples of coordinates texts as the bytes pass, so a text of
	// millions is refused at the vertex cap before it is held.
	d := xml.NewDecoder(&kmlGuard{r: r, left: k.lim.Vertices - k.vertices, limit: k.lim.Vertices})
	d.Strict = true
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "gbk", "gb2312", "gb18030", "cp936":
			return transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder()), nil
		case "utf-8", "utf8", "us-ascii":
			return r, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", charset)
	}
	var ce *CapError
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.As(err, &ce) {
			return ce
		}
		if err != nil {
			return grid.Invalid("file", "KML 无法读取 / unreadable KML: %v", errText(err))
		}
		if se, ok := tok.(xml.StartElement); !ok || se.Name.Local != "Placemark" {
			continue
		}
		if len(k.out) >= k.lim.Features {
			return &CapError{Cap: CapFeatures, Limit: int64(k.lim.Features)}
		}
		rb, err := k.placemark(d)
		switch {
		case errors.As(err, &ce):
			if ce.Row == 0 {
				ce.Row = len(k.out) + 1
			}
			return ce
		case err != nil:
			return grid.Invalid("file", "KML 第 %d 个 Placemark 无法读取 / unreadable Placemark: %v", len(k.out)+1, errText(err))
		}
		k.out = append(k.out, rb)
	}
}

// kmlPolygon is a Polygon's rings as read; outer is nil until read.
type kmlPolygon struct {
	outer orb.Ring
	inner []orb.Ring
}

// placemark reads a Placemark, its start already read: its name, its
// attributes (ExtendedData, as Data or SchemaData) and its polygons
// together as one MultiPolygon, at any depth of MultiGeometry.
func (k *kmlReader) placemark(d *xml.Decoder) (rawBoundary, error) {
	rb := rawBoundary{attrs: map[string]string{}}
	var (
		stack    []string // the open elements below the Placemark
		polygons []kmlPolygon
		others   int // points and lines
		lines    []orb.LineString
		points   []orb.Point
		text     []byte // the current name, value or coordinates
		dataName string
		name     string
		count    int // this Placemark's tuples
		chunks   int // of the current coordinates text, and tuples in them
		inChunks int
	)
	in := func(name string) bool { return slices.Contains(stack, name) }
	// read says the current coordinates are kept: a polygon's ring, or
	// with k.lines a line's or a point's.
	read := func() bool {
		if in("Point") || in("LineString") {
			return k.lines
		}
		return in("Polygon")
	}
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return rb, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			text, chunks, inChunks = text[:0], 0, 0
			switch t.Name.Local {
			case "Data", "SimpleData":
				dataName = ""
				for _, a := range t.Attr {
					if a.Name.Local == "name" {
						dataName = strings.ToLower(strings.TrimSpace(a.Value))
					}
				}
			case "Polygon":
				polygons = append(polygons, kmlPolygon{})
			case "Point", "LineString":
				others++
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			if top != "coordinates" {
				if top == "name" || top == "value" || top == "SimpleData" {
					text = append(text, t...)
				}
				continue
			}
			if !read() {
				continue
			}
			// Refuse a text of too many tuples before holding a copy
			// (a tuple cut between two chunks counts twice).
			chunks++
			inChunks += kmlTupleCount(t)
			if count+inChunks-(chunks-1) > k.lim.Vertices-k.vertices {
				return rb, &CapError{Cap: CapVertices, Limit: int64(k.lim.Vertices), Row: len(k.out) + 1}
			}
			text = append(text, t...)
		case xml.EndElement:
			if len(stack) == 0 {
				// The Placemark's end.
				k.vertices += count
				if k.lines {
					return k.finishAny(rb, name, polygons, lines, points, count), nil
				}
				return k.finish(rb, name, polygons, others, count), nil
			}
			switch t.Name.Local {
			case "name":
				if len(stack) == 1 {
					name = string(text)
				}
			case "value":
				if in("Data") {
					rb.attrs[dataName] = string(text)
				}
			case "SimpleData":
				rb.attrs[dataName] = string(text)
			case "coordinates":
				if read() {
					n := kmlTupleCount(text)
					if count += n; count > k.lim.Vertices-k.vertices {
						return rb, &CapError{Cap: CapVertices, Limit: int64(k.lim.Vertices), Row: len(k.out) + 1}
					}
					if rb.problem != "" || count > k.lim.FeatureVertices {
						break // no ring is built: the feature is refused
					}
					r, problem := kmlRing(text)
					switch {
					case problem != "":
						rb.problem = problem
					case in("LineString"):
						lines = append(lines, orb.LineString(r))
					case in("Point") && len(r) != 1:
						rb.problem = fmt.Sprintf("点须恰有一个坐标，此处有 %d 个", len(r))
					case in("Point"):
						points = append(points, r[0])
					case in("innerBoundaryIs"):
						p := &polygons[len(polygons)-1]
						p.inner = append(p.inner, r)
					default:
						polygons[len(polygons)-1].outer = r
					}
				}
			}
			stack = stack[:len(stack)-1]
			text = text[:0]
		}
	}
}

// finish makes the Placemark a feature: its polygons together as one
// MultiPolygon, its name as the name attribute unless ExtendedData has
// one.
func (k *kmlReader) finish(rb rawBoundary, name string, polygons []kmlPolygon, others, count int) rawBoundary {
	if attr(rb.attrs, nameNames) == "" {
		rb.attrs["name"] = strings.TrimSpace(name)
	}
	switch {
	case rb.problem != "":
		return rb
	case count > k.lim.FeatureVertices:
		rb.problem = fmt.Sprintf("顶点数 %d 超出上限 %d（cap feature_vertices）：请简化后再导入", count, k.lim.FeatureVertices)
		return rb
	case len(polygons) == 0 && others > 0:
		rb.problem = "几何类型须为面（Polygon），此处为点或线"
		return rb
	case len(polygons) == 0:
		return rb // no geometry: checkGeometry says so
	}
	mp := make(orb.MultiPolygon, 0, len(polygons))
	for _, p := range polygons {
		outer := p.outer
		if outer == nil {
			outer = orb.Ring{}
		}
		mp = append(mp, append(orb.Polygon{outer}, p.inner...))
	}
	if len(mp) == 1 {
		rb.geom = mp[0]
	} else {
		rb.geom = mp
	}
	return rb
}

// kmlTuples calls fn with each "lng,lat[,alt]" tuple of a coordinates
// text: tuples are separated by white space, but white space beside a
// comma is not a tuple's end (some tools write "lng, lat"). The tuple fn
// gets is valid until it returns; false from fn stops.
func kmlTuples(text []byte, fn func([]byte) bool) {
	var tuple []byte
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		if !unicode.IsSpace(r) {
			tuple = append(tuple, text[i:i+size]...)
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r, size := utf8.DecodeRune(text[j:])
			if !unicode.IsSpace(r) {
				break
			}
			j += size
		}
		if len(tuple) > 0 && tuple[len(tuple)-1] != ',' && (j == len(text) || text[j] != ',') {
			if !fn(tuple) {
				return
			}
			tuple = tuple[:0]
		}
		i = j
	}
	if len(tuple) > 0 {
		fn(tuple)
	}
}

// kmlTupleCount is how many tuples a coordinates text holds.
func kmlTupleCount(text []byte) int {
	n := 0
	kmlTuples(text, func([]byte) bool { n++; return true })
	return n
}

// kmlRing reads a coordinates element. It returns the reason when it
// cannot.
func kmlRing(text []byte) (orb.Ring, string) {
	r := make(orb.Ring, 0, kmlTupleCount(text))
	problem := ""
	kmlTuples(text, func(f []byte) bool {
		parts := bytes.Split(f, []byte(","))
		if len(parts) < 2 || len(parts) > 3 {
			problem = fmt.Sprintf("坐标 %q 须为“经度,纬度[,高程]”", clip(string(f), 40))
			return false
		}
		var p orb.Point
		for i := range 2 {
			v, err := strconv.ParseFloat(string(parts[i]), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				problem = fmt.Sprintf("坐标 %q 不是数字", clip(string(f), 40))
				return false
			}
			p[i] = v // ±Inf for a number out of range: checkGeometry refuses it
		}
		r = append(r, p)
		return true
	})
	if problem != "" {
		return nil, problem
	}
	return r, ""
}

// kmlGuard stands before the XML decoder and counts, as bytes pass, the
// tuples of every coordinates text (the ends of tuples between them, one
// fewer than there are), failing with the vertex cap once they pass
// left. It knows tags by their bytes only: the count is a lower bound
// (a tuple in a CDATA section is missed), which is all a cap needs.
type kmlGuard struct {
	r        io.Reader
	left     int // tuples the file may still hold
	limit    int // the cap, as its error names it
	inTag    bool
	named    bool   // the tag's name is read
	tag      []byte // its name, up to 16 bytes
	inCoords bool   // in a coordinates text
	spaced   bool   // white space since last
	last     byte   // the text's last byte that was not white space
}

func (g *kmlGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		space := b == ' ' || b == '\t' || b == '\r' || b == '\n'
		switch {
		case b == '<':
			g.inTag, g.named, g.tag, g.inCoords = true, false, g.tag[:0], false
		case g.inTag && b == '>':
			name := g.tag
			if j := bytes.IndexByte(name, ':'); j >= 0 {
				name = name[j+1:] // kml:coordinates
			}
			g.inTag, g.inCoords, g.spaced, g.last = false, string(name) == "coordinates", false, 0
		case g.inTag && !g.named:
			if space || b == '/' && len(g.tag) > 0 {
				g.named = true
			} else if len(g.tag) < 16 {
				g.tag = append(g.tag, b)
			}
		case g.inTag || !g.inCoords:
		case space:
			g.spaced = true
		default:
			if g.spaced && g.last != 0 && g.last != ',' && b != ',' {
				if g.left--; g.left < 0 {
					return i, &CapError{Cap: CapVertices, Limit: int64(g.limit)}
				}
			}
			g.spaced, g.last = false, b
		}
	}
	return n, err
}
