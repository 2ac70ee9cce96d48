package server_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// addRequests gives the fixture three requests once: an open overdue one
// and a verified one on the liaison's first organization (G01), and a
// fresh open one on a G02 organization.
func (fx *fixture) addRequests(t *testing.T) {
	t.Helper()
	requestsOnce.Do(func() {
		now := time.Now()
		for _, r := range []struct {
			org      int64
			status   string
			reported time.Time
		}{
			{fx.orgs[0].ID, "in_progress", now.Add(-10 * 24 * time.Hour)},
			{fx.orgs[0].ID, "verified", now.Add(-40 * 24 * time.Hour)},
			{fx.orgs[4].ID, "reported", now.Add(-time.Hour)},
		} {
			closed := any(nil)
			satisfaction := any(nil)
			if r.status == "verified" {
				closed, satisfaction = r.reported.Add(48*time.Hour), 5
			}
			if _, err := fx.db.Pool.Exec(t.Context(), `
INSERT INTO request (zone_id, org_id, title, category, status, reported_at, response_due_at, due_at, closed_at, satisfaction)
VALUES ($1, $2, '用电增容审批协调', 'ordinary', $3, $4::timestamptz, $4::timestamptz + interval '1 day', $4::timestamptz + interval '7 days', $5, $6)`,
				fx.zone.ID, r.org, r.status, r.reported, closed, satisfaction); err != nil {
				t.Errorf("insert request: %v", err)
			}
		}
	})
}

func TestLiaisonsAndAssignmentsLayers(t *testing.T) {
	fx := setup(t)
	c := getCollection(t, fx, admin, "/api/v1/liaisons?grid="+fmt.Sprint(fx.grids[0].ID))
	if len(c.Features) != 1 {
		t.Fatalf("%d liaisons in G01, want 1", len(c.Features))
	}
	p := c.Features[0].Properties
	if p["load"] != 2.0 || p["min"] != 5.0 || p["max"] != 8.0 || p["contacted_7d"] != 0.0 {
		t.Errorf("liaison properties %v", p)
	}
	if n := len(getCollection(t, fx, officerB, "/api/v1/liaisons").Features); n != 0 {
		t.Errorf("officer of G02 sees %d liaisons of G01", n)
	}
	lines := getCollection(t, fx, officerA, "/api/v1/assignments")
	if len(lines.Features) != 2 {
		t.Fatalf("%d assignment lines, want 2", len(lines.Features))
	}
	for _, f := range lines.Features {
		if d, _ := f.Properties["distance_m"].(float64); d <= 0 || d > 20000 || f.Properties["cause"] != "rule" {
			t.Errorf("assignment %d: %v", f.ID, f.Properties)
		}
	}
	if n := len(getCollection(t, fx, officerB, "/api/v1/assignments").Features); n != 0 {
		t.Errorf("officer of G02 sees %d assignments of G01", n)
	}
}

func TestRequestsLayer(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	tests := []struct {
		p     persona
		query string
		want  int
		sla   string
	}{
		{admin, "status=open&grid=" + fmt.Sprint(fx.grids[0].ID), 1, "red"},
		{admin, "overdue=true&grid=" + fmt.Sprint(fx.grids[0].ID), 1, "red"},
		{admin, "status=verified&grid=" + fmt.Sprint(fx.grids[0].ID), 1, "green"},
		{officerB, "status=open", 1, "green"}, // answered-by deadline is a day away
		{officerA, "status=open", 1, "red"},
		{liaison, "", 2, ""},
		{officerB, "overdue=true", 0, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.p)+" "+tt.query, func(t *testing.T) {
			c := getCollection(t, fx, tt.p, "/api/v1/requests?"+tt.query)
			if len(c.Features) != tt.want {
				t.Fatalf("%d requests, want %d", len(c.Features), tt.want)
			}
			for _, f := range c.Features {
				if tt.sla != "" && f.Properties["sla"] != tt.sla {
					t.Errorf("request %d sla %v, want %s", f.ID, f.Properties["sla"], tt.sla)
				}
			}
		})
	}
}

