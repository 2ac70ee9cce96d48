// Package faulttest drives the real gridgis binary against real PostgreSQL
// under faults: a private, throwaway PostgreSQL cluster that a test may
// stop, crash and restart (never the shared one), the server as a child
// process, API clients that retry writes with an Idempotency-Key, a ledger
// of acknowledged writes and the integrity check that holds the database
// to it. Its tests restart PostgreSQL in the middle of mixed load and
// round-trip a backup through pg_dump and pg_restore; `make loadtest`
// (package loadtest) uses the same pieces.
package faulttest
