package faulttest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Build compiles the gridgis command (cmd/gridgis) into dir and returns
// the binary's path. moduleDir is the repository root.
func Build(ctx context.Context, moduleDir, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH: %w", err)
	}
	bin := filepath.Join(dir, "gridgis")
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/gridgis")
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// Gridgis runs a gridgis subcommand against dbURL and returns its output.
func Gridgis(ctx context.Context, bin, dbURL string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=" + dbURL}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("gridgis %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// AddUser creates user name with password through the CLI, as an operator
// would, or gives an existing one that password.
func AddUser(ctx context.Context, bin, dbURL, name, password string, args ...string) error {
	env := []string{"GRIDGIS_PASSWORD=" + password}
	if _, err := Gridgis(ctx, bin, dbURL, env, append([]string{"user", "add", name}, args...)...); err != nil {
		if _, err2 := Gridgis(ctx, bin, dbURL, env, "user", "passwd", name); err2 != nil {
			return fmt.Errorf("%v; %v", err, err2)
		}
	}
	return nil
}

// Server is `gridgis serve` running as a child process on a free loopback
// port.
type Server struct {
	Base string // http://127.0.0.1:port
	Log  string // the file its output goes to
	cmd  *exec.Cmd
	done chan struct{}
}

// StartServer runs `gridgis serve` against dbURL with env added and waits
// until /readyz answers 200.
func StartServer(ctx context.Context, bin, dbURL, logDir string, env ...string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp(logDir, "gridgis-serve-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	s := &Server{Base: "http://127.0.0.1:" + strconv.Itoa(port), Log: logFile.Name(),
		cmd: exec.Command(bin, "serve"), done: make(chan struct{})}
	s.cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=" + dbURL,
		"GRIDGIS_ADDR=127.0.0.1:" + strconv.Itoa(port)}, env...)...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.After(time.Minute)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("gridgis serve exited (%v):\n%s", s.cmd.ProcessState, s.LogTail())
		case <-deadline:
			s.Stop(5 * time.Second)
			return nil, fmt.Errorf("gridgis serve not ready after a minute:\n%s", s.LogTail())
		case <-ctx.Done():
			s.Stop(5 * time.Second)
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := client.Get(s.Base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Exited reports whether the server process has ended, and how.
func (s *Server) Exited() (bool, string) {
	select {
	case <-s.done:
		return true, s.cmd.ProcessState.String()
	default:
		return false, ""
	}
}

// Stop sends SIGTERM and waits up to grace before killing the server. It
// returns the exit state and whether the server ended by itself.
func (s *Server) Stop(grace time.Duration) (string, bool) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.cmd.ProcessState.String(), true
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.done
		return s.cmd.ProcessState.String(), false
	}
}

// PeakMemory is the server's peak resident set so far (VmHWM), in KiB.
func (s *Server) PeakMemory() (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.Pid()) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if value, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.Pid())
}

// LogTail is the end of the server's output, for failure messages.
func (s *Server) LogTail() string {
	b, _ := os.ReadFile(s.Log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ResetPeak starts the server's peak resident set afresh (Linux's
// clear_refs), so that PeakMemory reads the peak since.
func (s *Server) ResetPeak() error {
	return os.WriteFile("/proc/"+strconv.Itoa(s.Pid())+"/clear_refs", []byte("5"), 0)
}
