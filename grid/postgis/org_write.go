package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// ruleGridSQL is grid.AssignGrid for one organization ($1 zone, $2
// industry, $3 point as EWKB), ordered as assignGridsSQL orders.
const ruleGridSQL = `
WITH p AS (SELECT ST_GeomFromEWKB($3) AS geom)
SELECT g.id, CASE WHEN g.industry = $2 THEN 'industry'
                  WHEN ST_Covers(g.geom, p.geom) THEN 'territory'
                  ELSE 'nearest' END
FROM grid g, p
WHERE g.zone_id = $1
ORDER BY (g.industry = $2) DESC, ST_Covers(g.geom, p.geom) DESC, ST_Distance(g.geom, p.geom), g.code
LIMIT 1`

// applyRule sets o's grid and reason by 行业归口、属地兜底. An unlocated
// organization, or a zone without grids, leaves it without one.
func applyRule(ctx context.Context, tx pgx.Tx, o *grid.Org) error {
	o.GridID, o.GridReason = 0, ""
	if o.Unlocated {
		return nil
	}
	b, err := ewkbOf(o.Location)
	if err != nil {
		return err
	}
	var reason string
	err = tx.QueryRow(ctx, ruleGridSQL, o.ZoneID, o.Industry, b).Scan(&o.GridID, &reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	o.GridReason = grid.GridReason(reason)
	return err
}

// withinScope refuses an officer's write that would leave o outside
// their grids, naming the field that put it there.
func withinScope(scope grid.Scope, o grid.Org, field string) error {
	if scope.All || (o.GridID != 0 && slices.Contains(scope.GridIDs, o.GridID)) {
		return nil
	}
	where := "不在您的网格内 / outside your grids"
	if o.GridID != 0 {
		where = fmt.Sprintf("由规则归入网格 %d（%s），不在您的网格内 / the rule puts it in grid %d (%s), outside your grids",
			o.GridID, o.GridReason, o.GridID, o.GridReason)
	}
	return &grid.Error{Code: grid.EForbidden, Field: field, Message: where}
}

// gridField is the input that decided o's grid, for a refusal to name.
func gridField(o grid.Org) string {
	if o.GridReason == grid.ReasonIndustry {
		return "industry"
	}
	return "geometry"
}

// inZone checks that a point lies in the zone's boundary.
func inZone(ctx context.Context, tx pgx.Tx, o grid.Org) error {
	if o.Unlocated {
		return nil
	}
	b, err := ewkbOf(o.Location)
	if err != nil {
		return err
	}
	var in bool
	if err := tx.QueryRow(ctx, `SELECT ST_Covers(boundary, ST_GeomFromEWKB($2)) FROM zone WHERE id = $1`,
		o.ZoneID, b).Scan(&in); err != nil {
		return err
	}
	if !in {
		return grid.Invalid("geometry", "不在园区范围内 / outside the zone's boundary")
	}
	return nil
}

// gridOf names an organization's grid for the audit log.
func gridOf(o grid.Org) map[string]any {
	if o.GridID == 0 {
		return map[string]any{"id": nil, "reason": nil}
	}
	return map[string]any{"id": o.GridID, "reason": o.GridReason}
}

// geomArg is o's point as a bound EWKB value, or nil when unlocated.
func geomArg(o grid.Org) (any, error) {
	if o.Unlocated {
		return nil, nil
	}
	return ewkbOf(o.Location)
}

// nullGrid is o's grid as nullable columns.
func nullGrid(o grid.Org) (*int64, *string) {
	if o.GridID == 0 {
		return nil, nil
	}
	r := string(o.GridReason)
	return &o.GridID, &r
}

// attrValue is one attribute of o, for the audit log's old → new values.
func attrValue(o grid.Org, field string) any {
	switch field {
	case "name":
		return o.Name
	case "uscc":
		return o.USCC
	case "kind":
		return o.Kind
	case "industry":
		return o.Industry
	case "employees":
		return o.Employees
	case "party_members":
		return o.PartyMembers
	case "party_org":
		return o.PartyOrg
	case "high_tech":
		return o.HighTech
	case "specialized":
		return o.Specialized
	case "address":
		return o.Address
	case "geometry":
		if o.Unlocated {
			return nil
		}
		return []float64{o.Location[0], o.Location[1]}
	}
	return nil
}

// UpdateOrg applies patch to organization id if it lies in scope (else
// ENotFound) and is still at patch.Version (else EConflict), in one
// transaction with its audit row. When industry or location changes the
// rule 行业归口、属地兜底 runs again (a grid set by hand is kept); an admin
// may set the grid by hand, or clear it (grid_id null) for the rule. An
// officer's change must leave the organization in their grids. It
// returns the new version.
func (db *DB) UpdateOrg(ctx context.Context, scope grid.Scope, who grid.Actor, id int64, patch grid.OrgPatch) (int, error) {
	var version int
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		old, current, err := findOrg(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if !scope.Permits(grid.EditOrgs) {
			return grid.Errorf(grid.EForbidden, "only admins and grid officers change organizations")
		}
		if err := orgWriteAllowed(ctx, tx, old.ZoneID); err != nil {
			return err
		}
		o, changed, err := patch.Apply(old)
		if err != nil {
			return err
		}
		byHand, handGrid, _ := patch.ManualGrid()
		if byHand && !scope.Permits(grid.SetGridByHand) {
			return &grid.Error{Code: grid.EForbidden, Field: "grid_id", Message: "只有管理员可以手工指定网格 / only admins set a grid by hand"}
		}
		if current != patch.Version {
			return grid.Errorf(grid.EConflict, "organization %d is at version %d, not %d: reload and retry", id, current, patch.Version)
		}
		if old.Status != grid.StatusActive {
			return grid.Errorf(grid.EConflict, "organization %d is retired (%s): it no longer changes", id, old.Status)
		}
		moved := slices.Contains(changed, "industry") || slices.Contains(changed, "geometry")
		switch {
		case byHand && handGrid != 0:
			var zone int64
			err := tx.QueryRow(ctx, `SELECT zone_id FROM grid WHERE id = $1`, handGrid).Scan(&zone)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && zone != o.ZoneID {
				return grid.Invalid("grid_id", "no grid %d in the organization's zone", handGrid)
			} else if err != nil {
				return err
			}
			o.GridID, o.GridReason = handGrid, grid.ReasonManual
		case byHand, moved && o.GridReason != grid.ReasonManual:
			if err := applyRule(ctx, tx, &o); err != nil {
				return err
			}
		}
		if slices.Contains(changed, "geometry") {
			if err := inZone(ctx, tx, o); err != nil {
				return err
			}
		}
		if o.GridID != old.GridID || !scope.All && o.GridID == 0 {
			if err := withinScope(scope, o, gridField(o)); err != nil {
				return err
			}
		}
		g, err := geomArg(o)
		if err != nil {
			return err
		}
		gridID, reason := nullGrid(o)
		now := db.Now()
		err = tx.QueryRow(ctx, `
UPDATE organization SET name = $2, uscc = $3, kind = $4, industry = $5, employees = $6, party_members = $7,
  party_org = $8, high_tech = $9, specialized = $10, address = $11, geom = ST_GeomFromEWKB($12),
  grid_id = $13, grid_reason = $14, updated_at = $15, version = version + 1
WHERE id = $1 AND version = $16
RETURNING version`, id, o.Name, o.USCC, o.Kind, o.Industry, o.Employees, o.PartyMembers, o.PartyOrg,
			o.HighTech, o.Specialized, o.Address, g, gridID, reason, now, patch.Version).Scan(&version)
		if err != nil {
			return uniqueUSCC(err)
		}
		values := map[string]any{}
		for _, f := range changed {
			values[f] = map[string]any{"from": attrValue(old, f), "to": attrValue(o, f)}
		}
		detail := map[string]any{"changed": changed, "values": values, "version": version}
		if o.GridID != old.GridID || o.GridReason != old.GridReason {
			detail["grid"] = map[string]any{"from": gridOf(old), "to": gridOf(o)}
		}
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr, Action: "org_update",
			Target: "organization:" + strconv.FormatInt(id, 10), Detail: detail}, now)
	})
	return version, translate(err)
}

