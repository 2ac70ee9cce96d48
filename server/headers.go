package server

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// securityHeaders are set on every answer, API and app alike: a browser
// that renders any of them runs only this server's own scripts.
//
// Referrer-Policy is strict-origin-when-cross-origin rather than
// same-origin: tile servers such as OpenStreetMap's ask that a web map's
// tile requests name the site (Referer), and this sends them the origin
// only, never the path or query, and nothing over plain HTTP.
//
// Permissions-Policy allows geolocation for the planned "locate me"
// button, on this origin only, and nothing else the app does not use.
func securityHeaders(tileOrigins []string) [][2]string {
	return [][2]string{
		{"Content-Security-Policy", contentSecurityPolicy(tileOrigins)},
		{fiber.HeaderXContentTypeOptions, "nosniff"},
		{fiber.HeaderXFrameOptions, "DENY"},
		{fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin"},
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{fiber.HeaderPermissionsPolicy, "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"},
	}
}

// contentSecurityPolicy is the map app's policy, measured in Chromium by
// the browser test (frontend/e2e/map.e2e.mjs), which fails on any
// violation:
//   - scripts and styles only from this server: the app has no inline
//     script, and MapLibre sets styles through the CSSOM, which style-src
//     does not govern;
//   - workers from this server only: the app loads MapLibre's worker from
//     its own file (frontend/src/map.ts, setWorkerUrl), so the blob:
//     worker MapLibre otherwise makes is not needed, and Chromium reports
//     no violation without it;
//   - images from data: (MapLibre's stylesheet draws its control icons as
//     data: SVGs) and blob: (browsers without createImageBitmap decode
//     tiles through blob: URLs), and images and fetches from the
//     basemaps' tile hosts.
func contentSecurityPolicy(tileOrigins []string) string {
	tiles := ""
	for _, host := range tileOrigins {
		tiles += " " + host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; " +
		"img-src 'self' data: blob:" + tiles + "; connect-src 'self'" + tiles + "; font-src 'self'; " +
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

// tileHost is a host name, where a {placeholder} may stand for the first
// label, with an optional port.
var tileHost = regexp.MustCompile(`^(\{[a-z]+\}\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$`)

// basemapOrigin is the CSP source of a tile URL template's host, with a
// wildcard for a {s}-style first label; "" for a relative template (this
// server, 'self') or one that is not a plain http(s) URL.
func basemapOrigin(template string) string {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(template), "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	if !tileHost.MatchString(host) {
		return ""
	}
	if strings.HasPrefix(host, "{") {
		_, host, _ = strings.Cut(host, ".")
		host = "*." + host
	}
	return scheme + "://" + host
}

// setSecurityHeaders is the first middleware; handleError sets them again
// for the errors fasthttp raises before any middleware runs.
func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	for _, h := range s.headers {
		c.Set(h[0], h[1])
	}
}

// secure sets the security headers and a request id, then goes on.
func (s *Server) secure(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	requestID(c)
	return c.Next()
}

// requestIDHeader carries a request's id in both directions.
const requestIDHeader = "X-Request-ID"

// localsRequestID is where the request's id is kept.
const localsRequestID = "request_id"

// safeRequestID is what an incoming X-Request-ID may look like to be kept
// (a proxy's or client's id ties their logs to ours); anything else could
// forge or break log lines, and is replaced.
var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID returns the request's id, settling it on first use: the
// client's X-Request-ID when it is safe, else a new random one. It is
// sent back in the X-Request-ID response header.
func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(localsRequestID).(string); ok {
		return id
	}
	id := c.Get(requestIDHeader)
	if !safeRequestID.MatchString(id) {
		id = newRequestID()
	}
	c.Locals(localsRequestID, id)
	c.Set(requestIDHeader, id)
	return id
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
