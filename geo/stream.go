package geo

import (
	"bufio"
	"encoding/json"
	"math"
)

// FeatureWriter streams a GeoJSON FeatureCollection: the opening, then
// each feature as already-encoded bytes (PostGIS writes them), then
// closing members. Nothing is held in memory beyond the writer's buffer.
type FeatureWriter struct {
	w     *bufio.Writer
	count int
	bbox  BBox
	err   error
}

// NewFeatureWriter writes the collection's opening to w.
func NewFeatureWriter(w *bufio.Writer) *FeatureWriter {
	fw := &FeatureWriter{w: w}
	_, fw.err = w.WriteString(`{"type":"FeatureCollection","features":[`)
	return fw
}

// Feature appends one encoded GeoJSON Feature object whose geometry
// lies in box.
func (fw *FeatureWriter) Feature(box BBox, feature []byte) error {
	if fw.err != nil {
		return fw.err
	}
	if fw.count == 0 {
		fw.bbox = box
	} else {
		fw.bbox = fw.bbox.Extend(box)
	}
	if fw.count > 0 {
		fw.err = fw.w.WriteByte(',')
	}
	if fw.err == nil {
		_, fw.err = fw.w.Write(feature)
	}
	fw.count++
	return fw.err
}

// Count is the number of features written so far.
func (fw *FeatureWriter) Count() int { return fw.count }

// Link is a web link as GeoJSON collections from OGC-style APIs carry them.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Close ends the collection with numberReturned, the bbox of what was
// written (when anything was), links (when any) and any extra foreign
// members, then flushes.
func (fw *FeatureWriter) Close(links []Link, extra map[string]any) error {
	if fw.err != nil {
		return fw.err
	}
	tail := map[string]any{"numberReturned": fw.count}
	if fw.count > 0 {
		tail["bbox"] = round6(fw.bbox.Array())
	}
	if len(links) > 0 {
		tail["links"] = links
	}
	for k, v := range extra {
		tail[k] = v
	}
	b, err := json.Marshal(tail)
	if err != nil {
		return err
	}
	// b is {"...":...}: replace its opening brace with the comma that
	// continues our object.
	if _, err := fw.w.WriteString("],"); err != nil {
		return err
	}
	if _, err := fw.w.Write(b[1:]); err != nil {
		return err
	}
	return fw.w.Flush()
}

// round6 rounds to the 6 decimals the features carry.
func round6(b [4]float64) [4]float64 {
	for i, v := range b {
		b[i] = math.Round(v*1e6) / 1e6
	}
	return b
}
