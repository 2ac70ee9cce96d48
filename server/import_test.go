package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"golang.org/x/text/encoding/simplifiedchinese"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/grid/postgis/pgtest"
	"gridgis/server"
)

// importZone is a database of its own (imports add organizations, which
// the shared fixture's counts must not see): a zone of two grids, an
// organization already there, and users of two zones.
type importZone struct {
	db       *postgis.DB
	srv      *server.Server
	small    *server.Server // the same, with a 4 KiB import cap
	oneJob   *server.Server // the same, running one job at a time
	zone     grid.Zone
	grids    []grid.Grid
	existing grid.Org
	sessions map[string]string
}

const smallImportCap = 4 << 10

var (
	// importDBName is the database's name, for TestMain to drop.
	importDBName string
	importOnce   sync.Once
	importZ      *importZone
	importErr    error
)

func setupImport(t *testing.T) *importZone {
	t.Helper()
	importOnce.Do(func() { importZ, importErr = buildImportZone() })
	if importErr != nil {
		t.Fatalf("import fixture: %v", importErr)
	}
	return importZ
}

func buildImportZone() (*importZone, error) {
	ctx := context.Background()
	importDBName = fmt.Sprintf("gridgis_test_import_%d", os.Getpid())
	dsn, err := migratedDatabase(ctx, importDBName)
	if err != nil {
		return nil, err
	}
	db, err := postgis.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	z := &importZone{db: db, sessions: map[string]string{}}
	if z.zone, err = db.CreateZone(ctx, grid.Zone{Code: "import-test", Name: "导入测试区",
		Boundary: orb.MultiPolygon{{{{113, 33}, {113.2, 33}, {113.2, 33.1}, {113, 33.1}, {113, 33}}}}}); err != nil {
		return nil, err
	}
	other, err := db.CreateZone(ctx, grid.Zone{Code: "import-other", Name: "另一园区",
		Boundary: orb.MultiPolygon{{{{114, 33}, {114.1, 33}, {114.1, 33.1}, {114, 33.1}, {114, 33}}}}})
	if err != nil {
		return nil, err
	}
	for _, g := range []grid.Grid{
		{Code: "G01", Name: "新材料产业网格", Industry: "新材料",
			Geom: orb.MultiPolygon{{{{113, 33}, {113.1, 33}, {113.1, 33.1}, {113, 33.1}, {113, 33}}}}},
		{Code: "G02", Name: "新能源产业网格", Industry: "新能源",
			Geom: orb.MultiPolygon{{{{113.1, 33}, {113.2, 33}, {113.2, 33.1}, {113.1, 33.1}, {113.1, 33}}}}},
	} {
		g.ZoneID = z.zone.ID
		if g, err = db.CreateGrid(ctx, g); err != nil {
			return nil, err
		}
		z.grids = append(z.grids, g)
	}
	if z.existing, err = db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: "原有物流有限公司", USCC: testUSCC(800100),
		Kind: grid.KindEnterprise, Industry: "物流", Employees: 10, PartyOrg: grid.PartyNone, Location: orb.Point{113.15, 33.05}}); err != nil {
		return nil, err
	}
	if _, err := db.AssignGrids(ctx, z.zone.ID); err != nil {
		return nil, err
	}
	users := []struct {
		name  string
		zone  int64
		role  grid.Role
		grids []string
	}{
		{"imp-admin", z.zone.ID, grid.RoleAdmin, nil},
		{"imp-officer", z.zone.ID, grid.RoleOfficer, []string{"G01"}},
		{"imp-planner", z.zone.ID, grid.RolePlanner, nil},
		{"imp-admin-other", other.ID, grid.RoleAdmin, nil},
	}
	web, err := os.MkdirTemp("", "gridgis-web")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(web+"/index.html", []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		return nil, err
	}
	z.srv = server.New(server.Config{WebDir: web, EventStreamMax: 200 * time.Millisecond}, db, discardLog)
	z.small = server.New(server.Config{WebDir: web, EventStreamMax: 200 * time.Millisecond, ImportMaxBytes: smallImportCap}, db, discardLog)
	z.oneJob = server.New(server.Config{WebDir: web, EventStreamMax: 200 * time.Millisecond, MaxJobs: 1}, db, discardLog)
	for _, u := range users {
		hash, err := grid.HashPassword("pw-" + u.name + "-Secret-7f3a")
		if err != nil {
			return nil, err
		}
		if _, err := db.CreateUser(ctx, grid.User{ZoneID: u.zone, Username: u.name, Role: u.role}, hash, u.grids); err != nil {
			return nil, err
		}
		body := fmt.Sprintf(`{"username":%q,"password":%q}`, u.name, "pw-"+u.name+"-Secret-7f3a")
		resp, err := z.srv.App().Test(jsonRequest(http.MethodPost, "/api/v1/session", body), -1)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "gridgis_session" {
				z.sessions[u.name] = c.Value
			}
		}
		if z.sessions[u.name] == "" {
			return nil, fmt.Errorf("login %s: status %d", u.name, resp.StatusCode)
		}
	}
	return z, nil
}

