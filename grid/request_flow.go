package grid

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RequestAction is one step a user (or the SLA clock) takes on a request.
type RequestAction string

// The request actions.
const (
	ActionReport    RequestAction = "report"    // 发现: the request is raised
	ActionAssign    RequestAction = "assign"    // 交办: handed to a liaison and/or alliance unit
	ActionStart     RequestAction = "start"     // 整改: work begins
	ActionResolve   RequestAction = "resolve"   // 销号: done, with a resolution note
	ActionVerify    RequestAction = "verify"    // 复核通过: closed, with a satisfaction rating
	ActionSendBack  RequestAction = "send_back" // 复核不通过: back to work, counted as rework
	ActionReject    RequestAction = "reject"    // 不予受理: out of scope, with a reason
	ActionSupervise RequestAction = "supervise" // 督办: the SLA clock raised a yellow or red card
)

// TransitionActions are the actions a client may ask for.
var TransitionActions = []RequestAction{ActionAssign, ActionStart, ActionResolve, ActionVerify, ActionSendBack, ActionReject}

// move is one legal kind of transition: from which statuses, to which, and
// the permission it takes.
type move struct {
	from []RequestStatus
	to   RequestStatus
	may  Action
}

// requestMoves is the closed loop. Any action from a status not listed is
// refused. 交办 is the first hand-over only: an assigned request is handed
// on by 改派 (ActionReassign), which keeps its own history entry. 改派 and
// 催办 leave the status as it is (to is empty).
var requestMoves = map[RequestAction]move{
	ActionAssign:   {[]RequestStatus{StatusReported}, StatusAssigned, AssignRequests},
	ActionStart:    {[]RequestStatus{StatusAssigned}, StatusInProgress, WorkRequests},
	ActionResolve:  {[]RequestStatus{StatusInProgress}, StatusResolved, WorkRequests},
	ActionVerify:   {[]RequestStatus{StatusResolved}, StatusVerified, ReviewRequests},
	ActionSendBack: {[]RequestStatus{StatusResolved}, StatusInProgress, ReviewRequests},
	ActionReject:   {[]RequestStatus{StatusReported, StatusAssigned, StatusInProgress}, StatusRejected, RejectRequests},
	ActionReassign: {[]RequestStatus{StatusAssigned, StatusInProgress}, "", ReassignRequests},
	ActionRemind:   {[]RequestStatus{StatusAssigned, StatusInProgress}, "", RemindRequests},
}

// Text limits of requests.
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 5000
	MaxNoteLen        = 2000
	MaxIdempotencyKey = 255
)

// RequestCategories lists the categories; RequestTopics the topics.
var (
	RequestCategories = []RequestCategory{CategoryOrdinary, CategoryComplex}
	RequestTopics     = []RequestTopic{TopicLanding, TopicConstruction, TopicOperations, TopicInnovation, TopicRights}
)

