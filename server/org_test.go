package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// orgRow is what the tests read back of an organization.
type orgRow struct {
	version, employees, members int
	address, partyOrg           string
}

func (fx *fixture) orgRow(t *testing.T, id int64) orgRow {
	t.Helper()
	var r orgRow
	if err := fx.db.Pool.QueryRow(t.Context(),
		`SELECT version, employees, party_members, address, party_org FROM organization WHERE id = $1`, id).
		Scan(&r.version, &r.employees, &r.members, &r.address, &r.partyOrg); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPatchOrganization(t *testing.T) {
	fx := setup(t)
	id := fx.orgs[5].ID // in G01
	path := fmt.Sprintf("/api/v1/organizations/%d", id)
	before := fx.orgRow(t, id)

	status, _, body := fx.do(t, officerA, "PATCH", path,
		fmt.Sprintf(`{"version":%d,"employees":120,"party_members":9,"address":"高新区建设路18号"}`, before.version))
	if status != ok {
		t.Fatalf("patch: %d %s", status, body)
	}
	after := fx.orgRow(t, id)
	if after.version != before.version+1 || after.employees != 120 || after.members != 9 || after.address != "高新区建设路18号" {
		t.Errorf("after patch: %+v", after)
	}
	var audited int
	if err := fx.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'org_update'
  AND target = $1 AND detail->'changed' ? 'employees'`, fmt.Sprintf("organization:%d", id)).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit rows %d (%v), want 1", audited, err)
	}

	// Stale versions and bad input change nothing.
	bad := []struct {
		body   string
		status int
		field  string
	}{
		{fmt.Sprintf(`{"version":%d,"employees":200}`, before.version), http.StatusConflict, ""},
		{`{"employees":1}`, http.StatusBadRequest, "version"},
		{fmt.Sprintf(`{"version":%d,"employees":-1}`, after.version), http.StatusBadRequest, "employees"},
		{fmt.Sprintf(`{"version":%d,"party_members":500}`, after.version), http.StatusBadRequest, "party_members"},
		{fmt.Sprintf(`{"version":%d,"party_members":2,"party_org":"standalone"}`, after.version), http.StatusBadRequest, "party_org"},
		{fmt.Sprintf(`{"version":%d,"party_org":"branch"}`, after.version), http.StatusBadRequest, "party_org"},
		{fmt.Sprintf(`{"version":%d,"name":"  "}`, after.version), http.StatusBadRequest, "name"},
		{fmt.Sprintf(`{"version":%d,"uscc":"91410400MA0000000X"}`, after.version), http.StatusBadRequest, "uscc"},
		{fmt.Sprintf(`{"version":%d,"employees":"many"}`, after.version), http.StatusBadRequest, "employees"},
	}
	for _, tt := range bad {
		status, _, body := fx.do(t, officerA, "PATCH", path, tt.body)
		if status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.body, status, body, tt.status)
		}
		if tt.field != "" && !bytesContain(body, `"field":"`+tt.field+`"`) {
			t.Errorf("%s: problem does not name %q: %s", tt.body, tt.field, body)
		}
	}
	if got := fx.orgRow(t, id); got != after {
		t.Errorf("refused patches changed the row: %+v, want %+v", got, after)
	}
}

// Concurrent writers at the same version: exactly one wins, the rest get
// 409, and one audit row is written.
func TestPatchOrganizationConcurrently(t *testing.T) {
	fx := setup(t)
	id := fx.orgs[6].ID
	path := fmt.Sprintf("/api/v1/organizations/%d", id)
	v := fx.orgRow(t, id).version
	const writers = 20
	codes := make(chan int, writers)
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			status, _, _ := fx.do(t, admin, "PATCH", path, fmt.Sprintf(`{"version":%d,"employees":%d}`, v, 100+i))
			codes <- status
		}(i)
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[ok] != 1 || count[http.StatusConflict] != writers-1 {
		t.Errorf("statuses %v: want one 200 and %d × 409", count, writers-1)
	}
	if got := fx.orgRow(t, id).version; got != v+1 {
		t.Errorf("version %d, want %d", got, v+1)
	}
	var audited int
	fx.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'org_update' AND target = $1`,
		fmt.Sprintf("organization:%d", id)).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit rows, want 1", audited)
	}
}

func bytesContain(b []byte, s string) bool { return strings.Contains(string(b), s) }

