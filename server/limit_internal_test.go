package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// limitApp serves /heavy, whose handler blocks until release gives it a
// token, and /maybe, heavy only with ?big=1, behind s.limitHeavy; the
// caller is the user whose id is in X-User.
type limitApp struct {
	app     *fiber.App
	heavy   *heavyLimiter
	entered chan struct{} // a token per heavy handler that started
	release chan struct{} // a token lets one heavy handler finish
	// running is the number of heavy handlers running, most the highest.
	running, most atomic.Int64
}

func newLimitApp(perUser, total int, wait time.Duration) *limitApp {
	s := &Server{heavy: newHeavyLimiter(perUser, total, wait)}
	la := &limitApp{app: fiber.New(), heavy: s.heavy, entered: make(chan struct{}, 100), release: make(chan struct{})}
	asUser := func(c *fiber.Ctx) error {
		id, _ := strconv.ParseInt(c.Get("X-User"), 10, 64)
		c.Locals(localsUser, grid.User{ID: id})
		return c.Next()
	}
	la.app.Get("/heavy", asUser, s.limitHeavy(nil), func(c *fiber.Ctx) error {
		n := la.running.Add(1)
		for m := la.most.Load(); n > m && !la.most.CompareAndSwap(m, n); m = la.most.Load() {
		}
		la.entered <- struct{}{}
		<-la.release
		la.running.Add(-1)
		return c.SendString("done")
	})
	la.app.Get("/maybe", asUser, s.limitHeavy(func(c *fiber.Ctx) bool { return c.Query("big") != "" }),
		func(c *fiber.Ctx) error { return c.SendString("done") })
	return la
}

// answer is a response's status, Retry-After and problem code.
type answer struct {
	status     int
	retryAfter string
	code       string
}

func (la *limitApp) get(t *testing.T, target string, user int) answer {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("X-User", strconv.Itoa(user))
	resp, err := la.app.Test(req, -1)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var p struct{ Code string }
	_ = json.Unmarshal(body, &p)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), p.Code}
}

// goGet sends the request in the background; its answer comes on out.
func (la *limitApp) goGet(t *testing.T, wg *sync.WaitGroup, target string, user int, out chan<- answer) {
	wg.Go(func() { out <- la.get(t, target, user) })
}

func wantBusy(t *testing.T, what string, a answer) {
	t.Helper()
	if a.status != http.StatusTooManyRequests || a.code != "busy" || a.retryAfter == "" {
		t.Errorf("%s: %+v, want 429 busy with Retry-After", what, a)
	}
}

func TestHeavyLimiterCaps(t *testing.T) {
	la := newLimitApp(2, 3, 50*time.Millisecond)
	var wg sync.WaitGroup
	defer wg.Wait()

	// User 1 asks five at once: two run, three are turned away (the two
	// running cannot answer before they are released).
	first := make(chan answer, 5)
	for range 5 {
		la.goGet(t, &wg, "/heavy", 1, first)
	}
	for range 2 {
		<-la.entered
	}
	for range 3 {
		wantBusy(t, "user 1's heavy request beyond the cap", <-first)
	}

	// Cheap requests of a user at the cap pass.
	if a := la.get(t, "/maybe", 1); a.status != http.StatusOK {
		t.Errorf("user 1's cheap request: %+v", a)
	}
	wantBusy(t, "user 1's request that is heavy by its parameters", la.get(t, "/maybe?big=1", 1))

	// A second user is not held back by the first one's cap...
	second := make(chan answer, 1)
	la.goGet(t, &wg, "/heavy", 2, second)
	<-la.entered
	// ...until the total cap is reached.
	wantBusy(t, "user 3 at the total cap", la.get(t, "/heavy", 3))
	if a := la.get(t, "/maybe", 3); a.status != http.StatusOK {
		t.Errorf("user 3's cheap request at the total cap: %+v", a)
	}

	close(la.release)
	for _, ch := range []chan answer{first, first, second} {
		if a := <-ch; a.status != http.StatusOK {
			t.Errorf("a running heavy request: %+v", a)
		}
	}
	if most := la.most.Load(); most != 3 {
		t.Errorf("%d heavy requests ran at once, want the total cap 3", most)
	}
	wg.Wait()
	if len(la.heavy.users) != 0 || len(la.heavy.total) != 0 {
		t.Errorf("after every request: %d users, %d of the total held", len(la.heavy.users), len(la.heavy.total))
	}
}

