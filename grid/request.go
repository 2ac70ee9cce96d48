package grid

import "time"

// RequestStatus is a step of the closed loop 发现—交办—整改—销号—复核.
type RequestStatus string

// The request statuses.
const (
	StatusReported   RequestStatus = "reported"    // 发现
	StatusAssigned   RequestStatus = "assigned"    // 交办
	StatusInProgress RequestStatus = "in_progress" // 整改
	StatusResolved   RequestStatus = "resolved"    // 销号
	StatusVerified   RequestStatus = "verified"    // 复核通过
	StatusRejected   RequestStatus = "rejected"    // 不予受理

	// StatusOpen is a filter, not a status: every request not yet
	// verified or rejected.
	StatusOpen RequestStatus = "open"
)

// RequestStatuses lists every status a request can be in.
var RequestStatuses = []RequestStatus{StatusReported, StatusAssigned, StatusInProgress, StatusResolved, StatusVerified, StatusRejected}

// RequestCategory sets a request's SLA class.
type RequestCategory string

// The request categories.
const (
	CategoryOrdinary RequestCategory = "ordinary"
	CategoryComplex  RequestCategory = "complex"
)

// RequestTopic is the stage of the enterprise's life a request concerns,
// after the zone's service chain.
type RequestTopic string

// The request topics.
const (
	TopicLanding      RequestTopic = "landing"      // 招商落地
	TopicConstruction RequestTopic = "construction" // 建设运营
	TopicOperations   RequestTopic = "operations"   // 生产经营
	TopicInnovation   RequestTopic = "innovation"   // 创新发展
	TopicRights       RequestTopic = "rights"       // 权益保障
)

// Service-level targets: a first response (assignment) within a day of the
// report, resolution within a period set by the category.
const (
	ResponseTime        = 24 * time.Hour
	OrdinaryResolveTime = 7 * 24 * time.Hour
	ComplexResolveTime  = 30 * 24 * time.Hour
)

// Request is an enterprise's request (诉求) and where it stands in the loop.
type Request struct {
	ID            int64
	ZoneID        int64
	OrgID         int64
	Title         string
	Description   string
	Category      RequestCategory
	Topic         RequestTopic
	Status        RequestStatus
	LiaisonID     int64 // 0 when none
	UnitID        int64 // 0 when none
	ReportedBy    int64
	ResolvedBy    int64
	ReportedAt    time.Time
	ResponseDueAt time.Time
	DueAt         time.Time
	AssignedAt    *time.Time
	ResolvedAt    *time.Time
	ClosedAt      *time.Time
	Resolution    string
	Satisfaction  int // 1-5 once verified, else 0
	ReworkCount   int
	Reminders     int         // 催办 so far
	Supervision   Supervision // the card raised in the current phase
	Version       int
}

// RequestEvent is one step in a request's history, written in the same
// transaction as the state change it records.
type RequestEvent struct {
	ID        int64
	RequestID int64
	At        time.Time
	ActorID   int64
	ActorName string // as shown: display name, else username; empty for the SLA clock
	Action    string
	From      RequestStatus // empty for the report itself
	To        RequestStatus
	Note      string
	Data      map[string]any // action details: assignee, satisfaction, card
}
