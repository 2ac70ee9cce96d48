package server

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// Live events: one database listener feeds a hub, the hub fans each event
// out to the open streams whose viewer may see it.
const (
	// hubHistory events are kept so a client that reconnects with
	// Last-Event-ID misses nothing.
	hubHistory = 1024
	// hubJobs jobs' latest progress is kept for their creators.
	hubJobs = 64
	// subscriberBuffer events may wait for a slow client; past that its
	// stream ends and it catches up from the history on reconnecting.
	subscriberBuffer = 256
	// streamHeartbeat keeps proxies from closing a quiet stream and finds
	// clients that have gone.
	streamHeartbeat = 20 * time.Second
	// streamRetry is the reconnection delay the client is told to use.
	streamRetry = 2 * time.Second
	// Open streams are capped per user (a few tabs) and in all, so that
	// no one can tie up the server with them.
	maxStreamsPerUser = 8
	maxStreams        = 2000
)

// message is one event as streamed: seq orders it within this process.
type message struct {
	seq   int64
	event string
	data  []byte
	of    *grid.Event // nil for resync, which every client gets
}

type subscriber struct {
	userID int64
	scope  grid.Scope
	ch     chan message
}

// sees reports whether sub's viewer may learn of e: a job's progress goes
// to the user who started it alone.
func (sub *subscriber) sees(e grid.Event) bool {
	if e.Type == "job" {
		return e.UserID != 0 && e.UserID == sub.userID
	}
	return sub.scope.Sees(e)
}

// hub fans events out to subscribers and remembers the recent ones.
type hub struct {
	mu     sync.Mutex
	epoch  string // tells this process's event ids from another's
	seq    int64
	recent []message
	// forgotten is the newest event dropped from recent: a client whose
	// last event is older missed it.
	forgotten int64
	// jobs holds the latest progress of the last hubJobs jobs, apart from
	// recent, so that a job's many events do not push the shared ones out.
	jobs []message
	subs map[*subscriber]struct{}
	// perUser counts each user's open streams.
	perUser map[int64]int
	closed  bool
	// listening is set once the first listener connected: a later
	// (re)connection may have missed events, so clients resync.
	listening bool
}

func newHub() *hub {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &hub{epoch: hex.EncodeToString(b), subs: map[*subscriber]struct{}{}, perUser: map[int64]int{}}
}

// publish sends e to every subscriber that may see it.
func (h *hub) publish(e grid.Event) {
	data, _ := json.Marshal(e)
	h.send(message{event: e.Type, data: data, of: &e})
}

// connected is called each time the database listener starts; after the
// first time, clients are told to reload what they show.
func (h *hub) connected() {
	h.mu.Lock()
	again := h.listening
	h.listening = true
	h.mu.Unlock()
	if again {
		h.send(message{event: "resync", data: []byte(`{"reason":"reconnected"}`)})
	}
}

func (h *hub) send(m message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.seq++
	m.seq = h.seq
	if m.of != nil && m.of.Type == "job" {
		h.jobs = slices.DeleteFunc(h.jobs, func(o message) bool { return o.of.ID == m.of.ID })
		h.jobs = append(h.jobs, m)
		if len(h.jobs) > hubJobs {
			h.jobs = h.jobs[len(h.jobs)-hubJobs:]
		}
	} else {
		h.recent = append(h.recent, m)
		if len(h.recent) > hubHistory {
			h.forgotten = h.recent[len(h.recent)-hubHistory-1].seq
			h.recent = h.recent[len(h.recent)-hubHistory:]
		}
	}
	for sub := range h.subs {
		if m.of != nil && !sub.sees(*m.of) {
			continue
		}
		select {
		case sub.ch <- m:
		default: // too slow: end its stream, it reconnects and catches up
			h.drop(sub)
		}
	}
}

// id is m's SSE event id.
func (h *hub) id(m message) string { return h.epoch + "-" + strconv.FormatInt(m.seq, 10) }

