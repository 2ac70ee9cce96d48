package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestGridImportInBrowser drives 数据导入 · 网格边界 in Chromium as an
// admin: the zone's own grids preview clean and enable 确认导入; a grid
// drawn twice is refused with the overlap by feature and area
// (frontend/e2e/gridimport.e2e.mjs).
func TestGridImportInBrowser(t *testing.T) {
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	url, _ := serveDemo(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/gridimport.e2e.mjs")
	cmd.Dir = "../frontend"
	cmd.Env = append(os.Environ(), "GRIDGIS_URL="+url,
		"E2E_ADMIN_USER=admin", "E2E_ADMIN_PASSWORD="+browserLogins["admin"])
	out, err := cmd.CombinedOutput()
	t.Logf("gridimport.e2e.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
