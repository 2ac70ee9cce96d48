package server

import (
	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// reassignRequest hands an assigned request to another liaison and/or
// alliance unit (改派) with a reason. A stale version, or a request not
// assigned or being worked, is 409 and changes nothing.
func (s *Server) reassignRequest(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var a grid.Reassignment
	if err := decodeJSON(c, &a); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	u := userOf(c)
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	d, err := s.store.ReassignRequest(ctx, u, s.actorOf(c), id, a)
	if err != nil {
		return err
	}
	return c.JSON(toRequestJSON(d, u, s.now()))
}

// remindRequest records a reminder (催办) to a request's assignee, who
// learns of it on the live stream; reminders count in the KPIs.
func (s *Server) remindRequest(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var m grid.Reminder
	if err := decodeJSON(c, &m); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	u := userOf(c)
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	d, err := s.store.RemindRequest(ctx, u, s.actorOf(c), id, m)
	if err != nil {
		return err
	}
	return c.JSON(toRequestJSON(d, u, s.now()))
}