// uniqueUSCC names the credit code when it is already registered in the
// zone.
func uniqueUSCC(err error) error {
	if e, ok := translate(err).(*grid.Error); ok && e.Code == grid.EConflict {
		return &grid.Error{Code: grid.EConflict, Field: "uscc", Message: "该统一社会信用代码已登记 / this credit code is already registered in the zone"}
	}
	return err
}

// CreateOrg inserts o after validating it. Its grid is left for
// AssignGrids unless o.GridID is set (then o.GridReason must be too).
func (db *DB) CreateOrg(ctx context.Context, o grid.Org) (grid.Org, error) {
	if err := o.Validate(); err != nil {
		return o, err
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if err := orgWriteAllowed(ctx, tx, o.ZoneID); err != nil {
			return err
		}
		return insertOrg(ctx, tx, &o)
	})
	return o, translate(err)
}

func insertOrg(ctx context.Context, tx pgx.Tx, o *grid.Org) error {
	g, err := geomArg(*o)
	if err != nil {
		return err
	}
	gridID, reason := nullGrid(*o)
	err = tx.QueryRow(ctx, `
INSERT INTO organization (zone_id, name, uscc, kind, industry, employees, party_members,
  party_org, high_tech, specialized, address, geom, grid_id, grid_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ST_GeomFromEWKB($12), $13, $14)
RETURNING id, version`,
		o.ZoneID, o.Name, o.USCC, o.Kind, o.Industry, o.Employees, o.PartyMembers,
		o.PartyOrg, o.HighTech, o.Specialized, o.Address, g, gridID, reason).Scan(&o.ID, new(int))
	o.Active, o.Status = true, grid.StatusActive
	return err
}

