package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"gridgis/server"
)

// With the default caps, one user's stalled large pages hold that user's
// heavy slots, not anybody else's: their next heavy request is busy,
// their cheap ones pass, and another user's heavy request runs. Once the
// stalled clients go, the slots come back.
func TestHeavyRequestsLimitedPerUser(t *testing.T) {
	ls := startBig(t, server.Config{}) // 2 per user, 4 in all
	var stalled []net.Conn
	for range 2 {
		conn, status, err := ls.stall(t, "big-a", bigPage, 20*time.Second)
		if err != nil || status != "HTTP/1.1 200 OK" {
			t.Fatalf("stalled big page: %q %v", status, err)
		}
		stalled = append(stalled, conn)
	}

	r, err := ls.get("big-a", bigPage)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Code string }
	_ = json.Unmarshal(r.body, &p)
	if r.status != http.StatusTooManyRequests || p.Code != "busy" || r.header.Get("Retry-After") == "" {
		t.Errorf("big-a's third big page: %d %.200s (Retry-After %q), want 429 busy with Retry-After",
			r.status, r.body, r.header.Get("Retry-After"))
	}
	if r, err := ls.getWithin("big-b", bigPage, time.Minute); err != nil || r.status != http.StatusOK {
		t.Errorf("big-b's big page beside big-a's: %d %v", r.status, err)
	}
	for _, target := range []string{"/api/v1/me", "/api/v1/grids", "/api/v1/organizations?grid=1&limit=10",
		"/api/v1/tiles/organizations/16/53700/26500.mvt"} {
		if r, err := ls.get("big-a", target); err != nil || r.status >= 300 {
			t.Errorf("big-a's cheap GET %s: %d %v %.200s", target, r.status, err, r.body)
		}
	}

	for _, conn := range stalled {
		conn.Close()
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		r, err := ls.getWithin("big-a", bigPage, time.Minute)
		if err == nil && r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("big-a's big page a minute after their stalled clients left: %d %v", r.status, err)
		}
	}
}
