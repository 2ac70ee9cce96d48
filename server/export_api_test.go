package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/paulmach/orb"
	"github.com/xuri/excelize/v2"

	"gridgis/grid"
	"gridgis/grid/postgis"
	"gridgis/server"
)

const xlsxMIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// exportAccess: every role that reads may export, within its scope
// (TestExportOrganizationsScope checks what each gets).
var exportAccess = []accessRow{
	{method: "GET", route: "/api/v1/export/organizations.csv", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/export/organizations.xlsx", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/export/organizations.geojson", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/export/organizations.kml", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/export/requests.xlsx", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/export/contacts.xlsx", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/export/visits.xlsx", want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/export/monthly.xlsx", path: "/api/v1/export/monthly.xlsx?month=2025-06",
		want: statuses{unauth, ok, ok, ok, ok, ok}},
}

// shanghai is the time zone the ledgers show times in.
func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// download gets an export as p, checks that it is an attachment of the
// media type with a UTF-8 file name starting with name (and an ASCII
// fallback), validates it against the OpenAPI document, and returns the
// body.
func (fx *fixture) download(t *testing.T, router routers.Router, p persona, target, mime, name string) []byte {
	t.Helper()
	status, h, body := fx.do(t, p, http.MethodGet, target, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s as %s: %d %s", target, p, status, body)
	}
	if ct := h.Get("Content-Type"); ct != mime {
		t.Errorf("GET %s: Content-Type %q, want %q", target, ct, mime)
	}
	cd := h.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="`) || !strings.Contains(cd, "filename*=UTF-8''"+rfc5987(name)) {
		t.Errorf("GET %s: Content-Disposition %q, want an attachment named %s…", target, cd, name)
	}
	if fallback := strings.SplitN(cd, `"`, 3); len(fallback) < 3 || strings.ContainsFunc(fallback[1], func(r rune) bool { return r > 127 }) {
		t.Errorf("GET %s: the fallback file name is not ASCII: %q", target, cd)
	}
	if cc := h.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("GET %s: Cache-Control %q", target, cc)
	}
	// A subtest: the GeoJSON validator it may run skips alone when missing.
	t.Run("OpenAPI", func(t *testing.T) {
		validateAgainst(t, router, apiCheck{p: p, method: http.MethodGet, target: target, binary: true}, status, h, body)
	})
	return body
}

