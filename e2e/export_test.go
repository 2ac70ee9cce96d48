package e2e_test

import (
	"testing"
	"time"
)

// TestExportInBrowser drives 导出 and 打印地图 in Chromium: the menu
// downloads the register and the monthly report, and the print layout has
// the legend, scale bar and north arrow (frontend/e2e/export.e2e.mjs).
func TestExportInBrowser(t *testing.T) {
	url, _ := serveForBrowser(t)
	runBrowserScript(t, url, "export.e2e.mjs", 5*time.Minute, logins("officer-g01", "planner")...)
}
