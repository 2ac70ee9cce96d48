package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis"
)

// ogcCollections are the collections /ogc serves, in order.
var ogcCollections = []string{"grids", "organizations", "liaisons", "requests"}

// plannerToken makes an API token for the demo planner, who sees
// everything, as a desktop GIS user would.
func plannerToken(t *testing.T, db *postgis.DB) string {
	t.Helper()
	ctx := context.Background()
	var plannerID int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM app_user WHERE username = 'planner'`).Scan(&plannerID); err != nil {
		t.Fatal(err)
	}
	token, hash := grid.NewSecret(grid.TokenPrefix)
	if _, err := db.CreateToken(ctx, plannerID, "gdal-ogc", hash, nil); err != nil {
		t.Fatal(err)
	}
	return token
}

// gdal runs a GDAL command with the token in GDAL_HTTP_HEADERS.
func gdal(t *testing.T, token string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_HEADERS=Authorization: Bearer "+token, "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// apiPage fetches every feature of a collection the query selects in one
// page, with the token, and returns numberMatched and their properties.
func apiPage(t *testing.T, base, token, collection, query string) (matched int64, props []map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/ogc/collections/"+collection+"/items?limit=10000"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s items: %d %v: %.300s", collection, resp.StatusCode, err, body)
	}
	var fc struct {
		NumberMatched int64
		Features      []struct{ Properties map[string]any }
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	for _, f := range fc.Features {
		props = append(props, f.Properties)
	}
	if int64(len(props)) != fc.NumberMatched {
		t.Fatalf("%s: %d features on one page, numberMatched %d", collection, len(props), fc.NumberMatched)
	}
	return fc.NumberMatched, props
}

var (
	featureCount = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	// fieldLine is one field of `ogrinfo -so`: "name: Type (width.precision)".
	fieldLine = regexp.MustCompile(`(?m)^([a-z_0-9]+): ([A-Za-z0-9()]+) \(`)
	// pageFetch is a request for a further page, in GDAL's debug output.
	pageFetch = regexp.MustCompile(`HTTP: Fetch\(\S+/items\?\S*cursor=`)
)

// Field types GDAL must report for properties clients rely on.
var wantFieldTypes = map[string]map[string]string{
	"grids": {"code": "String", "name": "String", "officer": "String", "org_count": "Integer"},
	"organizations": {"uscc": "String", "kind": "String", "employees": "Integer", "party_members": "Integer",
		"party_org": "String", "high_tech": "Integer(Boolean)", "specialized": "Integer(Boolean)",
		"grid_id": "Integer", "liaison_id": "Integer", "last_contact_at": "DateTime", "open_requests": "Integer"},
	"liaisons": {"name": "String", "grid_id": "Integer", "load": "Integer", "min": "Integer", "max": "Integer",
		"contact_compliance": "Real"},
	"requests": {"org_id": "Integer", "title": "String", "status": "String", "sla": "String",
		"reported_at": "DateTime", "due_at": "DateTime", "version": "Integer"},
}

// TestGDALReadsOGCAPI connects GDAL's OGC API – Features driver to /ogc
// with an API token: it lists every collection with the API's feature
// count and field types, filters by bbox on the server, and ogr2ogr
// copies organizations completely, following next links page by page.
func TestGDALReadsOGCAPI(t *testing.T) {
	need(t, "GDAL's ogrinfo", "ogrinfo")
	need(t, "GDAL's ogr2ogr", "ogr2ogr")
	base, db := serveDemo(t)
	token := plannerToken(t, db)
	ds := "OAPIF:" + base + "/ogc"

	// Without a token GDAL gets 401 and opens nothing.
	anon := exec.Command("ogrinfo", "-ro", "-q", ds)
	anon.Env = append(os.Environ(), "CPL_DEBUG=OFF")
	if out, err := anon.CombinedOutput(); err == nil {
		t.Errorf("ogrinfo opened /ogc without a token:\n%s", out)
	}

	list := gdal(t, token, "ogrinfo", "-ro", "-q", ds)
	for _, c := range ogcCollections {
		if !regexp.MustCompile(`(?m)^\d+: ` + c + ` \(`).MatchString(list) {
			t.Errorf("ogrinfo does not list collection %s:\n%s", c, list)
		}
	}

	for _, c := range ogcCollections {
		t.Run(c, func(t *testing.T) {
			info := gdal(t, token, "ogrinfo", "-ro", "-so", ds, c)
			t.Logf("ogrinfo -ro -so %s %s:\n%s", ds, c, info)
			matched, props := apiPage(t, base, token, c, "")
			if matched == 0 {
				t.Fatalf("the demo has no %s", c)
			}
			if m := featureCount.FindStringSubmatch(info); m == nil || m[1] != strconv.FormatInt(matched, 10) {
				t.Errorf("GDAL's feature count %v, the API's numberMatched %d", m, matched)
			}
			fields := map[string]string{}
			for _, f := range fieldLine.FindAllStringSubmatch(info, -1) {
				fields[f[1]] = f[2]
			}
			checkFieldTypes(t, fields, props)
			for name, typ := range wantFieldTypes[c] {
				if fields[name] != typ {
					t.Errorf("field %s: GDAL reports %q, want %s", name, fields[name], typ)
				}
			}
		})
	}

	// A spatial filter goes to the server as bbox.
	const west, south, east, north = "113.28", "33.74", "113.31", "33.76"
	spat := gdal(t, token, "ogrinfo", "-ro", "-so", "-spat", west, south, east, north, ds, "organizations")
	matched, _ := apiPage(t, base, token, "organizations", "&bbox="+strings.Join([]string{west, south, east, north}, ","))
	if m := featureCount.FindStringSubmatch(spat); matched == 0 || matched == 404 || m == nil || m[1] != strconv.FormatInt(matched, 10) {
		t.Errorf("with -spat GDAL counts %v organizations, the API %d:\n%s", m, matched, spat)
	}

	// ogr2ogr copies every organization, with GDAL's default page size and
	// with small pages that it must follow through next links.
	for _, pageSize := range []string{"", "50"} {
		gpkg := filepath.Join(t.TempDir(), "organizations.gpkg")
		args := []string{"-f", "GPKG", gpkg, ds, "organizations"}
		if pageSize != "" {
			args = append([]string{"-oo", "PAGE_SIZE=" + pageSize}, args...)
		}
		log := gdal(t, token, "ogr2ogr", append([]string{"--debug", "on"}, args...)...)
		out := gdal(t, "", "ogrinfo", "-ro", "-so", gpkg, "organizations")
		if m := featureCount.FindStringSubmatch(out); m == nil || m[1] != "404" {
			t.Errorf("PAGE_SIZE=%s: the GeoPackage holds %v organizations, want 404:\n%s", pageSize, m, out)
		}
		if n := len(pageFetch.FindAllString(log, -1)); pageSize == "50" && n != 8 {
			t.Errorf("PAGE_SIZE=50: GDAL fetched %d further pages, want 8:\n%s", n, log)
		}
	}
}

// checkFieldTypes checks that GDAL's fields are the API's property names,
// and that each field's type is the one the API's JSON values call for.
func checkFieldTypes(t *testing.T, fields map[string]string, props []map[string]any) {
	t.Helper()
	values := map[string][]any{}
	for _, p := range props {
		for k, v := range p {
			values[k] = append(values[k], v)
		}
	}
	if len(fields) != len(values) {
		t.Errorf("GDAL reports %d fields, the API %d properties", len(fields), len(values))
	}
	for name, vs := range values {
		got, ok := fields[name]
		if !ok {
			t.Errorf("GDAL has no field %s", name)
			continue
		}
		if want := ogrType(vs); want != "" && got != want && !(want == "Integer" && got == "Integer64") {
			t.Errorf("field %s: GDAL reports %s, the API's values call for %s", name, got, want)
		}
	}
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)

// ogrType is the OGR field type for a property's JSON values: booleans
// are Integer(Boolean), whole numbers Integer, other numbers Real,
// RFC 3339 times DateTime, other strings String; "" when all are null.
func ogrType(vs []any) string {
	kinds := map[string]bool{}
	for _, v := range vs {
		switch v := v.(type) {
		case nil:
		case bool:
			kinds["Integer(Boolean)"] = true
		case float64:
			if v == float64(int64(v)) {
				kinds["Integer"] = true
			} else {
				kinds["Real"] = true
			}
		case string:
			if rfc3339.MatchString(v) {
				kinds["DateTime"] = true
			} else {
				kinds["String"] = true
			}
		default:
			kinds[fmt.Sprintf("%T", v)] = true
		}
	}
	if kinds["Integer"] && kinds["Real"] {
		delete(kinds, "Integer")
	}
	switch len(kinds) {
	case 0:
		return ""
	case 1:
		for k := range kinds {
			return k
		}
	}
	return "String"
}