// rfc5987 percent-encodes a file name as the test expects it in
// filename*.
func rfc5987(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// openBook opens an XLSX download as Excel would.
func openBook(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not an XLSX workbook: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// sheetRows is a sheet's rows as displayed (dates formatted).
func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

// rowWith is the first data row (below the title and heads) whose column
// col is v.
func rowWith(rows [][]string, col int, v string) []string {
	for _, r := range rows[min(2, len(rows)):] {
		if col < len(r) && r[col] == v {
			return r
		}
	}
	return nil
}

// column is the values of column col in the data rows.
func column(rows [][]string, col int) []string {
	var out []string
	for _, r := range rows[min(2, len(rows)):] {
		v := ""
		if col < len(r) {
			v = r[col]
		}
		out = append(out, v)
	}
	return out
}

// exportAudit is the newest export audit row.
func (fx *fixture) exportAudit(t *testing.T) (actor string, target string, detail map[string]any) {
	t.Helper()
	var raw []byte
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT coalesce(u.username, ''), a.target, a.detail
FROM audit_log a LEFT JOIN app_user u ON u.id = a.actor_id WHERE a.action = 'export' ORDER BY a.id DESC LIMIT 1`).
		Scan(&actor, &target, &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &detail); err != nil {
		t.Fatal(err)
	}
	return actor, target, detail
}

// orgNamesIn are the names of the active organizations of the grids.
func (fx *fixture) orgNamesIn(t *testing.T, gridIDs ...int64) []string {
	t.Helper()
	rows, err := fx.db.Pool.Query(t.Context(), `SELECT name FROM organization WHERE active AND grid_id = ANY($1) ORDER BY id`, gridIDs)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func exportRouter(t *testing.T, fx *fixture) routers.Router {
	t.Helper()
	router, err := gorillamux.NewRouter(openAPIDoc(t, fx))
	if err != nil {
		t.Fatal(err)
	}
	return router
}

func TestExportOrganizationsCSV(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	// A cell a spreadsheet would run as a formula.
	org := fx.orgs[0]
	if _, err := fx.db.Pool.Exec(t.Context(), `UPDATE organization SET address = '=HYPERLINK("http://x")' WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = fx.db.Pool.Exec(context.Background(), `UPDATE organization SET address = $2 WHERE id = $1`, org.ID, org.Address)
	})

	body := fx.download(t, router, admin, "/api/v1/export/organizations.csv", "text/csv; charset=utf-8", "企业名录_")
	if !bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: % x", body[:min(3, len(body))])
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[0][:4]; !slices.Equal(got, []string{"名称", "统一社会信用代码", "类型", "行业"}) {
		t.Errorf("heads %v", got)
	}
	var row []string
	for _, r := range recs[1:] {
		if r[0] == org.Name {
			row = r
		}
	}
	if row == nil {
		t.Fatalf("no row for %s in\n%s", org.Name, body)
	}
	if row[1] != org.USCC || row[4] != "新材料产业网格" || row[6] != "测试联络员" || row[8] != "113.01" || row[9] != "33.01" {
		t.Errorf("row %q", row)
	}
	if row[7] != `'=HYPERLINK("http://x")` {
		t.Errorf("address %q, want it neutralised with a leading apostrophe", row[7])
	}
	if len(recs)-1 != len(fx.orgNamesIn(t, fx.grids[0].ID, fx.grids[1].ID)) {
		t.Errorf("%d rows, want every organization of the zone", len(recs)-1)
	}

	// A filter, and the audit row.
	target := fmt.Sprintf("/api/v1/export/organizations.csv?grid=%d&kind=enterprise", fx.grids[1].ID)
	body = fx.download(t, router, planner, target, "text/csv; charset=utf-8", "企业名录_")
	recs, err = csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		if r[4] != "新能源产业网格" || r[2] != "企业" {
			t.Errorf("filtered export has row %q", r)
		}
	}
	if len(recs) < 2 {
		t.Errorf("filtered export is empty")
	}
	actor, tgt, detail := fx.exportAudit(t)
	filters, _ := detail["filters"].(map[string]any)
	if actor != username(planner) || tgt != "export:organizations" || detail["format"] != "csv" ||
		detail["rows"] != float64(len(recs)-1) || filters["grid"] != strconv.FormatInt(fx.grids[1].ID, 10) || filters["kind"] != "enterprise" {
		t.Errorf("audit: %s %s %v", actor, tgt, detail)
	}
}

func TestExportOrganizationsScope(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	names := func(p persona) []string {
		t.Helper()
		body := fx.download(t, router, p, "/api/v1/export/organizations.csv", "text/csv; charset=utf-8", "企业名录_")
		recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs[1:] {
			out = append(out, r[0])
		}
		return out
	}
	if got, want := names(officerA), fx.orgNamesIn(t, fx.grids[0].ID); !slices.Equal(got, want) {
		t.Errorf("officer A (G01) exports %v, want %v", got, want)
	}
	if got, want := names(officerB), fx.orgNamesIn(t, fx.grids[1].ID); !slices.Equal(got, want) {
		t.Errorf("officer B (G02) exports %v, want %v", got, want)
	}
	if got, want := names(liaison), []string{fx.orgs[0].Name, fx.orgs[1].Name}; !slices.Equal(got, want) {
		t.Errorf("the liaison exports %v, want their organizations %v", got, want)
	}

	for _, target := range []string{"/api/v1/export/organizations.xlsx", "/api/v1/export/requests.xlsx",
		"/api/v1/export/contacts.xlsx", "/api/v1/export/visits.xlsx", "/api/v1/export/monthly.xlsx?month=2025-06",
		"/api/v1/export/organizations.kml"} {
		if status, _, body := fx.do(t, anonymous, http.MethodGet, target, ""); status != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: %d %s", target, status, body)
		}
	}
	for _, c := range []struct{ target, field string }{
		{"/api/v1/export/organizations.csv?kind=factory", "kind"},
		{"/api/v1/export/organizations.xlsx?grid=abc", "grid"},
		{"/api/v1/export/organizations.geojson?bbox=1,2,3,4", "bbox"},
		{"/api/v1/export/requests.xlsx?status=lost", "status"},
		{"/api/v1/export/requests.xlsx?from=yesterday", "from"},
		{"/api/v1/export/requests.xlsx?month=2025-06&from=2025-01-01", "month"},
		{"/api/v1/export/contacts.xlsx?month=2025-13", "month"},
		{"/api/v1/export/visits.xlsx?to=2025-01-01&from=2025-02-01", "from"},
		{"/api/v1/export/monthly.xlsx", "month"},
		{"/api/v1/export/monthly.xlsx?month=2999-01", "month"},
		{"/api/v1/export/monthly.xlsx?month=June", "month"},
	} {
		status, h, body := fx.do(t, planner, http.MethodGet, c.target, "")
		var pb struct{ Code, Field string }
		_ = json.Unmarshal(body, &pb)
		if status != http.StatusBadRequest || pb.Field != c.field || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Errorf("GET %s: %d %s, want 400 naming %s", c.target, status, body, c.field)
		}
	}
}

