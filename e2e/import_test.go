package e2e_test

import (
	"testing"
	"time"
)

// TestImportInBrowser drives 数据导入 in Chromium as an admin: dry runs
// that report a misread header and a bad credit code by row, a column
// mapping set by hand, and 导入 enabled once the file is clean
// (frontend/e2e/import.e2e.mjs).
func TestImportInBrowser(t *testing.T) {
	url, _ := serveForBrowser(t)
	runBrowserScript(t, url, "import.e2e.mjs", 5*time.Minute, logins("admin")...)
}