// subscribe opens a stream for user u. lastID is the Last-Event-ID the
// client sent: the events it missed are queued first, or a resync when
// they are no longer known (another process, or too long ago). It is nil
// when u, or everyone, has too many streams open.
func (h *hub) subscribe(u grid.User, lastID string) *subscriber {
	sub := &subscriber{userID: u.ID, scope: u.Scope(), ch: make(chan message, subscriberBuffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perUser[u.ID] >= maxStreamsPerUser || len(h.subs) >= maxStreams {
		return nil
	}
	if h.closed {
		close(sub.ch)
		return sub
	}
	if lastID != "" {
		h.replay(sub, lastID)
	}
	h.subs[sub] = struct{}{}
	h.perUser[u.ID]++
	return sub
}

// drop ends sub's stream; the caller holds mu.
func (h *hub) drop(sub *subscriber) {
	if _, ok := h.subs[sub]; !ok {
		return
	}
	delete(h.subs, sub)
	close(sub.ch)
	if h.perUser[sub.userID]--; h.perUser[sub.userID] <= 0 {
		delete(h.perUser, sub.userID)
	}
}

func (h *hub) replay(sub *subscriber, lastID string) {
	epoch, seqText, _ := strings.Cut(lastID, "-")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil || epoch != h.epoch || seq > h.seq || seq < h.forgotten {
		sub.ch <- message{seq: h.seq, event: "resync", data: []byte(`{"reason":"missed events"}`)}
		return
	}
	var missed []message
	for _, m := range slices.Concat(h.recent, h.jobs) {
		if m.seq > seq && (m.of == nil || sub.sees(*m.of)) {
			missed = append(missed, m)
		}
	}
	slices.SortFunc(missed, func(a, b message) int { return cmp.Compare(a.seq, b.seq) })
	if len(missed) >= cap(sub.ch) {
		sub.ch <- message{seq: h.seq, event: "resync", data: []byte(`{"reason":"missed events"}`)}
		return
	}
	for _, m := range missed {
		sub.ch <- m
	}
}

// open counts the streams open now.
func (h *hub) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drop(sub)
}

// close ends every stream, for shutdown.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for sub := range h.subs {
		h.drop(sub)
	}
}

// eventRoutes registers the live event stream.
func (s *Server) eventRoutes(api fiber.Router) {
	api.Get("/events", allow(grid.ReadZone), s.events)
}

// events streams live changes (server-sent events) the caller may see:
// "request" (a request's step), "contact" (a contact logged) and
// "resync" (reload: events may have been missed). A stream lasts at most
// EventStreamMax; browsers reconnect with Last-Event-ID and lose nothing.
func (s *Server) events(c *fiber.Ctx) error {
	if err := allowParams(c); err != nil {
		return err
	}
	sub := s.hub.subscribe(userOf(c), c.Get("Last-Event-ID"))
	if sub == nil {
		c.Set(fiber.HeaderRetryAfter, "30")
		return problem(c, http.StatusTooManyRequests, "too_many_streams", "",
			"打开的实时连接过多 / too many live event streams open: close some tabs")
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // no proxy buffering
	maxAge := s.cfg.EventStreamMax
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.hub.unsubscribe(sub)
		end := time.NewTimer(maxAge)
		defer end.Stop()
		beat := time.NewTicker(streamHeartbeat)
		defer beat.Stop()
		fmt.Fprintf(w, "retry: %d\n\n", streamRetry.Milliseconds())
		for w.Flush() == nil {
			select {
			case m, ok := <-sub.ch:
				if !ok {
					return
				}
				fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", s.hub.id(m), m.event, m.data)
			case <-beat.C:
				w.WriteString(": keep-alive\n\n")
			case <-end.C:
				return
			}
		}
	})
	return nil
}

// Run keeps the server's background work going until ctx ends: the
// database listener that feeds live events (reconnecting when the
// connection is lost), the ones that keep the tile and sign-in caches
// fresh, the
// SLA clock that escalates late requests, and the fold of the tiles'
// pending changes.
func (s *Server) Run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		s.hub.close()
	}()
	go s.listen(ctx)
	go s.watchTiles(ctx)
	go s.watchAuth(ctx)
	go s.escalate(ctx)
	go s.forgetKeys(ctx)
	go s.saveUnsaved(ctx)
	go s.failStaleJobs(ctx)
	go s.foldTiles(ctx)
}

// foldTiles folds the store's pending tile changes every couple of
// seconds until ctx ends, when the store keeps any (grid.TileFolder).
// Tiles read the same either way, so a failed fold is only logged and
// tried again at the next tick.
func (s *Server) foldTiles(ctx context.Context) {
	f, ok := s.store.(grid.TileFolder)
	if !ok {
		return
	}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
		_, err := f.FoldTiles(qctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			s.log.Error("folding tile changes failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Server) listen(ctx context.Context) {
	const maxBackoff = 5 * time.Second
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.store.ListenEvents(ctx, func() {
			backoff = 100 * time.Millisecond
			s.hub.connected()
		}, s.hub.publish)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("live events: database listener lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (s *Server) escalate(ctx context.Context) {
	tick := time.NewTicker(s.cfg.EscalateEvery)
	defer tick.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
		n, err := s.store.EscalateRequests(qctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("SLA escalation failed", "err", err)
		case n > 0:
			s.countEscalations(n)
			s.log.Info("SLA escalation", "raised", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
