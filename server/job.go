package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// jobRoutes registers the job progress route.
func (s *Server) jobRoutes(api fiber.Router) {
	api.Get("/jobs/:id", signedIn, s.getJob)
}

// getJob answers a job's progress and, once finished, its result: to its
// creator or an admin of its zone; to anyone else it does not exist.
func (s *Server) getJob(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.CallTimeout)
	defer cancel()
	j, err := s.store.FindJob(ctx, id)
	if err != nil {
		return err
	}
	if !j.VisibleTo(userOf(c)) {
		return grid.Errorf(grid.ENotFound, "no job %d", id)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(j)
}

// jobRun is one job running in this process. Its work reports progress
// with set; a ticker stores it (and beats the heartbeat) at most once a
// second, so that a million rows cost a few hundred writes, not a million.
type jobRun struct {
	s   *Server
	mu  sync.Mutex
	job grid.Job
	// dirty is set when the counts changed since they were last stored.
	dirty bool
}

// jobTick is how often a running job's progress is stored and announced.
const jobTick = time.Second

// set records progress: done and total (-1 keeps the current value) and
// the problems found so far.
func (r *jobRun) set(done, total, errors int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.job.Done = done
	if total >= 0 {
		r.job.Total = total
	}
	r.job.Errors = errors
	r.dirty = true
}

func (r *jobRun) snapshot() (grid.Job, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dirty := r.dirty
	r.dirty = false
	return r.job, dirty
}

// jobRetryAfter is the Retry-After, in seconds, of a job refused for
// want of a slot.
const jobRetryAfter = 30

// jobSlot is one of the process's Config.MaxJobs job slots, held by a
// route from before it copies an upload: the route gives it back when it
// returns, unless a job took it over (the job gives it back when it ends).
type jobSlot struct {
	s   *Server
	job bool
}

// takeJobSlot takes a job slot, or returns nil when every slot is held.
func (s *Server) takeJobSlot() *jobSlot {
	select {
	case s.jobSlots <- struct{}{}:
		return &jobSlot{s: s}
	default:
		return nil
	}
}

// release gives the slot back, unless a job holds it now.
func (t *jobSlot) release() {
	if !t.job {
		<-t.s.jobSlots
	}
}

// noJobSlot is the 429 answer of a job refused for want of a slot.
func noJobSlot(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(jobRetryAfter))
	return problem(c, fiber.StatusTooManyRequests, "busy", "",
		"服务器正在处理其他导入任务，请稍后重试 / too many jobs running; retry shortly")
}

// startJob records a queued job for u and runs work in its own goroutine,
// with its own context bounded by timeout (the request's ends with the
// answer). The job is answered at once; work's result (JSON-encoded) and
// error end it.
func (s *Server) startJob(ctx context.Context, u grid.User, zoneID int64, kind grid.JobKind, timeout time.Duration,
	work func(ctx context.Context, r *jobRun) (result any, err error)) (grid.Job, error) {
	j, err := s.store.CreateJob(ctx, grid.Job{ZoneID: zoneID, Kind: kind, CreatedBy: u.ID})
	if err != nil {
		return j, err
	}
	r := &jobRun{s: s, job: j}
	r.job.Status = grid.JobRunning
	r.dirty = true
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		ctx, cancel := context.WithTimeout(s.jobCtx, timeout)
		defer cancel()
		stop := make(chan struct{})
		ticked := make(chan struct{})
		go func() {
			defer close(ticked)
			r.tick(ctx, cancel, stop)
		}()
		result, err := r.runSafely(ctx, work)
		close(stop)
		<-ticked
		r.finish(result, err)
	}()
	return j, nil
}

// runSafely runs work, turning a panic into the job's failure: a job's
// panic must not end the process (Fiber's recover guards requests only).
func (r *jobRun) runSafely(ctx context.Context, work func(ctx context.Context, r *jobRun) (any, error)) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.s.log.Error("job panic", "job", r.job.ID, "kind", r.job.Kind, "panic", p, "stack", string(debug.Stack()))
			result, err = nil, fmt.Errorf("job panic: %v", p)
		}
	}()
	return work(ctx, r)
}

