package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
)

// geoJSON is RFC 7946's media type.
const geoJSON = "application/geo+json"

// Cache policies: map data is per user (scope) and changes, so shared
// caches must not keep it and browsers must revalidate; small aggregate
// layers answer revalidation with 304 through their ETag.
const (
	cachePrivate = "private, no-cache"
)

// featureQuery runs a store query, handing each feature to emit.
type featureQuery func(ctx context.Context, emit grid.FeatureFunc) error

// page describes the paging of a streamed collection.
type page struct {
	// limit, when positive, is the page size: the query must return up to
	// limit+1 rows, the extra one only telling that a next page exists.
	limit int
	// links, when set, makes the closing links instead of the self and
	// next links built from the request (OGC API's absolute links).
	links func(more bool, lastID int64) []geo.Link
	// extra are further members written after the links (OGC API's
	// numberMatched and timeStamp).
	extra map[string]any
	// finish, when set, runs after the query, before anything is written:
	// it may add to extra what the page tells (more: a next page exists;
	// returned: the features on this one), and its error is the answer's.
	finish func(more bool, returned int) error
}

// A collection of up to sendWhole bytes is sent whole from memory. A
// larger one spills to a temporary file, written through a buffer of
// streamBuffer bytes, and is sent from that file. Memory per response
// stays within sendWhole plus the buffer, whatever the collection's size;
// the disk holds at most one page (maxOrgLimit features) per response.
const (
	sendWhole    = 256 << 10
	streamBuffer = 32 << 10
)

// errStreamStopped ends a query whose rows are no longer wanted.
var errStreamStopped = errors.New("stream stopped")

// streamCollection writes a FeatureCollection with flat memory, and never
// holds a database connection while a client reads: a client that stops
// reading would otherwise keep a pool connection until the query timeout,
// and a few such clients starve every other request. The query runs to
// its end at database speed, under its own timeout, before the handler
// returns: rows go into memory up to sendWhole bytes, the rest into an
// unlinked temporary file. Only then, the connection back in the pool,
// does the answer go out: a small one whole from memory, a larger one
// from the file as the client reads it (fasthttp closes the file when the
// response ends: written, failed or cut by the server's write timeout).
// Nothing is out before the query has ended, so every error gets a
// proper status. With a page limit the collection ends with self and
// next links built from the request.
func (s *Server) streamCollection(c *fiber.Ctx, p page, query featureQuery) error {
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	out := &spillWriter{}
	defer out.Close() // unless the response took the file
	fw := geo.NewFeatureWriter(bufio.NewWriterSize(out, streamBuffer))
	var lastID int64
	more := false
	err := query(ctx, func(f grid.Feature) error {
		if p.limit > 0 && fw.Count() == p.limit {
			more = true
			return errStreamStopped // the extra row only tells that more remain
		}
		lastID = max(lastID, f.ID) // a page's rows may come in any order
		return fw.Feature(f.BBox, f.JSON)
	})
	if err != nil && !errors.Is(err, errStreamStopped) {
		return err
	}
	if p.finish != nil {
		if err := p.finish(more, fw.Count()); err != nil {
			return err
		}
	}
	var links []geo.Link
	switch {
	case p.links != nil:
		links = p.links(more, lastID)
	case p.limit > 0:
		links = pageLinks(c.Path(), currentQuery(c), more, lastID)
	}
	if err := fw.Close(links, p.extra); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, geoJSON)
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return out.send(c)
}

// spillWriter keeps what is written in memory (head) up to sendWhole
// bytes, then moves it to a temporary file that takes the rest.
type spillWriter struct {
	head bytes.Buffer
	file *os.File
	size int
}

func (sw *spillWriter) Write(b []byte) (int, error) {
	if sw.file == nil && sw.head.Len()+len(b) <= sendWhole {
		return sw.head.Write(b)
	}
	if sw.file == nil {
		f, err := os.CreateTemp("", "gridgis-stream-*")
		if err != nil {
			return 0, err
		}
		// Unlinked at once: the space comes back when the file is
		// closed, whatever happens to the process.
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return 0, err
		}
		sw.file = f
		if _, err := f.Write(sw.head.Bytes()); err != nil {
			return 0, err
		}
		sw.size = sw.head.Len()
		sw.head = bytes.Buffer{}
	}
	n, err := sw.file.Write(b)
	sw.size += n
	return n, err
}

