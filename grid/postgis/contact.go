package postgis

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// contactColumns are a ContactEntry's columns over contact c and liaison l.
const contactColumns = `c.id, c.org_id, c.liaison_id, l.name, c.kind, c.at, c.note, c.created_by, c.created_at`

func scanContact(row pgx.Row) (grid.ContactEntry, error) {
	var e grid.ContactEntry
	err := row.Scan(&e.ID, &e.OrgID, &e.LiaisonID, &e.LiaisonName, &e.Kind, &e.At, &e.Note, &e.CreatedBy, &e.CreatedAt)
	return e, err
}

// orgLiaisonInScope returns the active liaison (0 for none) of
// organization id if scope may see it, else ENotFound.
func orgLiaisonInScope(ctx context.Context, q rowQuerier, scope grid.Scope, id int64) (int64, error) {
	w := orgWhereAt(grid.OrgFilter{Scope: scope, ID: &id})
	var liaison *int64
	err := q.QueryRow(ctx, `SELECT a.liaison_id FROM organization o
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
`+w.String(), w.args...).Scan(&liaison)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, grid.Errorf(grid.ENotFound, "no organization %d", id)
	}
	if err != nil || liaison == nil {
		return 0, err
	}
	return *liaison, nil
}

// CreateContact implements grid.ContactStore. The contact is logged for the
// organization's active liaison; a liaison's scope only ever sees their own
// organizations, so for them that is themself.
func (db *DB) CreateContact(ctx context.Context, scope grid.Scope, who grid.Actor, c grid.Contact) (grid.ContactEntry, error) {
	var e grid.ContactEntry
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		liaison, err := orgLiaisonInScope(ctx, tx, scope, c.OrgID)
		if err != nil {
			return err
		}
		if !scope.Permits(grid.LogContacts) {
			return grid.Errorf(grid.EForbidden, "this scope may not log contacts")
		}
		if scope.LiaisonID > 0 {
			liaison = scope.LiaisonID
		}
		var liaisonID, createdBy *int64
		if liaison > 0 {
			liaisonID = &liaison
		}
		if who.UserID > 0 {
			createdBy = &who.UserID
		}
		now := db.Now()
		e, err = scanContact(tx.QueryRow(ctx, `
WITH c AS (
  INSERT INTO contact (org_id, liaison_id, kind, at, note, created_by, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  RETURNING *
)
SELECT `+contactColumns+` FROM c LEFT JOIN liaison l ON l.id = c.liaison_id`,
			c.OrgID, liaisonID, c.Kind, c.At, c.Note, createdBy, now))
		if err != nil {
			return err
		}
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr, Action: "contact_create",
			Target: "organization:" + strconv.FormatInt(c.OrgID, 10),
			Detail: map[string]any{"contact_id": e.ID, "kind": e.Kind, "at": e.At, "liaison_id": e.LiaisonID}}, now)
	})
	return e, translate(err)
}

// ListContacts implements grid.ContactStore: newest first by time, then
// id, read from contact_org_at. The cursor names the last contact of the
// previous page; one of another organization continues nothing.
func (db *DB) ListContacts(ctx context.Context, f grid.ContactFilter) ([]grid.ContactEntry, error) {
	if _, err := orgLiaisonInScope(ctx, db.Pool, f.Scope, f.OrgID); err != nil {
		return nil, translate(err)
	}
	w := &where{}
	w.add("c.org_id = " + w.bind(f.OrgID))
	eq(w, "c.kind", f.Kind)
	if f.BeforeID > 0 {
		w.add("(c.at, c.id) < (SELECT p.at, p.id FROM contact p WHERE p.id = " + w.bind(f.BeforeID) +
			" AND p.org_id = c.org_id)")
	}
	rows, err := db.Pool.Query(ctx, w.limit(`SELECT `+contactColumns+`
FROM contact c LEFT JOIN liaison l ON l.id = c.liaison_id `+w.String()+` ORDER BY c.at DESC, c.id DESC`, f.Limit), w.args...)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grid.ContactEntry, error) { return scanContact(r) })
	if out == nil {
		out = []grid.ContactEntry{}
	}
	return out, translate(err)
}

// EachContactRow implements grid.ExportStore: the contact ledger, oldest
// first. Officers see the contacts of their grids' organizations; a
// liaison those of their organizations or logged for them, as with
// requests, so a ledger keeps what they did before a reassignment.
func (db *DB) EachContactRow(ctx context.Context, f grid.ContactLedgerFilter, fn func(grid.ContactRow) error) error {
	w := &where{}
	if f.Scope.LiaisonID > 0 && !f.Scope.All && len(f.Scope.GridIDs) == 0 {
		id := w.bind(f.Scope.LiaisonID)
		w.add(zoneCond(f.Scope, "o.zone_id", w.bind, "(a.liaison_id = "+id+" OR c.liaison_id = "+id+")"))
	} else {
		w.add(scopeCond(f.Scope, w.bind))
	}
	eq(w, "c.kind", f.Kind)
	if !f.From.IsZero() {
		w.add("c.at >= " + w.bind(f.From))
	}
	if !f.To.IsZero() {
		w.add("c.at < " + w.bind(f.To))
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+contactColumns+`, o.name, coalesce(g.name, '')
FROM contact c JOIN organization o ON o.id = c.org_id
LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
LEFT JOIN liaison l ON l.id = c.liaison_id
LEFT JOIN grid g ON g.id = o.grid_id
`+w.String()+` ORDER BY c.at, c.id`, w.args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var row grid.ContactRow
		e := &row.ContactEntry
		if err := rows.Scan(&e.ID, &e.OrgID, &e.LiaisonID, &e.LiaisonName, &e.Kind, &e.At, &e.Note, &e.CreatedBy,
			&e.CreatedAt, &row.OrgName, &row.GridName); err != nil {
			return translate(err)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
