package server

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Expensive ("heavy") requests — wide collections, low-zoom tiles,
// coverage, statistics, rebalance plans — each keep a database connection
// busy for long. The limiter runs at most HeavyPerUser of one user's at
// once and at most HeavyTotal in all (below the pool size, so cheap
// requests always find a connection). A request beyond a cap waits up to
// heavyWait for a slot, in arrival order, which smooths the bursts a map
// app makes (a layer and its next pages, two docks at once); after that
// it is answered 429 with code busy and a Retry-After. Cheap requests are
// never limited.
//
// A slot of the total is held while the handler runs, that is while the
// query does: a streamed answer has left the database by then (see
// streamCollection). A user's slot is held until the answer has been
// sent, so that no user keeps more than HeavyPerUser answers in spill
// files behind clients that do not read.
const (
	// heavyWait is how long a request waits for a slot before 429.
	heavyWait = 2 * time.Second
	// heavyRetryAfter is the Retry-After of a busy answer, in seconds.
	heavyRetryAfter = 2

	// Default caps, when the Config leaves them zero (main sets the total
	// to half the database pool).
	defaultHeavyPerUser = 2
	defaultHeavyTotal   = 4

	// heavyPage: a page of more features than the map app asks for
	// (defaultOrgLimit) is heavy.
	heavyPage = 1000
	// heavyBBoxArea (square degrees, about 2,500 km² in central China):
	// a wider bbox, or none, makes a point collection heavy, since the
	// query reads every row in it before paging.
	heavyBBoxArea = 0.25
	// heavyTileZoom: point tiles below this zoom aggregate large areas.
	heavyTileZoom = 12
)

// localsHeavy is the Locals key of a heavy request's slot.
const localsHeavy = "gridgis.heavy"

// heavyLimiter counts heavy requests per user and in all.
type heavyLimiter struct {
	total   chan struct{} // a token per running heavy request
	perUser int
	wait    time.Duration

	mu    sync.Mutex
	users map[int64]*userSlots
}

// userSlots is one user's semaphore; refs counts its holders and
// waiters, and the entry is dropped at zero.
type userSlots struct {
	sem  chan struct{}
	refs int
}

func newHeavyLimiter(perUser, total int, wait time.Duration) *heavyLimiter {
	return &heavyLimiter{total: make(chan struct{}, total), perUser: perUser, wait: wait,
		users: map[int64]*userSlots{}}
}

// acquire takes a slot of user's and one of the total, waiting up to the
// limiter's wait for both; it answers nil when none came in time.
func (l *heavyLimiter) acquire(user int64) *heavySlot {
	l.mu.Lock()
	us := l.users[user]
	if us == nil {
		us = &userSlots{sem: make(chan struct{}, l.perUser)}
		l.users[user] = us
	}
	us.refs++
	l.mu.Unlock()

	deadline := time.NewTimer(l.wait)
	defer deadline.Stop()
	if !take(us.sem, deadline.C) {
		l.unref(user, us)
		return nil
	}
	if !take(l.total, deadline.C) {
		<-us.sem
		l.unref(user, us)
		return nil
	}
	return &heavySlot{l: l, user: user, us: us}
}

// take puts a token into sem, waiting until expired fires.
func take(sem chan struct{}, expired <-chan time.Time) bool {
	select {
	case sem <- struct{}{}:
		return true
	default:
	}
	select {
	case sem <- struct{}{}:
		return true
	case <-expired:
		return false
	}
}

func (l *heavyLimiter) unref(user int64, us *userSlots) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if us.refs--; us.refs == 0 {
		delete(l.users, user)
	}
}

// heavySlot is one heavy request's place in the limiter.
type heavySlot struct {
	l         *heavyLimiter
	user      int64
	us        *userSlots
	queryOnce sync.Once
	userOnce  sync.Once
	// streaming is set when the answer streams after the handler: its
	// end releases the user's slot.
	streaming bool
}

// endQuery gives back the slot of the total.
func (s *heavySlot) endQuery() { s.queryOnce.Do(func() { <-s.l.total }) }

// release gives back both slots; it is safe to call more than once and
// from another goroutine.
func (s *heavySlot) release() {
	s.endQuery()
	s.userOnce.Do(func() {
		<-s.us.sem
		s.l.unref(s.user, s.us)
	})
}

// heavySlotOf is the request's heavy slot, if it holds one.
func heavySlotOf(c *fiber.Ctx) *heavySlot {
	slot, _ := c.Locals(localsHeavy).(*heavySlot)
	return slot
}

// limitHeavy is the middleware of a route with heavy requests: those for
// which isHeavy answers true (all of them when isHeavy is nil) take a
// slot first. It runs after authentication, as slots are per user.
func (s *Server) limitHeavy(isHeavy func(c *fiber.Ctx) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if isHeavy != nil && !isHeavy(c) {
			return c.Next()
		}
		slot := s.heavy.acquire(userOf(c).ID)
		if slot == nil {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(heavyRetryAfter))
			return problem(c, fiber.StatusTooManyRequests, "busy", "",
				"同时进行的大范围查询过多，请稍后重试 / too many expensive requests at once; retry shortly")
		}
		c.Locals(localsHeavy, slot)
		defer func() {
			if slot.streaming {
				slot.endQuery() // the stream's end releases the rest
			} else {
				slot.release()
			}
		}()
		return c.Next()
	}
}

// largePage reports whether the limit parameter asks for a page larger
// than heavyPage. A malformed limit is not heavy: the handler refuses it
// at once.
func largePage(c *fiber.Ctx) bool {
	raw := c.Query("limit")
	n, err := strconv.Atoi(raw)
	if errors.Is(err, strconv.ErrRange) {
		// Beyond an int: OGC API serves it as its largest page.
		return !strings.HasPrefix(raw, "-")
	}
	return err == nil && n > heavyPage
}

// wideArea returns the classifier of a point collection: heavy when the
// page is large, or when neither a small bbox nor one of the narrowing
// filters (such as grid) restricts the rows the query reads.
func wideArea(narrowing ...string) func(c *fiber.Ctx) bool {
	return func(c *fiber.Ctx) bool {
		if largePage(c) {
			return true
		}
		for _, name := range narrowing {
			if c.Query(name) != "" {
				return false
			}
		}
		raw := c.Query("bbox")
		if raw == "" {
			return true
		}
		area, ok := bboxArea(raw)
		return ok && area > heavyBBoxArea
	}
}

// bboxArea is the area in square degrees of a bbox parameter (4 numbers,
// or OGC API's 6 with heights); ok is false when it is malformed, which
// the handler refuses.
func bboxArea(raw string) (area float64, ok bool) {
	parts := strings.Split(raw, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return 0, false
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		v[i] = f
	}
	half := len(v) / 2
	return math.Abs(v[half]-v[0]) * math.Abs(v[half+1]-v[1]), true
}

// lowZoomPointTile: a tile of organizations or requests below
// heavyTileZoom (grid tiles are few polygons at any zoom).
func lowZoomPointTile(c *fiber.Ctx) bool {
	switch c.Params("layer") {
	case "organizations", "requests":
	default:
		return false
	}
	z, err := strconv.Atoi(c.Params("z"))
	return err == nil && z < heavyTileZoom
}

// ogcItemsHeavy: items of a point collection over a wide area or in a
// large page (grids are tens of features, never heavy).
func ogcItemsHeavy(c *fiber.Ctx) bool {
	if c.Params("collectionId") == "grids" {
		return false
	}
	return wideArea()(c)
}
