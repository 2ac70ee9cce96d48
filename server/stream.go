package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// streamed is one feature on its way from the store to the client.
type streamed struct {
	box  geo.BBox
	id   int64
	data []byte
}

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

// streamCollection writes a FeatureCollection as rows arrive from the
// store, with flat memory. The query runs in its own goroutine under its
// own timeout (the handler returns before the body is written); the first
// row, or the query's error, is awaited before the handler returns, so a
// failing query still gets a proper error status. Once bytes are out an
// error can only cut the stream, and is logged. With a page limit the
// collection ends with self and next links built from the request.
func (s *Server) streamCollection(c *fiber.Ctx, p page, query featureQuery) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.QueryTimeout)
	rows := make(chan streamed, 64)
	errc := make(chan error, 1)
	go func() {
		defer close(rows)
		errc <- query(ctx, func(f grid.Feature) error {
			row := streamed{box: f.BBox, id: f.ID, data: append([]byte(nil), f.JSON...)}
			select {
			case rows <- row:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	first, ok := <-rows
	if !ok {
		// No rows: the query has ended, so its error (if any) is known.
		err := <-errc
		if err != nil {
			cancel()
			return err
		}
		errc <- nil
	}
	path, params := c.Path(), currentQuery(c)
	c.Set(fiber.HeaderContentType, geoJSON)
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		fw := geo.NewFeatureWriter(w)
		var lastID int64
		more := false
		write := func(r streamed) error {
			if p.limit > 0 && fw.Count() == p.limit {
				more = true
				return nil
			}
			lastID = r.id
			if err := fw.Feature(r.box, r.data); err != nil {
				return err
			}
			// Push each screenful out instead of waiting for the buffer.
			if fw.Count()%256 == 0 {
				return w.Flush()
			}
			return nil
		}
		var werr error
		if ok {
			werr = write(first)
		}
		for r := range rows {
			if werr == nil {
				werr = write(r)
			}
			if werr != nil {
				cancel() // the client is gone: stop the query, drain
			}
		}
		if err := <-errc; err != nil || werr != nil {
			s.log.Warn("feature stream cut", "path", path, "query_err", err, "write_err", werr)
			return
		}
		var links []geo.Link
		switch {
		case p.links != nil:
			links = p.links(more, lastID)
		case p.limit > 0:
			links = pageLinks(path, params, more, lastID)
		}
		if err := fw.Close(links, p.extra); err != nil {
			s.log.Warn("feature stream cut", "path", path, "write_err", err)
		}
	})
	return nil
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
