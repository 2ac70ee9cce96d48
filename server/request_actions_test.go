package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The access rows of 改派 and 催办 on the matrix's reported request: a
// conflict for those who may take them (it is not assigned yet), the
// scope's 404 for the officer of another grid, 403 for the roles that may
// not.
var requestActionAccess = []accessRow{
	{method: "POST", route: "/api/v1/requests/:id/reassign", path: "/api/v1/requests/{request}/reassign",
		body: `{"version":1,"liaison_id":{liaison},"reason":"矩阵改派"}`,
		want: statuses{unauth, conflict, conflict, notFound, forbidden, forbidden}},
	{method: "POST", route: "/api/v1/requests/:id/remind", path: "/api/v1/requests/{request}/remind",
		body: `{"version":1,"note":"矩阵催办"}`, want: statuses{unauth, conflict, conflict, notFound, forbidden, forbidden}},
}

// secondLiaison adds another liaison of grid G01 for the test, removed
// (after the test's requests) when it ends.
func (fx *fixture) secondLiaison(t *testing.T) int64 {
	t.Helper()
	var id int64
	if err := fx.db.Pool.QueryRow(t.Context(), `INSERT INTO liaison (zone_id, name, grid_id, base)
SELECT zone_id, '改派接手人', grid_id, base FROM liaison WHERE id = $1 RETURNING id`, fx.liaisonID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := fx.db.Pool.Exec(context.Background(), `DELETE FROM liaison WHERE id = $1`, id); err != nil {
			t.Errorf("remove liaison: %v", err)
		}
	})
	return id
}

// requestAction posts body to request id's action route as p.
func (fx *fixture) requestAction(t *testing.T, p persona, id int64, action, body string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	return fx.do(t, p, "POST", fmt.Sprintf("/api/v1/requests/%d/%s", id, action), body, headers...)
}

