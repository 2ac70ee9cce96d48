package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"gridgis/grid"
	"gridgis/grid/demo"
	"gridgis/grid/postgis"
)

func seed(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	useDemo := fs.Bool("demo", false, "load the synthetic demo zone")
	scale := fs.Int("scale", 1, "multiply the demo organizations this many times (benchmarks)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*useDemo && *scale == 1 {
		return errors.New("usage: gridgis seed --demo [--scale N]")
	}
	if *scale < 1 || *scale > 10000 {
		return fmt.Errorf("--scale must be from 1 to 10000, got %d", *scale)
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	start := time.Now()
	ds := demo.Generate(demo.Options{Now: time.Now(), Scale: *scale})
	logins := map[string]string{}
	err = db.LoadDataset(ctx, ds.Dataset, func(username string) (string, error) {
		pw := randomPassword()
		logins[username] = pw
		return grid.HashPassword(pw)
	})
	if grid.ErrorCode(err) == grid.EConflict {
		return seedDemoStreets(ctx, db, ds, stdout)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded demo zone %q: %d organizations in %s\n", ds.Zone.Name, ds.Scale*demo.OrgsPerScale, time.Since(start).Round(time.Millisecond))
	// The passwords are shown this once and kept nowhere in plain text.
	fmt.Fprintf(stdout, "演示账号（密码只显示这一次）/ demo logins (shown only now):\n%s", formatLogins(ds, logins))
	fmt.Fprintln(stdout, "忘记密码可重设 / to set a new one: gridgis user passwd NAME")
	return nil
}

// formatLogins lists one login per role first, then the rest, as
// "username  password  role".
func formatLogins(ds *demo.Dataset, logins map[string]string) string {
	var b strings.Builder
	for _, u := range ds.Users {
		if pw, ok := logins[u.Username]; ok {
			fmt.Fprintf(&b, "  %-14s %-14s %s %s\n", u.Username, pw, u.Role, u.DisplayName)
		}
	}
	return b.String()
}

// randomPassword returns 14 characters from an alphabet without look-alikes.
func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

func randIntn(n int) int {
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		if int(buf[0]) < 256-256%n {
			return int(buf[0]) % n
		}
	}
}

// seedDemoStreets gives a demo zone loaded before the base layer existed
// its streets, once; otherwise there is nothing to do.
func seedDemoStreets(ctx context.Context, db *postgis.DB, ds *demo.Dataset, stdout io.Writer) error {
	z, err := db.FindZone(ctx, ds.Zone.Code)
	if err != nil {
		fmt.Fprintln(stdout, "demo zone already loaded; nothing to do")
		return nil
	}
	n, err := db.BaseFeatureCount(ctx, z.ID)
	if err != nil || n > 0 {
		fmt.Fprintln(stdout, "demo zone already loaded; nothing to do")
		return err
	}
	rep, err := db.ImportBaseFeatures(ctx, grid.BaseImport{ZoneID: z.ID, Features: ds.Base, Who: cliActor})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo zone already loaded; added its streets (%d roads, %d places, %d areas)\n",
		rep.Loaded[grid.BaseRoad], rep.Loaded[grid.BasePlace], rep.Loaded[grid.BaseArea])
	return nil
}
