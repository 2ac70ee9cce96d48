package server_test

import (
	"flag"
	"os"
	"testing"

	"gridgis/grid/postgis/pgtest"
)

// testDSN is this package's fresh database, made by TestMain.
var testDSN string

func TestMain(m *testing.M) {
	flag.Parse()
	// Fuzz targets need no database. A fuzz worker is stopped without
	// returning, so a database it made would be left on the cluster; and
	// fuzzing alone (-run '^$', as scripts/fuzz.sh does) needs none.
	fuzzWorker := flag.Lookup("test.fuzzworker").Value.String() == "true"
	fuzzOnly := flag.Lookup("test.fuzz").Value.String() != "" && flag.Lookup("test.run").Value.String() == "^$"
	if fuzzWorker || fuzzOnly {
		os.Exit(m.Run())
	}
	code := pgtest.Run(m, "server", &testDSN)
	dropImportDatabase()
	os.Exit(code)
}