func TestCoverage(t *testing.T) {
	fx := setup(t)
	c := getCollection(t, fx, officerB, "/api/v1/coverage?indicator=liaison")
	byCode := map[string]map[string]any{}
	for _, f := range c.Features {
		if f.Properties["zone_id"] == float64(fx.zone.ID) {
			byCode[f.Properties["code"].(string)] = f.Properties
		}
	}
	if g := byCode["G01"]; g["numerator"] != 2.0 || g["denominator"] != 15.0 || g["rate"] != 0.1333 {
		t.Errorf("G01 liaison coverage %v, want 2/15", g)
	}
	if g := byCode["G02"]; g["numerator"] != 0.0 || g["denominator"] != 10.0 {
		t.Errorf("G02 liaison coverage %v, want 0/10", g)
	}
	// Every fixture organization has a standalone party organization and
	// three members: no gap.
	gap := getCollection(t, fx, admin, fmt.Sprintf("/api/v1/coverage/gaps?indicator=standalone_gap&grid=%d", fx.grids[0].ID))
	if len(gap.Features) != 0 {
		t.Errorf("%d standalone gaps, want 0", len(gap.Features))
	}
	// The liaison gap of G01 is its 13 uncovered organizations, and an
	// officer of G02 sees none of them.
	if n := len(getCollection(t, fx, officerA, "/api/v1/coverage/gaps?indicator=liaison").Features); n != 13 {
		t.Errorf("officer of G01 sees %d liaison gaps, want 13", n)
	}
	for _, f := range getCollection(t, fx, officerB, "/api/v1/coverage/gaps?indicator=liaison").Features {
		if f.Properties["grid_id"] != float64(fx.grids[1].ID) {
			t.Errorf("gap organization %d of another grid leaked", f.ID)
		}
	}
}

// Grids and coverage carry strong ETags and answer 304 to a client that
// has them; compression streams with its own tag.
func TestETagsAndCompression(t *testing.T) {
	fx := setup(t)
	for _, target := range []string{"/api/v1/grids", "/api/v1/coverage?indicator=party_org"} {
		status, h, _ := fx.do(t, planner, "GET", target, "")
		etag := h.Get("ETag")
		if status != ok || etag == "" || etag[0] != '"' || h.Get("Cache-Control") == "" {
			t.Fatalf("%s: status %d ETag %q Cache-Control %q", target, status, etag, h.Get("Cache-Control"))
		}
		if status, _, body := fx.do(t, planner, "GET", target, "", "If-None-Match", etag); status != http.StatusNotModified || len(body) != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes", target, status, len(body))
		}
		if status, _, _ := fx.do(t, planner, "GET", target, "", "If-None-Match", `"stale"`); status != ok {
			t.Errorf("%s with a stale tag: %d", target, status)
		}
		_, gz, _ := fx.do(t, planner, "GET", target, "", "Accept-Encoding", "gzip")
		if gz.Get("ETag") == etag {
			t.Errorf("%s: gzip and identity share the strong ETag %s", target, etag)
		}
	}
	// A streamed layer comes gzipped when asked, and decodes to GeoJSON.
	status, h, body := fx.do(t, admin, "GET", "/api/v1/organizations?limit=25", "", "Accept-Encoding", "gzip")
	if status != ok || h.Get("Content-Encoding") != "gzip" {
		t.Fatalf("organizations gzip: %d, Content-Encoding %q", status, h.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	checkGeoJSON(t, "gzipped organizations", plain)
}

func TestLayerBadParameters(t *testing.T) {
	fx := setup(t)
	tests := []struct{ target, field string }{
		{"/api/v1/coverage", "indicator"},
		{"/api/v1/coverage?indicator=happiness", "indicator"},
		{"/api/v1/coverage/gaps?indicator=party_org;drop", "indicator"},
		{"/api/v1/requests?status=closed", "status"},
		{"/api/v1/requests?overdue=yes", "overdue"},
		{"/api/v1/requests?bbox=1,2,3", "bbox"},
		{"/api/v1/liaisons?limit=0", "limit"},
		{"/api/v1/assignments?liaison=x", "liaison"},
		{"/api/v1/organizations?party_org=some", "party_org"},
		{"/api/v1/organizations?sort=name", "sort"},
		{"/api/v1/coverage?indicator=liaison&grid=1", "grid"},
	}
	for _, tt := range tests {
		status, _, body := fx.do(t, admin, "GET", tt.target, "")
		if status != http.StatusBadRequest || !bytes.Contains(body, []byte(`"field":"`+tt.field+`"`)) {
			t.Errorf("%s: %d %s, want 400 naming %s", tt.target, status, body, tt.field)
		}
	}
}

func TestOrganizationTextFilters(t *testing.T) {
	fx := setup(t)
	tests := []struct {
		query string
		want  int
	}{
		{"q=测试03", 1},
		{"q=" + fx.orgs[7].USCC[:12], 25}, // every fixture code shares its first 12 characters
		{"q=" + fx.orgs[7].USCC, 1},
		{"industry=物流", 25},
		{"industry=新材料", 0},
		{"party_org=standalone", 25},
		{fmt.Sprintf("liaison=%d", fx.liaisonID), 2},
	}
	for _, tt := range tests {
		c := getCollection(t, fx, admin, "/api/v1/organizations?bbox=112.99,32.99,113.21,33.11&"+tt.query)
		if len(c.Features) != tt.want {
			t.Errorf("%s: %d organizations, want %d", tt.query, len(c.Features), tt.want)
		}
	}
}

var requestsOnce sync.Once