// tick stores the job's progress each jobTick while it changes, and at
// least every grid.JobHeartbeat so that it is not taken for dead. When
// the store says the job has ended (another instance took it for dead),
// the work is cancelled: nobody reads its result any more.
func (r *jobRun) tick(ctx context.Context, cancel context.CancelFunc, stop <-chan struct{}) {
	t := time.NewTicker(jobTick)
	defer t.Stop()
	var last time.Time
	for {
		if j, dirty := r.snapshot(); dirty || time.Since(last) >= grid.JobHeartbeat {
			uctx, cancelUpdate := context.WithTimeout(ctx, r.s.cfg.LookupTimeout)
			err := r.s.store.UpdateJob(uctx, j)
			cancelUpdate()
			switch {
			case grid.ErrorCode(err) == grid.EConflict:
				r.s.log.Warn("job ended elsewhere: its work stops", "job", j.ID)
				cancel()
				return
			case err != nil && ctx.Err() == nil:
				r.s.log.Warn("job progress not stored", "job", j.ID, "err", err)
			}
			last = time.Now()
		}
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// finish stores the job's end: done with its result, or failed with the
// error (a grid error's message is shown; others are logged and shown as
// an internal error).
func (r *jobRun) finish(result any, err error) {
	j, _ := r.snapshot()
	j.Status = grid.JobDone
	if result != nil {
		b, merr := json.Marshal(result)
		if merr != nil {
			err = merr
		} else {
			j.Result = b
		}
	}
	if err != nil {
		j.Status = grid.JobFailed
		j.Error = r.s.jobErrorText(j, err)
	}
	// The job's own context may have ended (a timeout): its end is stored
	// all the same.
	ctx, cancel := context.WithTimeout(context.Background(), r.s.cfg.CallTimeout)
	defer cancel()
	if ferr := r.s.store.FinishJob(ctx, j); ferr != nil {
		r.s.log.Error("job end not stored", "job", j.ID, "err", ferr)
	}
}

// jobErrorText is what a failed job tells its reader.
func (s *Server) jobErrorText(j grid.Job, err error) string {
	var ge *grid.Error
	if s.cfg.Classify != nil && !errors.As(err, &ge) {
		err = s.cfg.Classify(err)
	}
	switch {
	case errors.As(err, &ge) && ge.Code != grid.EInternal:
		if ge.Field != "" {
			return ge.Field + ": " + ge.Message
		}
		return ge.Message
	case errors.Is(err, context.DeadlineExceeded):
		return "任务超时 / the job ran out of time"
	case errors.Is(err, context.Canceled) && s.jobCtx.Err() != nil:
		return "服务已停止，任务中断，请重新提交 / the server stopped"
	}
	s.log.Error("job failed", "job", j.ID, "kind", j.Kind, "err", err)
	return "内部错误 / internal error"
}

// failStaleJobs marks failed, now and then, the jobs whose process died.
func (s *Server) failStaleJobs(ctx context.Context) {
	t := time.NewTicker(grid.JobStale / 2)
	defer t.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		n, err := s.store.FailStaleJobs(qctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("stale jobs not checked", "err", err)
		case n > 0:
			s.log.Warn("jobs left by a stopped process marked failed", "jobs", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// stopJobs ends the running jobs (each is stored failed) and waits up to
// grace for them; false when some still run.
func (s *Server) stopJobs(grace time.Duration) bool {
	s.stopJobCtx()
	done := make(chan struct{})
	go func() {
		s.jobs.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(grace):
		return false
	}
}

// WaitJobs waits for the jobs running in this process to end, for tests
// and shutdown.
func (s *Server) WaitJobs() { s.jobs.Wait() }
