package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contactEntry is a logged contact as the API answers it.
type contactEntry struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	LiaisonID   *int64    `json:"liaison_id"`
	LiaisonName *string   `json:"liaison_name"`
	Kind        string    `json:"kind"`
	At          time.Time `json:"at"`
	Note        string    `json:"note"`
	CreatedBy   *int64    `json:"created_by"`
}

// daysAgo is an RFC 3339 time d days before now. Contacts the tests log
// for the liaison's organizations (0 and 1) lie more than 7 days back, so
// that the fixture's 7-day contact figures stay 0 for the other tests.
func daysAgo(d float64) string {
	return time.Now().Add(-time.Duration(d * float64(24*time.Hour))).Format(time.RFC3339)
}

// contactCounts are the contacts of an organization and the contact audit
// rows, to show that refused input wrote nothing.
func (fx *fixture) contactCounts(t *testing.T, org int64) [2]int {
	t.Helper()
	var n [2]int
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM contact WHERE org_id = $1),
  (SELECT count(*) FROM audit_log WHERE action = 'contact_create')`, org).Scan(&n[0], &n[1]); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLogContact(t *testing.T) {
	fx := setup(t)
	router, err := gorillamux.NewRouter(openAPIDoc(t, fx))
	if err != nil {
		t.Fatal(err)
	}
	org := fx.orgs[1] // the liaison's
	path := fmt.Sprintf("/api/v1/organizations/%d/contacts", org.ID)
	post := func(p persona, body string) (int, http.Header, []byte) {
		t.Helper()
		status, h, b := fx.do(t, p, http.MethodPost, path, body)
		validateAgainst(t, router, apiCheck{p: p, method: http.MethodPost, target: path, body: body}, status, h, b)
		return status, h, b
	}
	visitAt, contactAt := daysAgo(10), daysAgo(9)
	before := fx.contactCounts(t, org.ID)
	status, _, body := post(liaison, `{"kind":"visit","at":"`+visitAt+`","note":"走访企业，了解用工需求"}`)
	if status != http.StatusCreated {
		t.Fatalf("liaison logs a visit: %d %s", status, body)
	}
	var e contactEntry
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if e.OrgID != org.ID || e.Kind != "visit" || e.LiaisonID == nil || *e.LiaisonID != fx.liaisonID ||
		e.LiaisonName == nil || *e.LiaisonName != "测试联络员" || e.Note != "走访企业，了解用工需求" || e.CreatedBy == nil {
		t.Errorf("entry %s", body)
	}
	if want, _ := time.Parse(time.RFC3339, visitAt); !e.At.Equal(want) {
		t.Errorf("at %v, want %v", e.At, want)
	}
	// An officer of the grid logs for the organization's liaison.
	if status, _, body := post(officerA, `{"kind":"contact","at":"`+contactAt+`"}`); status != http.StatusCreated ||
		!strings.Contains(string(body), fmt.Sprintf(`"liaison_id":%d`, fx.liaisonID)) {
		t.Errorf("officer logs a contact: %d %s", status, body)
	}
	if after := fx.contactCounts(t, org.ID); after != [2]int{before[0] + 2, before[1] + 2} {
		t.Errorf("contacts and audit rows %v, want %v plus 2 each", after, before)
	}

	t.Run("the organization shows it", func(t *testing.T) {
		c := getCollection(t, fx, liaison, "/api/v1/organizations?bbox="+fixtureBBox)
		i := slices.IndexFunc(c.Features, func(f struct {
			ID         int64          `json:"id"`
			Properties map[string]any `json:"properties"`
		}) bool {
			return f.ID == org.ID
		})
		if i < 0 {
			t.Fatal("the liaison's organization is not listed")
		}
		p := c.Features[i].Properties
		last := func(key string) time.Time {
			s, _ := p[key].(string)
			at, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Errorf("%s = %v", key, p[key])
			}
			return at
		}
		wantVisit, _ := time.Parse(time.RFC3339, visitAt)
		wantContact, _ := time.Parse(time.RFC3339, contactAt)
		if !last("last_visit_at").Equal(wantVisit) || !last("last_contact_at").Equal(wantContact) ||
			p["contact_overdue"] != true || p["visit_overdue"] != false {
			t.Errorf("properties %v", p)
		}
		ids := func(q string) []int64 {
			var out []int64
			for _, f := range getCollection(t, fx, admin, "/api/v1/organizations?bbox="+fixtureBBox+"&overdue="+q).Features {
				out = append(out, f.ID)
				if f.Properties["liaison_id"] == nil || f.Properties[q+"_overdue"] != true {
					t.Errorf("overdue=%s lists %d with %v", q, f.ID, f.Properties)
				}
			}
			return out
		}
		if got := ids("contact"); !slices.Contains(got, org.ID) {
			t.Errorf("overdue=contact: %v, want %d among them", got, org.ID)
		}
		if got := ids("visit"); slices.Contains(got, org.ID) {
			t.Errorf("overdue=visit: %v lists %d, visited 10 days ago", got, org.ID)
		}
	})

	t.Run("refused input writes nothing", func(t *testing.T) {
		for _, tt := range []struct {
			name, body, contentType string
			p                       persona
			path                    string
			status                  int
			field                   string
		}{
			{name: "no kind", body: `{"at":"` + contactAt + `"}`, status: 400, field: "kind"},
			{name: "unknown kind", body: `{"kind":"call"}`, status: 400, field: "kind"},
			{name: "kind not a string", body: `{"kind":1}`, status: 400, field: "kind"},
			{name: "unreadable time", body: `{"kind":"visit","at":"昨天"}`, status: 400, field: "at"},
			{name: "time without zone", body: `{"kind":"visit","at":"2026-01-05T09:00:00"}`, status: 400, field: "at"},
			{name: "in the future", body: `{"kind":"visit","at":"` + daysAgo(-0.05) + `"}`, status: 400, field: "at"},
			{name: "absurdly old", body: `{"kind":"visit","at":"` + daysAgo(400) + `"}`, status: 400, field: "at"},
			{name: "note too long", body: `{"kind":"contact","note":"` + strings.Repeat("联", 2001) + `"}`, status: 400, field: "note"},
			{name: "unknown field", body: `{"kind":"contact","liaison_id":3}`, status: 400, field: "liaison_id"},
			{name: "malformed JSON", body: `{"kind":"contact"`, status: 400, field: "body"},
			{name: "not JSON", body: `kind=contact`, contentType: "application/x-www-form-urlencoded", status: 400, field: "Content-Type"},
			{name: "too large", body: `{"kind":"contact","note":"` + strings.Repeat("x", 17<<10) + `"}`, status: 413},
			{name: "planner", p: planner, body: `{"kind":"contact"}`, status: 403},
			{name: "liaison, another's organization", path: fmt.Sprintf("/api/v1/organizations/%d/contacts", fx.orgs[2].ID),
				body: `{"kind":"contact","at":"` + daysAgo(8) + `"}`, status: 404},
			{name: "officer, another grid", p: officerB, body: `{"kind":"contact","at":"` + daysAgo(8) + `"}`, status: 404},
			{name: "unknown organization", p: admin, path: "/api/v1/organizations/999999999/contacts", body: `{"kind":"contact"}`, status: 404},
			{name: "bad id", path: "/api/v1/organizations/abc/contacts", body: `{"kind":"contact"}`, status: 400, field: "id"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p, target := tt.p, tt.path
				if p == "" {
					p = liaison
				}
				if target == "" {
					target = path
				}
				before := fx.contactCounts(t, fx.orgs[1].ID)
				before2 := fx.contactCounts(t, fx.orgs[2].ID)
				var headers []string
				if tt.contentType != "" {
					headers = []string{"Content-Type", tt.contentType}
				}
				status, h, body := fx.do(t, p, http.MethodPost, target, tt.body, headers...)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, body)
				}
				if ct := h.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q", ct)
				}
				var prob struct{ Field string }
				if err := json.Unmarshal(body, &prob); err != nil || prob.Field != tt.field {
					t.Errorf("problem %s, want field %q", body, tt.field)
				}
				if fx.contactCounts(t, fx.orgs[1].ID) != before || fx.contactCounts(t, fx.orgs[2].ID) != before2 {
					t.Errorf("something was written")
				}
			})
		}
	})
}

func TestListContactLog(t *testing.T) {
	fx := setup(t)
	router, err := gorillamux.NewRouter(openAPIDoc(t, fx))
	if err != nil {
		t.Fatal(err)
	}
	org := fx.orgs[5] // in G01, without a liaison
	path := fmt.Sprintf("/api/v1/organizations/%d/contacts", org.ID)
	for i, kind := range []string{"contact", "visit", "contact"} {
		if status, _, body := fx.do(t, officerA, http.MethodPost, path,
			fmt.Sprintf(`{"kind":%q,"at":%q,"note":"第%d次"}`, kind, daysAgo(float64(3-i)), i+1)); status != http.StatusCreated {
			t.Fatalf("log: %d %s", status, body)
		}
	}
	get := func(p persona, target string) (int, []byte) {
		t.Helper()
		status, h, body := fx.do(t, p, http.MethodGet, target, "")
		validateAgainst(t, router, apiCheck{p: p, method: http.MethodGet, target: target}, status, h, body)
		return status, body
	}
	type page struct {
		Contacts []contactEntry `json:"contacts"`
		Next     string         `json:"next"`
	}
	// Newest first, two at a time.
	var notes []string
	target := path + "?limit=2"
	for pages := 0; target != "" && pages < 5; pages++ {
		status, body := get(officerA, target)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", target, status, body)
		}
		var pg page
		if err := json.Unmarshal(body, &pg); err != nil {
			t.Fatal(err)
		}
		for _, c := range pg.Contacts {
			notes = append(notes, c.Note)
			if c.LiaisonID != nil {
				t.Errorf("contact %d counts for liaison %d; the organization has none", c.ID, *c.LiaisonID)
			}
		}
		target = pg.Next
	}
	if want := []string{"第3次", "第2次", "第1次"}; !slices.Equal(notes, want) {
		t.Errorf("notes %v, want %v", notes, want)
	}
	status, body := get(planner, path+"?kind=visit")
	var visits page
	if err := json.Unmarshal(body, &visits); status != http.StatusOK || err != nil || len(visits.Contacts) != 1 ||
		visits.Contacts[0].Kind != "visit" || visits.Next != "" {
		t.Errorf("kind=visit: %d %s", status, body)
	}
	for _, tt := range []struct {
		p      persona
		target string
		status int
	}{
		{officerB, path, http.StatusNotFound},
		{liaison, path, http.StatusNotFound},
		{anonymous, path, http.StatusUnauthorized},
		{admin, path + "?kind=call", http.StatusBadRequest},
		{admin, path + "?limit=0", http.StatusBadRequest},
		{admin, path + "?limit=1001", http.StatusBadRequest},
		{admin, path + "?cursor=%%%", http.StatusBadRequest},
		{admin, path + "?since=2025-01-01", http.StatusBadRequest},
		{admin, "/api/v1/organizations/999999999/contacts", http.StatusNotFound},
	} {
		if status, body := get(tt.p, tt.target); status != tt.status {
			t.Errorf("GET %s as %s: %d, want %d: %s", tt.target, tt.p, status, tt.status, body)
		}
	}
}