// send makes what was written the response body: the head whole, or the
// file streamed with its Content-Length. The response owns the file from
// then on and closes it when it ends.
func (sw *spillWriter) send(c *fiber.Ctx) error {
	if sw.file == nil {
		return c.Send(sw.head.Bytes())
	}
	if _, err := sw.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var body io.Reader = sw.file
	// A heavy request's user slot is held until the answer is out.
	if slot := heavySlotOf(c); slot != nil {
		slot.streaming = true
		body = &closeHook{File: sw.file, closed: slot.release}
	}
	c.Context().SetBodyStream(body, sw.size)
	sw.file = nil
	return nil
}

// closeHook is a file that calls closed once it is closed.
type closeHook struct {
	*os.File
	closed func()
}

func (h *closeHook) Close() error {
	err := h.File.Close()
	h.closed()
	return err
}

// Close drops the temporary file, if there is one the response did not
// take.
func (sw *spillWriter) Close() error {
	if sw.file == nil {
		return nil
	}
	err := sw.file.Close()
	sw.file = nil
	return err
}

// currentQuery copies the request's query parameters.
func currentQuery(c *fiber.Ctx) url.Values {
	q := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Set(string(k), string(v)) })
	return q
}

// pageLinks are the self link, and the next link when more remain.
func pageLinks(path string, query url.Values, more bool, lastID int64) []geo.Link {
	links := []geo.Link{{Href: path + encodeQuery(query), Rel: "self", Type: geoJSON}}
	if more {
		next := url.Values{}
		for k, v := range query {
			next[k] = v
		}
		next.Set("cursor", encodeCursor(lastID))
		links = append(links, geo.Link{Href: path + encodeQuery(next), Rel: "next", Type: geoJSON})
	}
	return links
}

func encodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// sendCollectionETag answers a small, bounded collection (one feature per
// grid) with a strong ETag over its bytes, and 304 when the client has
// them already. Such collections are buffered; every unbounded layer
// streams instead.
func (s *Server) sendCollectionETag(c *fiber.Ctx, query featureQuery, extra map[string]any) error {
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	fw := geo.NewFeatureWriter(w)
	if err := query(ctx, func(f grid.Feature) error { return fw.Feature(f.BBox, f.JSON) }); err != nil {
		return err
	}
	if err := fw.Close(nil, extra); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	// A strong ETag names one representation: the compression middleware
	// will encode the body as the client accepts, so the tag says which.
	etag := `"` + hex.EncodeToString(sum[:16]) + contentCoding(c) + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, geoJSON)
	return c.Send(buf.Bytes())
}

// etagMatches reports whether an If-None-Match header lists etag (or *).
func etagMatches(header, etag string) bool {
	for _, candidate := range bytes.Split([]byte(header), []byte(",")) {
		tag := string(bytes.TrimSpace(candidate))
		if tag == etag || tag == "*" || tag == "W/"+etag {
			return true
		}
	}
	return false
}

// sendFeature answers the single feature query emits, or 404 naming what
// was not found.
func (s *Server) sendFeature(c *fiber.Ctx, what string, query featureQuery) error {
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	var feature []byte
	err := query(ctx, func(f grid.Feature) error {
		feature = append([]byte(nil), f.JSON...)
		return nil
	})
	if err != nil {
		return err
	}
	if feature == nil {
		return grid.Errorf(grid.ENotFound, "no %s %s", what, c.Params("id"))
	}
	c.Set(fiber.HeaderContentType, geoJSON)
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return c.Send(feature)
}

// contentCoding is the suffix naming the encoding the compression
// middleware will choose for this request (fasthttp prefers br, then gzip,
// then deflate).
func contentCoding(c *fiber.Ctx) string {
	accept := c.Get(fiber.HeaderAcceptEncoding)
	for _, coding := range []string{"br", "gzip", "deflate"} {
		if strings.Contains(accept, coding) {
			return "-" + coding
		}
	}
	return ""
}

// streamPage reads limit and cursor and streams one page of a layer. each
// is asked for one row more than the page, which tells whether a next
// page exists, and for the rows after the cursor's id.
func (s *Server) streamPage(c *fiber.Ctx, def, max int, each func(ctx context.Context, limit int, afterID int64, emit grid.FeatureFunc) error) error {
	limit, after, err := pageParams(c, def, max)
	if err != nil {
		return err
	}
	return s.streamCollection(c, page{limit: limit}, func(ctx context.Context, emit grid.FeatureFunc) error {
		return each(ctx, limit+1, after, emit)
	})
}