func TestReassignAndRemindAPI(t *testing.T) {
	fx := setup(t)
	second := fx.secondLiaison(t)
	const title = "改派催办接口测试"
	fx.forgetRequests(t, title)
	r := fx.newRequest(t, officerA, fx.orgs[0].ID, title)
	r = fx.transition(t, officerA, r.ID, fmt.Sprintf(`{"action":"assign","version":1,"liaison_id":%d}`, fx.liaisonID), http.StatusOK)
	if slices.Contains(r.Actions, "assign") || !slices.Contains(r.Actions, "reassign") || !slices.Contains(r.Actions, "remind") {
		t.Errorf("actions once assigned: %v", r.Actions)
	}
	// A second 交办 is a conflict: no duplicate history entry.
	fx.transition(t, officerA, r.ID, fmt.Sprintf(`{"action":"assign","version":2,"liaison_id":%d}`, second), http.StatusConflict)

	t.Run("bad input names the field and writes nothing", func(t *testing.T) {
		tests := []struct {
			action, body, field string
		}{
			{"reassign", `{"liaison_id":%d,"reason":"换人办理"}`, "version"},
			{"reassign", `{"version":2,"liaison_id":%d}`, "reason"},
			{"reassign", `{"version":2,"liaison_id":%d,"reason":"换"}`, "reason"},
			{"reassign", `{"version":2,"liaison_id":%d,"reason":"` + strings.Repeat("换", 201) + `"}`, "reason"},
			{"reassign", `{"version":2,"reason":"换人办理"}`, "liaison_id"},
			{"reassign", `{"version":2,"liaison_id":-%d,"reason":"换人办理"}`, "liaison_id"},
			// 0 clears the liaison, but a request keeps a liaison or a unit.
			{"reassign", `{"version":2,"liaison_id":0,"reason":"换人办理"}`, "liaison_id"},
			{"reassign", `{"version":2,"liaison_id":0,"unit_id":0,"reason":"换人办理"}`, "liaison_id"},
			{"reassign", `{"version":2,"liaison_id":%d,"reason":"换人办理","note":"x"}`, "note"},
			{"reassign", `{"version":2,"liaison_id":"%d","reason":"换人办理"}`, "liaison_id"},
			{"remind", `{"version":2,"note":"` + strings.Repeat("催", 201) + `"}`, "note"},
			{"remind", `{"version":2,"reason":"x"}`, "reason"},
			{"remind", `{"note":"催"}`, "version"},
		}
		for _, tt := range tests {
			body := tt.body
			if strings.Contains(body, "%d") {
				body = fmt.Sprintf(body, second)
			}
			status, _, got := fx.requestAction(t, officerA, r.ID, tt.action, body)
			if code, field := problemCode(got); status != http.StatusBadRequest || code != "invalid" || field != tt.field {
				t.Errorf("%s %s: %d %s, want 400 on %s", tt.action, body, status, got, tt.field)
			}
		}
		// The current liaison again, or a liaison the officer may not choose.
		for _, body := range []string{
			fmt.Sprintf(`{"version":2,"liaison_id":%d,"reason":"换人办理"}`, fx.liaisonID),
			`{"version":2,"liaison_id":99999999,"reason":"换人办理"}`,
		} {
			if status, _, got := fx.requestAction(t, officerA, r.ID, "reassign", body); status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", body, status, got)
			} else if _, field := problemCode(got); field != "liaison_id" {
				t.Errorf("%s: field %q", body, field)
			}
		}
		if now := fx.request(t, admin, r.ID); now.Version != 2 || len(now.Events) != 2 {
			t.Errorf("refused input wrote: version %d, %d events", now.Version, len(now.Events))
		}
	})

	move := fmt.Sprintf(`{"version":2,"liaison_id":%d,"reason":"原联络员出差，改由同网格联络员办理"}`, second)
	t.Run("who may", func(t *testing.T) {
		for p, want := range map[persona]int{liaison: http.StatusForbidden, planner: http.StatusForbidden,
			officerB: http.StatusNotFound, anonymous: http.StatusUnauthorized} {
			if status, _, got := fx.requestAction(t, p, r.ID, "reassign", move); status != want {
				t.Errorf("reassign as %s: %d %s, want %d", p, status, got, want)
			}
			if status, _, got := fx.requestAction(t, p, r.ID, "remind", `{"version":2}`); status != want {
				t.Errorf("remind as %s: %d %s, want %d", p, status, got, want)
			}
		}
	})

	// 改派 with an Idempotency-Key: a retry answers the first answer and
	// writes nothing; the key with another body is refused.
	status, _, got := fx.requestAction(t, officerA, r.ID, "reassign", move, "Idempotency-Key", "reassign-once-1")
	if status != http.StatusOK {
		t.Fatalf("reassign: %d %s", status, got)
	}
	after := decodeRequest(t, got)
	if after.LiaisonID == nil || *after.LiaisonID != second || after.Version != 3 || after.Status != "assigned" {
		t.Errorf("after reassign: %+v", after)
	}
	last := after.Events[len(after.Events)-1]
	if last.Action != "reassign" || last.Note != "原联络员出差，改由同网格联络员办理" || last.ActorName == "" {
		t.Errorf("history entry %+v", last)
	}
	status, h, again := fx.requestAction(t, officerA, r.ID, "reassign", move, "Idempotency-Key", "reassign-once-1")
	if status != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || string(again) != string(got) {
		t.Errorf("retry: %d replayed=%q", status, h.Get("Idempotent-Replayed"))
	}
	status, _, got = fx.requestAction(t, officerA, r.ID, "remind", `{"version":3}`, "Idempotency-Key", "reassign-once-1")
	if code, field := problemCode(got); status != http.StatusUnprocessableEntity || field != "Idempotency-Key" {
		t.Errorf("key reused for a reminder: %d %s %s", status, code, field)
	}
	// A stale version is 409 conflict.
	status, _, got = fx.requestAction(t, officerA, r.ID, "reassign", move)
	if code, _ := problemCode(got); status != http.StatusConflict || code != "conflict" {
		t.Errorf("stale reassign: %d %s", status, got)
	}

	status, _, got = fx.requestAction(t, officerA, r.ID, "remind", `{"version":3,"note":"请今天内联系企业"}`)
	if status != http.StatusOK {
		t.Fatalf("remind: %d %s", status, got)
	}
	var reminded struct {
		Reminders int `json:"reminders"`
		Version   int `json:"version"`
	}
	if err := json.Unmarshal(got, &reminded); err != nil || reminded.Reminders != 1 || reminded.Version != 4 {
		t.Errorf("after remind: %v %s", err, got)
	}
	if status, _, got := fx.requestAction(t, officerA, r.ID, "remind", `{"version":3}`); status != http.StatusConflict {
		t.Errorf("stale remind: %d %s", status, got)
	}
	final := fx.request(t, admin, r.ID)
	var actions []string
	for _, e := range final.Events {
		actions = append(actions, e.Action)
	}
	if want := []string{"report", "assign", "reassign", "remind"}; !slices.Equal(actions, want) {
		t.Errorf("history %v, want %v", actions, want)
	}

	// The KPIs count the reminder against the liaison chased.
	status, _, got = fx.do(t, admin, "GET", "/api/v1/stats?by=liaison", "")
	var stats struct {
		Groups []struct {
			Key       string `json:"key"`
			Reminders *int64 `json:"reminders"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(got, &stats); status != http.StatusOK || err != nil {
		t.Fatalf("stats: %d %v", status, err)
	}
	for _, g := range stats.Groups {
		if g.Reminders == nil {
			t.Fatalf("group %s without reminders", g.Key)
		}
		if g.Key == strconv.FormatInt(second, 10) && *g.Reminders != 1 {
			t.Errorf("liaison %s: %d reminders, want 1", g.Key, *g.Reminders)
		}
	}

	// Closed: neither step is offered or taken.
	fx.transition(t, officerA, r.ID, `{"action":"reject","version":4,"note":"企业已撤回诉求"}`, http.StatusOK)
	if status, _, got := fx.requestAction(t, officerA, r.ID, "remind", `{"version":5}`); status != http.StatusConflict {
		t.Errorf("remind on a closed request: %d %s", status, got)
	}
}

// request reads request id as p.
func (fx *fixture) request(t *testing.T, p persona, id int64) requestOut {
	t.Helper()
	status, _, body := fx.do(t, p, "GET", fmt.Sprintf("/api/v1/requests/%d", id), "")
	if status != http.StatusOK {
		t.Fatalf("get request %d: %d %s", id, status, body)
	}
	return decodeRequest(t, body)
}
