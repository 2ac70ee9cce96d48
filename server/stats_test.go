package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// statsAnswer is the part of a KPI answer the tests read.
type statsAnswer struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	By     string    `json:"by"`
	Groups []struct {
		Key         string          `json:"key"`
		Name        string          `json:"name"`
		Reported    int64           `json:"reported"`
		Closed      int64           `json:"closed"`
		ClosureRate json.RawMessage `json:"closure_rate"`
	} `json:"groups"`
}

// Each role gets the KPIs of its own scope: an officer's zone total is
// their grids' requests, a liaison's the requests handed to them or about
// their organizations. The figures themselves are checked against
// independent SQL in grid/postgis.
func TestStatsScope(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	router, err := gorillamux.NewRouter(openAPIDoc(t, fx))
	if err != nil {
		t.Fatal(err)
	}
	count := func(cond string, args ...any) int64 {
		t.Helper()
		var n int64
		sql := `SELECT count(*) FROM request r JOIN organization o ON o.id = r.org_id
WHERE r.zone_id = $1 AND r.reported_at >= now() - interval '1 year' AND ` + cond
		if err := fx.db.Pool.QueryRow(t.Context(), sql, append([]any{fx.zone.ID}, args...)...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		p    persona
		want int64
	}{
		{admin, count("true")},
		{planner, count("true")},
		{officerA, count("o.grid_id = $2", fx.grids[0].ID)},
		{officerB, count("o.grid_id = $2", fx.grids[1].ID)},
		{liaison, count(`(r.liaison_id = $2 OR EXISTS (SELECT 1 FROM assignment a
  WHERE a.org_id = r.org_id AND a.valid_to IS NULL AND a.liaison_id = $2))`, fx.liaisonID)},
	}
	if tests[2].want == 0 || tests[3].want == 0 || tests[4].want == 0 {
		t.Fatalf("the fixture's requests do not reach every scope: %+v", tests)
	}
	for _, tt := range tests {
		t.Run(string(tt.p), func(t *testing.T) {
			for _, by := range []string{"zone", "grid", "liaison", "unit", "month"} {
				target := "/api/v1/stats?by=" + by
				status, h, body := fx.do(t, tt.p, http.MethodGet, target, "")
				if status != http.StatusOK {
					t.Fatalf("GET %s: %d %s", target, status, body)
				}
				validateAgainst(t, router, apiCheck{p: tt.p, method: http.MethodGet, target: target}, status, h, body)
				if cc := h.Get("Cache-Control"); cc != "private, no-cache" {
					t.Errorf("Cache-Control %q", cc)
				}
				var st statsAnswer
				if err := json.Unmarshal(body, &st); err != nil {
					t.Fatal(err)
				}
				var reported int64
				for _, g := range st.Groups {
					if by != "zone" || g.Key == fmt.Sprint(fx.zone.ID) {
						reported += g.Reported
					}
				}
				// Other tests' zones only count by zone, where they are left out.
				if by == "zone" && reported != tt.want {
					t.Errorf("by zone: %d requests in the fixture zone, want %d", reported, tt.want)
				}
				if by != "zone" && reported < tt.want {
					t.Errorf("by %s: %d requests, want at least %d", by, reported, tt.want)
				}
				if st.By != by || !st.To.After(st.From) {
					t.Errorf("by %q from %v to %v", st.By, st.From, st.To)
				}
			}
		})
	}
	t.Run("an officer's zone total is their grid", func(t *testing.T) {
		_, _, body := fx.do(t, officerA, http.MethodGet, "/api/v1/stats", "")
		var st statsAnswer
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Groups) != 1 || st.Groups[0].Key != fmt.Sprint(fx.zone.ID) || st.Groups[0].Name != "接口测试区" {
			t.Errorf("groups %+v, want the fixture zone alone", st.Groups)
		}
	})
}

func TestStatsParameters(t *testing.T) {
	fx := setup(t)
	router, err := gorillamux.NewRouter(openAPIDoc(t, fx))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tt := range []struct {
		query  string
		status int
		field  string
	}{
		{"from=2025-01-01&to=2025-07-01&by=month", 200, ""},
		{"from=" + now.Add(-48*time.Hour).UTC().Format(time.RFC3339) + "&by=grid", 200, ""},
		{"by=liaison", 200, ""},
		{"from=yesterday", 400, "from"},
		{"to=2025-02-30", 400, "to"},
		{"from=2025-07-01&to=2025-01-01", 400, "from"},
		{"from=2020-01-01&to=2025-01-01", 400, "from"},
		{"from=" + now.AddDate(0, 1, 0).Format(time.DateOnly) + "&to=" + now.AddDate(0, 2, 0).Format(time.DateOnly), 400, "from"},
		{"by=org", 400, "by"},
		{"by=zone&by=grid", 400, "by"},
		{"group=zone", 400, "group"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			target := "/api/v1/stats?" + tt.query
			status, h, body := fx.do(t, admin, http.MethodGet, target, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			validateAgainst(t, router, apiCheck{p: admin, method: http.MethodGet, target: target}, status, h, body)
			if tt.field != "" {
				var prob struct{ Field string }
				if err := json.Unmarshal(body, &prob); err != nil || prob.Field != tt.field {
					t.Errorf("problem %s, want field %q", body, tt.field)
				}
			}
		})
	}
	t.Run("months", func(t *testing.T) {
		_, _, body := fx.do(t, planner, http.MethodGet, "/api/v1/stats?from=2025-01-01&to=2025-07-01&by=month", "")
		var st statsAnswer
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, g := range st.Groups {
			keys = append(keys, g.Key)
			if string(g.ClosureRate) != `{"numerator":0,"denominator":0,"rate":null}` && g.Reported == 0 {
				t.Errorf("month %s: closure %s with no requests", g.Key, g.ClosureRate)
			}
		}
		if want := []string{"2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"}; !slices.Equal(keys, want) {
			t.Errorf("months %v, want %v", keys, want)
		}
	})
}
