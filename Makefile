# gridgis: `make run` serves the demo on http://127.0.0.1:8080,
# `make test` runs every test. Both set up PostGIS first and are idempotent.

GO       ?= go
BIN      := bin/gridgis
WEB_DIST := frontend/dist/index.html
NODE_OK  := frontend/node_modules/.package-lock.json

export GRIDGIS_WEB_DIR ?= $(CURDIR)/frontend/dist

.PHONY: run test db gdal test-deps build web go-test web-test e2e clean bench loadtest fuzz

run: db gdal build web
	$(BIN) migrate
	$(BIN) seed --demo
	$(BIN) serve

# go test's default 10 min is too short for the browser tests of e2e/ on a
# loaded 2-CPU machine: hence -timeout 30m.
test: db test-deps web
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	cd frontend && npm test
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) fuzz

# Every fuzz target briefly (FUZZTIME per target, default 2s).
fuzz:
	@bash scripts/fuzz.sh

db:
	@bash scripts/db-setup.sh

test-deps:
	@bash scripts/test-deps.sh

# GDAL's ogr2ogr reads grid boundaries sent as Shapefile, GeoPackage or MapInfo TAB.
gdal:
	@command -v ogr2ogr >/dev/null 2>&1 || { S=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$S apt-get update -qq && $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gdal-bin >/dev/null; }

build:
	$(GO) build -o $(BIN) ./cmd/gridgis

web: $(WEB_DIST)

$(NODE_OK): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

$(WEB_DIST): $(NODE_OK) $(shell find frontend/src frontend/public frontend/index.html -type f 2>/dev/null) frontend/vite.config.ts frontend/scripts/precompress.mjs frontend/tsconfig.json
	cd frontend && npm run build

clean:
	rm -rf bin frontend/dist frontend/node_modules

# `make bench` (not part of `make test`; about 30 minutes): issue 14's
# targets at a million organizations, in the gridgis_bench database (loaded
# once, a few minutes; GRIDGIS_BENCH_DATABASE_URL names another): the map
# endpoints against 57f2d70's server kept as a baseline (built from the git
# history, so it needs the history and Go), concurrency 8, memory,
# the write path with the map triggers on and off, search, and the import
# of a million organizations into a database of its own. BENCH_FLAGS passes
# flags, e.g. BENCH_FLAGS='-run tile -time 10s' or '-seed'. The register
# and grid import benchmarks run alone: see README "Benchmark".
bench: build
	@if [ -z "$$GRIDGIS_BENCH_DATABASE_URL" ]; then env -u DATABASE_URL GRIDGIS_DB_NAME=gridgis_bench bash scripts/db-setup.sh; fi
	$(GO) run ./bench -bin $(BIN) $(BENCH_FLAGS)

# `make loadtest` (not part of `make test`): officers, admins and planners
# at a fixed rate against the real server, then a ramp to saturation and an
# integrity check, in the gridgis_loadtest database
# (GRIDGIS_LOADTEST_DATABASE_URL names another). LOADTEST_FLAGS passes
# flags, e.g. LOADTEST_FLAGS='-rate 60 -duration 5m'. See README "Load test".
loadtest: build
	@if [ -z "$$GRIDGIS_LOADTEST_DATABASE_URL" ]; then env -u DATABASE_URL GRIDGIS_DB_NAME=gridgis_loadtest bash scripts/db-setup.sh; fi
	$(GO) run ./loadtest -bin $(BIN) $(LOADTEST_FLAGS)
