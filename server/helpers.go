package server

// Helpers shared by the handlers of every resource.

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// Page sizes of the map layers: liaisons, assignments, requests and plan
// moves.
const (
	defaultLayerLimit = 1000
	maxLayerLimit     = 10000
)

// userOf returns the signed-in caller; routes behind allow always have one.
func userOf(c *fiber.Ctx) grid.User {
	u, _ := c.Locals(localsUser).(grid.User)
	return u
}

// pathID reads the :id route parameter as a positive row id.
func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, grid.Invalid("id", "must be a positive integer id")
	}
	return id, nil
}

// actorOf is the signed-in caller as the author of a change.
func (s *Server) actorOf(c *fiber.Ctx) grid.Actor {
	return grid.Actor{UserID: userOf(c).ID, ClientAddr: s.clientAddr(c)}
}

// optID is a row id for JSON: null for none (0).
func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// queryCtx bounds a handler's queries by the configured QueryTimeout.
func (s *Server) queryCtx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.QueryTimeout)
}

// callCtx bounds a handler's short store calls by the configured
// CallTimeout.
func (s *Server) callCtx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.CallTimeout)
}

// lookupCtx bounds the bookkeeping around a request (who is calling,
// sign-out, tokens) by the configured LookupTimeout.
func (s *Server) lookupCtx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.LookupTimeout)
}

// planCtx bounds building or applying a rebalance plan by the configured
// PlanTimeout.
func (s *Server) planCtx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.PlanTimeout)
}
