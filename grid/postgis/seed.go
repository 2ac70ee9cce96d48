package postgis

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/grid"
)

// seededTables are the tables with an identity id that LoadDataset writes.
// Only these names are ever formatted into SQL.
var seededTables = []string{
	"zone", "grid", "unit", "organization", "liaison", "app_user",
	"assignment", "contact", "request", "request_event",
}

// ZoneCount returns how many zones the database holds, so that the CLI
// loads the demo only into an empty database.
func (db *DB) ZoneCount(ctx context.Context) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM zone`).Scan(&n)
	return n, translate(err)
}

// LoadDataset writes a dataset in one transaction, every table with COPY,
// streaming the batches so that memory stays flat at any scale.
// The dataset's relative ids are shifted past the ids already in use, and
// the identity sequences are moved past the new rows. passwordHash gives
// each user's password hash (the caller chooses the passwords); it is
// called once per user, one at a time, before the transaction begins.
//
// It fails with an EConflict error, writing nothing, when the zone's code
// or one of the usernames is taken.
func (db *DB) LoadDataset(ctx context.Context, ds *grid.Dataset, passwordHash func(username string) (string, error)) error {
	// Check before hashing, which is slow on purpose; checked again under
	// the lock below.
	if err := checkDatasetFree(ctx, db.Pool, ds); err != nil {
		return err
	}
	hashes := make([]string, len(ds.Users))
	for i, u := range ds.Users {
		h, err := passwordHash(u.Username)
		if err != nil {
			return fmt.Errorf("hash password of %s: %w", u.Username, err)
		}
		hashes[i] = h
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		return loadDataset(ctx, tx, ds, hashes)
	})
	return translate(err)
}

// rowQuerier is what checkDatasetFree needs of a pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// checkDatasetFree answers EConflict when the dataset's zone code or a
// username is already taken.
func checkDatasetFree(ctx context.Context, q rowQuerier, ds *grid.Dataset) error {
	var zoneTaken bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM zone WHERE code = $1)`, ds.Zone.Code).Scan(&zoneTaken); err != nil {
		return translate(err)
	}
	if zoneTaken {
		return &grid.Error{Code: grid.EConflict, Field: "zone", Message: fmt.Sprintf("zone %q already exists", ds.Zone.Code)}
	}
	names := make([]string, len(ds.Users))
	for i, u := range ds.Users {
		names[i] = u.Username
	}
	var taken string
	err := q.QueryRow(ctx, `SELECT username FROM app_user WHERE username = ANY($1) ORDER BY username LIMIT 1`, names).Scan(&taken)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return translate(err)
	}
	return &grid.Error{Code: grid.EConflict, Field: "username", Message: fmt.Sprintf("user %q already exists", taken)}
}

// loadDataset does LoadDataset's work inside tx: lock, check, offset,
// copy, move the sequences on and refresh the statistics.
func loadDataset(ctx context.Context, tx pgx.Tx, ds *grid.Dataset, hashes []string) error {
	// Writers wait until the load commits; readers carry on. Without the
	// lock a concurrent insert could take an id this load is about to use.
	if _, err := tx.Exec(ctx, `LOCK TABLE zone, grid, unit, organization, liaison, app_user, user_grid,
  assignment, contact, request, request_event IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return err
	}
	if err := checkDatasetFree(ctx, tx, ds); err != nil {
		return err
	}
	// A bulk load announces nothing to open maps, row by row, and builds
	// the map projections of its rows once, at the end (migration 022).
	if _, err := tx.Exec(ctx, `SET LOCAL gridgis.bulk_load = 'on'`); err != nil {
		return err
	}
	off, err := readIDOffsets(ctx, tx)
	if err != nil {
		return err
	}
	l := &datasetLoader{tx: tx, ds: ds, off: off, liaisonUser: map[int64]int64{}}
	for _, u := range ds.Users {
		if u.LiaisonID != 0 {
			l.liaisonUser[u.LiaisonID] = u.ID
		}
	}
	steps := []func(context.Context) error{
		l.copyZone, l.copyGrids, l.copyUnits, l.copyBase,
		l.copyBatches(l.orgTable()), l.copyBatches(l.liaisonTable()),
		func(ctx context.Context) error { return l.copyUsers(ctx, hashes) }, l.copyUserGrids,
		l.copyBatches(l.assignmentTable()), l.copyBatches(l.contactTable()),
		l.copyBatches(l.requestTable()), l.copyBatches(l.eventTable()),
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	for _, table := range seededTables {
		sql := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM %s`, table)
		if _, err := tx.Exec(ctx, sql, table); err != nil {
			return fmt.Errorf("move %s id sequence: %w", table, err)
		}
	}
	// Fresh statistics, or the planner treats a million new rows as none.
	if _, err := tx.Exec(ctx, `ANALYZE zone, grid, unit, organization, liaison, app_user, user_grid,
  assignment, contact, request, request_event`); err != nil {
		return err
	}
	// The zone is new: its organizations are the ones this load inserted.
	for _, f := range []string{"map_bulk_add_orgs", "map_bulk_add_activity"} { // in this order
		sql := fmt.Sprintf(`SELECT %s(ARRAY(SELECT id FROM organization WHERE zone_id = $1))`, f)
		if _, err := tx.Exec(ctx, sql, l.ds.Zone.ID+l.off.zone); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	_, err = tx.Exec(ctx, `ANALYZE org_feature, org_activity, org_cluster, org_grid_count`)
	return err
}

