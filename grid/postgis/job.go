package postgis

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// jobColumns are what scanJob reads, in its order.
const jobColumns = `id, zone_id, kind, status, coalesce(created_by, 0), created_at, started_at, finished_at,
  total, done, errors, result, error`

func scanJob(row pgx.Row) (grid.Job, error) {
	var j grid.Job
	var result []byte
	err := row.Scan(&j.ID, &j.ZoneID, &j.Kind, &j.Status, &j.CreatedBy, &j.CreatedAt, &j.StartedAt, &j.FinishedAt,
		&j.Total, &j.Done, &j.Errors, &result, &j.Error)
	if result != nil {
		j.Result = json.RawMessage(result)
	}
	return j, err
}

// CreateJob implements grid.JobStore.
func (db *DB) CreateJob(ctx context.Context, j grid.Job) (grid.Job, error) {
	now := db.Now()
	j, err := scanJob(db.Pool.QueryRow(ctx, `
INSERT INTO job (zone_id, kind, status, created_by, created_at, heartbeat_at, total)
VALUES ($1, $2, 'queued', $3, $4, now(), $5)
RETURNING `+jobColumns, j.ZoneID, j.Kind, actorID(grid.Actor{UserID: j.CreatedBy}), now, j.Total))
	return j, translate(err)
}

// FindJob implements grid.JobStore.
func (db *DB) FindJob(ctx context.Context, id int64) (grid.Job, error) {
	j, err := scanJob(db.Pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM job WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return j, grid.Errorf(grid.ENotFound, "no job %d", id)
	}
	return j, translate(err)
}

// jobEvent announces a job's progress on the live event channel when the
// transaction commits; the hub shows it to the job's creator alone.
func jobEvent(ctx context.Context, tx pgx.Tx, j grid.Job) error {
	e := j.Event()
	e.At = j.CreatedAt
	payload, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, eventChannel, string(payload))
	return err
}

// UpdateJob implements grid.JobStore. A finished job is left as it is.
func (db *DB) UpdateJob(ctx context.Context, j grid.Job) error { return db.saveJob(ctx, j, false) }

// FinishJob implements grid.JobStore.
func (db *DB) FinishJob(ctx context.Context, j grid.Job) error { return db.saveJob(ctx, j, true) }

// saveJob stores a running job's progress, or a finished one's end with
// its result and error, beats its heartbeat and announces it; EConflict
// when it has finished already.
func (db *DB) saveJob(ctx context.Context, j grid.Job, finished bool) error {
	var result []byte
	if j.Result != nil {
		result = j.Result
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `
UPDATE job SET status = $2, total = $3, done = $4, errors = $5, heartbeat_at = now(),
  started_at = coalesce(started_at, $6), finished_at = CASE WHEN $7 THEN $6::timestamptz END,
  result = CASE WHEN $7 THEN $8::jsonb ELSE result END, error = CASE WHEN $7 THEN $9 ELSE error END
WHERE id = $1 AND status IN ('queued', 'running')
RETURNING `+jobColumns, j.ID, j.Status, j.Total, j.Done, j.Errors, db.Now(), finished, result, j.Error)
		saved, err := scanJob(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return grid.Errorf(grid.EConflict, "job %d has finished", j.ID)
		}
		if err != nil {
			return err
		}
		return jobEvent(ctx, tx, saved)
	})
	return translate(err)
}

// FailStaleJobs implements grid.JobStore. Heartbeats are stamped and
// compared by the database's clock: instances' clocks may differ by more
// than grid.JobStale, and one must not fail another's live job.
func (db *DB) FailStaleJobs(ctx context.Context) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `
UPDATE job SET status = 'failed', finished_at = greatest($1, started_at, created_at),
  error = '任务所在的服务进程已停止，请重新提交 / the process running this job stopped: submit it again'
WHERE status IN ('queued', 'running') AND heartbeat_at < now() - make_interval(secs => $2)`,
		db.Now(), grid.JobStale.Seconds())
	return tag.RowsAffected(), translate(err)
}
