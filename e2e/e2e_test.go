package e2e_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

var testDSN string

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, "e2e", &testDSN)) }

// need fails under CI=true, and skips elsewhere, when a tool the test
// drives is missing.
func need(t *testing.T, what, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if _, err := exec.LookPath(path); err == nil {
		return
	}
	msg := what + " not found at " + path + " (run `make test`, which installs and builds it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

var (
	loadOnce sync.Once
	loadErr  error
)

// loadDemo loads the demo zone with real argon2id hashes only for the
// users the browser signs in as; the other ~40 get one that matches no
// password.
func loadDemo(ctx context.Context, db *postgis.DB) error {
	ds := demo.Generate(demo.Options{Now: time.Now(), Scale: 1})
	// One hash for every liaison: the test picks one once the data is in.
	liaisonHash, err := grid.HashPassword(liaisonPassword)
	if err != nil {
		return err
	}
	return db.LoadDataset(ctx, ds.Dataset, func(username string) (string, error) {
		if pw, ok := browserLogins[username]; ok {
			return grid.HashPassword(pw)
		}
		if strings.HasPrefix(username, "liaison-") {
			return liaisonHash, nil
		}
		return "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", nil
	})
}

// liaisonPassword is the password of every demo liaison in this package's
// database.
const liaisonPassword = "e2e-liaison-Passw0rd"

// overdueLiaison names a demo liaison with an organization not visited in
// the last 30 days, for the browser test to log the visit that clears it.
func overdueLiaison(t *testing.T, db *postgis.DB) string {
	t.Helper()
	var name string
	err := db.Pool.QueryRow(context.Background(), `
SELECT u.username FROM app_user u
JOIN assignment a ON a.liaison_id = u.liaison_id AND a.valid_to IS NULL
JOIN organization o ON o.id = a.org_id AND o.active
WHERE u.role = 'liaison' AND NOT u.disabled AND NOT EXISTS (
  SELECT 1 FROM contact c WHERE c.org_id = a.org_id AND c.kind = 'visit' AND c.at > now() - interval '30 days')
ORDER BY u.id LIMIT 1`).Scan(&name)
	if err != nil {
		t.Fatalf("no demo liaison has an organization overdue for a visit: %v", err)
	}
	return name
}

// browserLogins are the demo users the browser test signs in as, with the
// passwords loadDemo gives them.
var browserLogins = map[string]string{"admin": "e2e-admin-Passw0rd", "officer-g01": "e2e-officer-Passw0rd",
	"planner": "e2e-planner-Passw0rd"}

// tilesServed counts the basemap tiles the browser loaded.
var tilesServed atomic.Int64

// tileServer serves a raster basemap on another origin (another loopback
// port), so that the browser test loads tiles under the CSP as a real
// basemap would: every tile is one light PNG.
func tileServer(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0xe8, 0xee, 0xe4, 0xff}}, image.Point{}, draw.Src)
	var tile bytes.Buffer
	if err := png.Encode(&tile, img); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tilesServed.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "*") // MapLibre fetches tiles with CORS
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(tile.Bytes())
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// serveDemo loads the demo zone into this package's database and serves it
// with the built map app on a free loopback port.
func serveDemo(t *testing.T) (string, *postgis.DB) {
	t.Helper()
	db := pgtest.Open(t, testDSN)
	loadOnce.Do(func() { loadErr = loadDemo(context.Background(), db) })
	if loadErr != nil {
		t.Fatalf("load demo: %v", loadErr)
	}
	web, _ := filepath.Abs("../frontend/dist")
	srv := server.New(server.Config{WebDir: web, Basemap: tileServer(t) + "/{z}/{x}/{y}.png"}, db,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Run feeds the live event stream from the database, as `gridgis serve` does.
	ctx, stop := context.WithCancel(context.Background())
	srv.Run(ctx)
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() {
		stop()
		_ = srv.App().ShutdownWithTimeout(5 * time.Second)
	})
	return "http://" + ln.Addr().String(), db
}

// TestMapInBrowser opens the map app in Chromium and checks that the six
// grids and the organizations are drawn, with Chinese labels, no failed
// request and no console error (frontend/e2e/map.e2e.mjs).
func TestMapInBrowser(t *testing.T) {
	url, db := serveForBrowser(t)
	liaison := overdueLiaison(t, db)

	// The bound stops a hung browser. The journeys take 3–5 minutes on two
	// busy CPUs (software WebGL), so it leaves room under go test's 10.
	runBrowserScript(t, url, "map.e2e.mjs", 8*time.Minute,
		append(logins("admin", "officer-g01", "planner"), liaisonLogin(liaison)...)...)
	if tilesServed.Load() == 0 {
		t.Error("the map loaded no basemap tile")
	}
}

// TestGDALReadsWithToken reads the organizations layer with GDAL's ogrinfo,
// authenticated by an API token sent through GDAL_HTTP_HEADERS, as a
// desktop GIS would.
func TestGDALReadsWithToken(t *testing.T) {
	need(t, "GDAL's ogrinfo", "ogrinfo")
	url, db := serveDemo(t)
	ctx := context.Background()
	var plannerID int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM app_user WHERE username = 'planner'`).Scan(&plannerID); err != nil {
		t.Fatal(err)
	}
	token, hash := grid.NewSecret(grid.TokenPrefix)
	if _, err := db.CreateToken(ctx, plannerID, "gdal", hash, nil); err != nil {
		t.Fatal(err)
	}
	ogrinfo := func(headers string) (string, error) {
		cmd := exec.CommandContext(ctx, "ogrinfo", "-ro", "-so", "-al", url+"/api/v1/organizations?limit=10000")
		cmd.Env = append(os.Environ(), "GDAL_HTTP_HEADERS="+headers, "CPL_DEBUG=OFF")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := ogrinfo("Authorization: Bearer " + token)
	if err != nil || !strings.Contains(out, "Feature Count: 404") {
		t.Fatalf("ogrinfo with a token: %v\n%s", err, out)
	}
	for _, field := range []string{"uscc: String", "party_members: Integer", "grid_id: Integer"} {
		if !strings.Contains(out, field) {
			t.Errorf("ogrinfo does not list field %q:\n%s", field, out)
		}
	}
	if out, err := ogrinfo("Authorization: Bearer " + grid.TokenPrefix + strings.Repeat("A", 43)); err == nil && strings.Contains(out, "Feature Count") {
		t.Errorf("ogrinfo read the layer with a made-up token:\n%s", out)
	}
}
