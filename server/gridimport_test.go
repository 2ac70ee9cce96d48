package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// gridImportAccess: the boundary import is for admins.
var gridImportAccess = []accessRow{
	{method: "POST", route: "/api/v1/import/grids", path: "/api/v1/import/grids?dry_run=true",
		body: `{"type":"FeatureCollection","features":[]}`,
		want: statuses{unauth, http.StatusAccepted, forbidden, forbidden, forbidden, forbidden}},
}

// gridImportZone is a zone of its own in the import tests' database:
// 113.50–113.52 E × 33.00–33.01 N, grids A (电子信息) and B (装备制造) split
// at 113.51, two 物流 organizations placed by territory at 113.505 (A) and
// 113.512 (B), and an admin of the zone.
type gridImportZone struct {
	*importZone
	zone  grid.Zone
	orgs  []grid.Org
	admin string
}

var (
	gridImportOnce sync.Once
	gridImportZ    *gridImportZone
	gridImportErr  error
)

func rect(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func setupGridImport(t *testing.T) *gridImportZone {
	t.Helper()
	z := setupImport(t)
	gridImportOnce.Do(func() {
		ctx := context.Background()
		g := &gridImportZone{importZone: z, admin: "gimp-admin"}
		gridImportZ, gridImportErr = g, func() error {
			var err error
			if g.zone, err = z.db.CreateZone(ctx, grid.Zone{Code: "grid-import", Name: "边界导入区", Boundary: rect(113.5, 33, 113.52, 33.01)}); err != nil {
				return err
			}
			for _, gr := range []grid.Grid{
				{Code: "A", Name: "甲网格", Industry: "电子信息", Geom: rect(113.5, 33, 113.51, 33.01)},
				{Code: "B", Name: "乙网格", Industry: "装备制造", Geom: rect(113.51, 33, 113.52, 33.01)},
			} {
				gr.ZoneID = g.zone.ID
				if _, err := z.db.CreateGrid(ctx, gr); err != nil {
					return err
				}
			}
			for i, x := range []float64{113.505, 113.512} {
				o, err := z.db.CreateOrg(ctx, grid.Org{ZoneID: g.zone.ID, Name: fmt.Sprintf("边界物流%d有限公司", i),
					USCC: testUSCC(810000 + i), Kind: grid.KindEnterprise, Industry: "物流", PartyOrg: grid.PartyNone,
					Location: orb.Point{x, 33.005}})
				if err != nil {
					return err
				}
				g.orgs = append(g.orgs, o)
			}
			if _, err := z.db.AssignGrids(ctx, g.zone.ID); err != nil {
				return err
			}
			pw := "pw-gimp-admin-Secret-7f3a"
			hash, err := grid.HashPassword(pw)
			if err != nil {
				return err
			}
			if _, err := z.db.CreateUser(ctx, grid.User{ZoneID: g.zone.ID, Username: g.admin, Role: grid.RoleAdmin}, hash, nil); err != nil {
				return err
			}
			resp, err := z.srv.App().Test(jsonRequest(http.MethodPost, "/api/v1/session",
				fmt.Sprintf(`{"username":%q,"password":%q}`, g.admin, pw)), -1)
			if err != nil {
				return err
			}
			resp.Body.Close()
			for _, c := range resp.Cookies() {
				if c.Name == "gridgis_session" {
					z.sessions[g.admin] = c.Value
				}
			}
			if z.sessions[g.admin] == "" {
				return fmt.Errorf("login: status %d", resp.StatusCode)
			}
			return nil
		}()
	})
	if gridImportErr != nil {
		t.Fatalf("grid import fixture: %v", gridImportErr)
	}
	return gridImportZ
}

// runGrids posts req as the zone's admin and returns the finished job's report.
func (g *gridImportZone) runGrids(t *testing.T, req *http.Request) grid.GridImportReport {
	t.Helper()
	status, h, body := g.send(t, g.srv, g.admin, req)
	if status != http.StatusAccepted {
		t.Fatalf("import grids: status %d: %s", status, body)
	}
	var started grid.Job
	if err := json.Unmarshal(body, &started); err != nil || started.Kind != grid.JobImportGrids {
		t.Fatalf("answer %s: %v", body, err)
	}
	if want := fmt.Sprintf("/api/v1/jobs/%d", started.ID); h.Get("Location") != want {
		t.Errorf("Location %q", h.Get("Location"))
	}
	status, j := g.job(t, g.admin, started.ID)
	if status != http.StatusOK || j.Status != grid.JobDone {
		t.Fatalf("job: status %d, %+v", status, j)
	}
	var rep grid.GridImportReport
	if err := json.Unmarshal(j.Result, &rep); err != nil {
		t.Fatalf("result %s: %v", j.Result, err)
	}
	return rep
}

// gridCodes is each organization's grid code in the zone.
func (g *gridImportZone) gridCodes(t *testing.T) map[string]string {
	t.Helper()
	rows, err := g.db.Pool.Query(context.Background(), `
SELECT o.name, coalesce(gr.code, '') FROM organization o LEFT JOIN grid gr ON gr.id = o.grid_id WHERE o.zone_id = $1`, g.zone.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, c string
		rows.Scan(&n, &c)
		out[n] = c
	}
	return out
}

// gbkShapefileZip converts GeoJSON to a zipped Shapefile with a GBK DBF
// and no .cpg, as Chinese desktop GIS sends it.
func gbkShapefileZip(t *testing.T, geojson string) []byte {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ogr2ogr is required under CI (Debian gdal-bin): %v", err)
		}
		t.Skipf("ogr2ogr not installed: %v", err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.geojson")
	if err := os.WriteFile(in, []byte(geojson), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "shp")
	if b, err := exec.Command("ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", out, in).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, b)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".cpg") {
			continue
		}
		data, _ := os.ReadFile(filepath.Join(out, e.Name()))
		w, _ := zw.Create("网格边界/" + strings.Replace(e.Name(), "in.", "网格.", 1))
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

