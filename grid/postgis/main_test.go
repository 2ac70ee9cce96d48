package postgis_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"gridgis/grid/postgis/pgtest"
)

// testDSN is this package's fresh database, made by TestMain.
var testDSN string

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, "postgis", &testDSN)) }

// testClock is a settable clock for the store.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
