package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"gridgis/grid/postgis"
)

// serveForBrowser checks for what the browser scripts need (node,
// Chromium, the built map app, playwright-core), then serves the demo.
func serveForBrowser(t *testing.T) (string, *postgis.DB) {
	t.Helper()
	need(t, "node", "node")
	need(t, "Chromium", "/usr/bin/chromium")
	need(t, "the built map app", "../frontend/dist/index.html")
	need(t, "playwright-core", "../frontend/node_modules/playwright-core")
	return serveDemo(t)
}

// loginRoles names the E2E_<ROLE>_USER and E2E_<ROLE>_PASSWORD variables
// the scripts read for each demo user they sign in as.
var loginRoles = map[string]string{"admin": "ADMIN", "officer-g01": "OFFICER", "planner": "PLANNER"}

// logins is the environment that gives a script these demo users with the
// passwords loadDemo set.
func logins(users ...string) []string {
	var env []string
	for _, u := range users {
		role, ok := loginRoles[u]
		if !ok {
			panic("no E2E_<ROLE> variables for user " + u)
		}
		env = append(env, "E2E_"+role+"_USER="+u, "E2E_"+role+"_PASSWORD="+browserLogins[u])
	}
	return env
}

// liaisonLogin is the environment that signs a script in as this demo
// liaison.
func liaisonLogin(user string) []string {
	return []string{"E2E_LIAISON_USER=" + user, "E2E_LIAISON_PASSWORD=" + liaisonPassword}
}

// runBrowserScript runs frontend/e2e/<script> against the server at url
// with env added, logs what it printed, and fails the test when it fails.
// The timeout stops a hung browser.
func runBrowserScript(t *testing.T, url, script string, timeout time.Duration, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/"+script)
	cmd.Dir = "../frontend"
	cmd.Env = append(append(os.Environ(), "GRIDGIS_URL="+url), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