func gridsGeoJSON(a, b orb.MultiPolygon) string {
	ring := func(mp orb.MultiPolygon) string {
		var pts []string
		for _, p := range mp[0][0] {
			pts = append(pts, fmt.Sprintf("[%g,%g]", p[0], p[1]))
		}
		return "[[" + strings.Join(pts, ",") + "]]"
	}
	return `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","properties":{"网格编码":"A","网格名称":"甲网格","主导产业":"电子信息"},"geometry":{"type":"Polygon","coordinates":` + ring(a) + `}},` +
		`{"type":"Feature","properties":{"网格编码":"B","网格名称":"乙网格","主导产业":"装备制造"},"geometry":{"type":"Polygon","coordinates":` + ring(b) + `}}]}`
}

func multipartFile(t *testing.T, target, filename string, data []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// A clerk uploads the zone's new boundaries as a zipped Shapefile from
// desktop GIS (GBK DBF, no .cpg): the preview names the organization that
// changes grid and writes nothing; the import moves it.
func TestImportGridsShapefilePreviewThenImport(t *testing.T) {
	g := setupGridImport(t)
	file := gbkShapefileZip(t, gridsGeoJSON(rect(113.5, 33, 113.515, 33.01), rect(113.515, 33, 113.52, 33.01)))
	before := g.gridCodes(t)

	rep := g.runGrids(t, multipartFile(t, "/api/v1/import/grids?dry_run=true", "网格边界.zip", file))
	if rep.Written || !rep.DryRun || rep.Format != "shapefile" || rep.Features != 2 || len(rep.Problems) != 0 {
		t.Fatalf("preview %+v", rep)
	}
	if len(rep.Moves) != 1 || rep.Moves[0].Name != g.orgs[1].Name || rep.Moves[0].FromGrid != "B" || rep.Moves[0].ToGrid != "A" {
		t.Errorf("moves %+v, want %s B → A", rep.Moves, g.orgs[1].Name)
	}
	if got := g.gridCodes(t); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("the preview moved organizations: %v", got)
	}

	// 确认导入 carries the preview's key: another file with it is refused.
	key := rep.PreviewKey
	other := gbkShapefileZip(t, gridsGeoJSON(rect(113.5, 33, 113.51, 33.01), rect(113.51, 33, 113.52, 33.01)))
	refused := g.runGrids(t, multipartFile(t, "/api/v1/import/grids?preview="+key, "网格边界.zip", other))
	if refused.Written || len(refused.Problems) != 1 || refused.Problems[0].Field != "preview" {
		t.Fatalf("another file with the preview's key: %+v", refused)
	}
	rep = g.runGrids(t, multipartFile(t, "/api/v1/import/grids?preview="+key, "网格边界.zip", file))
	if !rep.Written || rep.Moved != 1 || rep.Updated != 2 {
		t.Fatalf("import %+v", rep)
	}
	if got := g.gridCodes(t)[g.orgs[1].Name]; got != "A" {
		t.Errorf("%s in grid %q, want A", g.orgs[1].Name, got)
	}
	var name string
	g.db.Pool.QueryRow(context.Background(), `SELECT name FROM grid WHERE zone_id = $1 AND code = 'A'`, g.zone.ID).Scan(&name)
	if name != "甲网格" {
		t.Errorf("grid A's name %q: the GBK DBF was misread", name)
	}
}