// idOffsets are the largest ids in use before the load; the dataset's ids,
// which start at 1, are added to them.
type idOffsets struct {
	zone, grid, unit, org, liaison, user, assignment, contact, request, event int64
}

func readIDOffsets(ctx context.Context, tx pgx.Tx) (idOffsets, error) {
	var o idOffsets
	err := tx.QueryRow(ctx, `SELECT
  (SELECT coalesce(max(id), 0) FROM zone), (SELECT coalesce(max(id), 0) FROM grid),
  (SELECT coalesce(max(id), 0) FROM unit), (SELECT coalesce(max(id), 0) FROM organization),
  (SELECT coalesce(max(id), 0) FROM liaison), (SELECT coalesce(max(id), 0) FROM app_user),
  (SELECT coalesce(max(id), 0) FROM assignment), (SELECT coalesce(max(id), 0) FROM contact),
  (SELECT coalesce(max(id), 0) FROM request), (SELECT coalesce(max(id), 0) FROM request_event)`).
		Scan(&o.zone, &o.grid, &o.unit, &o.org, &o.liaison, &o.user, &o.assignment, &o.contact, &o.request, &o.event)
	return o, err
}

// datasetLoader copies one dataset inside one transaction.
type datasetLoader struct {
	tx  pgx.Tx
	ds  *grid.Dataset
	off idOffsets
	// liaisonUser maps a liaison's dataset id to its sign-in's.
	liaisonUser map[int64]int64
}

func (l *datasetLoader) copyZone(ctx context.Context) error {
	z := l.ds.Zone
	b, err := ewkb.Marshal(z.Boundary, 4326)
	if err != nil {
		return err
	}
	return l.copyRows(ctx, "zone", []string{"id", "code", "name", "boundary"},
		[][]any{{z.ID + l.off.zone, z.Code, z.Name, b}})
}

func (l *datasetLoader) copyGrids(ctx context.Context) error {
	var rows [][]any
	for _, g := range l.ds.Grids {
		b, err := ewkb.Marshal(g.Geom, 4326)
		if err != nil {
			return err
		}
		rows = append(rows, []any{g.ID + l.off.grid, g.ZoneID + l.off.zone, g.Code, g.Name, g.Industry,
			g.Officer, g.Instructor, b})
	}
	return l.copyRows(ctx, "grid",
		[]string{"id", "zone_id", "code", "name", "industry", "officer", "instructor", "geom"}, rows)
}

func (l *datasetLoader) copyUnits(ctx context.Context) error {
	var rows [][]any
	for _, u := range l.ds.Units {
		rows = append(rows, []any{u.ID + l.off.unit, u.ZoneID + l.off.zone, u.Name, string(u.Kind), u.Contact})
	}
	return l.copyRows(ctx, "unit", []string{"id", "zone_id", "name", "kind", "contact"}, rows)
}

