package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// Idempotency-Key makes every write route safe to retry (as Stripe's API
// and the IETF draft "The Idempotency-Key HTTP Header Field"). A key
// belongs to its user and is remembered for grid.IdempotencyTTL:
//
//   - the first request with a key runs; its claim on the key commits in
//     the same transaction as its write (grid/postgis writeTx), so the key
//     is taken exactly when the write is done, and its answer is saved
//     right after;
//   - a retry with the same method, path and body gets that answer again,
//     with Idempotent-Replayed: true (201 Created replays as 200 OK: the
//     retry created nothing);
//   - the same key with another request is 422 idempotency_key_reused;
//   - a retry while the first still runs is 409 idempotency_in_progress
//     with Retry-After;
//   - when the write committed but its answer was never saved (the
//     process died in between) or was not kept (it carried a secret, as a
//     new API token does), a retry is 409 idempotency_answer_unavailable:
//     the write is never run twice, and the client reads the result.
//
// A request that failed without writing keeps no key: its retry runs
// again. Routes whose store path takes no claim in its transaction (the
// token routes) record the key with the answer after the write: a crash
// between the two forgets the key.
const (
	idempotencyHeader = "Idempotency-Key"
	// maxKeptAnswer is the largest answer kept for replay; larger ones
	// are answered as unavailable on retry.
	maxKeptAnswer = 1 << 20
	// inProgressFor is how long after its claim committed a request
	// without a saved answer counts as still running (saving takes
	// milliseconds); after that its answer was lost.
	inProgressFor = 10 * time.Second
)

// keepNoAnswer marks a request whose answer must not be kept for replay
// (set by its handler, whatever spelling of the path reached it): it
// carries a secret that the server otherwise stores only hashed.
func keepNoAnswer(c *fiber.Ctx) { c.Locals(localsNoKeep, true) }

// localsNoKeep is the Locals key keepNoAnswer sets.
const localsNoKeep = "gridgis.idempotency.nokeep"

// keyRef is one user's key.
type keyRef struct {
	userID int64
	key    string
}

// runningKeys are the keys whose first request this process is running.
type runningKeys struct {
	mu sync.Mutex
	m  map[keyRef]struct{}
}

func (r *runningKeys) start(k keyRef) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[keyRef]struct{}{}
	}
	if _, ok := r.m[k]; ok {
		return false
	}
	r.m[k] = struct{}{}
	return true
}

func (r *runningKeys) done(k keyRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, k)
}

// idempotency runs every write under /api/v1 (sign-in and sign-out
// excepted) that carries an Idempotency-Key; see above.
func (s *Server) idempotency(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
	default:
		return c.Next()
	}
	key := c.Get(idempotencyHeader)
	u, signedIn := c.Locals(localsUser).(grid.User)
	session := strings.EqualFold(strings.TrimRight(c.Path(), "/"), "/api/v1/session") // routes ignore case
	if c.Request().Header.Peek(idempotencyHeader) == nil || !signedIn || session {
		return c.Next() // without a user, allow answers 401
	}
	if err := grid.ValidIdempotencyKey(key); err != nil {
		return err
	}
	ref := keyRef{u.ID, key}
	if !s.keys.start(ref) {
		return idempotencyInProgress(c)
	}
	defer s.keys.done(ref)
	fp := fingerprint(c)
	if prev, found, err := s.findKey(c, ref); err != nil {
		return err
	} else if found {
		return s.answerRetry(c, ref, prev, fp)
	}

	claim := &grid.IdempotencyClaim{UserID: u.ID, Key: key, Fingerprint: fp, Method: c.Method(), Path: c.OriginalURL()}
	c.SetUserContext(grid.WithIdempotencyClaim(c.UserContext(), claim))
	err := c.Next()
	if errors.Is(err, grid.ErrIdempotencyKeyTaken) {
		// Another process ran a request with this key and committed
		// first; this one wrote nothing. Wait briefly for its answer.
		for i := 0; i < 10; i++ {
			prev, found, ferr := s.findKey(c, ref)
			if ferr != nil {
				return ferr
			}
			if found && (prev.Status != 0 || !bytes.Equal(prev.Fingerprint, fp)) {
				return s.answerRetry(c, ref, prev, fp)
			}
			time.Sleep(200 * time.Millisecond)
		}
		return idempotencyInProgress(c)
	}
	if err != nil {
		if !claim.Committed() {
			return err // nothing written: a retry runs again
		}
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	if status := c.Response().StatusCode(); !claim.Committed() && (status < 200 || status > 299) {
		return nil
	}
	s.saveAnswer(c, claim)
	return nil
}

