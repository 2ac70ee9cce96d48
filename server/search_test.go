package server_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

var searchAccess = []accessRow{
	{method: "GET", route: "/api/v1/search", path: "/api/v1/search?q=%E5%B9%B3%E9%A1%B6%E5%B1%B1", // 平顶山
		want: statuses{unauth, ok, ok, ok, ok, ok}},
	{method: "GET", route: "/api/v1/search", path: "/api/v1/search?q=", want: statuses{unauth, badRequest, badRequest, badRequest, badRequest, badRequest}},
}

// searchIDs asks for q as p and returns the ids found of kind.
func (fx *fixture) searchIDs(t *testing.T, p persona, q, kind string) []int64 {
	t.Helper()
	status, _, body := fx.do(t, p, "GET", "/api/v1/search?limit=20&q="+url.QueryEscape(q), "")
	if status != ok {
		t.Fatalf("search %q as %s: %d %s", q, p, status, body)
	}
	var got struct {
		Results []struct {
			Kind  string     `json:"kind"`
			ID    int64      `json:"id"`
			Label string     `json:"label"`
			Point *[]float64 `json:"point"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, r := range got.Results {
		if r.Kind == kind {
			if r.Point == nil || len(*r.Point) != 2 {
				t.Errorf("%s %d has no point to fly to: %s", kind, r.ID, body)
			}
			out = append(out, r.ID)
		}
	}
	return out
}

// Each role finds only what it may see: an officer of G01 not a G02
// organization, even by its whole credit code; a liaison only their own.
func TestSearchKeepsEachRoleToItsScope(t *testing.T) {
	fx := setup(t)
	orgB := fx.orgs[4] // G02
	for _, p := range []persona{admin, officerB, planner} {
		if got := fx.searchIDs(t, p, orgB.Name, "org"); !slices.Contains(got, orgB.ID) {
			t.Errorf("%s: %s found %v, want it to hold %d", p, orgB.Name, got, orgB.ID)
		}
	}
	for _, p := range []persona{officerA, liaison} {
		for _, q := range []string{orgB.Name, orgB.USCC} {
			if got := fx.searchIDs(t, p, q, "org"); slices.Contains(got, orgB.ID) {
				t.Errorf("%s found G02's %d by %q", p, orgB.ID, q)
			}
		}
	}
	// Three characters of the fixture's names: the liaison sees their two.
	got := fx.searchIDs(t, liaison, "测试0", "org")
	slices.Sort(got)
	if want := []int64{fx.orgs[0].ID, fx.orgs[1].ID}; !slices.Equal(got, want) {
		t.Errorf("liaison found %v, want %v", got, want)
	}
	if got := fx.searchIDs(t, officerB, "测试联络员", "liaison"); len(got) != 0 {
		t.Errorf("officer of G02 found G01's liaison: %v", got)
	}
	if got := fx.searchIDs(t, officerA, "测试联络员", "liaison"); !slices.Equal(got, []int64{fx.liaisonID}) {
		t.Errorf("officer of G01 found liaisons %v, want [%d]", got, fx.liaisonID)
	}
}

// Bad input is a 400 problem naming the field, and is never searched.
func TestSearchRefusesBadInput(t *testing.T) {
	fx := setup(t)
	for _, tt := range []struct{ query, field string }{
		{"q=", "q"},
		{"", "q"},
		{"q=%20%20", "q"},
		{"q=" + strings.Repeat("%E5%8D%8E", 101), "q"}, // 101 × 华
		{"q=%FF%FE", "q"}, // not UTF-8
		{"q=%E5%8D%8E%00", "q"},
		{"q=abc&limit=0", "limit"},
		{"q=abc&limit=21", "limit"},
		{"q=abc&limit=x", "limit"},
		{"q=abc&q=def", "q"},
		{"q=abc&bbox=1,2,3,4", "bbox"},
	} {
		status, header, body := fx.do(t, admin, "GET", "/api/v1/search?"+tt.query, "")
		code, field := problemCode(body)
		if status != badRequest || field != tt.field || !strings.HasPrefix(header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s (code %s, field %q), want 400 naming %s", tt.query, status, body, code, field, tt.field)
		}
	}
	// At the limit of 100 characters it is a search.
	if status, _, body := fx.do(t, admin, "GET", "/api/v1/search?q="+strings.Repeat("%E5%8D%8E", 100), ""); status != ok {
		t.Errorf("100 characters: %d %s", status, body)
	}
}
