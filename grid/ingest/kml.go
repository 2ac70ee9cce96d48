package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"gridgis/grid"
)

// kmlPlacemark is what a grid's Placemark holds: its name, its attributes
// (ExtendedData, as Data or SchemaData) and its geometry.
type kmlPlacemark struct {
	Name         string `xml:"name"`
	ExtendedData struct {
		Data []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value"`
		} `xml:"Data"`
		SimpleData []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:",chardata"`
		} `xml:"SchemaData>SimpleData"`
	} `xml:"ExtendedData"`
	Polygon       []kmlPolygon  `xml:"Polygon"`
	MultiGeometry []kmlMulti    `xml:"MultiGeometry"`
	Other         []kmlAnything `xml:"Point"`
	Lines         []kmlAnything `xml:"LineString"`
}

type kmlPolygon struct {
	Outer string   `xml:"outerBoundaryIs>LinearRing>coordinates"`
	Inner []string `xml:"innerBoundaryIs>LinearRing>coordinates"`
}

// kmlMulti is a MultiGeometry; one nested in another is read one level
// down, which is as deep as the desktop tools write them.
type kmlMulti struct {
	Polygon []kmlPolygon `xml:"Polygon"`
	Nested  []struct {
		Polygon []kmlPolygon `xml:"Polygon"`
	} `xml:"MultiGeometry"`
	Points []kmlAnything `xml:"Point"`
	Lines  []kmlAnything `xml:"LineString"`
}

type kmlAnything struct{}

// readKML reads every Placemark of a KML document, wherever its folders
// put it. A Placemark without a polygon is a feature with a problem.
func readKML(data []byte, lim BoundaryLimits) ([]rawBoundary, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
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
	var out []rawBoundary
	vertices := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, grid.Invalid("file", "KML 无法读取 / unreadable KML: %v", errText(err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Placemark" {
			continue
		}
		if len(out) >= lim.Features {
			return nil, &CapError{Cap: CapFeatures, Limit: int64(lim.Features)}
		}
		var pm kmlPlacemark
		if err := d.DecodeElement(&pm, &se); err != nil {
			return nil, grid.Invalid("file", "KML 第 %d 个 Placemark 无法读取 / unreadable Placemark: %v", len(out)+1, errText(err))
		}
		rb := pm.boundary()
		if rb.geom != nil {
			if vertices += countVertices(rb.geom); vertices > lim.Vertices {
				return nil, &CapError{Cap: CapVertices, Limit: int64(lim.Vertices), Row: len(out) + 1}
			}
		}
		out = append(out, rb)
	}
	if len(out) == 0 {
		return nil, grid.Invalid("file", "KML 中没有 Placemark / the KML holds no Placemark")
	}
	return out, nil
}

// boundary is the Placemark as a feature: its polygons together as one
// MultiPolygon, its name as the name attribute unless ExtendedData has one.
func (pm kmlPlacemark) boundary() rawBoundary {
	rb := rawBoundary{attrs: map[string]string{}}
	for _, d := range pm.ExtendedData.Data {
		rb.attrs[strings.ToLower(strings.TrimSpace(d.Name))] = d.Value
	}
	for _, d := range pm.ExtendedData.SimpleData {
		rb.attrs[strings.ToLower(strings.TrimSpace(d.Name))] = d.Value
	}
	if attr(rb.attrs, nameNames) == "" {
		rb.attrs["name"] = strings.TrimSpace(pm.Name)
	}
	polygons := pm.Polygon
	others := len(pm.Other) + len(pm.Lines)
	for _, m := range pm.MultiGeometry {
		polygons = append(polygons, m.Polygon...)
		for _, n := range m.Nested {
			polygons = append(polygons, n.Polygon...)
		}
		others += len(m.Points) + len(m.Lines)
	}
	switch {
	case len(polygons) == 0 && others > 0:
		rb.problem = "几何类型须为面（Polygon），此处为点或线"
		return rb
	case len(polygons) == 0:
		return rb // no geometry: checkGeometry says so
	}
	var mp orb.MultiPolygon
	for _, p := range polygons {
		outer, err := kmlRing(p.Outer)
		if err != "" {
			rb.problem = err
			return rb
		}
		poly := orb.Polygon{outer}
		for _, in := range p.Inner {
			r, err := kmlRing(in)
			if err != "" {
				rb.problem = err
				return rb
			}
			poly = append(poly, r)
		}
		mp = append(mp, poly)
	}
	if len(mp) == 1 {
		rb.geom = mp[0]
	} else {
		rb.geom = mp
	}
	return rb
}

var spacedComma = regexp.MustCompile(`\s*,\s*`)

// kmlRing reads a coordinates element: "lng,lat[,alt]" tuples separated
// by white space. It returns the reason when it cannot.
func kmlRing(text string) (orb.Ring, string) {
	// Some tools write "lng, lat": white space beside a comma is not a
	// tuple's end.
	fields := strings.Fields(spacedComma.ReplaceAllString(text, ","))
	r := make(orb.Ring, 0, len(fields))
	for _, f := range fields {
		parts := strings.Split(f, ",")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Sprintf("坐标 %q 须为“经度,纬度[,高程]”", clip(f))
		}
		var p orb.Point
		for i := range 2 {
			v, err := strconv.ParseFloat(parts[i], 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Sprintf("坐标 %q 不是数字", clip(f))
			}
			p[i] = v // ±Inf for a number out of range: checkGeometry refuses it
		}
		r = append(r, p)
	}
	return r, ""
}
