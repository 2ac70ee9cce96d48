package server_test

import (
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