func (l *datasetLoader) copyUsers(ctx context.Context, hashes []string) error {
	var rows [][]any
	for i, u := range l.ds.Users {
		rows = append(rows, []any{u.ID + l.off.user, u.ZoneID + l.off.zone, u.Username, u.DisplayName,
			string(u.Role), hashes[i], shiftID(u.LiaisonID, l.off.liaison), u.Disabled})
	}
	return l.copyRows(ctx, "app_user", []string{"id", "zone_id", "username", "display_name", "role",
		"password_hash", "liaison_id", "disabled"}, rows)
}

func (l *datasetLoader) copyUserGrids(ctx context.Context) error {
	var rows [][]any
	for _, u := range l.ds.Users {
		for _, g := range u.GridIDs {
			rows = append(rows, []any{u.ID + l.off.user, g + l.off.grid})
		}
	}
	return l.copyRows(ctx, "user_grid", []string{"user_id", "grid_id"}, rows)
}

func (l *datasetLoader) copyRows(ctx context.Context, table string, columns []string, rows [][]any) error {
	_, err := l.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}

// batchTable is a table whose rows come from the dataset's batches.
type batchTable struct {
	name    string
	columns []string
	rows    func(*grid.Batch) ([][]any, error)
}

// copyBatches returns a step that streams a table's rows from each batch
// in turn into a single COPY.
func (l *datasetLoader) copyBatches(t batchTable) func(context.Context) error {
	return func(ctx context.Context) error {
		next, stop := iter.Pull(l.ds.Batches)
		defer stop()
		src := &batchSource{next: next, rowsOf: t.rows}
		if _, err := l.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, src); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
		return nil
	}
}

// batchSource is a pgx.CopyFromSource over the rows of successive batches;
// only one batch's rows are held at a time.
type batchSource struct {
	next   func() (*grid.Batch, bool)
	rowsOf func(*grid.Batch) ([][]any, error)
	rows   [][]any
	i      int
	err    error
}

// Next implements pgx.CopyFromSource.
func (s *batchSource) Next() bool {
	for s.i >= len(s.rows) {
		b, ok := s.next()
		if !ok {
			return false
		}
		if s.rows, s.err = s.rowsOf(b); s.err != nil {
			return false
		}
		s.i = 0
	}
	s.i++
	return true
}

// Values implements pgx.CopyFromSource.
func (s *batchSource) Values() ([]any, error) { return s.rows[s.i-1], nil }

// Err implements pgx.CopyFromSource.
func (s *batchSource) Err() error { return s.err }

// orgTable copies the organizations.
func (l *datasetLoader) orgTable() batchTable {
	columns := []string{"id", "zone_id", "name", "uscc", "kind", "industry", "employees", "party_members",
		"party_org", "high_tech", "specialized", "address", "geom", "grid_id", "grid_reason", "active"}
	return batchTable{"organization", columns, func(b *grid.Batch) ([][]any, error) {
		rows := make([][]any, len(b.Orgs))
		for i, o := range b.Orgs {
			geom, err := ewkb.Marshal(o.Location, 4326)
			if err != nil {
				return nil, err
			}
			rows[i] = []any{o.ID + l.off.org, o.ZoneID + l.off.zone, o.Name, o.USCC, string(o.Kind), o.Industry,
				o.Employees, o.PartyMembers, string(o.PartyOrg), o.HighTech, o.Specialized, o.Address, geom,
				shiftID(o.GridID, l.off.grid), nullIfEmpty(string(o.GridReason)), o.Active}
		}
		return rows, nil
	}}
}

// liaisonTable copies the liaisons.
func (l *datasetLoader) liaisonTable() batchTable {
	columns := []string{"id", "zone_id", "name", "phone", "grid_id", "base", "min_load", "max_load", "active"}
	return batchTable{"liaison", columns, func(b *grid.Batch) ([][]any, error) {
		rows := make([][]any, len(b.Liaisons))
		for i, li := range b.Liaisons {
			base, err := ewkb.Marshal(li.Base, 4326)
			if err != nil {
				return nil, err
			}
			rows[i] = []any{li.ID + l.off.liaison, li.ZoneID + l.off.zone, li.Name, li.Phone,
				li.GridID + l.off.grid, base, li.MinLoad, li.MaxLoad, li.Active}
		}
		return rows, nil
	}}
}