// PUT .../liaison by role and scope, every refusal naming its field, and
// the history and audit rows it leaves. The fixture's organization 2 (in
// G01, without a liaison) is used and left without one again.
func TestPutOrgLiaison(t *testing.T) {
	fx := setup(t)
	pz := newPlanZone(t, fx)
	org := fx.orgs[2].ID
	target := fmt.Sprintf("/api/v1/organizations/%d/liaison", org)
	l := fx.liaisonID
	audits := func() int {
		return fx.count(t, `SELECT count(*) FROM audit_log WHERE action = 'assignment_set' AND target = $1`,
			fmt.Sprintf("organization:%d", org))
	}
	rows := func() int { return fx.count(t, `SELECT count(*) FROM assignment WHERE org_id = $1`, org) }
	type answer struct {
		LiaisonID         *int64  `json:"liaison_id"`
		Pinned            bool    `json:"pinned"`
		Cause             *string `json:"cause"`
		PreviousLiaisonID *int64  `json:"previous_liaison_id"`
		Changed           bool    `json:"changed"`
	}
	tests := []struct {
		name   string
		p      persona
		target string
		body   string
		status int
		field  string
		// for 200: the liaison after (0: none), pinned, changed
		want            int64
		pinned, changed bool
	}{
		{"admin assigns", admin, "", fmt.Sprintf(`{"liaison_id":%d}`, l), 200, "", l, false, true},
		{"again: nothing changes", admin, "", fmt.Sprintf(`{"liaison_id":%d,"pinned":false}`, l), 200, "", l, false, false},
		{"officer of the grid pins", officerA, "", fmt.Sprintf(`{"liaison_id":%d,"pinned":true}`, l), 200, "", l, true, true},
		{"officer of another grid", officerB, "", fmt.Sprintf(`{"liaison_id":%d}`, l), 404, "", 0, false, false},
		{"the liaison may see it but not assign", liaison, "", `{"liaison_id":null}`, 403, "", 0, false, false},
		{"planner", planner, "", `{"liaison_id":null}`, 403, "", 0, false, false},
		{"anonymous", anonymous, "", `{"liaison_id":null}`, 401, "", 0, false, false},
		{"liaison of another zone", officerA, "", fmt.Sprintf(`{"liaison_id":%d}`, pz.liaisons[0]), 400, "liaison_id", 0, false, false},
		{"admin: liaison of another zone", admin, "", fmt.Sprintf(`{"liaison_id":%d}`, pz.liaisons[0]), 400, "liaison_id", 0, false, false},
		{"unknown liaison", admin, "", `{"liaison_id":987654321}`, 400, "liaison_id", 0, false, false},
		{"liaison id missing", admin, "", `{"pinned":true}`, 400, "liaison_id", 0, false, false},
		{"liaison id not a number", admin, "", `{"liaison_id":"甲"}`, 400, "liaison_id", 0, false, false},
		{"liaison id negative", admin, "", `{"liaison_id":-3}`, 400, "liaison_id", 0, false, false},
		{"liaison id fractional", admin, "", `{"liaison_id":1.5}`, 400, "liaison_id", 0, false, false},
		{"pinned without a liaison", admin, "", `{"liaison_id":null,"pinned":true}`, 400, "pinned", 0, false, false},
		{"pinned not a boolean", admin, "", fmt.Sprintf(`{"liaison_id":%d,"pinned":"yes"}`, l), 400, "pinned", 0, false, false},
		{"unknown field", admin, "", `{"liaison_id":null,"grid":1}`, 400, "grid", 0, false, false},
		{"bad organization id", admin, "/api/v1/organizations/x/liaison", `{"liaison_id":null}`, 400, "id", 0, false, false},
		{"unknown organization", admin, "/api/v1/organizations/987654321/liaison", `{"liaison_id":null}`, 404, "", 0, false, false},
		{"officer unassigns", officerA, "", `{"liaison_id":null}`, 200, "", 0, false, true},
		{"unassigned already", admin, "", `{"liaison_id":null,"pinned":false}`, 200, "", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.target
			if path == "" {
				path = target
			}
			rowsBefore, auditsBefore := rows(), audits()
			status, _, got := fx.do(t, tt.p, "PUT", path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, got)
			}
			if status != 200 {
				var prob struct{ Field string }
				if err := json.Unmarshal(got, &prob); err != nil || prob.Field != tt.field {
					t.Errorf("field %q, want %q: %s", prob.Field, tt.field, got)
				}
				if rows() != rowsBefore || audits() != auditsBefore {
					t.Error("a refused request wrote")
				}
				return
			}
			var a answer
			if err := json.Unmarshal(got, &a); err != nil {
				t.Fatal(err)
			}
			var id int64
			if a.LiaisonID != nil {
				id = *a.LiaisonID
			}
			if id != tt.want || a.Pinned != tt.pinned || a.Changed != tt.changed || (id != 0 && (a.Cause == nil || *a.Cause != "manual")) {
				t.Errorf("answer %s, want liaison %d pinned %t changed %t", got, tt.want, tt.pinned, tt.changed)
			}
			wantAudits, wantRows := 0, 0
			if tt.changed {
				wantAudits = 1
				if tt.want != 0 {
					wantRows = 1
				}
			}
			if audits()-auditsBefore != wantAudits || rows()-rowsBefore != wantRows {
				t.Errorf("%d audit rows and %d assignment rows written, want %d and %d",
					audits()-auditsBefore, rows()-rowsBefore, wantAudits, wantRows)
			}
		})
	}
	if n := fx.count(t, `SELECT count(*) FROM assignment WHERE org_id = $1 AND valid_to IS NULL`, org); n != 0 {
		t.Errorf("organization %d left with %d active assignments", org, n)
	}
}
