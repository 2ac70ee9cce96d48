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
	// Given are the optional attributes the row states (a mapped column,
	// a cell not blank). An organization the row updates keeps the others,
	// as it keeps its location when the row has none; a new one takes the
	// defaults. Name, credit code and industry are always stated.
	Given OrgAttrs
}

// OrgAttrs is a set of an organization's optional attributes.
type OrgAttrs uint8

// The optional attributes.
const (
	AttrKind OrgAttrs = 1 << iota
	AttrAddress
	AttrEmployees
	AttrPartyMembers
	AttrPartyOrg
	AttrHighTech
	AttrSpecialized
)

// Has reports whether s holds a.
func (s OrgAttrs) Has(a OrgAttrs) bool { return s&a == a }

// ImportTarget is what checking a register against a zone needs.
type ImportTarget struct {
	Zone Zone // with its boundary
	// Industries are the industries of the zone's grids.
	Industries []string
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

// ImportWrite says where a register's checked rows go.
type ImportWrite struct {
	JobID  int64 // for the audit; 0 from the command line
	ZoneID int64
	// DryRun writes the rows and rolls them back, to count what a real
	// run would change.
	DryRun bool
}

// ImportOutcome is what writing a register did, or would do.
type ImportOutcome struct {
	ImportCounts
	// Written is false on a dry run or when a row was refused.
	Written bool
	// Unlocated are the rows whose organization has no location after
	// the write (a row without coordinates keeps an existing one's), the
	// first ReportedMax by row.
	Unlocated      []UnlocatedOrg
	UnlocatedCount int
	// Refused are the rows the zone's data refuses (the credit code of a
	// retired organization), the first ReportedMax by row; any refused row
	// rolls the write back.
	Refused      []ImportProblem
	RefusedCount int
}

// ImportStore writes organization registers.
type ImportStore interface {
	// ImportTarget returns the zone named by ref (its id or code; the only
	// zone when empty) with what the checks need.
	ImportTarget(ctx context.Context, ref string) (ImportTarget, error)
	// ImportOrgs writes rows into zone w.ZoneID in one transaction: a row
	// whose credit code the zone already holds updates that organization
	// (its Given attributes), the others insert; then the grid rule runs
	// for every organization touched, and the import is audited. progress
	// is called with the work done so far, out of twice the rows: each row
	// copied, then a share of the statements that write them all. While another import into
	// the zone is writing it fails at once with EConflict.
	ImportOrgs(ctx context.Context, who Actor, w ImportWrite, rows iter.Seq[ImportRow],
		progress func(done int)) (ImportOutcome, error)
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
	// Warnings are rows that come in but deserve a look (a point just
	// outside the zone, given the nearest grid).
	Warnings     []ImportProblem `json:"warnings"`
	WarningCount int             `json:"warning_count"`
	Header       []string        `json:"header"`
	HeaderRow    int             `json:"header_row"`
	Mapping      map[int]string  `json:"mapping"` // column index → field
}
