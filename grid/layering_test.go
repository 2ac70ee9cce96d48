package grid_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Import paths the layering rules name.
const (
	pgx       = "github.com/jackc/pgx/v5"
	fiber     = "github.com/gofiber/fiber/v2"
	module    = "gridgis"
	gridPkg   = "gridgis/grid"
	geoPkg    = "gridgis/geo"
	rebalance = "gridgis/grid/rebalance"
	demo      = "gridgis/grid/demo"
	postgis   = "gridgis/grid/postgis"
	server    = "gridgis/server"
	report    = "gridgis/grid/report"
	ingest    = "gridgis/grid/ingest"
	pgtest    = "gridgis/grid/postgis/pgtest"
)

// forbidden mirrors the rules the doc.go files state: what each package
// must not depend on, directly or through another package, in its non-test
// code. A path also forbids the packages under it (pgx/v5/pgxpool, …).
var forbidden = map[string][]string{
	geoPkg:    {module, pgx, fiber},
	gridPkg:   {pgx, fiber, rebalance, demo, postgis, server},
	rebalance: {pgx, fiber, demo, postgis, server},
	demo:      {pgx, fiber, postgis, server},
	postgis:   {fiber, demo, server},
	server:    {pgx, postgis, demo},
	report:    {pgx, fiber, rebalance, demo, postgis, server},
	ingest:    {pgx, fiber, rebalance, demo, postgis, server},
}

// listedPackage is what go list says of one package.
type listedPackage struct {
	ImportPath string
	Name       string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
}

// onlyCommands are the packages that only commands (package main), tests
// and the packages listed may import.
var onlyCommands = map[string][]string{
	postgis: {pgtest},
	demo:    nil,
}

// TestLayering fails when a package depends on something its doc.go
// forbids, naming the package, the import and the path through which it
// comes in, or when a package imports one of onlyCommands it may not.
func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	for _, pkg := range slices.Sorted(maps.Keys(forbidden)) {
		banned := forbidden[pkg]
		p, ok := pkgs[pkg]
		if !ok {
			t.Errorf("%s is not in the module: update the layering rules", pkg)
			continue
		}
		for _, b := range banned {
			if imp := slices.IndexFunc(p.Imports, func(i string) bool { return within(i, b) }); imp >= 0 {
				t.Errorf("%s imports %s, which its doc.go forbids", pkg, p.Imports[imp])
			} else if dep := slices.IndexFunc(p.Deps, func(d string) bool { return within(d, b) }); dep >= 0 {
				t.Errorf("%s imports %s through %s, which its doc.go forbids",
					pkg, p.Deps[dep], strings.Join(through(pkgs, p, p.Deps[dep]), ", "))
			}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[path]
		if !within(path, module) || p.Name == "main" {
			continue
		}
		for _, imp := range p.Imports {
			if allowed, ok := onlyCommands[imp]; ok && !slices.Contains(allowed, path) {
				t.Errorf("%s imports %s, which only %s may", path, imp,
					strings.Join(append([]string{"commands", "tests"}, allowed...), ", "))
			}
		}
	}
}

// within reports whether path is pkg or a package under it.
func within(path, pkg string) bool {
	return path == pkg || strings.HasPrefix(path, pkg+"/")
}

// through lists p's direct imports that bring dep in.
func through(pkgs map[string]listedPackage, p listedPackage, dep string) []string {
	var via []string
	for _, imp := range p.Imports {
		if slices.Contains(pkgs[imp].Deps, dep) {
			via = append(via, imp)
		}
	}
	return via
}

// listPackages runs go list over the module and every package it uses.
func listPackages(t *testing.T) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Name,Imports,Deps", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("read go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}