// assignmentTable copies the assignments, closed and active.
func (l *datasetLoader) assignmentTable() batchTable {
	columns := []string{"id", "org_id", "liaison_id", "valid_from", "valid_to", "cause", "pinned"}
	return batchTable{"assignment", columns, func(b *grid.Batch) ([][]any, error) {
		rows := make([][]any, len(b.Assignments))
		for i, a := range b.Assignments {
			rows[i] = []any{a.ID + l.off.assignment, a.OrgID + l.off.org, a.LiaisonID + l.off.liaison,
				a.ValidFrom, a.ValidTo, string(a.Cause), a.Pinned}
		}
		return rows, nil
	}}
}

// contactTable copies the contact logs, each credited to the liaison's
// sign-in where there is one and logged when it happened.
func (l *datasetLoader) contactTable() batchTable {
	columns := []string{"id", "org_id", "liaison_id", "kind", "at", "note", "created_by", "created_at"}
	return batchTable{"contact", columns, func(b *grid.Batch) ([][]any, error) {
		rows := make([][]any, len(b.Contacts))
		for i, c := range b.Contacts {
			var createdBy any
			if u, ok := l.liaisonUser[c.LiaisonID]; ok {
				createdBy = u + l.off.user
			}
			rows[i] = []any{c.ID + l.off.contact, c.OrgID + l.off.org, shiftID(c.LiaisonID, l.off.liaison),
				string(c.Kind), c.At, c.Note, createdBy, c.At}
		}
		return rows, nil
	}}
}

// requestTable copies the requests.
func (l *datasetLoader) requestTable() batchTable {
	columns := []string{"id", "zone_id", "org_id", "title", "description", "category", "topic", "status",
		"liaison_id", "unit_id", "reported_by", "resolved_by", "reported_at", "response_due_at", "due_at",
		"assigned_at", "resolved_at", "closed_at", "resolution", "satisfaction", "rework_count", "version"}
	return batchTable{"request", columns, func(b *grid.Batch) ([][]any, error) {
		rows := make([][]any, len(b.Requests))
		for i, r := range b.Requests {
			var satisfaction any
			if r.Satisfaction != 0 {
				satisfaction = int16(r.Satisfaction)
			}
			rows[i] = []any{r.ID + l.off.request, r.ZoneID + l.off.zone, r.OrgID + l.off.org, r.Title, r.Description,
				string(r.Category), string(r.Topic), string(r.Status),
				shiftID(r.LiaisonID, l.off.liaison), shiftID(r.UnitID, l.off.unit),
				shiftID(r.ReportedBy, l.off.user), shiftID(r.ResolvedBy, l.off.user),
				r.ReportedAt, r.ResponseDueAt, r.DueAt, r.AssignedAt, r.ResolvedAt, r.ClosedAt,
				r.Resolution, satisfaction, r.ReworkCount, r.Version}
		}
		return rows, nil
	}}
}

// eventTable copies the requests' event histories.
func (l *datasetLoader) eventTable() batchTable {
	columns := []string{"id", "request_id", "at", "actor_id", "action", "from_status", "to_status", "note"}
	return batchTable{"request_event", columns, func(b *grid.Batch) ([][]any, error) {
		rows := make([][]any, len(b.Events))
		for i, e := range b.Events {
			rows[i] = []any{e.ID + l.off.event, e.RequestID + l.off.request, e.At, shiftID(e.ActorID, l.off.user),
				e.Action, nullIfEmpty(string(e.From)), string(e.To), e.Note}
		}
		return rows, nil
	}}
}

// shiftID shifts a relative id by offset, or gives NULL for 0 (no reference).
func shiftID(id, offset int64) any {
	if id == 0 {
		return nil
	}
	return id + offset
}

// nullIfEmpty gives NULL for an empty string.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
