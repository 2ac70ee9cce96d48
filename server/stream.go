package server

import (
	"bufio"
	"context"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
)

// geoJSON is RFC 7946's media type.
const geoJSON = "application/geo+json"

// featureRow is one feature on its way from the store to the client.
type featureRow struct {
	id   int64
	data []byte
}

// collection describes one streamed FeatureCollection.
type collection struct {
	// query runs the store query, handing each feature to emit.
	query func(ctx context.Context, emit grid.FeatureFunc) error
	// limit, when positive, is the page size: the query is expected to
	// return up to limit+1 rows, the extra one only telling that there is
	// a next page.
	limit int
	// tail returns the closing links, given whether there is a next page
	// and the id of the page's last feature.
	tail func(more bool, lastID int64) []geo.Link
}

// streamCollection writes a FeatureCollection as rows arrive from the
// store, with flat memory. The query runs in its own goroutine under its
// own timeout (the handler returns before the body is written); the first
// row, or the query's error, is awaited before the handler returns, so a
// failing query still gets a proper error status. Once bytes are out an
// error can only cut the stream, and is logged.
func (s *Server) streamCollection(c *fiber.Ctx, col collection) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.QueryTimeout)
	rows := make(chan featureRow, 64)
	errc := make(chan error, 1)
	go func() {
		defer close(rows)
		errc <- col.query(ctx, func(id int64, feature []byte) error {
			row := featureRow{id: id, data: append([]byte(nil), feature...)}
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
	path := c.Path()
	c.Set(fiber.HeaderContentType, geoJSON)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		fw := geo.NewFeatureWriter(w)
		var lastID int64
		more := false
		write := func(r featureRow) error {
			if col.limit > 0 && fw.Count() == col.limit {
				more = true
				return nil
			}
			lastID = r.id
			if err := fw.Feature(r.data); err != nil {
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
		if col.tail != nil {
			links = col.tail(more, lastID)
		}
		if err := fw.Close(links, nil); err != nil {
			s.log.Warn("feature stream cut", "path", path, "write_err", err)
		}
	})
	return nil
}

// sendFeature answers the single feature query emits, or 404 naming what
// was not found.
func (s *Server) sendFeature(c *fiber.Ctx, what string, query func(context.Context, grid.FeatureFunc) error) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.QueryTimeout)
	defer cancel()
	var feature []byte
	err := query(ctx, func(_ int64, f []byte) error {
		feature = append([]byte(nil), f...)
		return nil
	})
	if err != nil {
		return err
	}
	if feature == nil {
		return grid.Errorf(grid.ENotFound, "no %s %s", what, c.Params("id"))
	}
	c.Set(fiber.HeaderContentType, geoJSON)
	return c.Send(feature)
}
