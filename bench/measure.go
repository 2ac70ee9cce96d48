package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// client calls the endpoint with the bench's API token.
type client struct {
	http  *http.Client
	base  string
	token string
}

func newClient(base, token string, conns int) *client {
	return &client{
		http: &http.Client{
			Timeout: 2 * time.Minute,
			// Bodies are read as sent: no transparent decompression.
			Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: conns},
		},
		base:  base,
		token: token,
	}
}

// get fetches path, with gzip when asked, and reads the whole body. It
// keeps the body only when keep is set (for the bytes check); otherwise
// it returns just the byte count.
func (c *client) get(ctx context.Context, path string, gzip, keep bool) ([]byte, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return nil, 0, fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	if gzip && resp.Header.Get("Content-Encoding") != "gzip" {
		return nil, 0, fmt.Errorf("GET %s: asked for gzip, got Content-Encoding %q", path, resp.Header.Get("Content-Encoding"))
	}
	if keep {
		b, err := io.ReadAll(resp.Body)
		return b, int64(len(b)), err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	return nil, n, err
}

// call is one timed operation.
type call func(ctx context.Context) error

// budget is how long, and how many times at least, each measurement runs.
type budget struct {
	minTime time.Duration
	minRuns int
	// burst is how many calls of each a turn of interleaved makes in a
	// row (0: one).
	burst int
	// maxTime ends a measurement that has run this long with at least
	// fewestRuns calls, short of minRuns: a slow request (a tile of a
	// million rows on a busy machine) would otherwise take many minutes.
	maxTime time.Duration
}

// fewestRuns is the least calls a measurement makes, whatever maxTime.
const fewestRuns = 5

// more reports whether a measurement that made runs calls in elapsed
// should make another.
func (b budget) more(runs int, elapsed time.Duration) bool {
	if runs < fewestRuns {
		return true
	}
	if b.maxTime > 0 && elapsed >= b.maxTime {
		return false
	}
	return runs < b.minRuns || elapsed < b.minTime
}

// timeOne runs fn once and returns how long it took.
func timeOne(ctx context.Context, fn call) (time.Duration, error) {
	start := time.Now()
	err := fn(ctx)
	return time.Since(start), err
}

// interleaved measures the calls one at a time, taking turns (a, b, c,
// a, b, c, …), so that whatever else loads the machine weighs on each
// alike and their ratios hold even on a noisy machine. A turn makes
// b.burst calls of each in a row (a a a, b b b, …): one client's requests
// one after another, as concurrency 1 means. Alone, each call would run
// after the others' processes had the CPUs: on this virtual machine that
// costs every call 1–2 ms of waking (processes, caches), the same for the
// baseline and the endpoint, which hides the difference of small answers.
func interleaved(ctx context.Context, b budget, calls ...call) ([]stats, error) {
	lat := make([][]time.Duration, len(calls))
	busy := make([]time.Duration, len(calls))
	burst := max(b.burst, 1)
	start := time.Now()
	for i := 0; b.more(i*burst, time.Since(start)); i++ {
		// Each turn starts with the next call, so that none always runs
		// right after another that warmed its pages.
		for k := range calls {
			j := (i + k) % len(calls)
			for range burst {
				d, err := timeOne(ctx, calls[j])
				if err != nil {
					return nil, err
				}
				lat[j] = append(lat[j], d)
				busy[j] += d
			}
		}
	}
	out := make([]stats, len(calls))
	for j := range calls {
		out[j] = summarize(lat[j], busy[j])
	}
	return out, nil
}

// concurrent measures fn run by conc workers at once, each starting its
// next call as soon as the last one ends.
func concurrent(ctx context.Context, b budget, conc int, fn call) (stats, error) {
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs []error
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				done := len(errs) > 0 || !b.more(len(lat), time.Since(start))
				mu.Unlock()
				if done {
					return
				}
				d, err := timeOne(ctx, fn)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return stats{}, errs[0]
	}
	return summarize(lat, time.Since(start)), nil
}

// warmUp runs each call a few times, so that statements are prepared,
// connections open and caches warm before anything is timed.
func warmUp(ctx context.Context, n int, calls ...call) error {
	for range n {
		for _, fn := range calls {
			if err := fn(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// send sends in as JSON with method to path, checks for a 2xx answer and
// decodes it into out (when not nil).
func (c *client) send(ctx context.Context, method, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b[:min(len(b), 1000)])
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