func TestExportOrganizationsXLSX(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	body := fx.download(t, router, officerA, "/api/v1/export/organizations.xlsx", xlsxMIME, "企业名录_")
	f := openBook(t, body)
	if got := f.GetSheetList(); !slices.Equal(got, []string{"企业名录"}) {
		t.Fatalf("sheets %v", got)
	}
	rows := sheetRows(t, f, "企业名录")
	if !strings.HasPrefix(rows[0][0], "接口测试区 企业名录（") {
		t.Errorf("title %q", rows[0][0])
	}
	if !slices.Equal(rows[1][:6], []string{"名称", "统一社会信用代码", "类型", "行业", "网格", "归属依据"}) {
		t.Errorf("heads %v", rows[1])
	}
	org := fx.orgs[0]
	r := rowWith(rows, 0, org.Name)
	if r == nil || r[1] != org.USCC || r[4] != "新材料产业网格" || r[6] != "测试联络员" || r[15] != "在册" {
		t.Errorf("row of %s: %q", org.Name, r)
	}
	if got, want := column(rows, 0), fx.orgNamesIn(t, fx.grids[0].ID); !slices.Equal(got, want) {
		t.Errorf("officer A's register lists %v, want G01's %v", got, want)
	}
}

// ogrinfo runs GDAL's ogrinfo on a download; under CI=true a missing
// GDAL fails the test.
func ogrinfo(t *testing.T, name string, body []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ogrinfo (GDAL, Debian gdal-bin) is needed to read exports back: %v", err)
		}
		t.Skipf("ogrinfo not installed: %v", err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, append(args, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestExportOrganizationsGeoJSONAndKML(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	org := fx.orgs[0]
	for _, c := range []struct {
		ext, mime, nameField string
	}{
		{"geojson", "application/geo+json", "name (String) = "},
		{"kml", "application/vnd.google-earth.kml+xml", "Name (String) = "},
	} {
		body := fx.download(t, router, liaison, "/api/v1/export/organizations."+c.ext, c.mime, "企业名录_")
		summary := ogrinfo(t, "orgs."+c.ext, body, "-al", "-so")
		if !strings.Contains(summary, "Feature Count: 2") {
			t.Errorf("%s: the liaison's export should hold their 2 organizations:\n%s", c.ext, summary)
		}
		all := ogrinfo(t, "orgs."+c.ext, body, "-al")
		for _, want := range []string{c.nameField + org.Name, c.nameField + fx.orgs[1].Name, "POINT (113.01 33.01"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s lacks %q:\n%s", c.ext, want, all)
			}
		}
		if strings.Contains(all, fx.orgs[2].Name) {
			t.Errorf("%s holds an organization outside the liaison's scope", c.ext)
		}
	}
	// The GeoJSON names the grid and liaison.
	body := fx.download(t, router, admin, "/api/v1/export/organizations.geojson?q="+url.QueryEscape(org.Name), "application/geo+json", "企业名录_")
	all := ogrinfo(t, "one.geojson", body, "-al")
	for _, want := range []string{"Feature Count: 1", "grid_name (String) = 新材料产业网格", "liaison_name (String) = 测试联络员"} {
		if !strings.Contains(all, want) {
			t.Errorf("GeoJSON lacks %q:\n%s", want, all)
		}
	}
}

func TestExportRequestLedger(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	inG01, inG02 := "导出测试诉求G01", "导出测试诉求G02"
	fx.forgetRequests(t, inG01)
	fx.forgetRequests(t, inG02)
	r1 := fx.newRequest(t, admin, fx.orgs[0].ID, inG01)
	fx.newRequest(t, admin, fx.orgs[4].ID, inG02)
	fx.transition(t, officerA, r1.ID, fmt.Sprintf(`{"action":"assign","version":1,"liaison_id":%d}`, fx.liaisonID), http.StatusOK)
	var reported, assigned time.Time
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT reported_at, assigned_at FROM request WHERE id = $1`, r1.ID).
		Scan(&reported, &assigned); err != nil {
		t.Fatal(err)
	}
	sh := shanghai(t)

	titles := func(p persona, query string) ([][]string, []string) {
		t.Helper()
		body := fx.download(t, router, p, "/api/v1/export/requests.xlsx"+query, xlsxMIME, "诉求台账_")
		f := openBook(t, body)
		if got := f.GetSheetList(); !slices.Equal(got, []string{"诉求台账"}) {
			t.Fatalf("sheets %v", got)
		}
		rows := sheetRows(t, f, "诉求台账")
		return rows, column(rows, 1)
	}
	rows, all := titles(admin, "")
	if !strings.HasPrefix(rows[0][0], "接口测试区 诉求台账") {
		t.Errorf("title %q", rows[0][0])
	}
	wantHeads := []string{"编号", "诉求标题", "诉求企业", "所属网格", "服务领域", "诉求类别", "办理状态", "时限状态", "督办",
		"交办联络员", "联盟单位", "上报时间", "响应时限", "办结时限", "交办时间", "销号时间", "办结时间", "返工次数", "满意度", "诉求内容", "办理结果"}
	if !slices.Equal(rows[1], wantHeads) {
		t.Errorf("heads %v", rows[1])
	}
	r := rowWith(rows, 1, inG01)
	if r == nil {
		t.Fatalf("no row for %s in %v", inG01, all)
	}
	const minute = "2006-01-02 15:04"
	if r[0] != strconv.FormatInt(r1.ID, 10) || r[2] != fx.orgs[0].Name || r[3] != "新材料产业网格" || r[5] != "一般诉求" ||
		r[6] != "已交办" || r[9] != "测试联络员" || r[11] != reported.In(sh).Format(minute) || r[14] != assigned.In(sh).Format(minute) {
		t.Errorf("row %q; reported %s, assigned %s in Shanghai", r, reported.In(sh).Format(minute), assigned.In(sh).Format(minute))
	}
	if !slices.Contains(all, inG02) {
		t.Errorf("the admin's ledger lacks %s", inG02)
	}

	// Scope: officer A and the liaison see the G01 request only.
	for _, p := range []persona{officerA, liaison} {
		if _, got := titles(p, ""); !slices.Contains(got, inG01) || slices.Contains(got, inG02) {
			t.Errorf("%s's ledger: %v", p, got)
		}
	}
	// Filters: status, grid, and a range.
	if _, got := titles(planner, "?status=assigned"); !slices.Contains(got, inG01) || slices.Contains(got, inG02) {
		t.Errorf("status=assigned: %v", got)
	}
	if _, got := titles(planner, fmt.Sprintf("?grid=%d", fx.grids[1].ID)); slices.Contains(got, inG01) || !slices.Contains(got, inG02) {
		t.Errorf("grid=G02: %v", got)
	}
	if _, got := titles(planner, "?from=2020-01-01&to=2021-01-01"); slices.Contains(got, inG01) {
		t.Errorf("a range before the request lists it: %v", got)
	}
	month := reported.In(sh).Format("2006-01")
	if _, got := titles(planner, "?month="+month); !slices.Contains(got, inG01) {
		t.Errorf("month=%s lacks the request: %v", month, got)
	}
	actor, tgt, detail := fx.exportAudit(t)
	if actor != username(planner) || tgt != "export:requests" || detail["format"] != "xlsx" {
		t.Errorf("audit: %s %s %v", actor, tgt, detail)
	}
}

func TestExportContactLedgers(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	sh := shanghai(t)
	now := time.Now().In(sh)
	start := time.Date(now.Year(), now.Month()-3, 1, 0, 0, 0, 0, sh)
	month := start.Format("2006-01")
	visitAt := start.Add(24*time.Hour + 2*time.Hour + 30*time.Minute) // the 2nd, 02:30 in Shanghai
	contactAt := start.Add(48 * time.Hour)
	var ids []int64
	for _, c := range []struct {
		org     int64
		liaison *int64
		kind    string
		at      time.Time
		note    string
	}{
		{fx.orgs[0].ID, &fx.liaisonID, "visit", visitAt, "导出测试走访"},
		{fx.orgs[4].ID, nil, "contact", contactAt, "导出测试联系"},
		// Logged for the liaison on an organization of G01 that is not
		// theirs now (as before a reassignment): still in their ledger.
		{fx.orgs[5].ID, &fx.liaisonID, "contact", contactAt, "导出测试旧包联"},
	} {
		var id int64
		if err := fx.db.Pool.QueryRow(t.Context(), `INSERT INTO contact (org_id, liaison_id, kind, at, note)
VALUES ($1, $2, $3, $4, $5) RETURNING id`, c.org, c.liaison, c.kind, c.at, c.note).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	t.Cleanup(func() {
		_, _ = fx.db.Pool.Exec(context.Background(), `DELETE FROM contact WHERE id = ANY($1)`, ids)
	})

	notes := func(p persona, path, sheetTitle string) ([][]string, []string) {
		t.Helper()
		name := map[string]string{"contacts": "联系走访台账_", "visits": "走访台账_"}[path]
		body := fx.download(t, router, p, "/api/v1/export/"+path+".xlsx?month="+month, xlsxMIME, name+month)
		f := openBook(t, body)
		rows := sheetRows(t, f, "联系走访台账")
		if want := "接口测试区 " + sheetTitle + "（" + month + "）"; rows[0][0] != want {
			t.Errorf("title %q, want %q", rows[0][0], want)
		}
		return rows, column(rows, 5)
	}
	rows, got := notes(admin, "contacts", "联系走访台账")
	if !slices.Equal(rows[1], []string{"时间", "方式", "企业", "所属网格", "联络员", "记录内容", "登记时间"}) {
		t.Errorf("heads %v", rows[1])
	}
	r := rowWith(rows, 5, "导出测试走访")
	if r == nil || r[0] != visitAt.Format("2006-01-02 15:04") || !strings.HasSuffix(r[0], " 02:30") || r[1] != "走访" ||
		r[2] != fx.orgs[0].Name || r[3] != "新材料产业网格" || r[4] != "测试联络员" {
		t.Errorf("visit row %q", r)
	}
	if !slices.Contains(got, "导出测试联系") {
		t.Errorf("the admin's ledger lacks the contact: %v", got)
	}
	if _, got := notes(planner, "visits", "走访台账"); !slices.Contains(got, "导出测试走访") || slices.Contains(got, "导出测试联系") {
		t.Errorf("the visit ledger: %v", got)
	}
	for _, c := range []struct {
		p          persona
		has, lacks string
		grid       string
	}{
		{officerA, "导出测试走访", "导出测试联系", "新材料产业网格"},
		{liaison, "导出测试旧包联", "导出测试联系", "新材料产业网格"},
		{officerB, "导出测试联系", "导出测试走访", "新能源产业网格"},
	} {
		rows, got := notes(c.p, "contacts", "联系走访台账")
		if !slices.Contains(got, c.has) || slices.Contains(got, c.lacks) || c.p == liaison && !slices.Contains(got, "导出测试走访") {
			t.Errorf("%s's ledger: %v", c.p, got)
		}
		for _, g := range column(rows, 3) {
			if g != c.grid {
				t.Errorf("%s's ledger has a row of grid %q", c.p, g)
			}
		}
	}
	actor, tgt, detail := fx.exportAudit(t)
	filters, _ := detail["filters"].(map[string]any)
	if actor != username(officerB) || tgt != "export:contacts" || filters["month"] != month {
		t.Errorf("audit: %s %s %v", actor, tgt, detail)
	}
}

func TestExportMonthlyReport(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	now := time.Now().In(shanghai(t))
	month := now.Format("2006-01")
	sheets := []string{"覆盖指标", "诉求指标(按网格)", "诉求指标(按联络员)", "逾期诉求", "逾期联系走访"}
	report := func(p persona) *excelize.File {
		t.Helper()
		f := openBook(t, fx.download(t, router, p, "/api/v1/export/monthly.xlsx?month="+month, xlsxMIME, "党建网格工作月报_"+month))
		if got := f.GetSheetList(); !slices.Equal(got, sheets) {
			t.Fatalf("sheets %v, want %v", got, sheets)
		}
		title := fmt.Sprintf("接口测试区 %d年%d月 党建网格工作月报", now.Year(), now.Month())
		for _, sh := range sheets {
			rows := sheetRows(t, f, sh)
			if len(rows) < 2 || !strings.HasPrefix(rows[0][0], title) {
				t.Errorf("%s: title %q, want it to begin with %q", sh, rows[0], title)
			}
			panes, err := f.GetPanes(sh)
			if err != nil || !panes.Freeze || panes.YSplit != 2 {
				t.Errorf("%s: panes %+v %v, want the heads frozen", sh, panes, err)
			}
		}
		return f
	}
	f := report(planner)
	cov := sheetRows(t, f, "覆盖指标")
	if got := column(cov, 1); !slices.Equal(got, []string{"新材料产业网格", "新能源产业网格", "园区合计"}) {
		t.Errorf("coverage rows %v", got)
	}
	if cov[1][0] != "网格编码" || cov[1][3] != "党组织覆盖率" {
		t.Errorf("coverage heads %v", cov[1])
	}
	overdue := sheetRows(t, f, "逾期联系走访")
	for _, o := range fx.orgs[:2] {
		r := rowWith(overdue, 0, o.Name)
		if r == nil || r[2] != "新材料产业网格" || r[3] != "测试联络员" {
			t.Errorf("the liaison's organization %s is not listed overdue: %q", o.Name, r)
		}
	}

	f = report(officerB)
	// Coverage is a zone-wide aggregate for every role, as on the map.
	if got := column(sheetRows(t, f, "覆盖指标"), 1); !slices.Equal(got, []string{"新材料产业网格", "新能源产业网格", "园区合计"}) {
		t.Errorf("officer B's coverage rows %v, want the zone's", got)
	}
	if got := column(sheetRows(t, f, "诉求指标(按网格)"), 0); slices.Contains(got, "新材料产业网格") {
		t.Errorf("officer B's KPIs by grid hold another grid: %v", got)
	}
	if got := column(sheetRows(t, f, "逾期联系走访"), 0); len(got) != 0 {
		t.Errorf("officer B's overdue list holds organizations of other grids: %v", got)
	}
	actor, tgt, detail := fx.exportAudit(t)
	if actor != username(officerB) || tgt != "export:monthly" {
		t.Errorf("audit: %s %s %v", actor, tgt, detail)
	}
}

// TestExportMonthlyOneZone: the coverage sheet lists the grids of the
// caller's zone only, as its total (园区合计) counts that zone only; the
// overdue organizations come once each.
func TestExportMonthlyOneZone(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	ctx := t.Context()
	other, err := fx.db.CreateZone(ctx, grid.Zone{Code: "api-test-other", Name: "另一园区",
		Boundary: orb.MultiPolygon{{{{114, 34}, {114.1, 34}, {114.1, 34.1}, {114, 34.1}, {114, 34}}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, sql := range []string{`DELETE FROM grid WHERE zone_id = $1`, `DELETE FROM zone WHERE id = $1`} {
			if _, err := fx.db.Pool.Exec(context.Background(), sql, other.ID); err != nil {
				t.Error(err)
			}
		}
	})
	if _, err := fx.db.CreateGrid(ctx, grid.Grid{ZoneID: other.ID, Code: "X01", Name: "另一园区网格", Industry: "物流",
		Geom: orb.MultiPolygon{{{{114, 34}, {114.1, 34}, {114.1, 34.1}, {114, 34.1}, {114, 34}}}}}); err != nil {
		t.Fatal(err)
	}
	month := time.Now().In(shanghai(t)).Format("2006-01")
	for _, p := range []persona{admin, planner, officerB} {
		f := openBook(t, fx.download(t, router, p, "/api/v1/export/monthly.xlsx?month="+month, xlsxMIME, "党建网格工作月报_"+month))
		if got := column(sheetRows(t, f, "覆盖指标"), 1); !slices.Equal(got, []string{"新材料产业网格", "新能源产业网格", "园区合计"}) {
			t.Errorf("%s: coverage rows %v, want the caller's zone's grids only", p, got)
		}
	}
	// Overdue for a contact and for a visit: each organization once, with
	// a flag set (other tests log contacts, so which flags varies).
	f := openBook(t, fx.download(t, router, planner, "/api/v1/export/monthly.xlsx?month="+month, xlsxMIME, "党建网格工作月报_"+month))
	overdue := sheetRows(t, f, "逾期联系走访")[2:]
	seen := map[string]bool{}
	for _, r := range overdue {
		if seen[r[0]] || len(r) < 8 || r[6] != "是" && r[7] != "是" {
			t.Errorf("overdue row %q: listed twice or without a flag", r)
		}
		seen[r[0]] = true
	}
	for _, o := range fx.orgs[:2] {
		if !seen[o.Name] {
			t.Errorf("%s is not listed overdue", o.Name)
		}
	}
}

// queryEndStore marks the grids' names once an organization query has
// returned, so a register shows the mark only in rows written after the
// query ended.
type queryEndStore struct {
	*postgis.DB
	names grid.Names
}

const queryEnded = "查询已结束"

func (s *queryEndStore) Names(ctx context.Context) (grid.Names, error) {
	var err error
	s.names, err = s.DB.Names(ctx)
	return s.names, err
}

func (s *queryEndStore) EachOrgFeature(ctx context.Context, f grid.OrgFilter, fn grid.FeatureFunc) error {
	return s.ended(s.DB.EachOrgFeature(ctx, f, fn))
}

func (s *queryEndStore) EachOverdueOrgFeature(ctx context.Context, scope grid.Scope, fn grid.FeatureFunc) error {
	return s.ended(s.DB.EachOverdueOrgFeature(ctx, scope, fn))
}

func (s *queryEndStore) ended(err error) error {
	for id := range s.names.Grids {
		s.names.Grids[id] = queryEnded
	}
	return err
}

// TestExportOrganizationsAfterQuery: the register's query, and the
// monthly report's overdue organizations, run to their end (their rows
// spilled) before any row is written, so a slow writer (XLSX) never holds
// the query open against its timeout.
func TestExportOrganizationsAfterQuery(t *testing.T) {
	fx := setup(t)
	srv := server.New(server.Config{WebDir: t.TempDir()}, &queryEndStore{DB: fx.db}, discardLog)
	month := time.Now().In(shanghai(t)).Format("2006-01")
	for _, format := range []string{"csv", "xlsx", "monthly"} {
		target := "/api/v1/export/organizations." + format
		if format == "monthly" {
			target = "/api/v1/export/monthly.xlsx?month=" + month
		}
		req := jsonRequest(http.MethodGet, target, "")
		req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
		status, _, body := send(t, srv, req)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", format, status, body)
		}
		var grids []string
		want := len(fx.orgs)
		if format == "monthly" {
			grids, want = column(sheetRows(t, openBook(t, body), "逾期联系走访"), 2), 2
		} else if format == "csv" {
			recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			grids = column(append([][]string{nil}, recs...), 4) // column skips two rows; a CSV has one head

		} else {
			grids = column(sheetRows(t, openBook(t, body), "企业名录"), 4)
		}
		if len(grids) != want {
			t.Fatalf("%s: %d rows, want %d", format, len(grids), want)
		}
		for i, g := range grids {
			if g != queryEnded {
				t.Errorf("%s: row %d was written while the query ran (grid %q)", format, i+1, g)
				break
			}
		}
	}
}

// The register export is the whole register: an organization still
// waiting for its place on the map (待定位) is a row without coordinates,
// a GeoJSON Feature with a null geometry and a KML Placemark without a
// Point.
func TestExportOrganizationsWithUnlocated(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	const name = "待定位导出测试有限公司"
	var id int64
	if err := fx.db.Pool.QueryRow(t.Context(), `INSERT INTO organization (zone_id, name, uscc, kind, industry, party_org, updated_at)
VALUES ($1, $2, $3, 'enterprise', '物流', 'none', now()) RETURNING id`, fx.zone.ID, name, testUSCC(870001)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = fx.db.Pool.Exec(context.Background(), `DELETE FROM organization WHERE id = $1`, id)
	})

	body := fx.download(t, router, admin, "/api/v1/export/organizations.csv", "text/csv; charset=utf-8", "企业名录_")
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var row []string
	for _, r := range recs[1:] {
		if r[0] == name {
			row = r
		}
	}
	if row == nil || row[8] != "" || row[9] != "" {
		t.Errorf("CSV row of the unlocated organization %q, want it with empty coordinates", row)
	}
	for _, c := range []struct{ ext, mime string }{
		{"geojson", "application/geo+json"}, {"kml", "application/vnd.google-earth.kml+xml"}} {
		body := fx.download(t, router, admin, "/api/v1/export/organizations."+c.ext+"?q="+url.QueryEscape(name), c.mime, "企业名录_")
		all := ogrinfo(t, "unlocated."+c.ext, body, "-al")
		if !strings.Contains(all, "Feature Count: 1") || !strings.Contains(all, name) || strings.Contains(all, "POINT") {
			t.Errorf("%s of the unlocated organization:\n%s", c.ext, all)
		}
	}
}

// TestExportGapOrganizations: a coverage gap's organizations come out as
// the register, the same ones the gap list shows, within the caller's
// scope, under a file name saying which gap.
func TestExportGapOrganizations(t *testing.T) {
	fx := setup(t)
	router := exportRouter(t, fx)
	for _, ind := range []string{"party_org", "standalone_gap", "liaison"} {
		for _, g := range fx.grids[:2] {
			list := getCollection(t, fx, admin, fmt.Sprintf("/api/v1/coverage/gaps?indicator=%s&grid=%d&limit=1000", ind, g.ID))
			var want []string
			for _, f := range list.Features {
				want = append(want, f.Properties["name"].(string))
			}
			target := fmt.Sprintf("/api/v1/export/organizations.csv?gap=%s&grid=%d", ind, g.ID)
			body := fx.download(t, router, admin, target, "text/csv; charset=utf-8", "缺口组织_")
			recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs[1:] {
				got = append(got, r[0])
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s gap of grid %d: export %v, gap list %v", ind, g.ID, got, want)
			}
		}
	}
	// The whole zone's gap as XLSX, titled with the indicator: as many as
	// the zone total's gap, which counts an organization not yet located
	// (the map's gap list cannot show it).
	if _, err := fx.db.Pool.Exec(t.Context(), `INSERT INTO organization (zone_id, name, uscc, kind, industry, party_org, updated_at)
VALUES ($1, '待定位缺口测试有限公司', $2, 'enterprise', '物流', 'none', now())`, fx.zone.ID, testUSCC(870002)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = fx.db.Pool.Exec(context.Background(), `DELETE FROM organization WHERE uscc = $1`, testUSCC(870002))
	})
	status, _, raw := fx.do(t, admin, http.MethodGet, "/api/v1/coverage?indicator=liaison", "")
	var cov struct {
		Zones []struct{ Numerator, Denominator int } `json:"zones"`
	}
	if err := json.Unmarshal(raw, &cov); status != http.StatusOK || err != nil || len(cov.Zones) != 1 {
		t.Fatalf("coverage: %d %v %s", status, err, raw)
	}
	zoneGap := cov.Zones[0].Denominator - cov.Zones[0].Numerator
	book := openBook(t, fx.download(t, router, admin, "/api/v1/export/organizations.xlsx?gap=liaison", xlsxMIME, "缺口组织_联络员包联_"))
	rows := sheetRows(t, book, book.GetSheetName(0))
	if len(rows)-2 != zoneGap || rowWith(rows, 0, "待定位缺口测试有限公司") == nil {
		t.Errorf("XLSX of the liaison gap has %d rows, the zone total's gap is %d (with the unlocated organization)", len(rows)-2, zoneGap)
	}
	if !strings.Contains(rows[0][0], "联络员包联缺口组织") {
		t.Errorf("XLSX title %q does not name the indicator", rows[0][0])
	}
	// One grid's gap names the grid in the file name and the title: a
	// planner exporting several grids can tell the files apart.
	g := fx.grids[0]
	book = openBook(t, fx.download(t, router, admin, fmt.Sprintf("/api/v1/export/organizations.xlsx?gap=liaison&grid=%d", g.ID),
		xlsxMIME, "缺口组织_联络员包联_"+g.Name+"_"))
	if rows := sheetRows(t, book, book.GetSheetName(0)); !strings.Contains(rows[0][0], g.Name+" 联络员包联缺口组织") {
		t.Errorf("XLSX title %q does not name the grid %s", rows[0][0], g.Name)
	}
	// Scope: officer B gets nothing of grid A's gap.
	body := fx.download(t, router, officerB, fmt.Sprintf("/api/v1/export/organizations.csv?gap=party_org&grid=%d", fx.grids[0].ID),
		"text/csv; charset=utf-8", "缺口组织_")
	if recs, _ := csv.NewReader(bytes.NewReader(body[3:])).ReadAll(); len(recs) != 1 {
		t.Errorf("officer B exports %d rows of grid A's gap", len(recs)-1)
	}
	status, _, b := fx.do(t, planner, http.MethodGet, "/api/v1/export/organizations.csv?gap=nothing", "")
	var pb struct{ Field string }
	_ = json.Unmarshal(b, &pb)
	if status != http.StatusBadRequest || pb.Field != "gap" {
		t.Errorf("gap=nothing: %d %s, want 400 naming gap", status, b)
	}
}
