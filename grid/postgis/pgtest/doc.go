// Package pgtest gives each test package a fresh, migrated PostGIS
// database on the server that DATABASE_URL (or the local socket) names,
// and drops it afterwards. A server that does not answer fails the run:
// tests never skip the database.
package pgtest
