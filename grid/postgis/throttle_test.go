package postgis_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// Of thirty concurrent attempts on one pair, through two pools, exactly
// the five free ones get a slot; a returned slot can be taken again; a
// success clears the pair and makes its address known to the account.
func TestLoginSlots(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{now: time.Now()}
	one, two := pgtest.Open(t, testDSN), pgtest.Open(t, testDSN)
	one.Now, two.Now = clock.Now, clock.Now

	var mu sync.Mutex
	var slots int
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		db := one
		if i%2 == 1 {
			db = two
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait, err := db.TakeLoginSlot(ctx, "t-slots", "192.0.2.1")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			} else if wait == 0 {
				slots++
			}
		}()
	}
	wg.Wait()
	if slots != grid.PairFreeFailures {
		t.Fatalf("%d of 30 concurrent attempts got a slot, want %d", slots, grid.PairFreeFailures)
	}
	if wait, err := one.TakeLoginSlot(ctx, "t-slots", "192.0.2.1"); err != nil || wait != time.Second {
		t.Errorf("sixth attempt: wait %v (%v), want 1s", wait, err)
	}
	if err := one.ReturnLoginSlot(ctx, "t-slots", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if wait, err := two.TakeLoginSlot(ctx, "t-slots", "192.0.2.1"); err != nil || wait != 0 {
		t.Errorf("after a returned slot: wait %v (%v), want 0", wait, err)
	}
	if err := one.LoginSucceeded(ctx, "t-slots", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	// Fifty failures from strangers: the known address goes on, strangers wait.
	for i := 0; i < grid.AccountFreeFailures; i++ {
		if wait, err := one.TakeLoginSlot(ctx, "t-slots", fmt.Sprintf("10.50.0.%d", i)); err != nil || wait != 0 {
			t.Fatalf("stranger %d: wait %v (%v)", i, wait, err)
		}
	}
	if wait, _ := one.TakeLoginSlot(ctx, "t-slots", "10.50.1.1"); wait != time.Second {
		t.Errorf("stranger past the account's limit waits %v, want 1s", wait)
	}
	if wait, _ := one.TakeLoginSlot(ctx, "t-slots", "192.0.2.1"); wait != 0 {
		t.Errorf("the known address waits %v, want 0", wait)
	}
	// A day without failures forgets them.
	clock.Set(clock.Now().Add(grid.FailureMemory + time.Second))
	if wait, _ := one.TakeLoginSlot(ctx, "t-slots", "10.50.1.1"); wait != 0 {
		t.Errorf("a day later a stranger waits %v", wait)
	}
}
