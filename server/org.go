package server

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// Page sizes of organization listings.
const (
	defaultOrgLimit = 1000
	maxOrgLimit     = 10000
)

var orgParams = []string{"bbox", "grid", "kind", "industry", "party_org", "liaison", "q", "limit", "cursor",
	"overdue", "status", "located"}

// orgRoutes registers the organizations: listing, reading, registering,
// editing, moving, retiring and assigning their liaison by hand.
func (s *Server) orgRoutes(api fiber.Router) {
	api.Get("/organizations", allow(grid.ReadZone), s.limitHeavy(wideArea("grid", "liaison")), s.listOrgs)
	api.Post("/organizations", allow(grid.EditOrgs), limitBody(smallBody), s.postOrg)
	api.Get("/organizations/:id", allow(grid.ReadZone), s.getOrg)
	api.Patch("/organizations/:id", allow(grid.ReadZone), limitBody(smallBody), s.patchOrg)
	api.Post("/organizations/:id/retire", allow(grid.ReadZone), limitBody(smallBody), s.retireOrg)
	api.Put("/organizations/:id/liaison", allow(grid.ReadZone), limitBody(smallBody), s.putOrgLiaison)
}

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
	return s.streamCollection(c, page{limit: limit}, func(ctx context.Context, emit grid.FeatureFunc) error {
		return s.store.EachOrgFeature(ctx, f, emit)
	})
}

// getOrg answers one organization, of any status, as a GeoJSON Feature;
// one outside the caller's scope is not found.
func (s *Server) getOrg(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := grid.OrgFilter{ID: &id, Scope: userOf(c).Scope(), Status: "all"}
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
	scope, err := s.permitOnOrg(c, grid.EditOrgs, "change organizations")
	if err != nil {
		return err
	}
	var patch grid.OrgPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	if _, err := s.store.UpdateOrg(ctx, scope, grid.Actor{UserID: u.ID, ClientAddr: s.clientAddr(c)}, id, patch); err != nil {
		return err
	}
	return s.getOrg(c)
}

// orgInput is the body of POST /organizations: the attributes and a
// GeoJSON Point (WGS84), which only an admin may leave out.
type orgInput struct {
	Name         string          `json:"name"`
	USCC         string          `json:"uscc"`
	Kind         grid.OrgKind    `json:"kind"`
	Industry     string          `json:"industry"`
	Employees    int             `json:"employees"`
	PartyMembers int             `json:"party_members"`
	PartyOrg     grid.PartyOrg   `json:"party_org"`
	HighTech     bool            `json:"high_tech"`
	Specialized  bool            `json:"specialized"`
	Address      string          `json:"address"`
	Geometry     json.RawMessage `json:"geometry"`
}

// org checks the body and returns the organization it describes.
func (in orgInput) org(zoneID int64) (grid.Org, error) {
	o := grid.Org{ZoneID: zoneID, Name: in.Name, USCC: in.USCC, Kind: in.Kind, Industry: in.Industry,
		Employees: in.Employees, PartyMembers: in.PartyMembers, PartyOrg: in.PartyOrg, HighTech: in.HighTech,
		Specialized: in.Specialized, Address: in.Address}
	if o.PartyOrg == "" {
		o.PartyOrg = grid.PartyNone
	}
	raw := bytes.TrimSpace(in.Geometry)
	if len(raw) == 0 || string(raw) == "null" {
		o.Unlocated = true
	} else {
		var err error
		if o.Location, err = grid.ParsePoint("geometry", raw); err != nil {
			return o, err
		}
	}
	return o, o.Validate()
}

// postOrg registers an organization in the caller's zone. The rule
// 行业归口、属地兜底 gives its grid; an officer may register only what it
// puts in their grids (else 403 naming the deciding field).
func (s *Server) postOrg(c *fiber.Ctx) error {
	u := userOf(c)
	scope, err := u.Permit(grid.EditOrgs)
	if err != nil {
		return err
	}
	var in orgInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	zoneID, err := s.orgZone(ctx, c, u)
	if err != nil {
		return err
	}
	o, err := in.org(zoneID)
	if err != nil {
		return err
	}
	if o, err = s.store.AddOrg(ctx, scope, s.actorOf(c), o); err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/v1/organizations/"+strconv.FormatInt(o.ID, 10))
	c.Status(fiber.StatusCreated)
	f := grid.OrgFilter{ID: &o.ID, Scope: grid.Scope{All: true}, Status: "all"}
	return s.sendFeature(c, "organization", func(ctx context.Context, emit grid.FeatureFunc) error {
		return s.store.EachOrgFeature(ctx, f, emit)
	})
}

// orgZone is the zone a new organization is registered in: the one
// zone= names (an id or a code), else the caller's, else the only one.
// A user of one zone registers in theirs only.
func (s *Server) orgZone(ctx context.Context, c *fiber.Ctx, u grid.User) (int64, error) {
	z, err := s.store.FindZone(ctx, importZoneRef(c, u))
	switch {
	case grid.ErrorCode(err) == grid.ENotFound:
		return 0, grid.Invalid("zone", "没有这个园区 / no such zone")
	case err != nil:
		return 0, err // among several zones: a problem on zone asking for one
	case u.ZoneID != 0 && z.ID != u.ZoneID:
		return 0, errOtherZone("zone")
	}
	return z.ID, nil
}

