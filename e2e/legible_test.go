package e2e_test

import (
	"testing"
	"time"
)

// TestLegibleMapInBrowser: MapLibre's labels are Chinese, requests are
// pins apart from the organization circles, the keyboard reaches map
// features through 本视图中的诉求与组织 and opens their panels with a visible
// focus ring, and the statistics table names its worst cells
// (frontend/e2e/legible.e2e.mjs; screenshots in frontend/e2e/out/legible-*).
func TestLegibleMapInBrowser(t *testing.T) {
	url, _ := serveForBrowser(t)
	runBrowserScript(t, url, "legible.e2e.mjs", 4*time.Minute, logins("admin")...)
}
