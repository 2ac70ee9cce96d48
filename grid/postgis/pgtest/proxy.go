package pgtest

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Proxy is a TCP relay between a test's pool and the real database, so a
// test can take "the database" away (Cut) and give it back (Restore)
// without touching the shared cluster.
type Proxy struct {
	// DSN connects through the proxy to dsn's database.
	DSN string

	addr     string // 127.0.0.1:port, kept across Cut and Restore
	upstream func() (net.Conn, error)

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	// gate is open (nil) while bytes flow; while stalled, relays wait
	// for it to close.
	gate chan struct{}
}

// NewProxy starts a proxy to the database dsn names; it stops when the test
// ends.
func NewProxy(t testing.TB, dsn string) *Proxy {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	network, target := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, target = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	p := &Proxy{conns: map[net.Conn]struct{}{},
		upstream: func() (net.Conn, error) { return net.Dial(network, target) }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	_, port, _ := net.SplitHostPort(p.addr)
	p.DSN = throughProxy(dsn, port)
	t.Cleanup(p.Cut)
	return p
}

// throughProxy points dsn at 127.0.0.1:port, keeping its database, user
// and other settings. Over a Unix-socket upstream the server offers no TLS.
func throughProxy(dsn, port string) string {
	if u, err := url.Parse(dsn); err == nil && strings.HasPrefix(u.Scheme, "postgres") {
		u.Host = "127.0.0.1:" + port
		q := u.Query()
		q.Del("host")
		q.Del("port")
		if q.Get("sslmode") == "" {
			q.Set("sslmode", "prefer")
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " host=127.0.0.1 port=" + port
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.relay(c)
		}
	}()
}

func (p *Proxy) relay(client net.Conn) {
	p.wait()
	server, err := p.upstream()
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // cut while dialling
		p.mu.Unlock()
		client.Close()
		server.Close()
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				p.wait()
				if _, err := dst.Write(buf[:n]); err != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	client.Close()
	server.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// wait returns when bytes may flow.
func (p *Proxy) wait() {
	p.mu.Lock()
	gate := p.gate
	p.mu.Unlock()
	if gate != nil {
		<-gate
	}
}

// Stall makes the database unreachable without a word, as a network
// partition does: connections are accepted and kept, but nothing passes
// either way until Resume.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate == nil {
		p.gate = make(chan struct{})
	}
}

// Resume lets bytes flow again after Stall.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
}

// Cut takes the database away: the listener closes (new connections are
// refused) and every open connection drops, as in a crash or restart.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate != nil { // release stalled relays: their connections close below
		close(p.gate)
		p.gate = nil
	}
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// Restore gives the database back on the same address.
func (p *Proxy) Restore() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.serve(ln)
	return nil
}
