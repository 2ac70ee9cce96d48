package e2e_test

import (
	"testing"
	"time"
)

// TestFirstLoadInBrowser checks that the login view fetches no map code
// and that the app's files are compressed and cached, then prints how long
// a phone (4× slower CPU, 4G-like link) takes from a cold load to a usable
// map (frontend/e2e/firstload.e2e.mjs). The figures are printed, not
// asserted: see the lines starting "FIGURE" in the log (go test -v).
func TestFirstLoadInBrowser(t *testing.T) {
	url, _ := serveForBrowser(t)
	runBrowserScript(t, url, "firstload.e2e.mjs", 6*time.Minute, logins("officer-g01")...)
}
