package server_test

import (
	"bufio"
	"bytes"
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

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The header announces 9 MiB; none of it follows. The deadline only
	// stops a server that waits for the body (its read timeout is 15 s).
	head := "POST /api/v1/organizations/1/contacts HTTP/1.1\r\nHost: gridgis\r\nContent-Type: application/json\r\n" +
		"Content-Length: 9437184\r\n\r\n"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("9 MiB to another route: status %d, want 413", res.StatusCode)
	}

	// 20 MiB to the import: a header row and blank lines, a dry run.
	file := append([]byte("名称,统一社会信用代码,行业,经度,纬度\n"), bytes.Repeat([]byte("\n"), 20<<20)...)
	status, _, body := z.upload(t, "imp-admin", "text/csv", file, "?dry_run=true")
	z.srv.WaitJobs()
	if status != http.StatusAccepted {
		t.Errorf("20 MiB import: status %d: %s", status, strings.TrimSpace(string(body[:min(len(body), 300)])))
	}
}
