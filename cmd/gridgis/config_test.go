package main

import (
	"runtime"
	"testing"
	"time"
)

func TestDBOptionsFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	opts, err := dbOptionsFromEnv(env(nil))
	if err != nil || opts.MaxConns != int32(max(8, 4*runtime.NumCPU())) || opts.MinIdleConns != 2 ||
		opts.StatementTimeout != 30*time.Second || opts.IdleInTxTimeout != time.Minute || opts.ConnectTimeout != 3*time.Second {
		t.Errorf("defaults: %+v %v", opts, err)
	}
	opts, err = dbOptionsFromEnv(env(map[string]string{"GRIDGIS_DB_MAX_CONNS": "20", "GRIDGIS_STATEMENT_TIMEOUT": "2m"}))
	if err != nil || opts.MaxConns != 20 || opts.StatementTimeout != 2*time.Minute {
		t.Errorf("set: %+v %v", opts, err)
	}
	for _, bad := range []map[string]string{
		{"GRIDGIS_DB_MAX_CONNS": "1"}, {"GRIDGIS_DB_MAX_CONNS": "many"}, {"GRIDGIS_DB_MAX_CONNS": "5000"},
		{"GRIDGIS_STATEMENT_TIMEOUT": "30"}, {"GRIDGIS_STATEMENT_TIMEOUT": "10ms"}, {"GRIDGIS_STATEMENT_TIMEOUT": "2h"},
	} {
		if _, err := dbOptionsFromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
