package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// Page sizes of a contact log, and the body limit of a logged contact (a
// note of 2000 Chinese characters is 6000 bytes of UTF-8).
const (
	defaultContactLimit = 100
	maxContactLimit     = 1000
	contactBody         = 16 << 10
)

func (s *Server) contactRoutes(api fiber.Router) {
	api.Get("/organizations/:id/contacts", allow(grid.ReadZone), s.listContacts)
	api.Post("/organizations/:id/contacts", allow(grid.ReadZone), limitBody(contactBody), s.createContact)
}

// contactList is a page of an organization's contact log; Next continues
// it while more remain.
type contactList struct {
	Contacts []grid.ContactEntry `json:"contacts"`
	Next     string              `json:"next,omitempty"`
}

// listContacts answers an organization's contact and visit log, newest
// first, a page at a time. An organization outside the caller's scope is
// not found.
func (s *Server) listContacts(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := allowParams(c, "kind", "limit", "cursor"); err != nil {
		return err
	}
	f := grid.ContactFilter{Scope: userOf(c).Scope(), OrgID: id}
	if f.Kind, err = enumParam(c, "kind", grid.ContactKinds); err != nil {
		return err
	}
	limit, before, err := pageParams(c, defaultContactLimit, maxContactLimit)
	if err != nil {
		return err
	}
	f.Limit, f.BeforeID = limit+1, before
	ctx, cancel := s.callCtx(c)
	defer cancel()
	entries, err := s.store.ListContacts(ctx, f)
	if err != nil {
		return err
	}
	out := contactList{Contacts: entries}
	if len(entries) > limit {
		out.Contacts = entries[:limit]
		next := url.Values{}
		if f.Kind != nil {
			next.Set("kind", string(*f.Kind))
		}
		next.Set("limit", strconv.Itoa(limit))
		next.Set("cursor", encodeCursor(entries[limit-1].ID))
		out.Next = c.Path() + "?" + next.Encode()
	}
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return c.JSON(out)
}

// createContact logs a contact or visit. Roles that may log (grid's role
// table) log for the organizations they see; a planner gets 403 for one
// they can see, and everyone 404 for one they cannot.
func (s *Server) createContact(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u := userOf(c)
	scope, err := s.permitOnOrg(c, grid.LogContacts, "log contacts")
	if err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	var in grid.ContactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	contact, err := in.Validate(id, s.now())
	if err != nil {
		return err
	}
	entry, err := s.store.CreateContact(ctx, scope, grid.Actor{UserID: u.ID, ClientAddr: s.clientAddr(c)}, contact)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(entry)
}