// NewRequest is a request as reported.
type NewRequest struct {
	OrgID       int64           `json:"org_id"`
	Category    RequestCategory `json:"category"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Topic       RequestTopic    `json:"topic"`
}

// Normalize trims the texts, fills the default topic and validates n.
func (n *NewRequest) Normalize() error {
	n.Title = strings.TrimSpace(n.Title)
	n.Description = strings.TrimSpace(n.Description)
	if n.Topic == "" {
		n.Topic = TopicOperations
	}
	switch {
	case n.OrgID <= 0:
		return Invalid("org_id", "required: the id of the organization the request is about")
	case n.Category == "":
		return Invalid("category", "required: ordinary or complex")
	case !slices.Contains(RequestCategories, n.Category):
		return Invalid("category", "must be ordinary or complex, not %q", n.Category)
	case !slices.Contains(RequestTopics, n.Topic):
		return Invalid("topic", "must be one of landing, construction, operations, innovation, rights, not %q", n.Topic)
	case n.Title == "":
		return Invalid("title", "required")
	}
	if err := maxText("title", n.Title, MaxTitleLen); err != nil {
		return err
	}
	return maxText("description", n.Description, MaxDescriptionLen)
}

// Hash identifies n's content, so that a retried report with the same
// idempotency key can be told from a different one.
func (n NewRequest) Hash() string {
	b, _ := json.Marshal(n) // fixed field order: stable
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ValidIdempotencyKey checks a client's Idempotency-Key: 1 to 255
// printable ASCII characters.
func ValidIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKey {
		return Invalid("Idempotency-Key", "must be 1 to %d characters", MaxIdempotencyKey)
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return Invalid("Idempotency-Key", "must be printable ASCII without spaces")
		}
	}
	return nil
}

// SLAPolicy is how long a request may take: to the first response, and to
// resolution by category.
type SLAPolicy struct {
	Response time.Duration
	Ordinary time.Duration
	Complex  time.Duration
}

// DefaultSLA is the zone's service promise: an answer within 24 hours,
// ordinary requests resolved within 7 days, complex ones within 30.
var DefaultSLA = SLAPolicy{Response: ResponseTime, Ordinary: OrdinaryResolveTime, Complex: ComplexResolveTime}

// Validate checks that every duration is positive and the response comes
// before either resolution deadline.
func (p SLAPolicy) Validate() error {
	if p.Response <= 0 || p.Ordinary <= p.Response || p.Complex <= p.Response {
		return Errorf(EInvalid, "SLA durations must be positive and longer for resolution than for the response: %v, %v, %v",
			p.Response, p.Ordinary, p.Complex)
	}
	return nil
}

// Deadlines are the response and resolution deadlines of a request of
// category c reported at t.
func (p SLAPolicy) Deadlines(c RequestCategory, t time.Time) (responseDue, due time.Time) {
	resolve := p.Ordinary
	if c == CategoryComplex {
		resolve = p.Complex
	}
	return t.Add(p.Response), t.Add(resolve)
}

// Transition asks to move a request one step along the loop. Version is
// the version the client last read; the other fields belong to some
// actions only.
type Transition struct {
	Action       RequestAction `json:"action"`
	Version      int           `json:"version"`
	Note         string        `json:"note"`
	LiaisonID    *int64        `json:"liaison_id"`
	UnitID       *int64        `json:"unit_id"`
	Satisfaction *int          `json:"satisfaction"`
}

// Validate checks t on its own, before it meets a request.
func (t *Transition) Validate() error {
	t.Note = strings.TrimSpace(t.Note)
	if t.Action == "" {
		return Invalid("action", "required: one of assign, start, resolve, verify, send_back, reject")
	}
	if !slices.Contains(TransitionActions, t.Action) {
		return Invalid("action", "unknown action %q: use assign, start, resolve, verify, send_back or reject", t.Action)
	}
	if err := validVersion(t.Version); err != nil {
		return err
	}
	if err := maxText("note", t.Note, MaxNoteLen); err != nil {
		return err
	}
	if t.Action == ActionAssign {
		if t.LiaisonID == nil && t.UnitID == nil {
			return Invalid("liaison_id", "assign needs liaison_id, unit_id or both")
		}
		if t.LiaisonID != nil && *t.LiaisonID <= 0 {
			return Invalid("liaison_id", "must be a positive id")
		}
		if t.UnitID != nil && *t.UnitID <= 0 {
			return Invalid("unit_id", "must be a positive id")
		}
	} else if t.LiaisonID != nil || t.UnitID != nil {
		field := "liaison_id"
		if t.LiaisonID == nil {
			field = "unit_id"
		}
		return Invalid(field, "only for assign")
	}
	if t.Action == ActionVerify {
		if t.Satisfaction == nil {
			return Invalid("satisfaction", "required for verify: 1 to 5")
		}
		if *t.Satisfaction < 1 || *t.Satisfaction > 5 {
			return Invalid("satisfaction", "must be 1 to 5, not %d", *t.Satisfaction)
		}
	} else if t.Satisfaction != nil {
		return Invalid("satisfaction", "only for verify")
	}
	if (t.Action == ActionResolve || t.Action == ActionReject) && t.Note == "" {
		what := "the resolution"
		if t.Action == ActionReject {
			what = "the reason"
		}
		return Invalid("note", "required for %s: %s", t.Action, what)
	}
	return nil
}

// Apply takes transition t on r by user by at now and returns the request
// as it becomes, with the event that records the step. It refuses bad
// input (EInvalid), an action the user's role may not take or a review by
// the resolver (EForbidden), and a stale version or an action the status
// does not allow (EConflict). The caller checks scope and persists both
// results together.
func (r Request) Apply(t Transition, by User, now time.Time) (Request, RequestEvent, error) {
	if err := t.Validate(); err != nil {
		return r, RequestEvent{}, err
	}
	if err := r.allows(t.Action, by); err != nil {
		return r, RequestEvent{}, err
	}
	if t.Version != r.Version {
		return r, RequestEvent{}, Errorf(EConflict, "request %d is at version %d, not %d: reload and retry", r.ID, r.Version, t.Version)
	}
	m := requestMoves[t.Action]
	next := r
	next.Status, next.Version = m.to, r.Version+1
	data := map[string]any{}
	switch t.Action {
	case ActionAssign:
		next.LiaisonID, next.UnitID = deref(t.LiaisonID), deref(t.UnitID)
		data["liaison_id"], data["unit_id"] = t.LiaisonID, t.UnitID
		if r.AssignedAt == nil {
			next.AssignedAt = &now
		}
		if r.Status == StatusReported {
			// The response deadline is met; supervision now watches the
			// resolution deadline.
			next.Supervision = SupervisionNone
		}
	case ActionResolve:
		next.Resolution, next.ResolvedAt, next.ResolvedBy = t.Note, &now, by.ID
	case ActionVerify:
		next.Satisfaction, next.ClosedAt = *t.Satisfaction, &now
		data["satisfaction"] = *t.Satisfaction
	case ActionSendBack:
		next.ReworkCount++
		next.Resolution, next.ResolvedAt, next.ResolvedBy = "", nil, 0
	case ActionReject:
		next.Resolution, next.ClosedAt = t.Note, &now
	}
	ev := RequestEvent{RequestID: r.ID, At: now, ActorID: by.ID, Action: string(t.Action),
		From: r.Status, To: next.Status, Note: t.Note, Data: data}
	return next, ev, nil
}

// allows refuses action a on r by user by: a role that may not take it or
// a liaison it is not assigned to (EForbidden), a status it does not
// leave from (EConflict), a review by the resolver (EForbidden).
func (r Request) allows(a RequestAction, by User) error {
	m := requestMoves[a]
	switch {
	case !by.Role.May(m.may):
		return Errorf(EForbidden, "a %s may not %s requests", by.Role, a)
	case !by.Scope().actsOn(r):
		return Errorf(EForbidden, "request %d is not assigned to you", r.ID)
	case !slices.Contains(m.from, r.Status):
		return Errorf(EConflict, "cannot %s a request that is %s", a, r.Status)
	case a == ActionVerify && by.ID == r.ResolvedBy:
		return Errorf(EForbidden, "the reviewer must not be the user who resolved request %d", r.ID)
	}
	return nil
}

// Actions lists the steps by may take on r now, for clients to offer:
// the transitions, then 改派 and 催办.
func (r Request) Actions(by User) []RequestAction {
	out := []RequestAction{}
	for _, a := range OfferedActions {
		if r.allows(a, by) == nil {
			out = append(out, a)
		}
	}
	return out
}

// Supervision is the card the SLA clock has raised on an open request in
// its current phase (response, then resolution).
type Supervision string

// The supervision levels: none, 黄牌 (yellow) and 红牌 (red).
const (
	SupervisionNone   Supervision = "none"
	SupervisionYellow Supervision = "yellow"
	SupervisionRed    Supervision = "red"
)

// Escalation is the supervision r needs at now, and whether it is higher
// than the one already recorded: a card is raised once per level and
// phase, never lowered, and only while the clock runs (not once resolved). The SQL twin is EscalateRequests in grid/postgis.
func (r Request) Escalation(now time.Time) (Supervision, bool) {
	if r.Status.Closed() || r.Status == StatusResolved {
		return r.Supervision, false
	}
	var level Supervision
	switch r.SLA(now) {
	case SLAYellow:
		level = SupervisionYellow
	case SLARed:
		level = SupervisionRed
	default:
		return r.Supervision, false
	}
	if r.Supervision == SupervisionRed || r.Supervision == level {
		return r.Supervision, false
	}
	return level, true
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// maxText refuses text longer than max characters.
func maxText(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "at most %d characters, got %d", max, n)
	}
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if strings.ContainsRune(s, 0) {
		return Invalid(field, "must not contain NUL characters")
	}
	return nil
}