// Overlapping grids in a raw GeoJSON body are refused with the features
// and the area; nothing is written.
func TestImportGridsRefusesOverlap(t *testing.T) {
	g := setupGridImport(t)
	before := g.gridCodes(t)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/import/grids",
		strings.NewReader(gridsGeoJSON(rect(113.5, 33, 113.516, 33.01), rect(113.514, 33, 113.52, 33.01))))
	req.Header.Set("Content-Type", "application/geo+json")
	rep := g.runGrids(t, req)
	if rep.Written || rep.ProblemCount != 1 || rep.Problems[0].Feature != 1 || rep.Problems[0].Other != 2 || rep.Problems[0].AreaM2 < 1000 {
		t.Fatalf("report %+v, want features 1 and 2 overlapping", rep)
	}
	if !strings.Contains(rep.Problems[0].Reason, "重叠") {
		t.Errorf("reason %q", rep.Problems[0].Reason)
	}
	if got := g.gridCodes(t); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("a refused file moved organizations: %v", got)
	}
}

// A body over the import cap is refused 413 naming the cap; a file over
// the vertex cap comes back with the cap named, nothing written.
func TestImportGridsCaps(t *testing.T) {
	g := setupGridImport(t)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/import/grids", bytes.NewReader(make([]byte, smallImportCap+1)))
	req.Header.Set("Content-Type", "application/geo+json")
	status, _, body := g.send(t, g.small, g.admin, req)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "cap bytes") {
		t.Errorf("status %d: %s, want 413 naming the cap", status, body)
	}
	var pts []string
	for i := range 100_001 {
		pts = append(pts, fmt.Sprintf("[%g,33]", 113.5+float64(i)*1e-7))
	}
	pts = append(pts, "[113.51,33.01]", "[113.5,33]")
	file := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A","industry":"x"},` +
		`"geometry":{"type":"Polygon","coordinates":[[` + strings.Join(pts, ",") + `]]}}]}`
	req = httptest.NewRequest(http.MethodPost, "/api/v1/import/grids?dry_run=true", strings.NewReader(file))
	rep := g.runGrids(t, req)
	if rep.ProblemCount != 1 || rep.Problems[0].Feature != 1 || !strings.Contains(rep.Problems[0].Reason, "feature_vertices") {
		t.Errorf("report %+v, want feature 1 over the vertex cap", rep.Problems)
	}
}

// The boundary import takes the import cap, not the app's 8 MiB: a 9 MiB
// body over a real connection (app.Test does not apply fasthttp's cap).
func TestImportGridsTakesLargeBodies(t *testing.T) {
	g := setupGridImport(t)
	g.srv.App().Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go g.srv.App().Server().Serve(ln)
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/api/v1/import/grids?dry_run=true",
		bytes.NewReader(bytes.Repeat([]byte(" "), 9<<20)))
	req.Header.Set("Content-Type", "application/geo+json")
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: g.sessions[g.admin]})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	g.srv.WaitJobs()
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("9 MiB boundary file: status %d, want 202", res.StatusCode)
	}
}

