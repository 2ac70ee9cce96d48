# gridgis: `make run` serves the demo on http://127.0.0.1:8080,
# `make test` runs every test. Both set up PostGIS first and are idempotent.

GO       ?= go
BIN      := bin/gridgis
WEB_DIST := frontend/dist/index.html
NODE_OK  := frontend/node_modules/.package-lock.json

export GRIDGIS_WEB_DIR ?= $(CURDIR)/frontend/dist

.PHONY: run test db test-deps build web go-test web-test e2e clean bench

run: db build web
	$(BIN) migrate
	$(BIN) seed --demo
	$(BIN) serve

test: db test-deps web
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	cd frontend && npm test
	$(GO) test -race -count=1 ./...

db:
	@bash scripts/db-setup.sh

test-deps:
	@bash scripts/test-deps.sh

build:
	$(GO) build -o $(BIN) .

web: $(WEB_DIST)

$(NODE_OK): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

$(WEB_DIST): $(NODE_OK) $(shell find frontend/src frontend/public frontend/index.html -type f 2>/dev/null) frontend/vite.config.ts frontend/tsconfig.json
	cd frontend && npm run build

clean:
	rm -rf bin frontend/dist frontend/node_modules

# `make bench` (not part of `make test`): the map endpoints against their bare
# SQL at a million organizations, in the gridgis_bench database (loaded once,
# about 3 minutes; GRIDGIS_BENCH_DATABASE_URL names another). BENCH_FLAGS
# passes flags, e.g. BENCH_FLAGS='-run tile -time 10s'. See README "Benchmark".
bench: build
	@if [ -z "$$GRIDGIS_BENCH_DATABASE_URL" ]; then env -u DATABASE_URL GRIDGIS_DB_NAME=gridgis_bench bash scripts/db-setup.sh; fi
	$(GO) run ./bench -bin $(BIN) $(BENCH_FLAGS)
