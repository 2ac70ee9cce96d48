package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
	"gridgis/grid/rebalance"
)

// Page sizes of the plan listing.
const (
	defaultPlanLimit = 20
	maxPlanLimit     = 100
)

// rebalanceRoutes registers the liaison rebalancer: admins build and
// apply plans; planners, who read everything, may look at them. Officers
// and liaisons see only their grids' or their own organizations, so a
// plan of the whole zone is not theirs to read.
func (s *Server) rebalanceRoutes(api fiber.Router) {
	api.Post("/rebalance/plans", allow(grid.MakePlans), limitBody(smallBody), s.limitHeavy(nil), s.createPlan)
	api.Get("/rebalance/plans", allow(grid.ReadPlans), s.listPlans)
	api.Get("/rebalance/plans/:id", allow(grid.ReadPlans), s.getPlan)
	api.Get("/rebalance/plans/:id/moves", allow(grid.ReadPlans), s.limitHeavy(largePage), s.planMoves)
	api.Post("/rebalance/plans/:id/apply", allow(grid.MakePlans), s.limitHeavy(nil), s.applyPlan)
	api.Get("/rebalance/capacity", allow(grid.ReadPlans), s.limitHeavy(nil), s.planCapacity)
}

// planMove is a move as clients see it: null for no liaison.
type planMove struct {
	OrgID         int64  `json:"org_id"`
	FromLiaisonID *int64 `json:"from_liaison_id"`
	ToLiaisonID   *int64 `json:"to_liaison_id"`
}

// planSummary is a stored plan without its moves, as listed.
type planSummary struct {
	ID        int64                `json:"id"`
	ZoneID    int64                `json:"zone_id"`
	Status    rebalance.PlanStatus `json:"status"`
	Options   rebalance.Options    `json:"options"`
	Objective float64              `json:"objective"`
	MoveCount int                  `json:"move_count"`
	Before    rebalance.Metrics    `json:"before"`
	After     rebalance.Metrics    `json:"after"`
	// Tradeoffs is null for plans built before plans said what they trade.
	Tradeoffs *rebalance.Tradeoffs `json:"tradeoffs"`
	CreatedBy *int64               `json:"created_by"`
	CreatedAt time.Time            `json:"created_at"`
	AppliedBy *int64               `json:"applied_by"`
	AppliedAt *time.Time           `json:"applied_at"`
}

// planBody is a stored plan with its moves.
type planBody struct {
	planSummary
	Moves []planMove `json:"moves"`
}

func summaryOf(p rebalance.SavedPlan) planSummary {
	return planSummary{ID: p.ID, ZoneID: p.ZoneID, Status: p.Status, Options: p.Options, Objective: p.Objective,
		MoveCount: p.MoveCount, Before: p.Before, After: p.After, Tradeoffs: p.Tradeoffs, CreatedBy: optID(p.CreatedBy),
		CreatedAt: p.CreatedAt, AppliedBy: optID(p.AppliedBy), AppliedAt: p.AppliedAt}
}

func bodyOf(p rebalance.SavedPlan) planBody {
	b := planBody{planSummary: summaryOf(p), Moves: make([]planMove, len(p.Moves))}
	for i, m := range p.Moves {
		b.Moves[i] = planMove{OrgID: m.OrgID, FromLiaisonID: optID(m.FromLiaisonID), ToLiaisonID: optID(m.ToLiaisonID)}
	}
	return b
}

// createPlan builds a draft plan for the admin's zone (or zone_id): the
// optimal assignment with its moves and before/after metrics. A request
// no plan can meet answers 422 with the solver's reason.
func (s *Server) createPlan(c *fiber.Ctx) error {
	var req rebalance.Request
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	opts, err := req.Options()
	if err != nil {
		return err
	}
	ctx, cancel := s.planCtx(c)
	defer cancel()
	zoneID, err := s.planZone(ctx, userOf(c), req.ZoneID)
	if err != nil {
		return err
	}
	saved, _, err := rebalance.DraftPlan(ctx, s.store, s.actorOf(c), zoneID, opts)
	if err != nil {
		return err
	}
	c.Location("/api/v1/rebalance/plans/" + strconv.FormatInt(saved.ID, 10))
	c.Status(http.StatusCreated)
	return c.JSON(bodyOf(saved))
}

// planZone is the zone a plan is for: the one asked for, else the
// caller's, else the only one there is. A user of one zone may ask for
// theirs only.
func (s *Server) planZone(ctx context.Context, u grid.User, asked *int64) (int64, error) {
	if asked != nil && u.ZoneID != 0 && *asked != u.ZoneID {
		return 0, errOtherZone("zone_id")
	}
	ref := ""
	switch {
	case asked != nil:
		ref = strconv.FormatInt(*asked, 10)
	case u.ZoneID != 0:
		ref = strconv.FormatInt(u.ZoneID, 10)
	}
	z, err := s.store.FindZone(ctx, ref)
	switch code := grid.ErrorCode(err); {
	case err == nil:
		return z.ID, nil
	case code == grid.ENotFound && asked != nil:
		return 0, grid.Invalid("zone_id", "no zone %d", *asked)
	case code == grid.EInvalid:
		var ge *grid.Error
		errors.As(err, &ge)
		return 0, grid.Invalid("zone_id", "%s", ge.Message)
	}
	return 0, err
}

