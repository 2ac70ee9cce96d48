package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestImportInBrowser drives 数据导入 in Chromium as an admin: dry runs
// that report a misread header and a bad credit code by row, a column
// mapping set by hand, and 导入 enabled once the file is clean
// (frontend/e2e/import.e2e.mjs).
func TestImportInBrowser(t *testing.T) {
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	url, _ := serveDemo(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/import.e2e.mjs")
	cmd.Dir = "../frontend"
	cmd.Env = append(os.Environ(), "GRIDGIS_URL="+url,
		"E2E_ADMIN_USER=admin", "E2E_ADMIN_PASSWORD="+browserLogins["admin"])
	out, err := cmd.CombinedOutput()
	t.Logf("import.e2e.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
