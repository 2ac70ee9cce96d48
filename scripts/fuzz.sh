#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzXxx in a _test.go file) briefly, one
# at a time (Go fuzzes one target per run), and fails if any finds an
# input that breaks its property. A finding is saved under the package's
# testdata/fuzz/FuzzXxx/, where plain `go test` replays it.
# FUZZTIME sets each target's time (default 2s). Each package's test
# binary is built once, instrumented as `go test -fuzz` builds it, and
# shares go test's fuzz cache.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-2s}
module=$($GO list -m)
cache=$($GO env GOCACHE)/fuzz
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

failed=()
count=0
start=$SECONDS
for dir in $(grep -rlE --include='*_test.go' --exclude-dir=node_modules --exclude-dir=frontend '^func Fuzz' . |
	xargs -n1 dirname | sort -u); do
	pkg=$module/${dir#./}
	exe=$bin/$(echo "${dir#./}" | tr / _).test
	$GO test -c -o "$exe" -gcflags="$module/...=-d=libfuzzer" "$dir"
	for target in $(grep -hoE '^func Fuzz[A-Za-z0-9_]+' "$dir"/*_test.go | sed 's/^func //' | sort); do
		count=$((count + 1))
		fuzz() {
			(cd "$dir" && "$exe" -test.run '^$' -test.fuzz "^${target}\$" -test.fuzztime "$FUZZTIME" \
				-test.fuzzcachedir "$cache/$pkg" 2>&1)
		}
		# Go's fuzzer now and then ends a clean run with "context deadline
		# exceeded" as fuzztime runs out, with no failing input: such a
		# run is tried once more. A real finding names its input.
		if ! out=$(fuzz) && { grep -q 'Failing input written' <<<"$out" ||
			! grep -q 'context deadline exceeded' <<<"$out" || ! out=$(fuzz); }; then
			echo "$out"
			echo "FAIL $target ($dir)"
			failed+=("$target")
		else
			echo "ok   $target ($dir)"
		fi
	done
done

echo "fuzzed $count targets for $FUZZTIME each in $((SECONDS - start))s"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz findings: ${failed[*]} (replay with go test -run 'FuzzXxx' ./pkg)" >&2
	exit 1
fi
