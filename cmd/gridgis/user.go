package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"gridgis/grid"
)

// gridCodes collects repeated --grid flags.
type gridCodes []string

func (g *gridCodes) String() string     { return strings.Join(*g, ",") }
func (g *gridCodes) Set(v string) error { *g = append(*g, v); return nil }

const userUsage = "usage: gridgis user add NAME --role ROLE [--zone CODE] [--grid CODE]... [--liaison ID] | passwd NAME | list | disable NAME | enable NAME"

func user(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(userUsage)
	}
	if args[0] == "add" {
		return userAdd(ctx, cfg, args[1:], stdin, stdout)
	}
	name := ""
	if len(args) == 2 {
		name = args[1]
	} else if args[0] != "list" || len(args) != 1 {
		return errors.New(userUsage)
	}
	var hash string
	if args[0] == "passwd" {
		var err error
		if hash, err = readPasswordHash(cfg, stdin); err != nil {
			return err
		}
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "list":
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			state := ""
			if u.Disabled {
				state = " (disabled)"
			}
			fmt.Fprintf(stdout, "%-16s %-8s grids=%v liaison=%d %s%s\n", u.Username, u.Role, u.GridIDs, u.LiaisonID, u.DisplayName, state)
		}
		return nil
	case "passwd":
		err = db.SetPassword(ctx, name, hash)
	case "disable", "enable":
		err = db.SetUserDisabled(ctx, name, args[0] == "disable")
	default:
		return errors.New(userUsage)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s: %s done\n", name, args[0])
	return nil
}

// readPasswordHash reads a new password from GRIDGIS_PASSWORD or the first
// line of stdin (never argv, which other users can see), checks and
// hashes it.
func readPasswordHash(cfg Config, stdin io.Reader) (string, error) {
	password := cfg.Password
	if password == "" {
		fmt.Fprint(os.Stderr, "password: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password: set GRIDGIS_PASSWORD or give it on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if err := grid.ValidatePassword(password); err != nil {
		return "", err
	}
	return grid.HashPassword(password)
}

func userAdd(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: gridgis user add NAME --role ROLE [--zone CODE] [--grid CODE] (repeatable)")
	}
	name := args[0]
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	role := fs.String("role", "", "admin, officer, liaison or planner")
	liaison := fs.Int64("liaison", 0, "liaison id, for role liaison")
	display := fs.String("display-name", "", "name shown in the app")
	zone := fs.String("zone", "", "the user's zone (code or id); default the only one")
	var grids gridCodes
	fs.Var(&grids, "grid", "grid code in the officer's scope (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	u := grid.User{Username: name, DisplayName: *display, Role: grid.Role(*role), LiaisonID: *liaison}
	if err := u.Validate(len(grids)); err != nil {
		return err
	}
	hash, err := readPasswordHash(cfg, stdin)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if u.ZoneID, err = userZone(ctx, db, *zone); err != nil {
		return err
	}
	u, err = db.CreateUser(ctx, u, hash, grids)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added (id %d, role %s)\n", u.Username, u.ID, u.Role)
	return nil
}

// userZone is the zone a new user belongs to, whose grids --grid names:
// the one named, else the only one; with several, one must be named. A
// database with no zone yet gets a user of every zone (0).
func userZone(ctx context.Context, db interface {
	ListZones(context.Context) ([]grid.ZoneSummary, error)
	FindZone(context.Context, string) (grid.Zone, error)
}, ref string) (int64, error) {
	if ref == "" {
		zones, err := db.ListZones(ctx)
		if err != nil || len(zones) == 0 {
			return 0, err
		}
	}
	z, err := db.FindZone(ctx, ref)
	if err != nil {
		return 0, fmt.Errorf("--zone: %w", err)
	}
	return z.ID, nil
}
