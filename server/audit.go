package server

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// auditRoutes registers the audit log, for admins only.
func (s *Server) auditRoutes(api fiber.Router) {
	api.Get("/audit", allow(grid.ReadAudit), s.listAudit)
}

// listAudit pages through the audit log, newest first: an admin of one
// zone reads that zone's rows only.
func (s *Server) listAudit(c *fiber.Ctx) error {
	if err := allowParams(c, "limit", "before"); err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	before, err := intParam(c, "before", 0, 0, int(^uint(0)>>1))
	if err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	entries, err := s.store.ListAudit(ctx, userOf(c).ZoneID, int64(before), limit)
	if err != nil {
		return err
	}
	out := fiber.Map{"entries": entries}
	if len(entries) == limit {
		out["next"] = c.Path() + "?limit=" + strconv.Itoa(limit) + "&before=" + strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	return c.JSON(out)
}

// audit records an entry for the signed-in caller (if any) and their
// address. A failure to audit is logged, not shown: the action happened.
func (s *Server) audit(c *fiber.Ctx, e grid.AuditEntry) {
	if u, ok := c.Locals(localsUser).(grid.User); ok {
		e.ActorID = u.ID
	}
	e.ClientAddr = s.clientAddr(c)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LookupTimeout)
	defer cancel()
	if err := s.store.Audit(ctx, e); err != nil {
		s.log.Error("audit failed", "action", e.Action, "err", err)
	}
}

func (s *Server) auditAs(c *fiber.Ctx, u grid.User, e grid.AuditEntry) {
	e.ActorID = u.ID
	c.Locals(localsUser, u)
	s.audit(c, e)
}