// dropImportDatabase drops the import tests' database, if they made one,
// once the package's tests are over.
func dropImportDatabase() {
	if importDBName == "" {
		return
	}
	if importZ != nil {
		importZ.db.Close()
	}
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		base = postgis.DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := postgis.Open(ctx, base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drop the import test database:", err)
		return
	}
	defer db.Close()
	if err := pgtest.Drop(ctx, db.Pool, importDBName); err != nil {
		fmt.Fprintln(os.Stderr, "drop the import test database:", err)
	}
}

// send sends a request as user (a session cookie) to srv.
func (z *importZone) send(t *testing.T, srv *server.Server, user string, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	if sid := z.sessions[user]; sid != "" {
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: sid})
	}
	return send(t, srv, req)
}

// upload posts file as the raw body of an import.
func (z *importZone) upload(t *testing.T, user, contentType string, file []byte, query string) (int, http.Header, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/import/organizations"+query, bytes.NewReader(file))
	req.Header.Set("Content-Type", contentType)
	return z.send(t, z.srv, user, req)
}

// job waits for the jobs the server runs and returns job id as user sees it.
func (z *importZone) job(t *testing.T, user string, id int64) (int, grid.Job) {
	t.Helper()
	z.srv.WaitJobs()
	status, _, body := z.send(t, z.srv, user, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", id), nil))
	var j grid.Job
	if status == http.StatusOK {
		if err := json.Unmarshal(body, &j); err != nil {
			t.Fatalf("job %d: %v: %s", id, err, body)
		}
	}
	return status, j
}

// runImport uploads a file, checks the 202 answer, waits for the job and
// returns it with its report.
func (z *importZone) runImport(t *testing.T, contentType string, file []byte, query string) (grid.Job, grid.ImportReport) {
	t.Helper()
	status, h, body := z.upload(t, "imp-admin", contentType, file, query)
	if status != http.StatusAccepted {
		t.Fatalf("import: status %d: %s", status, body)
	}
	var started grid.Job
	if err := json.Unmarshal(body, &started); err != nil || started.ID == 0 {
		t.Fatalf("import answer %s: %v", body, err)
	}
	if want := fmt.Sprintf("/api/v1/jobs/%d", started.ID); h.Get("Location") != want {
		t.Errorf("Location %q, want %q", h.Get("Location"), want)
	}
	status, j := z.job(t, "imp-admin", started.ID)
	if status != http.StatusOK || j.Status != grid.JobDone {
		t.Fatalf("job %d: status %d, job %+v", started.ID, status, j)
	}
	var rep grid.ImportReport
	if err := json.Unmarshal(j.Result, &rep); err != nil {
		t.Fatalf("job result %s: %v", j.Result, err)
	}
	return j, rep
}

// registerRow is one organization of the test register, at its WGS84 truth.
type registerRow struct {
	name, uscc, industry string
	truth                *orb.Point // nil: no coordinates
	grid                 int        // index of the grid it belongs to; -1 none
	reason               grid.GridReason
}

func pt(lng, lat float64) *orb.Point { return &orb.Point{lng, lat} }

// gbkCSV writes rows as a GBK CSV with GCJ-02 coordinates, as a clerk's
// Excel export with coordinates picked on Amap would be.
func gbkCSV(t *testing.T, rows []registerRow) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("名称,统一社会信用代码,经度,纬度,地址,行业,类型,从业人员,党员人数,党组织情况\r\n")
	for _, r := range rows {
		lng, lat := "", ""
		if r.truth != nil {
			g := geo.WGS84ToGCJ02(*r.truth)
			lng, lat = fmt.Sprintf("%.8f", g[0]), fmt.Sprintf("%.8f", g[1])
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,平顶山市高新区,%s,企业,20,3,单独组建\r\n", r.name, r.uscc, lng, lat, r.industry)
	}
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The clerk's way through: a dry run of a GBK, GCJ-02 register with a bad
// credit code reports the row in Chinese and writes nothing; the fixed
// file inserts and updates, every point within 1 m of its truth and in
// its grid; the same file again changes nothing.
func TestImportOrgsRegister(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	rows := []registerRow{
		{"甲新材料有限公司", testUSCC(800001), "新材料", pt(113.15, 33.05), 0, grid.ReasonIndustry},
		{"乙物流有限公司", testUSCC(800002), "物流", pt(113.03, 33.02), 0, grid.ReasonTerritory},
		{"丙仓储有限公司", testUSCC(800003), "物流", pt(113.17, 33.08), 1, grid.ReasonTerritory},
		{"原有物流有限公司（更名）", z.existing.USCC, "物流", pt(113.04, 33.06), 0, grid.ReasonTerritory},
		{"丁科技有限公司", testUSCC(800004), "新能源", nil, -1, ""}, // no point, no grid
	}
	bad := append([]registerRow(nil), rows...)
	bad[2].uscc = bad[2].uscc[:17] + "0" // a wrong check character
	if bad[2].uscc == rows[2].uscc {
		bad[2].uscc = bad[2].uscc[:17] + "1"
	}
	countOrgs := func() int {
		var n int
		if err := z.db.Pool.QueryRow(ctx, `SELECT count(*) FROM organization WHERE zone_id = $1`, z.zone.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countOrgs()

	// Dry run of the bad file: the report, nothing written.
	_, rep := z.runImport(t, "text/csv", gbkCSV(t, bad), "?crs=gcj02&dry_run=true&encoding=gbk")
	if rep.Written || !rep.DryRun {
		t.Errorf("dry run: written %v, dry_run %v", rep.Written, rep.DryRun)
	}
	var usccProblem *grid.ImportProblem
	for i, p := range rep.Errors {
		if p.Field == "uscc" {
			usccProblem = &rep.Errors[i]
		}
	}
	if usccProblem == nil || usccProblem.Row != 4 || !strings.Contains(usccProblem.Reason, "校验") {
		t.Errorf("dry run errors %+v: want row 4 uscc with a Chinese reason about the check character", rep.Errors)
	}
	if len(rep.Header) != 10 || rep.Header[0] != "名称" || rep.Mapping[1] != "uscc" {
		t.Errorf("header %q, mapping %v", rep.Header, rep.Mapping)
	}
	// The row without coordinates comes in unlocated.
	if len(rep.Unlocated) != 1 || rep.Unlocated[0].Row != 6 {
		t.Errorf("unlocated %+v, want row 6", rep.Unlocated)
	}
	if got := countOrgs(); got != before {
		t.Errorf("dry run wrote: %d organizations, was %d", got, before)
	}

	// A real run of the bad file writes nothing either; its counts, like
	// a dry run's, say what the valid rows would do.
	_, rep = z.runImport(t, "text/csv", gbkCSV(t, bad), "?crs=gcj02")
	if rep.Written || len(rep.Errors) == 0 || rep.Inserted != 3 || rep.Updated != 1 {
		t.Errorf("bad file: %+v; want not written, would insert 3 and update 1", rep)
	}
	if got := countOrgs(); got != before {
		t.Errorf("bad file wrote: %d organizations, was %d", got, before)
	}

	fixed := rows
	j, rep := z.runImport(t, "text/csv", gbkCSV(t, fixed), "?crs=gcj02")
	if !rep.Written || len(rep.Errors) != 0 || rep.Inserted != int64(len(fixed)-1) || rep.Updated != 1 || rep.Unchanged != 0 {
		t.Fatalf("fixed file: %+v", rep)
	}
	if j.Done != j.Total || j.Total != int64(2*len(fixed)) || j.Errors != 0 {
		t.Errorf("job progress done %d of %d, errors %d; want %d of %d", j.Done, j.Total, j.Errors, 2*len(fixed), 2*len(fixed))
	}
	for _, r := range fixed {
		var name string
		var gridID *int64
		var reason *string
		var lng, lat *float64
		if err := z.db.Pool.QueryRow(ctx, `SELECT name, grid_id, grid_reason, ST_X(geom), ST_Y(geom)
FROM organization WHERE zone_id = $1 AND uscc = $2`, z.zone.ID, r.uscc).Scan(&name, &gridID, &reason, &lng, &lat); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if name != r.name {
			t.Errorf("%s: stored as %q", r.name, name)
		}
		switch {
		case r.grid < 0 && gridID != nil:
			t.Errorf("%s: grid %d, want none", r.name, *gridID)
		case r.grid >= 0 && (gridID == nil || *gridID != z.grids[r.grid].ID || reason == nil || *reason != string(r.reason)):
			t.Errorf("%s: grid %v (%v), want %d (%s)", r.name, gridID, reason, z.grids[r.grid].ID, r.reason)
		}
		switch {
		case r.truth == nil && lng != nil:
			t.Errorf("%s: located at %v, %v", r.name, *lng, *lat)
		case r.truth != nil && lng == nil:
			t.Errorf("%s: not located", r.name)
		case r.truth != nil:
			if d := orbgeo.Distance(*r.truth, orb.Point{*lng, *lat}); d > 1 {
				t.Errorf("%s: %.3f m from its true position", r.name, d)
			}
		}
	}
	// New organizations come in with the grids the rule gives them.
	if changed, err := z.db.AssignGrids(ctx, z.zone.ID); err != nil || changed != 0 {
		t.Errorf("the rule changes %d organizations after the import (%v), want none", changed, err)
	}
	var importAudits, updateAudits, insertAudits int
	if err := z.db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'org_import' AND (detail->>'job_id')::bigint = $1),
  count(*) FILTER (WHERE action = 'org_import_update' AND target = $2 AND detail->'before'->>'name' = '原有物流有限公司'),
  count(*) FILTER (WHERE action = 'org_import_insert' AND (detail->>'job_id')::bigint = $1 AND (detail->>'row')::int BETWEEN 2 AND 6)
FROM audit_log`, j.ID, fmt.Sprintf("organization:%d", z.existing.ID)).Scan(&importAudits, &updateAudits, &insertAudits); err != nil {
		t.Fatal(err)
	}
	if importAudits != 1 || updateAudits != 1 || insertAudits != len(fixed)-1 {
		t.Errorf("audit rows: %d for the import, %d for the update, %d for the inserts; want 1, 1 and %d",
			importAudits, updateAudits, insertAudits, len(fixed)-1)
	}

	// The same file again: nothing changes.
	_, rep = z.runImport(t, "text/csv", gbkCSV(t, fixed), "?crs=gcj02")
	if !rep.Written || rep.Inserted != 0 || rep.Updated != 0 || rep.Unchanged != int64(len(fixed)) {
		t.Errorf("re-import: %+v", rep)
	}
}

func hasProblem(ps []grid.ImportProblem, row int, field, reason string) bool {
	for _, p := range ps {
		if p.Row == row && p.Field == field && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

// Columns the guess cannot name are mapped by the clerk: as a query
// parameter, or as a multipart field beside the file.
func TestImportOrgsMapping(t *testing.T) {
	z := setupImport(t)
	file := []byte("甲,乙,丙,丁,戊\n映射测试有限公司," + testUSCC(800200) + ",113.05,33.05,新材料\n")
	_, rep := z.runImport(t, "text/csv", file, "?dry_run=true")
	if !hasProblem(rep.Errors, 0, "mapping", "名称") || rep.Valid != 0 {
		t.Fatalf("unmapped file: %+v", rep)
	}
	mapping := `{"0":"name","1":"uscc","2":"lng","3":"lat","4":"industry"}`
	_, rep = z.runImport(t, "text/csv", file, "?dry_run=true&mapping="+url.QueryEscape(mapping))
	if len(rep.Errors) != 0 || rep.Valid != 1 || rep.Mapping[4] != "industry" {
		t.Errorf("mapped by query: %+v", rep)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("mapping", `["name","uscc","lng","lat","industry"]`); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", "名录.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	j, rep := z.runImport(t, mw.FormDataContentType(), body.Bytes(), "")
	if len(rep.Errors) != 0 || rep.Inserted != 1 || !rep.Written {
		t.Errorf("mapped by multipart field: %+v (job %+v)", rep, j)
	}
}

// Bad requests are refused before any job starts: a wrong CRS, a file
// over the cap (naming it), and anyone but an admin.
func TestImportOrgsRefused(t *testing.T) {
	z := setupImport(t)
	file := []byte("名称,统一社会信用代码\n拒绝测试有限公司," + testUSCC(800300) + "\n")
	problemOf := func(body []byte) (code, field, detail string) {
		var p struct{ Code, Field, Detail string }
		json.Unmarshal(body, &p)
		return p.Code, p.Field, p.Detail
	}
	status, _, body := z.upload(t, "imp-admin", "text/csv", file, "?crs=beijing54")
	if code, field, _ := problemOf(body); status != http.StatusBadRequest || field != "crs" || code != grid.EInvalid {
		t.Errorf("bad crs: %d %s", status, body)
	}
	for _, u := range []string{"imp-officer", "imp-planner"} {
		if status, _, body := z.upload(t, u, "text/csv", file, ""); status != http.StatusForbidden {
			t.Errorf("%s: status %d: %s", u, status, body)
		}
	}
	if status, _, _ := z.upload(t, "", "text/csv", file, ""); status != http.StatusUnauthorized {
		t.Errorf("anonymous: status %d", status)
	}
	big := append(bytes.Repeat([]byte("名称,统一社会信用代码\n"), smallImportCap/20), file...)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/import/organizations", bytes.NewReader(big))
	req.Header.Set("Content-Type", "text/csv")
	status, _, body = z.send(t, z.small, "imp-admin", req)
	if _, _, detail := problemOf(body); status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(detail, "文件大小") || !strings.Contains(detail, fmt.Sprint(smallImportCap)) {
		t.Errorf("over the cap: %d %s", status, body)
	}
	// Other routes keep the app's 8 MiB: TestOnlyTheImportTakesLargeBodies.

	// A zone's admin may name their own zone, by id or code, and no other.
	for _, ref := range []string{"import-other", "no-such-zone"} {
		if status, _, body := z.upload(t, "imp-admin", "text/csv", file, "?dry_run=true&zone="+ref); status != http.StatusBadRequest {
			t.Errorf("zone=%s: status %d: %s", ref, status, body)
		} else if _, field, _ := problemOf(body); field != "zone" {
			t.Errorf("zone=%s: field %q", ref, field)
		}
	}
	for _, ref := range []string{z.zone.Code, strconv.FormatInt(z.zone.ID, 10)} {
		if status, _, body := z.upload(t, "imp-admin", "text/csv", file, "?dry_run=true&zone="+ref); status != http.StatusAccepted {
			t.Errorf("own zone=%s: status %d: %s", ref, status, body)
		}
		z.srv.WaitJobs()
	}
}

// A job is its creator's and their zone's admins': anyone else gets 404.
func TestJobVisibility(t *testing.T) {
	z := setupImport(t)
	file := []byte("名称,统一社会信用代码,经度,纬度,行业\n可见测试有限公司," + testUSCC(800400) + ",113.05,33.05,新材料\n")
	j, _ := z.runImport(t, "text/csv", file, "?dry_run=true")
	if j.CreatedBy == 0 || j.Kind != grid.JobImportOrgs || j.StartedAt == nil || j.FinishedAt == nil {
		t.Errorf("job %+v", j)
	}
	for user, want := range map[string]int{"imp-admin": 200, "imp-officer": 404, "imp-planner": 404, "imp-admin-other": 404, "": 401} {
		if status, _ := z.job(t, user, j.ID); status != want {
			t.Errorf("%q reads job %d: status %d, want %d", user, j.ID, status, want)
		}
	}
	if status, _ := z.job(t, "imp-admin", j.ID+1000); status != http.StatusNotFound {
		t.Errorf("no such job: status %d", status)
	}
}

// dryRunJob is a finished job of the shared fixture's admin: a dry run,
// which writes nothing to the fixture's zone.
func (fx *fixture) dryRunJob(t *testing.T) int64 {
	t.Helper()
	file := "名称,统一社会信用代码,经度,纬度,行业\n文档测试有限公司," + testUSCC(800500) + ",113.05,33.05,新材料\n无坐标有限公司," +
		testUSCC(800501) + ",,,物流\n坏代码有限公司,91410400MA0000000X,113.05,33.05,物流\n"
	status, _, body := fx.do(t, admin, http.MethodPost, "/api/v1/import/organizations?dry_run=true", file, "Content-Type", "text/csv")
	var j grid.Job
	if err := json.Unmarshal(body, &j); status != http.StatusAccepted || err != nil {
		t.Fatalf("dry run: status %d: %s", status, body)
	}
	fx.srv.WaitJobs()
	return j.ID
}

// importAccess: imports are for admins; a job for its creator (the
// fixture's admin) and its zone's admins.
var importAccess = []accessRow{
	{method: "POST", route: "/api/v1/import/organizations", path: "/api/v1/import/organizations?dry_run=true",
		body: `{"type":"FeatureCollection","features":[]}`,
		want: statuses{unauth, http.StatusAccepted, forbidden, forbidden, forbidden, forbidden}},
	{method: "GET", route: "/api/v1/jobs/:id", path: "/api/v1/jobs/{job}",
		want: statuses{unauth, ok, notFound, notFound, notFound, notFound}},
}

// A file wrong in every row still makes a report of bounded size: the
// first grid.ReportedMax problems, and the count of all.
func TestImportReportListsAreCapped(t *testing.T) {
	z := setupImport(t)
	var b strings.Builder
	b.WriteString("名称,统一社会信用代码,行业\n") // the industry column is required: each row leaves it empty
	for i := range grid.ReportedMax + 5 {
		fmt.Fprintf(&b, "有误%d有限公司,91410400MA%07dX,\n", i, i)
	}
	_, rep := z.runImport(t, "text/csv", []byte(b.String()), "?dry_run=true")
	if rep.Invalid != grid.ReportedMax+5 || rep.ErrorCount < rep.Invalid || len(rep.Errors) != grid.ReportedMax || rep.Errors[0].Row != 2 {
		t.Errorf("%d invalid rows, error_count %d, %d listed, the first at row %d", rep.Invalid, rep.ErrorCount, len(rep.Errors), rep.Errors[0].Row)
	}
}

// utf8CSV is a register in UTF-8 from header and rows of cells.
func utf8CSV(header string, rows ...string) []byte {
	return []byte(header + "\r\n" + strings.Join(rows, "\r\n") + "\r\n")
}

// A register updates what it states and nothing else: columns it lacks,
// blank cells and missing coordinates keep what the organization held;
// the dry run counts the changes and the unlocated rows come from the
// organizations as written.
func TestImportOrgsUpdatesOnlyWhatTheRowStates(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	o, err := z.db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: "戊社会服务中心", USCC: testUSCC(800201),
		Kind: grid.KindSocial, Industry: "新材料", Employees: 55, PartyMembers: 7, PartyOrg: grid.PartyJoint,
		HighTech: true, Specialized: true, Address: "原地址 8 号", Location: orb.Point{113.12, 33.02}})
	if err != nil {
		t.Fatal(err)
	}
	type stored struct {
		Name, Kind, Industry, PartyOrg, Address string
		Employees, PartyMembers                 int
		HighTech, Specialized                   bool
		Lng, Lat                                *float64
	}
	load := func() stored {
		var s stored
		if err := z.db.Pool.QueryRow(ctx, `SELECT name, kind, industry, party_org, address, employees, party_members,
  high_tech, specialized, ST_X(geom), ST_Y(geom) FROM organization WHERE id = $1`, o.ID).Scan(&s.Name, &s.Kind,
			&s.Industry, &s.PartyOrg, &s.Address, &s.Employees, &s.PartyMembers, &s.HighTech, &s.Specialized,
			&s.Lng, &s.Lat); err != nil {
			t.Fatal(err)
		}
		return s
	}
	newUSCC := testUSCC(800202)
	file := utf8CSV("名称,统一社会信用代码,行业", "戊社会服务中心（更名）,"+o.USCC+",新能源", "己新能源有限公司,"+newUSCC+",新能源")

	// The dry run says what would change and writes nothing.
	_, rep := z.runImport(t, "text/csv", file, "?dry_run=true")
	if rep.Written || rep.Inserted != 1 || rep.Updated != 1 || rep.Unchanged != 0 {
		t.Errorf("dry run counts: written %v, inserted %d, updated %d, unchanged %d; want 1, 1, 0",
			rep.Written, rep.Inserted, rep.Updated, rep.Unchanged)
	}
	// Only the new one lacks a location: the other keeps its own.
	if rep.UnlocatedCount != 1 || len(rep.Unlocated) != 1 || rep.Unlocated[0].USCC != newUSCC || rep.Unlocated[0].Row != 3 {
		t.Errorf("dry run unlocated %d %+v, want row 3 (%s) only", rep.UnlocatedCount, rep.Unlocated, newUSCC)
	}
	if got := load(); got.Name != o.Name {
		t.Errorf("the dry run renamed the organization to %q", got.Name)
	}
	var n int
	if err := z.db.Pool.QueryRow(ctx, `SELECT count(*) FROM organization WHERE uscc = $1`, newUSCC).Scan(&n); err != nil || n != 0 {
		t.Errorf("the dry run inserted %d (%v)", n, err)
	}

	_, rep = z.runImport(t, "text/csv", file, "")
	if !rep.Written || rep.Inserted != 1 || rep.Updated != 1 || rep.UnlocatedCount != 1 {
		t.Fatalf("import: %+v", rep)
	}
	want := stored{Name: "戊社会服务中心（更名）", Kind: "social", Industry: "新能源", PartyOrg: "joint",
		Address: "原地址 8 号", Employees: 55, PartyMembers: 7, HighTech: true, Specialized: true}
	got := load()
	if got.Lng == nil || *got.Lng != 113.12 || *got.Lat != 33.02 {
		t.Errorf("location %v, %v; want kept at 113.12, 33.02", got.Lng, got.Lat)
	}
	got.Lng, got.Lat = nil, nil
	if got != want {
		t.Errorf("after an import of name, code and industry only:\n got %+v\nwant %+v", got, want)
	}

	// A stated cell changes its attribute; a blank one keeps it.
	file = utf8CSV("名称,统一社会信用代码,行业,地址,从业人员,党员人数,高新技术企业",
		"戊社会服务中心（更名）,"+o.USCC+",新能源,,60,,否")
	if _, rep = z.runImport(t, "text/csv", file, ""); !rep.Written || rep.Updated != 1 {
		t.Fatalf("second import: %+v", rep)
	}
	want.Employees, want.HighTech = 60, false
	got = load()
	got.Lng, got.Lat = nil, nil
	if got != want {
		t.Errorf("after an import with blank address and party members:\n got %+v\nwant %+v", got, want)
	}
}

// A row naming a retired organization is refused with its row: the
// import neither brings it back nor changes its record, and writes none
// of the other rows.
func TestImportOrgsRetiredOrganization(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	o, err := z.db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: "庚迁出有限公司", USCC: testUSCC(800301),
		Kind: grid.KindEnterprise, Industry: "新材料", PartyOrg: grid.PartyNone, Location: orb.Point{113.05, 33.05}})
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := z.db.Pool.QueryRow(ctx, `SELECT version FROM organization WHERE id = $1`, o.ID).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if _, err := z.db.RetireOrg(ctx, grid.Scope{All: true}, grid.Actor{}, o.ID, grid.Retirement{
		Kind: grid.StatusMovedOut, Date: "2026-05-01", Version: version}); err != nil {
		t.Fatal(err)
	}
	other := testUSCC(800302)
	file := utf8CSV("名称,统一社会信用代码,行业", "辛新材料有限公司,"+other+",新材料", "庚迁出有限公司（新名）,"+o.USCC+",新材料")
	for _, query := range []string{"?dry_run=true", ""} {
		_, rep := z.runImport(t, "text/csv", file, query)
		if rep.Written || rep.ErrorCount != 1 || !hasProblem(rep.Errors, 3, "uscc", "2026-05-01 迁出") {
			t.Errorf("import%s: written %v, errors %d %+v; want row 3 refused as moved out on 2026-05-01",
				query, rep.Written, rep.ErrorCount, rep.Errors)
		}
		if rep.Valid != 1 || rep.Invalid != 1 {
			t.Errorf("import%s: valid %d, invalid %d; want 1 and 1", query, rep.Valid, rep.Invalid)
		}
	}
	var name, status string
	var others int
	if err := z.db.Pool.QueryRow(ctx, `SELECT name, status, (SELECT count(*) FROM organization WHERE uscc = $2)
FROM organization WHERE id = $1`, o.ID, other).Scan(&name, &status, &others); err != nil {
		t.Fatal(err)
	}
	if name != o.Name || status != "moved_out" || others != 0 {
		t.Errorf("after the refused import: %q %s, %d other rows written", name, status, others)
	}
}

// The rules between attributes hold on the values a row leaves merged
// with the organization's: a row of staff alone below the stored party
// members is refused with its row and both figures (it broke the
// database's check and failed the job), and a row of party members alone
// within the stored staff goes in.
func TestImportOrgsRulesOnMergedValues(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	o, err := z.db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: "壬制造有限公司", USCC: testUSCC(800401),
		Kind: grid.KindEnterprise, Industry: "新材料", Employees: 80, PartyMembers: 21, PartyOrg: grid.PartyStandalone,
		Location: orb.Point{113.06, 33.04}})
	if err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{"?dry_run=true", ""} {
		_, rep := z.runImport(t, "text/csv", utf8CSV("名称,统一社会信用代码,行业,从业人员", o.Name+","+o.USCC+",新材料,5"), query)
		if rep.Written || !hasProblem(rep.Errors, 2, "party_members", "党员人数（21，文件未填，为系统中原有）不能超过从业人员（5）") {
			t.Errorf("staff below the stored party members%s: written %v, errors %+v", query, rep.Written, rep.Errors)
		}
	}
	newUSCC := testUSCC(800402)
	_, rep := z.runImport(t, "text/csv", utf8CSV("名称,统一社会信用代码,行业,党员人数",
		o.Name+","+o.USCC+",新材料,30", "癸新材料有限公司,"+newUSCC+",新材料,4"), "")
	if rep.Written || len(rep.Errors) != 1 || !hasProblem(rep.Errors, 3, "party_members", "党员人数（4）不能超过从业人员（0，文件未填，按 0 计）") {
		t.Errorf("party members of a new organization without staff: written %v, errors %+v", rep.Written, rep.Errors)
	}
	_, rep = z.runImport(t, "text/csv", utf8CSV("名称,统一社会信用代码,行业,党员人数", o.Name+","+o.USCC+",新材料,30"), "")
	if !rep.Written || rep.Updated != 1 || len(rep.Errors) != 0 {
		t.Errorf("party members within the stored staff: %+v", rep)
	}
	var members int
	if err := z.db.Pool.QueryRow(ctx, `SELECT party_members FROM organization WHERE id = $1`, o.ID).Scan(&members); err != nil || members != 30 {
		t.Errorf("party members %d (%v), want 30", members, err)
	}
}

// A point within centimetres of the stored one is the same place: a
// register re-imported after a GCJ-02 round trip, or from our own export's
// six decimals, changes nothing; a point a metre off moves the
// organization.
func TestImportOrgsSamePlace(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	at := orb.Point{113.071234567, 33.041234567}
	o, err := z.db.CreateOrg(ctx, grid.Org{ZoneID: z.zone.ID, Name: "子物流有限公司", USCC: testUSCC(800501),
		Kind: grid.KindEnterprise, Industry: "物流", PartyOrg: grid.PartyNone, Location: at})
	if err != nil {
		t.Fatal(err)
	}
	row := func(p orb.Point, decimals int) []byte {
		return utf8CSV("名称,统一社会信用代码,行业,经度,纬度", fmt.Sprintf("%s,%s,物流,%.*f,%.*f", o.Name, o.USCC, decimals, p[0], decimals, p[1]))
	}
	gcj := geo.WGS84ToGCJ02(at)
	for name, c := range map[string]struct {
		file  []byte
		query string
	}{
		"six decimals":      {row(at, 6), ""},
		"GCJ-02 round trip": {row(gcj, 8), "?crs=gcj02"},
	} {
		_, rep := z.runImport(t, "text/csv", c.file, c.query)
		if !rep.Written || rep.Updated != 0 || rep.Unchanged != 1 {
			t.Errorf("%s: updated %d, unchanged %d; want unchanged", name, rep.Updated, rep.Unchanged)
		}
	}
	var version int
	if err := z.db.Pool.QueryRow(ctx, `SELECT version FROM organization WHERE id = $1`, o.ID).Scan(&version); err != nil || version != 1 {
		t.Errorf("version %d (%v) after re-imports of the same place, want 1", version, err)
	}
	moved := orb.Point{at[0], at[1] + 1.0/111_000} // about a metre north
	if _, rep := z.runImport(t, "text/csv", row(moved, 8), ""); !rep.Written || rep.Updated != 1 {
		t.Errorf("a metre off: %+v, want updated", rep)
	}
	var lat float64
	if err := z.db.Pool.QueryRow(ctx, `SELECT ST_Y(geom) FROM organization WHERE id = $1`, o.ID).Scan(&lat); err != nil {
		t.Fatal(err)
	}
	if math.Abs(lat-moved[1]) > 1e-7 {
		t.Errorf("latitude %.9f, want %.9f", lat, moved[1])
	}
}

// A row just outside the zone comes in with a warning and the nearest
// grid (属地兜底); the zone's own export, whose organizations may lie
// there, imports back.
func TestImportOrgsJustOutsideTheZone(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	uscc := testUSCC(800701)
	file := utf8CSV("名称,统一社会信用代码,行业,经度,纬度", "丑仓储有限公司,"+uscc+",物流,113.205,33.05") // about 470 m east
	_, rep := z.runImport(t, "text/csv", file, "")
	if !rep.Written || rep.Inserted != 1 || rep.WarningCount != 1 || len(rep.Warnings) != 1 ||
		rep.Warnings[0].Row != 2 || !strings.Contains(rep.Warnings[0].Reason, "边界外约") {
		t.Fatalf("import: %+v", rep)
	}
	var reason string
	var gridID int64
	if err := z.db.Pool.QueryRow(ctx, `SELECT grid_reason, grid_id FROM organization WHERE uscc = $1`, uscc).Scan(&reason, &gridID); err != nil {
		t.Fatal(err)
	}
	if reason != "nearest" || gridID != z.grids[1].ID {
		t.Errorf("grid %d (%s), want %d (nearest)", gridID, reason, z.grids[1].ID)
	}
}
