package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve never prints a password, not even the demo's that seed --demo
// showed once: a logins file an older gridgis left behind is not read.
func TestServePrintsNoPasswords(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll(".gridgis", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(".gridgis/demo-logins.txt", []byte("  admin  Sekrit-Old-Pw  admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := configFromEnv()
	cfg.DatabaseURL, cfg.Addr, cfg.WebDir = testDSN, "127.0.0.1:0", t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, cfg, []string{"serve"}, strings.NewReader(""), out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), "http://") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if got := out.String(); !strings.Contains(got, "http://") || strings.Contains(got, "Sekrit-Old-Pw") {
		t.Errorf("serve printed:\n%s", got)
	}
}

// lockedBuffer is a bytes.Buffer that a running command may write while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
