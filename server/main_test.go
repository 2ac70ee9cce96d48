package server_test

import (
	"os"
	"testing"

	"gridgis/grid/postgis/pgtest"
)

// testDSN is this package's fresh database, made by TestMain.
var testDSN string

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, "server", &testDSN)) }
