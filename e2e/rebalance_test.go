package e2e_test

import (
	"context"
	"testing"
	"time"
)

// TestRebalanceTradeoffsInBrowser has the admin preview a default plan at
// desktop and phone sizes and read in the confirmation that every social
// organization covered now stays covered, with the travel against its
// bound; the admin and the planner ask how many liaisons full coverage
// needs (frontend/e2e/rebalance.e2e.mjs). The admin cancels: nothing is
// applied.
func TestRebalanceTradeoffsInBrowser(t *testing.T) {
	url, db := serveForBrowser(t)
	var before int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM rebalance_plan WHERE status = 'applied'`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	runBrowserScript(t, url, "rebalance.e2e.mjs", 5*time.Minute, logins("admin", "planner")...)
	var after int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM rebalance_plan WHERE status = 'applied'`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("%d plans applied by a test that only previews", after-before)
	}
}
