package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"gridgis/grid"
	"gridgis/server"
)

// panickyStore panics where the unit list is read, as a bug in a handler
// or a store path would.
type panickyStore struct{ server.Store }

func (panickyStore) Units(context.Context, int64) ([]grid.Unit, error) {
	panic("a bug in the unit list")
}

// A panic in one request answers that request 500 with a problem, is
// logged with its stack, and the server goes on serving.
func TestPanicIsOneRequestsError(t *testing.T) {
	fx := setup(t)
	var logs bytes.Buffer
	srv := server.New(server.Config{WebDir: t.TempDir()}, panickyStore{fx.db}, slog.New(slog.NewTextHandler(&logs, nil)))
	req := jsonRequest(http.MethodGet, "/api/v1/units", "")
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
	status, header, body := send(t, srv, req)
	if status != http.StatusInternalServerError || header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("panicking route: %d %s %s", status, header.Get("Content-Type"), body)
	}
	var p struct{ Code, Detail string }
	if err := json.Unmarshal(body, &p); err != nil || p.Code != grid.EInternal || bytes.Contains(body, []byte("a bug")) {
		t.Fatalf("problem %s: want code internal and no panic text", body)
	}
	if !bytes.Contains(logs.Bytes(), []byte("a bug in the unit list")) || !bytes.Contains(logs.Bytes(), []byte("goroutine")) {
		t.Fatalf("the panic and its stack are not in the log:\n%s", logs.String())
	}
	req = jsonRequest(http.MethodGet, "/api/v1/me", "")
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
	if status, _, body := send(t, srv, req); status != http.StatusOK {
		t.Fatalf("after the panic /me answered %d %s", status, body)
	}
}
