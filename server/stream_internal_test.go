package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

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

// openSpillFiles counts this process's open spill files.
func openSpillFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.Contains(target, "gridgis-stream-") {
			n++
		}
	}
	return n
}

// OpenSpillFiles is openSpillFiles for the external tests.
var OpenSpillFiles = openSpillFiles

// held is how many users hold slots, and how many of the total are held.
func (l *heavyLimiter) held() (users, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users), len(l.total)
}

// randomRows emits n features with random (incompressible) properties of
// about 100 bytes.
func randomRows(n int) featureQuery {
	return func(ctx context.Context, emit grid.FeatureFunc) error {
		noise := make([]byte, 32)
		for id := int64(1); id <= int64(n); id++ {
			rand.Read(noise)
			f := grid.Feature{ID: id, BBox: geo.BBox{MinLon: 113, MinLat: 33, MaxLon: 113, MaxLat: 33},
				JSON: []byte(`{"type":"Feature","id":` + strconv.FormatInt(id, 10) +
					`,"geometry":{"type":"Point","coordinates":[113,33]},"properties":{"r":"` + hex.EncodeToString(noise) + `"}}`)}
			if err := emit(f); err != nil {
				return err
			}
		}
		return nil
	}
}

// dialSmall connects with a small receive buffer, so that a client that
// does not read stops the server's writes early.
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// A client that never reads a long collection: the server's write
// timeout ends the answer, and its spill file, connection and heavy slot
// go with it. The query ended long before (the handler had returned).
func TestStuckClientStreamEnds(t *testing.T) {
	for _, gzip := range []bool{false, true} {
		t.Run("gzip="+strconv.FormatBool(gzip), func(t *testing.T) {
			s := &Server{cfg: Config{QueryTimeout: 10 * time.Second}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				heavy: newHeavyLimiter(1, 1, 0)}
			// Without -race, gzip can squeeze the whole answer into the socket
			// buffers: the server is then done and the connection only idle,
			// which the idle timeout ends, as the real server's does.
			app := fiber.New(fiber.Config{WriteTimeout: 500 * time.Millisecond, IdleTimeout: time.Second,
				DisableStartupMessage: true})
			app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))
			var ended atomic.Bool
			app.Get("/items", func(c *fiber.Ctx) error {
				c.Locals(localsUser, grid.User{ID: 1})
				return c.Next()
			}, s.limitHeavy(nil), func(c *fiber.Ctx) error {
				err := s.streamCollection(c, page{}, randomRows(50000)) // about 7 MB
				ended.Store(true)
				return err
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = app.Listener(ln) }()
			defer app.Shutdown()

			conn := dialSmall(t, ln.Addr().String())
			req := "GET /items HTTP/1.1\r\nHost: test\r\n"
			if gzip {
				req += "Accept-Encoding: gzip\r\n"
			}
			if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
				t.Fatal(err)
			}
			// Read the headers only, a byte at a time.
			r := bufio.NewReaderSize(io.LimitReader(conn, 1<<10), 16)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("headers: %v", err)
				}
				if line == "\r\n" {
					break
				}
			}
			if !ended.Load() {
				t.Error("the answer started before the query ended")
			}
			if n := openSpillFiles(t); n != 1 {
				t.Errorf("%d spill files open while the client is stuck, want 1", n)
			}
			if users, total := s.heavy.held(); users != 1 || total != 0 {
				t.Errorf("while the client is stuck: %d users hold slots, %d of the total held; want 1 and 0", users, total)
			}

			deadline := time.Now().Add(30 * time.Second)
			for {
				files, conns := openSpillFiles(t), app.Server().GetOpenConnectionsCount()
				users, total := s.heavy.held()
				if files == 0 && conns == 0 && users == 0 && total == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("30 s after a 0.5 s write timeout: %d spill files, %d connections, %d users holding slots", files, conns, users)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
