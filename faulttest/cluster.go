package faulttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrMissing marks a missing PostgreSQL installation: tests skip on it
// locally and fail under CI=true.
var ErrMissing = errors.New("PostgreSQL server binaries not found")

// Cluster is a private PostgreSQL cluster in a temporary directory,
// reachable only on its own Unix socket, for tests that stop and crash the
// database. It runs as the postgres OS user when the test runs as root.
type Cluster struct {
	Bin    string // /usr/lib/postgresql/N/bin
	Dir    string // everything: data, socket, log
	Data   string
	Socket string
	Port   int
	Log    string
	asUser string // OS user the server runs as ("" for the current one)
}

// binDir finds the newest installed PostgreSQL server's bin directory.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var majors []int
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			continue
		}
		if n, err := strconv.Atoi(filepath.Base(filepath.Dir(d))); err == nil {
			majors = append(majors, n)
		}
	}
	if len(majors) == 0 {
		// Elsewhere (not Debian) the binaries may be on the PATH.
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", fmt.Errorf("%w: no /usr/lib/postgresql/*/bin/initdb and no initdb on PATH (run `make test`, which installs PostgreSQL)", ErrMissing)
	}
	sort.Ints(majors)
	return fmt.Sprintf("/usr/lib/postgresql/%d/bin", majors[len(majors)-1]), nil
}

// NewCluster creates and starts a private cluster with a role and
// database named gridgis, PostGIS and btree_gist installed in it.
func NewCluster(ctx context.Context) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gridgis-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Bin: bin, Dir: dir, Data: filepath.Join(dir, "data"), Socket: filepath.Join(dir, "sock"),
		Log: filepath.Join(dir, "postgres.log")}
	ok := false
	defer func() {
		if !ok {
			c.Remove()
		}
	}()
	if err := os.Mkdir(c.Socket, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		if _, err := exec.LookPath("runuser"); err != nil {
			return nil, fmt.Errorf("%w: running as root needs runuser to start PostgreSQL as postgres", ErrMissing)
		}
		pg, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("%w: running as root needs the postgres OS user: %v", ErrMissing, err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		for _, p := range []string{dir, c.Socket} {
			if err := os.Chown(p, uid, gid); err != nil {
				return nil, err
			}
		}
		c.asUser = "postgres"
	}
	// Any port will do: with no TCP listener it only names the socket.
	c.Port = 20000 + os.Getpid()%20000
	if _, err := c.run(ctx, "initdb", "-D", c.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`
port = %d
listen_addresses = ''
unix_socket_directories = '%s'
max_connections = 60
shared_buffers = 32MB
fsync = on
log_min_messages = warning
`, c.Port, c.Socket)
	if err := c.appendConf(conf); err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	admin, err := pgx.Connect(ctx, c.DSN("postgres", "postgres"))
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	for _, sql := range []string{`CREATE ROLE gridgis LOGIN`, `CREATE DATABASE gridgis OWNER gridgis`} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return nil, fmt.Errorf("%s: %w", sql, err)
		}
	}
	// PostGIS is not a trusted extension: the superuser installs it, and
	// the migrations' CREATE EXTENSION IF NOT EXISTS find it there.
	db, err := pgx.Connect(ctx, c.DSN("postgres", "gridgis"))
	if err != nil {
		return nil, err
	}
	defer db.Close(ctx)
	for _, sql := range []string{`CREATE EXTENSION postgis`, `CREATE EXTENSION btree_gist`} {
		if _, err := db.Exec(ctx, sql); err != nil {
			return nil, fmt.Errorf("%s (are the PostGIS extension files installed?): %w", sql, err)
		}
	}
	ok = true
	return c, nil
}

// appendConf adds settings to postgresql.conf, as its owner.
func (c *Cluster) appendConf(text string) error {
	f, err := os.OpenFile(filepath.Join(c.Data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// DSN is the connection string of database db as role.
func (c *Cluster) DSN(role, db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.Socket, c.Port, role, db)
}

// run runs one of the cluster's binaries as the cluster's OS user.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	path := filepath.Join(c.Bin, name)
	if c.asUser != "" {
		args = append([]string{"-u", c.asUser, "--", path}, args...)
		path = "runuser"
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running: never wait on its output.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "-D", c.Data, "-l", c.Log, "-w", "-t", "60", "start")
	return err
}

// Stop stops the server: mode "fast" (clean shutdown, clients cut off) or
// "immediate" (a crash: no checkpoint, recovery from WAL at the next start).
func (c *Cluster) Stop(ctx context.Context, mode string) error {
	_, err := c.run(ctx, "pg_ctl", "-D", c.Data, "-m", mode, "-w", "-t", "60", "stop")
	return err
}

// Restart is pg_ctl restart in the given mode.
func (c *Cluster) Restart(ctx context.Context, mode string) error {
	_, err := c.run(ctx, "pg_ctl", "-D", c.Data, "-l", c.Log, "-m", mode, "-w", "-t", "60", "restart")
	return err
}

// Remove stops the server if it runs and deletes everything.
func (c *Cluster) Remove() {
	if _, err := os.Stat(filepath.Join(c.Data, "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = c.Stop(ctx, "immediate")
		cancel()
	}
	_ = os.RemoveAll(c.Dir)
}

// LogTail is the end of the server's log, for failure messages.
func (c *Cluster) LogTail() string {
	b, _ := os.ReadFile(c.Log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
