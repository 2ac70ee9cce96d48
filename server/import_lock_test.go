package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gridgis/grid"
)

// An import into a zone where another is writing (another instance's,
// here the test's hold of the same lock) fails at once with 该园区正在导入,
// instead of waiting behind it.
func TestImportWhileAnotherWrites(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	conn, err := z.db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	// 7012 is grid/postgis's importLockKey.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7012, $1::int)`, z.zone.ID); err != nil {
		t.Fatal(err)
	}
	// The lock is let go after a while, so that an import that waits for
	// it ends (and the test fails) rather than hangs.
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(5 * time.Second)
		conn.Exec(ctx, `SELECT pg_advisory_unlock(7012, $1::int)`, z.zone.ID)
	}()
	defer func() { <-released }()

	file := []byte("名称,统一社会信用代码,经度,纬度,行业\n并发测试有限公司," + testUSCC(800600) + ",113.05,33.05,新材料\n")
	status, _, body := z.upload(t, "imp-admin", "text/csv", file, "")
	if status != http.StatusAccepted {
		t.Fatalf("import: status %d: %s", status, body)
	}
	var started grid.Job
	if err := json.Unmarshal(body, &started); err != nil {
		t.Fatal(err)
	}
	_, j := z.job(t, "imp-admin", started.ID)
	if j.Status != grid.JobFailed || !strings.Contains(j.Error, "该园区正在导入") {
		t.Errorf("job ended %q with %q, want failed with 该园区正在导入", j.Status, j.Error)
	}
}

// While this process writes an import into a zone, another import into it
// is answered 409 at once, with no job started.
func TestImportWhileThisProcessWrites(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	// The first import waits at its write while the test holds the table.
	tx, err := z.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE organization IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	file := []byte("名称,统一社会信用代码,经度,纬度,行业\n排队测试有限公司," + testUSCC(800610) + ",113.05,33.05,新材料\n")
	status, _, body := z.upload(t, "imp-admin", "text/csv", file, "")
	if status != http.StatusAccepted {
		tx.Rollback(ctx)
		t.Fatalf("first import: status %d: %s", status, body)
	}
	status, _, body = z.upload(t, "imp-admin", "text/csv", file, "")
	tx.Rollback(ctx)
	z.srv.WaitJobs()
	var p struct{ Code, Detail string }
	json.Unmarshal(body, &p)
	if status != http.StatusConflict || p.Code != grid.EConflict || !strings.Contains(p.Detail, "该园区正在导入") {
		t.Errorf("second import: status %d: %s", status, body)
	}
}

// A process runs Config.MaxJobs jobs at once: another import, into any
// zone, is answered 429 with Retry-After until one ends.
func TestImportJobSlots(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	tx, err := z.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE organization IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	post := func(user, uscc string) (int, http.Header, []byte) {
		file := []byte("名称,统一社会信用代码,经度,纬度,行业\n槽位测试有限公司," + uscc + ",113.05,33.05,新材料\n")
		req := httptest.NewRequest(http.MethodPost, "/api/v1/import/organizations?dry_run=true", bytes.NewReader(file))
		req.Header.Set("Content-Type", "text/csv")
		return z.send(t, z.oneJob, user, req)
	}
	status, _, body := post("imp-admin", testUSCC(800620))
	if status != http.StatusAccepted {
		tx.Rollback(ctx)
		t.Fatalf("first import: status %d: %s", status, body)
	}
	status, h, body := post("imp-admin-other", testUSCC(800621))
	tx.Rollback(ctx)
	z.oneJob.WaitJobs()
	var p struct{ Code string }
	json.Unmarshal(body, &p)
	if status != http.StatusTooManyRequests || p.Code != "busy" || h.Get("Retry-After") == "" {
		t.Errorf("second import while one runs: status %d, Retry-After %q: %s", status, h.Get("Retry-After"), body)
	}
	// The slot comes back when the job ends.
	if status, _, body := post("imp-admin-other", testUSCC(800622)); status != http.StatusAccepted {
		t.Errorf("import after the first ended: status %d: %s", status, body)
	}
	z.oneJob.WaitJobs()
}

// A job that the store says has ended (another instance took it for dead
// and marked it failed) stops its work: the import writes nothing.
func TestImportStopsWhenItsJobEndedElsewhere(t *testing.T) {
	z := setupImport(t)
	ctx := context.Background()
	tx, err := z.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE organization IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	uscc := testUSCC(800630)
	file := []byte("名称,统一社会信用代码,经度,纬度,行业\n失联测试有限公司," + uscc + ",113.05,33.05,新材料\n")
	status, _, body := z.upload(t, "imp-admin", "text/csv", file, "")
	if status != http.StatusAccepted {
		t.Fatalf("import: status %d: %s", status, body)
	}
	var started grid.Job
	if err := json.Unmarshal(body, &started); err != nil {
		t.Fatal(err)
	}
	if _, err := z.db.Pool.Exec(ctx, `UPDATE job SET status = 'failed', finished_at = now(), error = 'stale' WHERE id = $1`,
		started.ID); err != nil {
		t.Fatal(err)
	}
	// The job's next progress write finds it ended: within a heartbeat
	// when its counts stand still.
	time.Sleep(grid.JobHeartbeat + 2*time.Second)
	tx.Rollback(ctx)
	z.srv.WaitJobs()
	var n int
	if err := z.db.Pool.QueryRow(ctx, `SELECT count(*) FROM organization WHERE uscc = $1`, uscc).Scan(&n); err != nil || n != 0 {
		t.Errorf("the job ended elsewhere still wrote %d organizations (%v)", n, err)
	}
}