// fingerprint identifies a request: method, path with query, and the body
// as sent.
func fingerprint(c *fiber.Ctx) []byte {
	h := sha256.New()
	h.Write([]byte(c.Method() + "\n" + c.OriginalURL() + "\n" + c.Get(fiber.HeaderContentEncoding) + "\n"))
	h.Write(c.Request().Body())
	return h.Sum(nil)
}

func (s *Server) findKey(c *fiber.Ctx, ref keyRef) (grid.IdempotentResponse, bool, error) {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.LookupTimeout)
	defer cancel()
	return s.store.FindIdempotent(ctx, ref.userID, ref.key)
}

// answerRetry answers a request whose key was used before.
func (s *Server) answerRetry(c *fiber.Ctx, ref keyRef, prev grid.IdempotentResponse, fp []byte) error {
	if prev.Status == 0 && bytes.Equal(prev.Fingerprint, fp) {
		if kept, ok := s.unsaved.get(ref); ok {
			prev = kept.answer // saved to the database once it is back
		}
	}
	switch {
	case !bytes.Equal(prev.Fingerprint, fp):
		return problem(c, http.StatusUnprocessableEntity, "idempotency_key_reused", idempotencyHeader,
			"此键已用于另一个请求，新请求请用新键 / this key was used for a different request: use a new key for a new request")
	case prev.Status == 0 && s.now().Sub(prev.CreatedAt) < inProgressFor:
		return idempotencyInProgress(c)
	case prev.Status == 0 || !prev.Kept:
		return problem(c, http.StatusConflict, "idempotency_answer_unavailable", idempotencyHeader,
			"使用此键的请求已完成，但其应答未保存，请刷新查看结果 / the request with this key was carried out, "+
				"but its answer was not kept: read the resource to see the result")
	}
	status := prev.Status
	if status == http.StatusCreated {
		status = http.StatusOK
	}
	c.Status(status)
	if prev.ContentType != "" {
		c.Set(fiber.HeaderContentType, prev.ContentType)
	}
	if prev.Location != "" {
		c.Set(fiber.HeaderLocation, prev.Location)
	}
	c.Set("Idempotent-Replayed", "true")
	return c.Send(prev.Body)
}

func idempotencyInProgress(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, "1")
	return problem(c, http.StatusConflict, "idempotency_in_progress", idempotencyHeader,
		"使用此键的请求仍在处理中，请稍后重试 / a request with this key is still being processed: retry shortly")
}

// saveAnswer keeps the answer of claim's request for its retries. It runs
// even when the client has gone: that is when a retry will come.
func (s *Server) saveAnswer(c *fiber.Ctx, claim *grid.IdempotencyClaim) {
	resp := c.Response()
	r := grid.IdempotentResponse{Status: resp.StatusCode(), ContentType: string(resp.Header.ContentType()),
		Location: string(resp.Header.Peek(fiber.HeaderLocation))}
	if !resp.IsBodyStream() && len(resp.Body()) <= maxKeptAnswer && c.Locals(localsNoKeep) == nil {
		r.Kept, r.Body = true, bytes.Clone(resp.Body())
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), s.cfg.LookupTimeout)
	defer cancel()
	if err := s.store.SaveIdempotentResponse(ctx, claim, r); err != nil {
		r.Fingerprint, r.CreatedAt = claim.Fingerprint, s.now()
		kept := s.unsaved.put(keyRef{claim.UserID, claim.Key}, unsavedAnswer{claim: claim, answer: r})
		s.log.Error("idempotency: answer not saved", "method", c.Method(), "path", c.Path(), "err", err,
			"kept_until_saved", kept)
	}
}

// maxUnsaved bounds the answers kept in memory while they cannot be saved.
const maxUnsaved = 10_000