// AddOrg registers a new organization in o.ZoneID for a user of scope:
// the rule 行业归口、属地兜底 gives its grid, which for an officer must be
// one of theirs (else EForbidden naming the deciding field). Its point
// must lie in the zone; only admins register one without a point.
func (db *DB) AddOrg(ctx context.Context, scope grid.Scope, who grid.Actor, o grid.Org) (grid.Org, error) {
	if !scope.Permits(grid.EditOrgs) {
		return o, grid.Errorf(grid.EForbidden, "only admins and grid officers register organizations")
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	if o.Unlocated && !scope.All {
		return o, grid.Invalid("geometry", "required: click the map where it is")
	}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		if err := orgWriteAllowed(ctx, tx, o.ZoneID); err != nil {
			return err
		}
		if err := inZone(ctx, tx, o); err != nil {
			return err
		}
		if err := applyRule(ctx, tx, &o); err != nil {
			return err
		}
		if err := withinScope(scope, o, gridField(o)); err != nil {
			return err
		}
		if err := insertOrg(ctx, tx, &o); err != nil {
			return uniqueUSCC(err)
		}
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr, Action: "org_create",
			Target: "organization:" + strconv.FormatInt(o.ID, 10),
			Detail: map[string]any{"name": o.Name, "uscc": o.USCC, "grid": gridOf(o), "located": !o.Unlocated}}, db.Now())
	})
	return o, translate(err)
}

// RetireOrg retires organization id (迁出 or 注销): its row and history
// stay, it leaves the map, lists and coverage, and its liaison assignment
// ends. It returns the new version.
func (db *DB) RetireOrg(ctx context.Context, scope grid.Scope, who grid.Actor, id int64, r grid.Retirement) (int, error) {
	var version int
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		o, current, err := findOrg(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if !scope.Permits(grid.EditOrgs) {
			return grid.Errorf(grid.EForbidden, "only admins and grid officers retire organizations")
		}
		if err := orgWriteAllowed(ctx, tx, o.ZoneID); err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return err
		}
		now := db.Now()
		if r.Date > now.In(grid.StatsLocation).Format(time.DateOnly) {
			return grid.Invalid("date", "不能晚于今天 / must not be after today (China Standard Time)")
		}
		if current != r.Version {
			return grid.Errorf(grid.EConflict, "organization %d is at version %d, not %d: reload and retry", id, current, r.Version)
		}
		if o.Status != grid.StatusActive {
			return grid.Errorf(grid.EConflict, "organization %d is already retired (%s)", id, o.Status)
		}
		if err := tx.QueryRow(ctx, `
UPDATE organization SET status = $2, retired_at = $3::date, retired_note = $4, active = false,
  updated_at = $5, version = version + 1
WHERE id = $1 AND version = $6 RETURNING version`, id, r.Kind, r.Date, r.Note, now, r.Version).Scan(&version); err != nil {
			return err
		}
		ended, err := endAssignments(ctx, tx, []int64{id}, now)
		if err != nil {
			return err
		}
		return audit(ctx, tx, grid.AuditEntry{ActorID: who.UserID, ClientAddr: who.ClientAddr, Action: "org_retire",
			Target: "organization:" + strconv.FormatInt(id, 10),
			Detail: map[string]any{"kind": r.Kind, "date": r.Date, "note": r.Note, "grid": gridOf(o),
				"assignments_ended": ended, "version": version}}, now)
	})
	return version, translate(err)
}
