package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"net/url"
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
}

// A collection of up to sendWhole bytes is gathered by the handler and
// sent whole, with a Content-Length: one write, no chunks, and a failing
// query still gets a proper error status. A larger one streams on after
// the handler has returned, handed to fasthttp streamBuffer bytes at a
// time: each hand-over wakes the connection's goroutine, so a few large
// ones cost less than many small ones. Memory per response stays within
// sendWhole plus five stream buffers (fasthttp queues at most four),
// whatever the collection's size.
const (
	sendWhole    = 256 << 10
	streamBuffer = 32 << 10
)

// errStreamStopped ends a query whose rows are no longer wanted.
var errStreamStopped = errors.New("stream stopped")

// streamCollection writes a FeatureCollection as rows arrive from the
// store, with flat memory. The query runs under its own timeout, as a
// coroutine (iter.Pull) resumed for each next row: no goroutine hand-over
// and no copy per row, as a row's bytes stay valid until the next one is
// asked for. The handler gathers the first sendWhole bytes itself: a
// collection that ends by then is sent whole, and an error by then still
// gets a proper error status. A longer one streams on after the handler
// has returned; an error can then only cut the stream, and is logged.
// With a page limit the collection ends with self and next links built
// from the request.
func (s *Server) streamCollection(c *fiber.Ctx, p page, query featureQuery) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.QueryTimeout)
	var queryErr error // set once the query has ended
	next, stop := iter.Pull(func(yield func(grid.Feature) bool) {
		queryErr = query(ctx, func(f grid.Feature) error {
			if !yield(f) {
				return errStreamStopped
			}
			return nil
		})
	})
	out := &spillWriter{}
	fw := geo.NewFeatureWriter(bufio.NewWriterSize(out, streamBuffer))
	var lastID int64
	var writeErr error
	more := false
	// pump writes rows until the query ends, the page is full, the client
	// is gone or, while the handler gathers, sendWhole bytes are written.
	pump := func() (ended bool) {
		for out.w != nil || out.head.Len() < sendWhole {
			f, ok := next()
			if !ok {
				return true
			}
			if p.limit > 0 && fw.Count() == p.limit {
				more = true
				return true
			}
			lastID = f.ID
			if writeErr = fw.Feature(f.BBox, f.JSON); writeErr != nil {
				return true
			}
		}
		return false
	}
	// finish ends the query, then the collection unless it was cut.
	path, params := c.Path(), currentQuery(c)
	finish := func() error {
		stop() // ends the query when it has rows left
		if errors.Is(queryErr, errStreamStopped) {
			queryErr = nil
		}
		if queryErr != nil || writeErr != nil {
			return errors.Join(queryErr, writeErr)
		}
		var links []geo.Link
		switch {
		case p.links != nil:
			links = p.links(more, lastID)
		case p.limit > 0:
			links = pageLinks(path, params, more, lastID)
		}
		return fw.Close(links, p.extra)
	}

	c.Set(fiber.HeaderContentType, geoJSON)
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	if pump() {
		defer cancel()
		if err := finish(); err != nil {
			return err // nothing is out yet: the error handler answers
		}
		return c.Send(out.head.Bytes())
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		if writeErr = out.spill(w); writeErr == nil {
			pump()
		}
		if err := finish(); err != nil {
			s.log.Warn("feature stream cut", "path", path, "err", err)
		}
	})
	return nil
}

// spillWriter keeps what is written in memory (head) until spill points
// it at the response stream.
type spillWriter struct {
	head bytes.Buffer
	w    io.Writer
}

func (sw *spillWriter) Write(b []byte) (int, error) {
	if sw.w == nil {
		return sw.head.Write(b)
	}
	return sw.w.Write(b)
}

// spill writes the head to w, where everything goes from now on.
func (sw *spillWriter) spill(w io.Writer) error {
	sw.w = w
	_, err := w.Write(sw.head.Bytes())
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
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.QueryTimeout)
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
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.QueryTimeout)
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
