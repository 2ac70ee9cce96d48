package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Observation is one HTTP exchange as a client saw it.
type Observation struct {
	Endpoint   string // a label such as "GET /organizations"
	Start      time.Time
	Dur        time.Duration
	Status     int    // 0 when no answer came
	Err        string // why no answer came: "timeout", "refused", "reset", …
	RetryAfter string // the Retry-After header
	Code       string // the problem's code, for problem answers
	Replayed   bool   // Idempotent-Replayed: true
}

// OK reports a 2xx answer (304 counts: a cached tile is a success).
func (o Observation) OK() bool { return o.Status/100 == 2 || o.Status == http.StatusNotModified }

// Recorder keeps every observation of a run, from any goroutine.
type Recorder struct {
	mu  sync.Mutex
	obs []Observation
}

func (r *Recorder) add(o Observation) {
	r.mu.Lock()
	r.obs = append(r.obs, o)
	r.mu.Unlock()
}

// All returns a copy of the observations so far.
func (r *Recorder) All() []Observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Observation(nil), r.obs...)
}

// Client is one signed-in user of the API.
type Client struct {
	Name string
	base string
	http *http.Client
	rec  *Recorder
}

// Response is an answer with its body.
type Response struct {
	Observation
	Body []byte
}

// SignIn signs username in with POST /api/v1/session; the client keeps
// the session cookie. Every exchange after that is recorded in rec, and
// none waits longer than timeout.
func SignIn(ctx context.Context, base, username, password string, timeout time.Duration, rec *Recorder) (*Client, error) {
	jar, _ := cookiejar.New(nil)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	c := &Client{Name: username, base: base, rec: rec,
		http: &http.Client{Jar: jar, Timeout: timeout, Transport: transport}}
	r := c.Do(ctx, "POST /session", http.MethodPost, "/api/v1/session",
		map[string]string{"username": username, "password": password}, "")
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		return nil, fmt.Errorf("sign in %s: %d %s %s", username, r.Status, r.Err, r.Body)
	}
	return c, nil
}

// Do sends one request (a JSON body when body is not nil, an
// Idempotency-Key when key is not empty), reads the whole answer and
// records it.
func (c *Client) Do(ctx context.Context, endpoint, method, path string, body any, key string) Response {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	o := Observation{Endpoint: endpoint, Start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		panic(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	var out []byte
	if err == nil {
		out, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		o.Status = resp.StatusCode
		o.RetryAfter = resp.Header.Get("Retry-After")
		o.Replayed = resp.Header.Get("Idempotent-Replayed") == "true"
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			var p struct {
				Code string `json:"code"`
			}
			_ = json.Unmarshal(out, &p)
			o.Code = p.Code
		}
		if err != nil { // the answer broke off
			o.Status = 0
		}
	}
	if err != nil {
		o.Err = errKind(ctx, err)
	}
	o.Dur = time.Since(o.Start)
	if ctx.Err() == nil || o.Status != 0 { // not cancelled by the test itself
		c.rec.add(o)
	}
	return Response{Observation: o, Body: out}
}

// errKind names a transport error briefly.
func errKind(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return "cancelled"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "reset"
	}
	return err.Error()
}

// transient reports an outcome worth retrying with the same key: no
// answer, a server error, too busy, or the key's first request still
// running.
func transient(o Observation) bool {
	return o.Status == 0 || o.Status >= 500 || o.Status == http.StatusTooManyRequests ||
		o.Status == http.StatusConflict && o.Code == "idempotency_in_progress"
}

// doneAnswerLost reports the server's word that the key's write was done
// but its answer was lost (the database went away between the commit and
// its acknowledgement): the client knows the write was kept.
func doneAnswerLost(o Observation) bool {
	return o.Status == http.StatusConflict && o.Code == "idempotency_answer_unavailable"
}

// retryDelay follows Retry-After (capped: the test has no time to lose),
// else backs off a little more after each attempt.
func retryDelay(o Observation, attempt int) time.Duration {
	if s, err := strconv.Atoi(o.RetryAfter); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, 2*time.Second)
	}
	return min(time.Duration(attempt)*200*time.Millisecond, time.Second)
}

// write sends a write with Idempotency-Key key and retries it unchanged
// after a transient outcome until another answer comes or ctx ends, as a
// careful client would. It records the write in the ledger.
func (c *Client) write(ctx context.Context, l *Ledger, w Write, endpoint, method, path string, body any) (Response, Write) {
	w.User, w.At = c.Name, time.Now()
	var r Response
	for {
		w.Attempts++
		r = c.Do(ctx, endpoint, method, path, body, w.Key)
		if r.Replayed {
			w.Replayed = true
		}
		if !transient(r.Observation) {
			break
		}
		w.LostAnswer = true
		w.Statuses = append(w.Statuses, r.Status)
		select {
		case <-ctx.Done():
			w.GaveUp = true
			l.add(w)
			return r, w
		case <-time.After(retryDelay(r.Observation, w.Attempts)):
		}
	}
	w.Status = r.Status
	w.Acked = r.OK() || doneAnswerLost(r.Observation)
	w.AnswerLost = doneAnswerLost(r.Observation)
	l.add(w)
	return r, w
}