// A request beyond the cap waits for a slot, and gets it when one frees.
func TestHeavyLimiterWaitsForASlot(t *testing.T) {
	la := newLimitApp(1, 10, time.Minute)
	var wg sync.WaitGroup
	defer wg.Wait()
	answers := make(chan answer, 2)
	la.goGet(t, &wg, "/heavy", 1, answers)
	<-la.entered
	la.goGet(t, &wg, "/heavy", 1, answers)
	select {
	case <-la.entered:
		t.Fatal("a second heavy request of the same user ran beside the first")
	case <-time.After(100 * time.Millisecond):
	}
	la.release <- struct{}{} // the first ends...
	<-la.entered             // ...and the waiting one runs
	la.release <- struct{}{}
	for range 2 {
		if a := <-answers; a.status != http.StatusOK {
			t.Errorf("heavy request: %+v", a)
		}
	}
	if most := la.most.Load(); most != 1 {
		t.Errorf("%d heavy requests of one user ran at once, want 1", most)
	}
}

func TestHeavyLimiterReleases(t *testing.T) {
	l := newHeavyLimiter(2, 2, 0)
	a, b := l.acquire(1), l.acquire(1)
	if a == nil || b == nil {
		t.Fatal("two slots of two were refused")
	}
	if l.acquire(2) != nil {
		t.Error("a slot beyond the total was given")
	}
	a.endQuery()
	if c := l.acquire(2); c == nil {
		t.Error("the total's slot was not given back by endQuery")
	} else {
		c.release()
	}
	if l.acquire(1) != nil {
		t.Error("a user's slot was given back before its answer ended")
	}
	a.release()
	a.release() // twice is harmless
	b.release()
	if len(l.users) != 0 || len(l.total) != 0 {
		t.Errorf("after every release: %d users, %d of the total held", len(l.users), len(l.total))
	}
}

func TestHeavyClassifiers(t *testing.T) {
	app := fiber.New()
	verdict := func(isHeavy func(*fiber.Ctx) bool) fiber.Handler {
		return func(c *fiber.Ctx) error { return c.SendString(strconv.FormatBool(isHeavy(c))) }
	}
	app.Get("/organizations", verdict(wideArea("grid", "liaison")))
	app.Get("/liaisons", verdict(largePage))
	app.Get("/tiles/:layer/:z/:x/:y.mvt", verdict(lowZoomPointTile))
	app.Get("/ogc/collections/:collectionId/items", verdict(ogcItemsHeavy))
	tests := []struct {
		target string
		heavy  bool
	}{
		{"/organizations", true},
		{"/organizations?limit=10", true},
		{"/organizations?bbox=113.1,33.7,113.2,33.8", false},
		{"/organizations?bbox=113.1,33.7,113.2,33.8&limit=1000", false},
		{"/organizations?bbox=113.1,33.7,113.2,33.8&limit=10000", true},
		{"/organizations?bbox=113.1,33.7,113.2,33.8&limit=99999999999999999999", true},
		{"/organizations?bbox=113.1,33.7,113.2,33.8&limit=-99999999999999999999", false},
		{"/organizations?bbox=112,33,114,34", true},
		{"/organizations?grid=3", false},
		{"/organizations?grid=3&limit=5000", true},
		{"/organizations?liaison=3", false},
		{"/organizations?bbox=nonsense", false}, // refused by the handler
		{"/organizations?limit=nonsense&bbox=113.1,33.7,113.2,33.8", false},
		{"/liaisons", false},
		{"/liaisons?limit=1000", false},
		{"/liaisons?limit=1001", true},
		{"/tiles/organizations/11/1/1.mvt", true},
		{"/tiles/organizations/12/1/1.mvt", false},
		{"/tiles/requests/5/1/1.mvt", true},
		{"/tiles/grids/3/1/1.mvt", false},
		{"/tiles/organizations/x/1/1.mvt", false},
		{"/ogc/collections/grids/items", false},
		{"/ogc/collections/organizations/items", true},
		{"/ogc/collections/organizations/items?bbox=113.1,33.7,113.2,33.8", false},
		{"/ogc/collections/organizations/items?bbox=113.1,33.7,0,113.2,33.8,10", false},
		{"/ogc/collections/requests/items?bbox=100,20,120,40", true},
	}
	for _, tt := range tests {
		resp, err := app.Test(httptest.NewRequest("GET", tt.target, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := string(body) == "true"; got != tt.heavy {
			t.Errorf("%s: heavy %v, want %v (%s)", tt.target, got, tt.heavy, body)
		}
	}
}
