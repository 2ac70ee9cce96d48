// Package e2e holds gridgis's end-to-end tests: the real server on a real
// PostGIS with the demo zone, driven by real clients (Debian's Chromium
// through playwright-core). It has no code of its own.
package e2e
