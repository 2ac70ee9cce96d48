package postgis

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridgis/grid"
)

// findOrg reads one organization within scope, locking it for update.
func findOrg(ctx context.Context, tx pgx.Tx, scope grid.Scope, id int64) (grid.Org, int, error) {
	w := orgWhereAt(grid.OrgFilter{Scope: scope, ID: &id})
	var o grid.Org
	var version int
	var geom []byte
	var gridID *int64
	var reason *string
	err := tx.QueryRow(ctx, `
SELECT o.id, o.zone_id, o.name, o.uscc, o.kind, o.industry, o.employees, o.party_members, o.party_org,
  o.high_tech, o.specialized, o.address, ST_AsEWKB(o.geom), o.grid_id, o.grid_reason, o.active, o.version
FROM organization o LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
`+w.String()+` FOR UPDATE OF o`, w.args...).Scan(&o.ID, &o.ZoneID, &o.Name, &o.USCC, &o.Kind, &o.Industry,
		&o.Employees, &o.PartyMembers, &o.PartyOrg, &o.HighTech, &o.Specialized, &o.Address, &geom,
		&gridID, &reason, &o.Active, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, 0, grid.Errorf(grid.ENotFound, "no organization %d", id)
	}
	if err != nil {
		return o, 0, err
	}
	g, _, err := ewkb.Unmarshal(geom)
	if err != nil {
		return o, 0, err
	}
	o.Location, _ = g.(orb.Point)
	if gridID != nil {
		o.GridID, o.GridReason = *gridID, grid.GridReason(*reason)
	}
	return o, version, nil
}

// UpdateOrg applies patch to organization id if it lies in scope (else
// ENotFound) and is still at patch.Version (else EConflict), in one
// transaction with its audit row. It returns the new version.
func (db *DB) UpdateOrg(ctx context.Context, scope grid.Scope, who grid.Actor, id int64, patch grid.OrgPatch) (int, error) {
	var version int
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		o, current, err := findOrg(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		o, changed, err := patch.Apply(o)
		if err != nil {
			return err
		}
		if current != patch.Version {
			return grid.Errorf(grid.EConflict, "organization %d is at version %d, not %d: reload and retry", id, current, patch.Version)
		}
		now := db.Now()
		err = tx.QueryRow(ctx, `
UPDATE organization SET name = $2, industry = $3, employees = $4, party_members = $5, party_org = $6,
  high_tech = $7, specialized = $8, address = $9, updated_at = $10, version = version + 1
WHERE id = $1 AND version = $11
RETURNING version`, id, o.Name, o.Industry, o.Employees, o.PartyMembers, o.PartyOrg,
			o.HighTech, o.Specialized, o.Address, now, patch.Version).Scan(&version)
		if err != nil {
			return err
		}
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr, Action: "org_update",
			Target: "organization:" + strconv.FormatInt(id, 10),
			Detail: map[string]any{"changed": changed, "version": version}}, now)
	})
	return version, translate(err)
}
