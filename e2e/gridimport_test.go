package e2e_test

import (
	"testing"
	"time"
)

// TestGridImportInBrowser drives 数据导入 · 网格边界 in Chromium as an
// admin: the zone's own grids preview clean and enable 确认导入; a grid
// drawn twice is refused with the overlap by feature and area
// (frontend/e2e/gridimport.e2e.mjs).
func TestGridImportInBrowser(t *testing.T) {
	url, _ := serveForBrowser(t)
	runBrowserScript(t, url, "gridimport.e2e.mjs", 5*time.Minute, logins("admin")...)
}