// unsavedAnswer is an answer whose saving failed: the write committed,
// then the database went away before the answer could follow.
type unsavedAnswer struct {
	claim  *grid.IdempotencyClaim
	answer grid.IdempotentResponse
}

// unsavedAnswers keeps such answers in memory, so that a retry to this
// process still gets its answer (rather than idempotency_answer_unavailable)
// and saveUnsaved can store them once the database is back.
type unsavedAnswers struct {
	mu sync.Mutex
	m  map[keyRef]unsavedAnswer
}

func (u *unsavedAnswers) put(ref keyRef, a unsavedAnswer) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[keyRef]unsavedAnswer{}
	}
	if len(u.m) >= maxUnsaved {
		return false
	}
	u.m[ref] = a
	return true
}

func (u *unsavedAnswers) get(ref keyRef) (unsavedAnswer, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	a, ok := u.m[ref]
	return a, ok
}

func (u *unsavedAnswers) all() map[keyRef]unsavedAnswer {
	u.mu.Lock()
	defer u.mu.Unlock()
	return maps.Clone(u.m)
}

func (u *unsavedAnswers) drop(ref keyRef) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.m, ref)
}

// saveUnsaved stores the answers kept in memory every few seconds, until
// ctx ends.
func (s *Server) saveUnsaved(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for ref, a := range s.unsaved.all() {
			qctx, cancel := context.WithTimeout(ctx, s.cfg.LookupTimeout)
			err := s.store.SaveIdempotentResponse(qctx, a.claim, a.answer)
			cancel()
			if err != nil {
				break // the database is still away: next tick
			}
			s.unsaved.drop(ref)
		}
	}
}

// forgetKeys removes expired keys every hour until ctx ends.
func (s *Server) forgetKeys(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
		_, err := s.store.ForgetIdempotent(qctx, s.now().Add(-grid.IdempotencyTTL))
		cancel()
		if err != nil && ctx.Err() == nil {
			s.log.Error("forgetting idempotency keys failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// documentFaults adds to the OpenAPI paths what routes answer beyond their
// own documentation: 503 while the database is away (every route but
// /healthz), and on writes the Idempotency-Key header with its 409 and 422.
func documentFaults(paths obj) obj {
	for path, item := range paths {
		ops, _ := item.(obj)
		for method, o := range ops {
			op, _ := o.(obj)
			responses, _ := op["responses"].(obj)
			if responses == nil || path == "/healthz" {
				continue
			}
			addResponse(responses, "503", "Unavailable")
			switch method {
			case "post", "put", "patch", "delete":
			default:
				continue
			}
			if path == "/api/v1/session" {
				continue
			}
			params, _ := op["parameters"].([]obj)
			if !slices.ContainsFunc(params, func(p obj) bool {
				return p["name"] == idempotencyHeader || p["$ref"] == "#/components/parameters/"+idempotencyHeader
			}) {
				op["parameters"] = append(params, paramRef(idempotencyHeader))
			}
			addResponse(responses, "409", "IdempotencyConflict")
			addResponse(responses, "422", "Unprocessable")
		}
	}
	return paths
}

func addResponse(responses obj, status, name string) {
	if _, ok := responses[status]; !ok {
		responses[status] = responseRef(name)
	}
}

func idempotencyParameters() obj {
	return obj{idempotencyHeader: obj{"name": idempotencyHeader, "in": "header", "required": false,
		"description": "Makes a retry safe: 1 to 255 visible ASCII characters, new for each write you mean, " +
			"remembered per user for 24 hours. A retry with the same method, path and body answers the first " +
			"answer again with `Idempotent-Replayed: true` (201 as 200); another request with the key is 422.",
		"schema": obj{"type": "string", "minLength": 1, "maxLength": grid.MaxIdempotencyKey}}}
}

func idempotencyResponses() obj {
	return obj{"IdempotencyConflict": obj{
		"description": "A stale version or an illegal step (`conflict`); or, with an Idempotency-Key, the first request " +
			"with it still running (`idempotency_in_progress`, retry after Retry-After) or done with its answer not " +
			"kept (`idempotency_answer_unavailable`: read the resource).",
		"content": content("application/problem+json", schemaRef("Problem"))}}
}
