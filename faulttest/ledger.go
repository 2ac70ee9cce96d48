package faulttest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Kinds of writes the ledger keeps.
const (
	KindContact    = "contact"
	KindRequest    = "request"
	KindTransition = "transition"
)

// Write is one logical write: one Idempotency-Key, however many attempts.
// Its key is also stored with the row (a contact's note, a request's
// idempotency key, a step's note) so the database can be held to it.
type Write struct {
	Kind      string
	Key       string
	User      string
	OrgID     int64
	RequestID int64
	Action    string // a transition's action
	At        time.Time
	Attempts  int
	Statuses  []int // the transient outcomes before the last (0: no answer)
	Status    int   // the last answer's status (0: none)
	Acked     bool  // a 2xx answer came, or the server's word that it was done
	// AnswerLost: the server said the write was done but its answer lost
	// (409 idempotency_answer_unavailable).
	AnswerLost bool
	Replayed   bool // some answer was an idempotent replay
	// LostAnswer: some attempt got no answer or a 5xx, so the write may
	// have committed before its answer was lost.
	LostAnswer bool
	GaveUp     bool // the run ended while it was still being retried
}

// Ledger records every write of a run. Its keys start with a random run
// id, so runs against the same database do not mix.
type Ledger struct {
	Run    string
	n      atomic.Int64
	mu     sync.Mutex
	writes []Write
}

// NewLedger starts a ledger for a fresh run.
func NewLedger() *Ledger {
	return &Ledger{Run: "r" + rand.Text()[:10]}
}

// key makes a new Idempotency-Key for a write of kind.
func (l *Ledger) key(kind string) string {
	return l.Run + "-" + kind[:1] + strconv.FormatInt(l.n.Add(1), 10)
}

func (l *Ledger) add(w Write) {
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()
}

// Writes returns a copy of the writes so far.
func (l *Ledger) Writes() []Write {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Write(nil), l.writes...)
}

// LogContact logs a contact with org orgID as c; its note is its key.
func (l *Ledger) LogContact(ctx context.Context, c *Client, orgID int64) Write {
	key := l.key(KindContact)
	_, w := c.write(ctx, l, Write{Kind: KindContact, Key: key, OrgID: orgID}, "POST /organizations/{id}/contacts",
		http.MethodPost, "/api/v1/organizations/"+strconv.FormatInt(orgID, 10)+"/contacts",
		map[string]string{"kind": "contact", "note": key})
	return w
}

// Crew are the users who take requests around the loop in a Flow.
type Crew struct {
	Officer   *Client // reports and assigns
	Worker    *Client // starts and resolves: a liaison, or the officer
	Reviewer  *Client // verifies: never the one who resolved
	LiaisonID int64   // whom the officer hands requests to
}

// Flow is one request on its way around the loop 发现—交办—整改—销号—复核,
// one step per call of Step.
type Flow struct {
	Crew    Crew
	OrgID   int64
	ID      int64
	Version int
	Status  string
	Done    bool
}

// requestAnswer is the part of a request answer a flow needs.
type requestAnswer struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	Version int    `json:"version"`
}

// Step takes the flow's next write and records it in l. The flow is done
// once the request is verified or a write was not acknowledged (it is
// then left where it is, as a user would leave it to reload).
func (f *Flow) Step(ctx context.Context, l *Ledger) Write {
	var (
		c      *Client
		r      Response
		w      Write
		action string
		body   map[string]any
	)
	if f.ID == 0 {
		key := l.key(KindRequest)
		r, w = f.Crew.Officer.write(ctx, l, Write{Kind: KindRequest, Key: key, OrgID: f.OrgID}, "POST /requests",
			http.MethodPost, "/api/v1/requests", map[string]any{"org_id": f.OrgID, "category": "ordinary",
				"title": "故障测试诉求 " + key, "description": "fault and load test"})
		f.take(r, w)
		return w
	}
	key := l.key(KindTransition)
	switch f.Status {
	case "reported":
		c, action, body = f.Crew.Officer, "assign", map[string]any{"liaison_id": f.Crew.LiaisonID}
	case "assigned":
		c, action, body = f.Crew.Worker, "start", map[string]any{}
	case "in_progress":
		c, action, body = f.Crew.Worker, "resolve", map[string]any{}
	case "resolved":
		c, action, body = f.Crew.Reviewer, "verify", map[string]any{"satisfaction": 5}
	default:
		f.Done = true
		return Write{}
	}
	body["action"], body["version"], body["note"] = action, f.Version, key
	r, w = c.write(ctx, l, Write{Kind: KindTransition, Key: key, OrgID: f.OrgID, RequestID: f.ID, Action: action},
		"POST /requests/{id}/transitions", http.MethodPost,
		"/api/v1/requests/"+strconv.FormatInt(f.ID, 10)+"/transitions", body)
	f.take(r, w)
	return w
}

// take moves the flow to the request as an acknowledged answer shows it.
func (f *Flow) take(r Response, w Write) {
	var a requestAnswer
	if !w.Acked || json.Unmarshal(r.Body, &a) != nil || a.ID == 0 {
		f.Done = true
		return
	}
	f.ID, f.Status, f.Version = a.ID, a.Status, a.Version
	f.Done = a.Status == "verified" || a.Status == "rejected"
}

// Summary counts a ledger's writes by kind and outcome.
func (l *Ledger) Summary() string {
	type tally struct{ all, acked, replayed, retried, lost, answerLost, gaveUp int }
	by := map[string]*tally{}
	for _, w := range l.Writes() {
		t := by[w.Kind]
		if t == nil {
			t = &tally{}
			by[w.Kind] = t
		}
		t.all++
		if w.Acked {
			t.acked++
		}
		if w.Replayed {
			t.replayed++
		}
		if w.Attempts > 1 {
			t.retried++
		}
		if w.LostAnswer {
			t.lost++
		}
		if w.AnswerLost {
			t.answerLost++
		}
		if w.GaveUp {
			t.gaveUp++
		}
	}
	out := ""
	for _, k := range []string{KindContact, KindRequest, KindTransition} {
		if t := by[k]; t != nil {
			out += fmt.Sprintf("  %-10s %5d sent, %5d acknowledged, %4d retried, %4d replayed, %4d done with the answer lost, %4d gave up\n",
				k, t.all, t.acked, t.retried, t.replayed, t.answerLost, t.gaveUp)
		}
	}
	return out
}
