package server

import (
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
)

// Page sizes of organization listings.
const (
	defaultOrgLimit = 1000
	maxOrgLimit     = 10000
)

var orgParams = []string{"bbox", "grid", "kind", "limit", "cursor"}

// listOrgs streams organization points, a page at a time, with a next
// link while more remain.
func (s *Server) listOrgs(c *fiber.Ctx) error {
	f, err := parseOrgFilter(c)
	if err != nil {
		return err
	}
	f.Scope = userOf(c).Scope()
	limit := f.Limit
	f.Limit = limit + 1 // one more row tells whether a next page exists
	query := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { query.Set(string(k), string(v)) })
	path := c.Path()
	return s.streamCollection(c, collection{
		query: func(ctx context.Context, emit grid.FeatureFunc) error {
			return s.store.EachOrgFeature(ctx, f, emit)
		},
		limit: limit,
		tail: func(more bool, lastID int64) []geo.Link {
			self := geo.Link{Href: path + encodeQuery(query), Rel: "self", Type: geoJSON}
			if !more {
				return []geo.Link{self}
			}
			next := url.Values{}
			for k, v := range query {
				next[k] = v
			}
			next.Set("cursor", encodeCursor(lastID))
			return []geo.Link{self, {Href: path + encodeQuery(next), Rel: "next", Type: geoJSON}}
		},
	})
}

// getOrg answers one organization as a GeoJSON Feature; one outside the
// caller's scope is not found.
func (s *Server) getOrg(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := grid.OrgFilter{ID: &id, Scope: userOf(c).Scope()}
	return s.sendFeature(c, "organization", func(ctx context.Context, emit grid.FeatureFunc) error {
		return s.store.EachOrgFeature(ctx, f, emit)
	})
}

// patchOrg changes an organization's attributes with optimistic
// concurrency. A role that may not edit gets 403 for an organization it
// can see and 404 for one it cannot, as for everyone else.
func (s *Server) patchOrg(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u := userOf(c)
	if !u.Role.CanEditOrgs() {
		if err := s.getOrg(c); err != nil {
			return err // not visible: 404
		}
		c.Response().ResetBody()
		return grid.Errorf(grid.EForbidden, "role %s may not change organizations", u.Role)
	}
	var patch grid.OrgPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	if _, err := s.store.UpdateOrg(ctx, u.Scope(), grid.Actor{UserID: u.ID, ClientAddr: c.IP()}, id, patch); err != nil {
		return err
	}
	return s.getOrg(c)
}

func encodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// parseOrgFilter reads the organization filters, refusing unknown
// parameters and bad values with the parameter named.
func parseOrgFilter(c *fiber.Ctx) (grid.OrgFilter, error) {
	var f grid.OrgFilter
	if err := allowParams(c, orgParams...); err != nil {
		return f, err
	}
	if raw := c.Query("bbox"); raw != "" {
		b, err := geo.ParseBBox(raw)
		if err != nil {
			return f, grid.Invalid("bbox", "%v", err)
		}
		f.BBox = &b
	}
	var err error
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return f, err
	}
	if raw := c.Query("kind"); raw != "" {
		k := grid.OrgKind(raw)
		if !slices.Contains(grid.OrgKinds, k) {
			return f, grid.Invalid("kind", "must be one of enterprise, new_economic, social")
		}
		f.Kind = &k
	}
	if f.Limit, err = intParam(c, "limit", defaultOrgLimit, 1, maxOrgLimit); err != nil {
		return f, err
	}
	if f.AfterID, err = decodeCursor(c); err != nil {
		return f, err
	}
	return f, nil
}