// TestImportGridsWithoutNamesKeepsThem: the zone's own grids sent back
// with only code and industry (a Shapefile whose other fields were
// dropped) are unchanged, not renamed to their codes (review 2, finding 4).
func TestImportGridsWithoutNamesKeepsThem(t *testing.T) {
	g := setupGridImport(t)
	var body string
	if err := g.db.Pool.QueryRow(context.Background(), `
SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object('type', 'Feature',
  'properties', json_build_object('code', code, 'industry', industry), 'geometry', ST_AsGeoJSON(geom)::json) ORDER BY code))
FROM grid WHERE zone_id = $1`, g.zone.ID).Scan(&body); err != nil {
		t.Fatal(err)
	}
	rep := g.runGrids(t, multipartFile(t, "/api/v1/import/grids?dry_run=true", "网格.geojson", []byte(body)))
	if len(rep.Problems) != 0 || rep.Features != 2 || rep.Unchanged != 2 || rep.Updated != 0 {
		t.Errorf("preview %+v, want both grids unchanged", rep)
	}
}

// TestOrgEditRefusedWhileGridImportRuns: while a boundary import's real
// run holds the zone (postgis's orgWriteLockKey, 7013, exclusively), an
// organization's PATCH is a 409 naming the import, not a write the rule
// then overwrites (review 2, finding 2).
func TestOrgEditRefusedWhileGridImportRuns(t *testing.T) {
	g := setupGridImport(t)
	ctx := context.Background()
	tx, err := g.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7013, $1::int)`, g.zone.ID); err != nil {
		t.Fatal(err)
	}
	var version int
	g.db.Pool.QueryRow(ctx, `SELECT version FROM organization WHERE id = $1`, g.orgs[0].ID).Scan(&version)
	status, h, body := g.send(t, g.srv, g.admin, jsonRequest(http.MethodPatch, fmt.Sprintf("/api/v1/organizations/%d", g.orgs[0].ID),
		fmt.Sprintf(`{"version":%d,"address":"导入期间的修改"}`, version)))
	var p struct{ Code, Detail string }
	json.Unmarshal(body, &p)
	if status != http.StatusConflict || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") ||
		p.Code != "conflict" || !strings.Contains(p.Detail, "正在导入网格") {
		t.Errorf("PATCH during a grid import: %d %s, want 409 conflict naming the import", status, body)
	}
}

// ?zone_boundary=from_grids previews the zone made the union of the
// file's grids (here 113.50–113.516, where the zone reaches 113.52: a gap
// without it), with the organization left outside; another value is a
// 400 naming the parameter. Nothing is written (dry run).
func TestImportGridsZoneBoundaryFromGrids(t *testing.T) {
	g := setupGridImport(t)
	file := gridsGeoJSON(rect(113.5, 33, 113.51, 33.01), rect(113.51, 33, 113.511, 33.01))
	post := func(query string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/import/grids?dry_run=true"+query, strings.NewReader(file))
		req.Header.Set("Content-Type", "application/geo+json")
		return req
	}
	if rep := g.runGrids(t, post("")); rep.ProblemCount == 0 || !strings.Contains(rep.Problems[0].Reason, "空隙") {
		t.Errorf("without zone_boundary: %+v, want a gap", rep.Problems)
	}
	rep := g.runGrids(t, post("&zone_boundary=from_grids"))
	if rep.ProblemCount != 0 || rep.Zone == nil || rep.Zone.AreaToM2 >= rep.Zone.AreaFromM2 || rep.Zone.OrgsOutside != 1 ||
		!slices.Equal(rep.Zone.OrgsOutsideNames, []string{"边界物流1有限公司"}) {
		t.Errorf("with zone_boundary=from_grids: %+v, zone %+v", rep.Problems, rep.Zone)
	}
	status, _, body := g.send(t, g.srv, g.admin, post("&zone_boundary=grids"))
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"field":"zone_boundary"`) {
		t.Errorf("zone_boundary=grids: %d %s", status, body)
	}
}
