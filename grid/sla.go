package grid

import "time"

// SLAColour is a request's standing against its deadline.
type SLAColour string

// The SLA colours: in time, in the last 20 % of its time (黄牌), overdue (红牌).
const (
	SLAGreen  SLAColour = "green"
	SLAYellow SLAColour = "yellow"
	SLARed    SLAColour = "red"
)

// Closed reports whether a status ends the loop.
func (s RequestStatus) Closed() bool { return s == StatusVerified || s == StatusRejected }

// Deadline is the request's current deadline: the response deadline until
// it is assigned, then the resolution deadline.
func (r Request) Deadline() time.Time {
	if r.Status == StatusReported {
		return r.ResponseDueAt
	}
	return r.DueAt
}

// SLA is the request's colour at now: a resolved request's clock stopped
// when it was resolved. The SQL twin is request_sla().
func (r Request) SLA(now time.Time) SLAColour {
	if r.Status.Closed() {
		return SLAGreen
	}
	if r.Status == StatusResolved && r.ResolvedAt != nil && r.ResolvedAt.Before(now) {
		now = *r.ResolvedAt
	}
	deadline := r.Deadline()
	switch {
	case now.After(deadline):
		return SLARed
	case !now.Before(deadline.Add(-deadline.Sub(r.ReportedAt) / 5)):
		return SLAYellow
	}
	return SLAGreen
}