// retireOrg retires an organization (迁出 moved_out or 注销
// deregistered, with a date): it stays readable with its history but
// leaves the map, lists and coverage, and its liaison assignment ends.
func (s *Server) retireOrg(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	scope, err := s.permitOnOrg(c, grid.EditOrgs, "retire organizations")
	if err != nil {
		return err
	}
	var r grid.Retirement
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	if _, err := s.store.RetireOrg(ctx, scope, s.actorOf(c), id, r); err != nil {
		return err
	}
	return s.getOrg(c)
}

// parseOrgFilter reads the organization filters, refusing unknown
// parameters and bad values with the parameter named.
func parseOrgFilter(c *fiber.Ctx) (grid.OrgFilter, error) {
	var f grid.OrgFilter
	if err := allowParams(c, orgParams...); err != nil {
		return f, err
	}
	var err error
	if f.BBox, err = bboxParam(c); err != nil {
		return f, err
	}
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return f, err
	}
	if f.LiaisonID, err = idParam(c, "liaison"); err != nil {
		return f, err
	}
	if f.Kind, err = enumParam(c, "kind", grid.OrgKinds); err != nil {
		return f, err
	}
	if f.PartyOrg, err = enumParam(c, "party_org", grid.PartyOrgs); err != nil {
		return f, err
	}
	if f.Overdue, err = enumParam(c, "overdue", grid.ContactKinds); err != nil {
		return f, err
	}
	if f.Industry, err = textParam(c, "industry", 50); err != nil {
		return f, err
	}
	if f.Query, err = textParam(c, "q", 100); err != nil {
		return f, err
	}
	if st, err := enumParam(c, "status", grid.OrgStatusFilters); err != nil {
		return f, err
	} else if st != nil {
		f.Status = *st
	}
	if f.Located, err = boolParam(c, "located"); err != nil {
		return f, err
	}
	f.Limit, f.AfterID, err = pageParams(c, defaultOrgLimit, maxOrgLimit)
	return f, err
}

// permitOnOrg returns the scope in which the caller may take action a on
// the path's organization (grid's role table). A role that may not takes
// 404 when it cannot see the organization, as everyone does, else 403
// saying what it may not do.
func (s *Server) permitOnOrg(c *fiber.Ctx, a grid.Action, what string) (grid.Scope, error) {
	u := userOf(c)
	scope, err := u.Permit(a)
	if err == nil {
		return scope, nil
	}
	id, err := pathID(c)
	if err != nil {
		return scope, err
	}
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	n, err := s.store.CountOrgs(ctx, grid.OrgFilter{Scope: u.Scope(), ID: &id})
	if err != nil {
		return scope, err
	}
	if n == 0 {
		return scope, grid.Errorf(grid.ENotFound, "no organization %d", id)
	}
	return scope, grid.Errorf(grid.EForbidden, "role %s may not %s", u.Role, what)
}

// liaisonInput is the body of PUT .../liaison. liaison_id is raw so that
// a missing one (refused) differs from null (unassign).
type liaisonInput struct {
	LiaisonID json.RawMessage `json:"liaison_id"`
	Pinned    *bool           `json:"pinned"`
}

// change checks the body and returns the change it asks for.
func (in liaisonInput) change() (grid.LiaisonChange, error) {
	var ch grid.LiaisonChange
	if in.Pinned != nil {
		ch.Pinned = *in.Pinned
	}
	raw := bytes.TrimSpace(in.LiaisonID)
	switch {
	case len(raw) == 0:
		return ch, grid.Invalid("liaison_id", "required: a liaison id, or null to unassign")
	case string(raw) == "null":
	default:
		var id int64
		if err := json.Unmarshal(raw, &id); err != nil || id <= 0 {
			return ch, grid.Invalid("liaison_id", "must be a positive integer id, or null to unassign")
		}
		ch.LiaisonID = &id
	}
	return ch, ch.Validate()
}

// putOrgLiaison assigns an organization's liaison by hand (cause manual),
// optionally pinned so that rebalancing keeps it; liaison_id null
// unassigns. Admins may give any active liaison of the zone; an officer,
// for an organization of their grid, a liaison of that same grid. Other
// roles get 403 for an organization they can see, 404 for one they
// cannot.
func (s *Server) putOrgLiaison(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	scope, err := s.permitOnOrg(c, grid.AssignLiaisons, "assign liaisons")
	if err != nil {
		return err
	}
	var in liaisonInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ch, err := in.change()
	if err != nil {
		return err
	}
	ctx, cancel := s.callCtx(c)
	defer cancel()
	out, err := s.store.SetOrgLiaison(ctx, scope, s.actorOf(c), id, ch)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
