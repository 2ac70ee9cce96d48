package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
)

// rowsQuery emits a feature for each id, writing every one into the same
// buffer as pgx does (a row's bytes live until the next row), then fails
// with failAfter when it is set. It records how the query ended.
func rowsQuery(ids []int64, failAfter error, ended *error) featureQuery {
	return func(ctx context.Context, emit grid.FeatureFunc) error {
		buf := make([]byte, 0, 64)
		for _, id := range ids {
			buf = append(buf[:0], `{"type":"Feature","id":`+strconv.FormatInt(id, 10)+`,"geometry":{"type":"Point","coordinates":[113,33]},"properties":{}}`...)
			f := grid.Feature{ID: id, BBox: geo.BBox{MinLon: 113, MinLat: 33, MaxLon: 113, MaxLat: 33}, JSON: buf}
			if err := emit(f); err != nil {
				*ended = err
				return err
			}
			// The next row overwrites the last one's bytes.
			copy(buf, strings.Repeat("x", len(buf)))
		}
		*ended = failAfter
		return failAfter
	}
}

func TestStreamCollection(t *testing.T) {
	failed := fiber.NewError(fiber.StatusTeapot, "query failed")
	// Features of about 100 bytes: five thousand are more than sendWhole.
	many := make([]int64, 5000)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tests := []struct {
		name      string
		ids       []int64
		limit     int
		failAfter error
		// wantStatus is the status; with 200, wantIDs and wantNext
		// describe the collection.
		wantStatus int
		wantIDs    []int64
		wantNext   bool
		// wantEnded is how the query ended.
		wantEnded error
	}{
		{name: "all rows", ids: []int64{1, 2, 3}, wantStatus: 200, wantIDs: []int64{1, 2, 3}},
		{name: "no rows", wantStatus: 200, wantIDs: []int64{}},
		{name: "a page and more: the query is stopped", ids: []int64{1, 2, 3, 4}, limit: 2,
			wantStatus: 200, wantIDs: []int64{1, 2}, wantNext: true, wantEnded: errStreamStopped},
		{name: "exactly a page", ids: []int64{1, 2}, limit: 2, wantStatus: 200, wantIDs: []int64{1, 2}},
		{name: "an error before any row is the status", failAfter: failed, wantStatus: fiber.StatusTeapot, wantEnded: failed},
		{name: "an error within the first buffer is the status", ids: []int64{1, 2}, failAfter: failed,
			wantStatus: fiber.StatusTeapot, wantEnded: failed},
		{name: "a long collection spills and streams", ids: many, wantStatus: 200, wantIDs: many},
		{name: "a long page and more: the query is stopped", ids: many, limit: 4999,
			wantStatus: 200, wantIDs: many[:4999], wantNext: true, wantEnded: errStreamStopped},
		// The query ends before anything is sent: a late error still
		// gets a proper status instead of a cut stream.
		{name: "an error after the first buffer is the status", ids: many, failAfter: failed,
			wantStatus: fiber.StatusTeapot, wantEnded: failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{cfg: Config{QueryTimeout: 10 * time.Second}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			app := fiber.New()
			var ended error
			app.Get("/items", func(c *fiber.Ctx) error {
				return s.streamCollection(c, page{limit: tt.limit}, rowsQuery(tt.ids, tt.failAfter, &ended))
			})
			resp, err := app.Test(httptest.NewRequest("GET", "/items?limit=2", nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if !errors.Is(ended, tt.wantEnded) {
				t.Errorf("the query ended with %v, want %v", ended, tt.wantEnded)
			}
			if tt.wantStatus != 200 {
				return
			}
			// Whole or from the spill file, the length is known.
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
			}
			var fc struct {
				Features []struct {
					ID int64 `json:"id"`
				} `json:"features"`
				NumberReturned int `json:"numberReturned"`
				Links          []geo.Link
			}
			if err := json.Unmarshal(body, &fc); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			ids := []int64{}
			for _, f := range fc.Features {
				ids = append(ids, f.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) || fc.NumberReturned != len(tt.wantIDs) {
				t.Errorf("ids %v (numberReturned %d), want %v", ids, fc.NumberReturned, tt.wantIDs)
			}
			next := false
			for _, l := range fc.Links {
				if l.Rel == "next" {
					next = true
					if want := "cursor=" + encodeCursor(tt.wantIDs[len(tt.wantIDs)-1]); !strings.Contains(l.Href, want) {
						t.Errorf("next link %s, want %s", l.Href, want)
					}
				}
			}
			if next != tt.wantNext {
				t.Errorf("next link: %v, want %v (%s)", next, tt.wantNext, body)
			}
		})
	}
}
