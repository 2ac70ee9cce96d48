//go:build !linux

package ingest

import (
	"errors"
	"os/exec"
)

// sandboxCommand: the sandbox needs Linux namespaces; elsewhere GDAL is
// not run at all (see sandbox_linux.go).
func sandboxCommand(cmd *exec.Cmd, dir, prog string, cpuSeconds int, args, env []string) error {
	return errors.New("no sandbox for ogr2ogr on this system")
}