// errOtherZone refuses a zone asked for in field that is not the
// caller's.
func errOtherZone(field string) error {
	return grid.Invalid(field, "只能查看或调整本人所属园区 / your own zone only")
}

// checkPlanZone answers not found for a plan of another zone than the
// caller's (a user of every zone reads every plan). The listing reads no
// moves: a plan's can be many.
func (s *Server) checkPlanZone(ctx context.Context, u grid.User, id int64) error {
	if u.ZoneID == 0 {
		return nil
	}
	zone := u.ZoneID
	// For the largest id, id+1 wraps below zero: no bound, and the newest
	// plan of the zone is another.
	plans, err := s.store.ListRebalancePlans(ctx, rebalance.PlanFilter{ZoneID: &zone, BeforeID: id + 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(plans) == 0 || plans[0].ID != id {
		return grid.Errorf(grid.ENotFound, "no rebalance plan %d", id)
	}
	return nil
}

// listPlans lists plans newest first, a page at a time: a user of one
// zone, that zone's only.
func (s *Server) listPlans(c *fiber.Ctx) error {
	if err := allowParams(c, "zone", "limit", "cursor"); err != nil {
		return err
	}
	var f rebalance.PlanFilter
	var err error
	if f.ZoneID, err = idParam(c, "zone"); err != nil {
		return err
	}
	if u := userOf(c); u.ZoneID != 0 {
		if f.ZoneID != nil && *f.ZoneID != u.ZoneID {
			return errOtherZone("zone")
		}
		f.ZoneID = &u.ZoneID
	}
	if f.Limit, f.BeforeID, err = pageParams(c, defaultPlanLimit, maxPlanLimit); err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	plans, err := s.store.ListRebalancePlans(ctx, f)
	if err != nil {
		return err
	}
	out := struct {
		Plans []planSummary `json:"plans"`
		Next  *string       `json:"next"`
	}{Plans: make([]planSummary, len(plans))}
	for i, p := range plans {
		out.Plans[i] = summaryOf(p)
	}
	if len(plans) == f.Limit {
		q := currentQuery(c)
		q.Set("cursor", encodeCursor(plans[len(plans)-1].ID))
		next := c.Path() + encodeQuery(q)
		out.Next = &next
	}
	return c.JSON(out)
}

// getPlan answers one plan with its moves.
func (s *Server) getPlan(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	p, err := s.store.FindRebalancePlan(ctx, id)
	if err != nil {
		return err
	}
	if u := userOf(c); u.ZoneID != 0 && p.ZoneID != u.ZoneID {
		return grid.Errorf(grid.ENotFound, "no rebalance plan %d", id)
	}
	return c.JSON(bodyOf(p))
}

// planMoves streams a plan's moves for the map: per moved organization a
// LineString from its old liaison's base through it to the new one's.
func (s *Server) planMoves(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := allowParams(c, "limit", "cursor"); err != nil {
		return err
	}
	u := userOf(c)
	return s.streamPage(c, defaultLayerLimit, maxLayerLimit, func(ctx context.Context, limit int, after int64, emit grid.FeatureFunc) error {
		if err := s.checkPlanZone(ctx, u, id); err != nil {
			return err
		}
		return s.store.EachRebalanceMoveFeature(ctx, id, rebalance.MoveFilter{AfterOrgID: after, Limit: limit}, emit)
	})
}

// applyPlan makes a draft plan the zone's active assignment; 409 when it
// was applied already or the zone's data changed since it was built.
func (s *Server) applyPlan(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.planCtx(c)
	defer cancel()
	// A plan's zone never changes: checked before the apply's transaction.
	if err := s.checkPlanZone(ctx, userOf(c), id); err != nil {
		return err
	}
	p, err := s.store.ApplyRebalancePlan(ctx, s.actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(bodyOf(p))
}

// planCapacity answers how many liaisons full coverage would need, and
// where: per grid, the organizations the grid's liaisons cannot carry at
// their maximum load and how many more liaisons it takes.
func (s *Server) planCapacity(c *fiber.Ctx) error {
	if err := allowParams(c, "zone"); err != nil {
		return err
	}
	asked, err := idParam(c, "zone")
	if err != nil {
		return err
	}
	ctx, cancel := s.planCtx(c)
	defer cancel()
	zoneID, err := s.planZone(ctx, userOf(c), asked)
	if ge := (*grid.Error)(nil); errors.As(err, &ge) && ge.Field == "zone_id" {
		ge.Field = "zone" // this route's parameter
	}
	if err != nil {
		return err
	}
	in, err := s.store.RebalanceInput(ctx, zoneID, rebalance.DefaultOptions())
	if err != nil {
		return err
	}
	r, err := rebalance.Capacity(in)
	if err != nil {
		return err
	}
	return c.JSON(struct {
		ZoneID int64 `json:"zone_id"`
		rebalance.CapacityReport
	}{zoneID, r})
}
