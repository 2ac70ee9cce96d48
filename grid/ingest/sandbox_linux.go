package ingest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
)

// ogr2ogr reads files a dataset names besides itself: a GeoPackage view
// over a Spatialite VirtualText table reads any path, a MapInfo seamless
// table its parts. So it runs sandboxed: in new user, mount, network, pid
// and IPC namespaces, where the filesystem is a read-only /usr (GDAL, PROJ
// and their libraries), /etc/ld.so.cache, /dev/null and the job's own
// directory at /work, nothing else; with no capabilities, no network, and
// limits on memory, CPU time and file size.
//
// The namespaces come from clone; the mounts must be made inside them,
// before ogr2ogr starts. This binary does that: started again with
// sandboxEnv set, its init (below) lays out the mounts and execs ogr2ogr.

// sandboxEnv marks the process that sets up the sandbox.
const sandboxEnv = "GRIDGIS_OGR_SANDBOX"

// The sandbox's limits besides the CPU time (the run's timeout).
const (
	sandboxMemory   = 2 << 30   // address space
	sandboxFileSize = 512 << 20 // any file GDAL writes (temporary files)
	sandboxFiles    = 256       // open files
)

func init() {
	if os.Getenv(sandboxEnv) != "1" {
		return
	}
	err := sandboxExec(os.Args[1:])
	fmt.Fprintf(os.Stderr, "%s %v\n", sandboxErrPrefix, err)
	os.Exit(126)
}

// sandboxCommand is ogr2ogr run in the sandbox: prog with args, dir (the
// job's directory, seen as /work and the working directory) and env.
// Paths in args must be given as seen inside (under /work).
func sandboxCommand(cmd *exec.Cmd, dir, prog string, cpuSeconds int, args, env []string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	root := filepath.Join(dir, ".root")
	if err := os.Mkdir(root, 0o700); err != nil {
		return err
	}
	cmd.Path = self
	cmd.Args = append([]string{self, dir, strconv.Itoa(cpuSeconds), prog}, args...)
	cmd.Env = append(env, sandboxEnv+"=1")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWNET |
			syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
	}
	return nil
}

// sandboxExec runs in the new namespaces: it makes the mounts, pivots
// into them, drops every capability, sets the limits and execs ogr2ogr.
// args are dir, CPU seconds, the program and its arguments.
func sandboxExec(args []string) error {
	if len(args) < 3 {
		return errors.New("usage: DIR CPU PROG ARGS…")
	}
	// prctl settings are per thread: keep this one to the exec.
	runtime.LockOSThread()
	dir, prog := args[0], args[2]
	cpu, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		return err
	}
	root := filepath.Join(dir, ".root")
	if err := syscall.Mount("none", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := syscall.Mount("tmpfs", root, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size=1m,mode=0755"); err != nil {
		return fmt.Errorf("tmpfs: %w", err)
	}
	// /etc/alternatives: Debian's library choices (libblas.so.3) link there.
	for _, p := range []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/alternatives"} {
		if err := bindInto(root, p, true); err != nil {
			return err
		}
	}
	for _, p := range []string{"/etc/ld.so.cache", "/dev/null", "/dev/zero", "/dev/urandom"} {
		if err := bindInto(root, p, p == "/etc/ld.so.cache"); err != nil {
			return err
		}
	}
	// The program itself, wherever it is installed, at /ogr2ogr.
	if err := bindFile(prog, filepath.Join(root, "ogr2ogr"), true); err != nil {
		return err
	}
	// The job's directory, alone (not recursive: the tmpfs below it stays out).
	work := filepath.Join(root, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		return err
	}
	if err := syscall.Mount(dir, work, "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind the job directory: %w", err)
	}
	old := filepath.Join(root, ".old")
	if err := os.Mkdir(old, 0o700); err != nil {
		return err
	}
	if err := syscall.PivotRoot(root, old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := syscall.Chdir("/"); err != nil {
		return err
	}
	if err := syscall.Unmount("/.old", syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	if err := os.Remove("/.old"); err != nil {
		return err
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, ""); err != nil {
		return fmt.Errorf("read-only root: %w", err)
	}
	if err := syscall.Chdir("/work"); err != nil {
		return err
	}
	for _, l := range []struct {
		res int
		max uint64
	}{
		{syscall.RLIMIT_AS, sandboxMemory}, {syscall.RLIMIT_CPU, cpu}, {syscall.RLIMIT_FSIZE, sandboxFileSize},
		{syscall.RLIMIT_NOFILE, sandboxFiles}, {syscall.RLIMIT_CORE, 0},
	} {
		if err := syscall.Setrlimit(l.res, &syscall.Rlimit{Cur: l.max, Max: l.max}); err != nil {
			return fmt.Errorf("rlimit %d: %w", l.res, err)
		}
	}
	// No capability survives the exec (root in the namespace gets only
	// what the bounding set holds), and none can be gained after it.
	for c := uintptr(0); ; c++ {
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prCapBSetDrop, c, 0); e == syscall.EINVAL {
			break
		} else if e != 0 {
			return fmt.Errorf("drop capability %d: %w", c, e)
		}
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("no_new_privs: %w", e)
	}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if kv != sandboxEnv+"=1" {
			env = append(env, kv)
		}
	}
	return syscall.Exec("/ogr2ogr", append([]string{prog}, args[3:]...), env)
}

const (
	prCapBSetDrop   = 24 // PR_CAPBSET_DROP
	prSetNoNewPrivs = 38 // PR_SET_NO_NEW_PRIVS
)

// bindInto makes p (a directory or file of the host) visible at the same
// path under root; a symlink (/lib → usr/lib) is copied as a symlink, a
// missing path skipped.
func bindInto(root, p string, readOnly bool) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		dst := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	return bindFile(p, filepath.Join(root, p), readOnly)
}

// bindFile bind-mounts the file or directory src at dst, making dst
// first; readOnly binds are remounted read-only, keeping the flags the
// host mount has (the kernel refuses to clear them).
func bindFile(src, dst string, readOnly bool) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if fi.IsDir() {
		err = os.Mkdir(dst, 0o755)
	} else {
		var f *os.File
		if f, err = os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			err = f.Close()
		}
	}
	if err != nil {
		return err
	}
	if err := syscall.Mount(src, dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", src, err)
	}
	if !readOnly {
		return nil
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dst, &st); err != nil {
		return err
	}
	// statfs's ST_* flags have the values of the MS_* ones they mirror.
	const kept = syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC | syscall.MS_NOATIME |
		syscall.MS_NODIRATIME | syscall.MS_RELATIME
	flags := uintptr(syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY) | uintptr(st.Flags)&kept
	if err := syscall.Mount("", dst, "", flags, ""); err != nil {
		return fmt.Errorf("read-only %s: %w", src, err)
	}
	return nil
}
