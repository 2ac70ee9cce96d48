package server

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb/geojson"

	"gridgis/grid"
)

// requestBody is the largest request body: a title and description at
// their limits in three-byte characters, with room for JSON.
const requestBody = 32 << 10

// requestRoutes registers the service requests: the map layer, reporting
// one, reading one and moving it through its steps.
func (s *Server) requestRoutes(api fiber.Router) {
	api.Get("/requests", allow(grid.ReadZone), s.limitHeavy(wideArea("grid")), s.listRequests)
	api.Post("/requests", allow(grid.ReportRequests), limitBody(requestBody), s.createRequest)
	api.Get("/requests/:id", allow(grid.ReadZone), s.getRequest)
	api.Post("/requests/:id/transitions", allow(grid.ReadZone), limitBody(requestBody), s.transitionRequest)
	api.Post("/requests/:id/reassign", allow(grid.ReassignRequests), limitBody(requestBody), s.reassignRequest)
	api.Post("/requests/:id/remind", allow(grid.RemindRequests), limitBody(requestBody), s.remindRequest)
}

// requestJSON is one request as the API shows it on its own.
type requestJSON struct {
	ID            int64                `json:"id"`
	ZoneID        int64                `json:"zone_id"`
	OrgID         int64                `json:"org_id"`
	OrgName       string               `json:"org_name"`
	GridID        *int64               `json:"grid_id"`
	Location      *geojson.Geometry    `json:"location"` // a Point
	Title         string               `json:"title"`
	Description   string               `json:"description"`
	Category      string               `json:"category"`
	Topic         string               `json:"topic"`
	Status        string               `json:"status"`
	SLA           string               `json:"sla"`
	Supervision   string               `json:"supervision"`
	LiaisonID     *int64               `json:"liaison_id"`
	UnitID        *int64               `json:"unit_id"`
	ReportedBy    *int64               `json:"reported_by"`
	ResolvedBy    *int64               `json:"resolved_by"`
	ReportedAt    time.Time            `json:"reported_at"`
	ResponseDueAt time.Time            `json:"response_due_at"`
	DueAt         time.Time            `json:"due_at"`
	AssignedAt    *time.Time           `json:"assigned_at"`
	ResolvedAt    *time.Time           `json:"resolved_at"`
	ClosedAt      *time.Time           `json:"closed_at"`
	Resolution    string               `json:"resolution"`
	Satisfaction  *int                 `json:"satisfaction"`
	ReworkCount   int                  `json:"rework_count"`
	Reminders     int                  `json:"reminders"`
	Version       int                  `json:"version"`
	Events        []eventJSON          `json:"events"`
	Actions       []grid.RequestAction `json:"actions"`
}

// eventJSON is one step of a request's history.
type eventJSON struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    *int64         `json:"actor_id"`
	ActorName  string         `json:"actor_name"`
	Action     string         `json:"action"`
	FromStatus *string        `json:"from_status"`
	ToStatus   string         `json:"to_status"`
	Note       string         `json:"note"`
	Data       map[string]any `json:"data"`
}

func toRequestJSON(d grid.RequestDetail, by grid.User, now time.Time) requestJSON {
	r := d.Request
	out := requestJSON{ID: r.ID, ZoneID: r.ZoneID, OrgID: r.OrgID, OrgName: d.OrgName, GridID: optID(d.GridID),
		Location: geojson.NewGeometry(d.Location),
		Title:    r.Title, Description: r.Description, Category: string(r.Category), Topic: string(r.Topic),
		Status: string(r.Status), SLA: string(r.SLA(now)), Supervision: string(r.Supervision),
		LiaisonID: optID(r.LiaisonID), UnitID: optID(r.UnitID), ReportedBy: optID(r.ReportedBy),
		ResolvedBy: optID(r.ResolvedBy), ReportedAt: r.ReportedAt, ResponseDueAt: r.ResponseDueAt, DueAt: r.DueAt,
		AssignedAt: r.AssignedAt, ResolvedAt: r.ResolvedAt, ClosedAt: r.ClosedAt, Resolution: r.Resolution,
		ReworkCount: r.ReworkCount, Reminders: r.Reminders, Version: r.Version, Events: []eventJSON{}, Actions: r.Actions(by)}
	if r.Satisfaction > 0 {
		out.Satisfaction = &r.Satisfaction
	}
	for _, e := range d.Events {
		ej := eventJSON{ID: e.ID, At: e.At, ActorID: optID(e.ActorID), ActorName: e.ActorName, Action: e.Action,
			ToStatus: string(e.To), Note: e.Note, Data: e.Data}
		if e.From != "" {
			from := string(e.From)
			ej.FromStatus = &from
		}
		out.Events = append(out.Events, ej)
	}
	return out
}

// createRequest records a reported request. Retries with an
// Idempotency-Key are answered by the idempotency middleware like every
// write's (200 with Idempotent-Replayed, 422 for another body); the key
// is also recorded on the request row, whose unique index (reporter, key)
// answers keys used before that middleware existed the same way.
func (s *Server) createRequest(c *fiber.Ctx) error {
	var n grid.NewRequest
	if err := decodeJSON(c, &n); err != nil {
		return err
	}
	if err := n.Normalize(); err != nil {
		return err
	}
	key := c.Get(idempotencyHeader) // checked by the middleware
	u := userOf(c)
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	d, replayed, err := s.store.CreateRequest(ctx, u, key, n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/v1/requests/"+strconv.FormatInt(d.ID, 10))
	if replayed {
		c.Set("Idempotent-Replayed", "true")
	} else {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(toRequestJSON(d, u, s.now()))
}

// getRequest answers one request with its whole history; one outside the
// caller's scope is not found.
func (s *Server) getRequest(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u := userOf(c)
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	d, err := s.store.FindRequest(ctx, u.Scope(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return c.JSON(toRequestJSON(d, u, s.now()))
}

// transitionRequest moves a request one step along the loop. A stale
// version or a step its status does not allow is 409 and changes nothing.
func (s *Server) transitionRequest(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var t grid.Transition
	if err := decodeJSON(c, &t); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	u := userOf(c)
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	d, err := s.store.TransitionRequest(ctx, u, id, t)
	if err != nil {
		return err
	}
	return c.JSON(toRequestJSON(d, u, s.now()))
}

// requestStatusFilters are the values of the status filter: every status,
// and open for those still in the loop.
var requestStatusFilters = append([]grid.RequestStatus{grid.StatusOpen}, grid.RequestStatuses...)

// listRequests streams request points with status and SLA colour.
func (s *Server) listRequests(c *fiber.Ctx) error {
	if err := allowParams(c, "status", "grid", "overdue", "bbox", "limit", "cursor"); err != nil {
		return err
	}
	f := grid.RequestFilter{Scope: userOf(c).Scope()}
	var err error
	if f.Status, err = enumParam(c, "status", requestStatusFilters); err != nil {
		return err
	}
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return err
	}
	if f.Overdue, err = boolParam(c, "overdue"); err != nil {
		return err
	}
	if f.BBox, err = bboxParam(c); err != nil {
		return err
	}
	return s.streamPage(c, defaultLayerLimit, maxLayerLimit, func(ctx context.Context, limit int, after int64, emit grid.FeatureFunc) error {
		f.Limit, f.AfterID = limit, after
		return s.store.EachRequestFeature(ctx, f, emit)
	})
}
