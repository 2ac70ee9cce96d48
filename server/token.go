package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// maxTokenDays caps a token's life; without expires_in_days it never
// expires until revoked.
const maxTokenDays = 3650

// tokenRoutes registers each user's personal API tokens.
func (s *Server) tokenRoutes(api fiber.Router) {
	api.Post("/tokens", signedIn, limitBody(smallBody), s.createToken)
	api.Get("/tokens", signedIn, s.listTokens)
	api.Delete("/tokens/:id", signedIn, s.revokeToken)
}

type tokenInput struct {
	Name          string `json:"name"`
	ExpiresInDays *int   `json:"expires_in_days"`
}

// createToken issues a personal API token. The secret is in this answer
// only; the server keeps its hash.
func (s *Server) createToken(c *fiber.Ctx) error {
	var in tokenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return grid.Invalid("name", "required, at most 100 characters")
	}
	// Names are shown in terminals and lists: no control characters (NUL
	// included, which PostgreSQL text cannot hold).
	if !utf8.ValidString(in.Name) || strings.ContainsFunc(in.Name, unicode.IsControl) {
		return grid.Invalid("name", "must be text without control characters")
	}
	var expires *time.Time
	if in.ExpiresInDays != nil {
		if *in.ExpiresInDays < 1 || *in.ExpiresInDays > maxTokenDays {
			return grid.Invalid("expires_in_days", "must be from 1 to %d", maxTokenDays)
		}
		t := s.now().Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
		expires = &t
	}
	u := userOf(c)
	keepNoAnswer(c) // the answer carries the token itself
	secret, hash := grid.NewSecret(grid.TokenPrefix)
	ctx, cancel := s.lookupCtx(c)
	defer cancel()
	t, err := s.store.CreateToken(ctx, u.ID, in.Name, hash, expires)
	if err != nil {
		return err
	}
	s.audit(c, grid.AuditEntry{Action: "token_create", Target: "token:" + strconv.FormatInt(t.ID, 10),
		Detail: map[string]any{"name": t.Name}})
	c.Status(http.StatusCreated)
	return c.JSON(fiber.Map{"token": secret, "id": t.ID, "name": t.Name, "created_at": t.CreatedAt, "expires_at": t.ExpiresAt})
}

// listTokens lists the caller's own tokens, without secrets.
func (s *Server) listTokens(c *fiber.Ctx) error {
	ctx, cancel := s.lookupCtx(c)
	defer cancel()
	tokens, err := s.store.ListTokens(ctx, userOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": tokens})
}

// revokeToken revokes one of the caller's tokens (an admin: anyone's).
// Another user's token is not found, not forbidden.
func (s *Server) revokeToken(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u := userOf(c)
	ctx, cancel := s.lookupCtx(c)
	defer cancel()
	if _, err := s.store.RevokeToken(ctx, u.ID, id, u.Role.May(grid.RevokeTokens)); err != nil {
		return err
	}
	s.auth.forgetAll() // here at once; other servers on the notice
	s.audit(c, grid.AuditEntry{Action: "token_revoke", Target: "token:" + strconv.FormatInt(id, 10)})
	return c.SendStatus(http.StatusNoContent)
}
