package grid

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/paulmach/orb"
)

// JobKind names the work a job does.
type JobKind string

// The job kinds.
const (
	JobImportOrgs  JobKind = "import_orgs"  // an organization register
	JobImportGrids JobKind = "import_grids" // a zone's grid boundaries
)

// JobStatus is where a job is: queued → running → done or failed.
type JobStatus string

// The job statuses.
const (
	JobQueued  JobStatus = "queued"
	JobRunning JobStatus = "running"
	JobDone    JobStatus = "done"   // finished; its result says what came of it (problems included)
	JobFailed  JobStatus = "failed" // stopped by an error, a timeout or its process dying
)

// Job is large work run in a server process, with its progress kept in
// the store so that any instance can report it.
type Job struct {
	ID         int64           `json:"id"`
	ZoneID     int64           `json:"zone_id"`
	Kind       JobKind         `json:"kind"`
	Status     JobStatus       `json:"status"`
	CreatedBy  int64           `json:"created_by,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  *time.Time      `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Total      int64           `json:"total"`  // rows to do, when known
	Done       int64           `json:"done"`   // rows done
	Errors     int64           `json:"errors"` // problems found so far
	Result     json.RawMessage `json:"result"` // the kind's report, once finished
	Error      string          `json:"error,omitempty"`
}

// VisibleTo reports whether u may read j: its creator, or an admin of its
// zone (a user of every zone has ZoneID 0).
func (j Job) VisibleTo(u User) bool {
	if u.ID != 0 && j.CreatedBy == u.ID {
		return true
	}
	return u.Role.May(ImportData) && (u.ZoneID == 0 || u.ZoneID == j.ZoneID)
}

// Event is j's progress as a live event for its creator.
func (j Job) Event() Event {
	return Event{Type: "job", ID: j.ID, Status: string(j.Status), ZoneID: j.ZoneID, UserID: j.CreatedBy,
		Done: j.Done, Total: j.Total, Errors: j.Errors}
}

// JobHeartbeat is how often a running job tells the store it is alive;
// a job silent for JobStale has lost its process.
const (
	JobHeartbeat = 5 * time.Second
	JobStale     = 1 * time.Minute
)

// JobStore keeps jobs and their progress.
type JobStore interface {
	// CreateJob records a queued job and returns it with its id.
	CreateJob(ctx context.Context, j Job) (Job, error)
	// FindJob returns job id (ENotFound when there is none).
	FindJob(ctx context.Context, id int64) (Job, error)
	// UpdateJob stores a running job's status and counts, beats its
	// heartbeat and announces its progress to its creator.
	UpdateJob(ctx context.Context, j Job) error
	// FinishJob stores j's final status, counts, result and error.
	FinishJob(ctx context.Context, j Job) error
	// FailStaleJobs marks failed the jobs whose heartbeat is older than
	// JobStale (their process died) and returns how many.
	FailStaleJobs(ctx context.Context) (int64, error)
}

// ImportRow is one checked row of a register, in WGS84: Location is zero
// when not Located.
type ImportRow struct {
	Row     int
	Org     Org
	Located bool
}

// ImportTarget is what checking a register against a zone needs.
type ImportTarget struct {
	Zone Zone // with its boundary
	// Industries are the industries of the zone's grids.
	Industries []string
	// UnlocatedAllowed says whether an organization may be stored
	// without a location (a nullable geometry column).
	UnlocatedAllowed bool
}

// ImportCounts is what a register import changed.
type ImportCounts struct {
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	// Regridded counts the organizations already in the zone whose grid
	// or reason the rule 行业归口、属地兜底 changed (new ones come in with
	// theirs).
	Regridded int64 `json:"regridded"`
}

// ImportStore writes organization registers.
type ImportStore interface {
	// ImportTarget returns the zone named by ref (its id or code; the only
	// zone when empty) with what the checks need.
	ImportTarget(ctx context.Context, ref string) (ImportTarget, error)
	// ImportOrgs writes n rows into zone zoneID in one transaction: a row
	// whose credit code the zone already holds updates that organization,
	// the others insert; then the grid rule runs for every organization
	// touched, and the import is audited. progress is called with the rows
	// written so far. While another import into the zone is writing it
	// fails at once with EConflict.
	ImportOrgs(ctx context.Context, who Actor, jobID, zoneID int64, n int, rows iter.Seq[ImportRow],
		progress func(done int)) (ImportCounts, error)
}

// ImportProblem is one problem of a register row, for the clerk to fix.
type ImportProblem struct {
	Row    int        `json:"row"`
	Field  string     `json:"field"`
	Reason string     `json:"reason"`
	Point  *orb.Point `json:"point,omitempty"` // where a row outside the zone lies
}

// UnlocatedOrg is a register row that came in without coordinates, to be
// placed on the map.
type UnlocatedOrg struct {
	Row  int    `json:"row"`
	Name string `json:"name"`
	USCC string `json:"uscc"`
}

// ReportedMax is how many problems and unlocated rows an ImportReport
// lists, so that a file wrong in every one of a million rows still makes
// a report of a few megabytes.
const ReportedMax = 10_000

// ImportReport is the result of an import job (or of the CLI): what was
// written, or, when a row has a problem or on a dry run, what would be.
type ImportReport struct {
	DryRun bool `json:"dry_run"`
	// Written is true when the rows were stored.
	Written bool `json:"written"`
	ImportCounts
	Total   int `json:"total"` // data rows read
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	// Unlocated and Errors list at most ReportedMax each (the first by
	// row); the counts say how many there are.
	Unlocated      []UnlocatedOrg  `json:"unlocated"`
	UnlocatedCount int             `json:"unlocated_count"`
	Errors         []ImportProblem `json:"errors"`
	ErrorCount     int             `json:"error_count"`
	Header         []string        `json:"header"`
	HeaderRow      int             `json:"header_row"`
	Mapping        map[int]string  `json:"mapping"` // column index → field
}
