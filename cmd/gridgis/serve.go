package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"gridgis/grid/postgis"
	"gridgis/server"
)

func serve(ctx context.Context, cfg Config, stdout io.Writer, log *slog.Logger) error {
	opts, err := dbOptionsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	basemaps, err := basemapsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	if err := postgis.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := postgis.OpenWith(ctx, cfg.DatabaseURL, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.SLA, err = slaFromEnv(os.Getenv); err != nil {
		return err
	}
	heavyPerUser, heavyTotal, err := heavyFromEnv(os.Getenv, int(db.Pool.Config().MaxConns))
	if err != nil {
		return err
	}
	tilesAbove, err := mapTilesAboveFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	hashes, err := hashConcurrencyFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	timeouts, err := timeoutsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	imports, err := importLimitsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	tileCache, err := tileCacheFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	authCache, err := authCacheFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	srv := server.New(server.Config{ImportMaxBytes: imports.MaxBytes, ImportTimeout: imports.Timeout, MaxJobs: imports.Jobs, WebDir: cfg.WebDir, Basemaps: basemaps, MapTilesAbove: tilesAbove,
		SecureCookies: cfg.SecureCookies, TrustedProxies: cfg.TrustedProxies, Classify: postgis.Classify,
		HeavyPerUser: heavyPerUser, HeavyTotal: heavyTotal, HashConcurrency: hashes,
		QueryTimeout: timeouts.Query, CallTimeout: timeouts.Call, LookupTimeout: timeouts.Lookup, PlanTimeout: timeouts.Plan,
		TileCacheBytes: tileCache, AuthCacheTTL: authCache}, db, log)
	fmt.Fprintf(stdout, "gridgis 已启动，请在浏览器打开 / open http://%s\n", cfg.Addr)
	return srv.Listen(ctx, cfg.Addr, timeouts.Shutdown)
}
