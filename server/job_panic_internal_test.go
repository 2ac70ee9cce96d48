package server

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgis/grid"
)

// jobStoreOnly keeps jobs in memory; the rest of the Store is absent.
type jobStoreOnly struct {
	Store
	mu       sync.Mutex
	finished []grid.Job
}

func (s *jobStoreOnly) CreateJob(_ context.Context, j grid.Job) (grid.Job, error) {
	j.ID, j.Status = 1, grid.JobQueued
	return j, nil
}

func (s *jobStoreOnly) UpdateJob(context.Context, grid.Job) error { return nil }

func (s *jobStoreOnly) FinishJob(_ context.Context, j grid.Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = append(s.finished, j)
	return nil
}

// A panic in a job's work fails that job, with a Chinese message and the
// stack logged, and does not end the process.
func TestJobPanicFailsTheJob(t *testing.T) {
	store := &jobStoreOnly{}
	var logged strings.Builder
	var logMu sync.Mutex
	s := &Server{cfg: Config{CallTimeout: time.Second, LookupTimeout: time.Second}, store: store,
		log: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logged}, nil)), jobCtx: context.Background()}
	_, err := s.startJob(context.Background(), grid.User{ID: 7}, 1, grid.JobImportOrgs, time.Minute,
		func(context.Context, *jobRun) (any, error) { panic("boom") })
	if err != nil {
		t.Fatal(err)
	}
	s.WaitJobs()
	if len(store.finished) != 1 {
		t.Fatalf("%d job ends stored, want 1", len(store.finished))
	}
	j := store.finished[0]
	if j.Status != grid.JobFailed || !strings.Contains(j.Error, "内部错误") {
		t.Errorf("job ended %q with %q, want failed with 内部错误", j.Status, j.Error)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logged.String(), "boom") || !strings.Contains(logged.String(), "job_panic_internal_test.go") {
		t.Errorf("the panic and its stack were not logged: %s", logged.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Stopping the server stops its running jobs: each ends failed, saying
// the server stopped, within the grace given.
func TestStopJobsEndsRunningJobs(t *testing.T) {
	store := &jobStoreOnly{}
	s := &Server{cfg: Config{CallTimeout: time.Second, LookupTimeout: time.Second}, store: store,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s.jobCtx, s.stopJobCtx = context.WithCancel(context.Background())
	started := make(chan struct{})
	if _, err := s.startJob(context.Background(), grid.User{ID: 7}, 1, grid.JobImportOrgs, time.Hour,
		func(ctx context.Context, _ *jobRun) (any, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		}); err != nil {
		t.Fatal(err)
	}
	<-started
	if !s.stopJobs(time.Minute) {
		t.Fatal("the job did not end")
	}
	if len(store.finished) != 1 || store.finished[0].Status != grid.JobFailed || !strings.Contains(store.finished[0].Error, "服务已停止") {
		t.Errorf("job ends stored: %+v", store.finished)
	}
}
