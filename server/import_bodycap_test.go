package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Only the import route takes bodies beyond 8 MiB: another route refuses
// a 9 MiB body from its header alone, before a byte of it is sent, and
// the import still takes 20 MiB.
func TestOnlyTheImportTakesLargeBodies(t *testing.T) {
	z := setupImport(t)
	z.srv.App().Handler() // builds the routes, as a first request would
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go z.srv.App().Server().Serve(ln)

	// announce sends a header announcing a body of n bytes, and none of
	// it, and returns the answer. The deadline only stops a server that
	// waits for the body (its read timeout is 15 s).
	announce := func(path, cookie string, n int) (int, string) {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: gridgis\r\nContent-Type: text/csv\r\n%sContent-Length: %d\r\n\r\n",
			path, cookie, n)
		if _, err := conn.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: no answer before the body was sent: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	// The 413 names the cap that was broken.
	if status, body := announce("/api/v1/organizations/1/contacts", "", 9<<20); status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(body, "8 MiB") || !strings.Contains(body, `"code":"too_large"`) {
		t.Errorf("9 MiB to another route: status %d: %s; want 413 naming the 8 MiB cap", status, body)
	}
	admin := "Cookie: gridgis_session=" + z.sessions["imp-admin"] + "\r\n"
	if status, body := announce("/api/v1/import/organizations", admin, 200<<20); status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(body, "104857600") {
		t.Errorf("200 MiB to the import: status %d: %s; want 413 naming its 100 MiB (104857600 byte) cap", status, body)
	}
	// Only a user who may import gets the import's cap: a stranger, or a
	// planner, is held to 8 MiB before sending a byte of the body.
	planner := "Cookie: gridgis_session=" + z.sessions["imp-planner"] + "\r\n"
	for who, cookie := range map[string]string{"anonymous": "", "forged": "Cookie: gridgis_session=forged\r\n", "planner": planner} {
		if status, body := announce("/api/v1/import/organizations", cookie, 20<<20); status != http.StatusRequestEntityTooLarge ||
			!strings.Contains(body, "8 MiB") {
			t.Errorf("20 MiB to the import from %s: status %d: %s; want 413 naming the 8 MiB cap", who, status, body)
		}
	}

	// 20 MiB to the import: a header row and blank lines, a dry run.
	file := append([]byte("名称,统一社会信用代码,行业,经度,纬度\n"), bytes.Repeat([]byte("\n"), 20<<20)...)
	status, _, body := z.upload(t, "imp-admin", "text/csv", file, "?dry_run=true")
	z.srv.WaitJobs()
	if status != http.StatusAccepted {
		t.Errorf("20 MiB import: status %d: %s", status, strings.TrimSpace(string(body[:min(len(body), 300)])))
	}
}
