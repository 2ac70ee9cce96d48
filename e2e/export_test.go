package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestExportInBrowser drives 导出 and 打印地图 in Chromium: the menu
// downloads the register and the monthly report, and the print layout has
// the legend, scale bar and north arrow (frontend/e2e/export.e2e.mjs).
func TestExportInBrowser(t *testing.T) {
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	url, _ := serveDemo(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/export.e2e.mjs")
	cmd.Dir = "../frontend"
	cmd.Env = append(os.Environ(), "GRIDGIS_URL="+url,
		"E2E_OFFICER_USER=officer-g01", "E2E_OFFICER_PASSWORD="+browserLogins["officer-g01"],
		"E2E_PLANNER_USER=planner", "E2E_PLANNER_PASSWORD="+browserLogins["planner"])
	out, err := cmd.CombinedOutput()
	t.Logf("export.e2e.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
