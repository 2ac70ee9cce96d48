package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"gridgis/grid"
)

// Config is what the server needs from the environment, filled by main.
type Config struct {
	// WebDir holds the built map app (frontend/dist).
	WebDir string
	// Basemaps are the backgrounds the map app offers, the first shown
	// at start (cmd/gridgis builds them from GRIDGIS_BASEMAP).
	Basemaps []Basemap
	// Basemap, when Basemaps is empty, is one raster tile URL template in
	// WGS84 (a shorthand for tests).
	Basemap string
	// MapTilesAbove: above this many organizations in a user's scope the
	// map app draws them from vector tiles and loads only those in view
	// (GRIDGIS_MAP_TILES_ABOVE); 0 means DefaultMapTilesAbove.
	MapTilesAbove int
	// QueryTimeout bounds each database query, streaming included; 0
	// means 60 s.
	QueryTimeout time.Duration
	// CallTimeout bounds writes, sign-in and pages of a few rows
	// (contacts, plans, audit); 0 means 10 s.
	CallTimeout time.Duration
	// LookupTimeout bounds the bookkeeping around a request: identifying
	// the caller, sign-out, tokens, its audit and idempotency rows; 0
	// means 5 s.
	LookupTimeout time.Duration
	// PlanTimeout bounds building or applying a rebalance plan: loading
	// the zone and solving it exactly; 0 means 2 min.
	PlanTimeout time.Duration
	// SecureCookies marks the session cookie Secure (serving over HTTPS).
	SecureCookies bool
	// TrustedProxies are the peers (IPs or CIDRs) whose X-Forwarded-For
	// gives the client address; from anyone else the header is ignored.
	TrustedProxies []string
	// EventStreamMax ends each live event stream after this long (below
	// the write timeout); clients reconnect without losing events.
	EventStreamMax time.Duration
	// EscalateEvery is how often the SLA clock raises supervision cards.
	EscalateEvery time.Duration
	// HashConcurrency bounds the password checks (64 MiB each) running at
	// once; 0 means 2.
	HashConcurrency int
	// Now is the clock; tests replace it.
	Now func() time.Time
	// HeavyPerUser and HeavyTotal cap the expensive requests running at
	// once, per user and in all (see limit.go); zero means 2 and 4.
	HeavyPerUser int
	HeavyTotal   int
	// Classify turns a store's driver errors that no store path
	// translated into grid errors (postgis.Classify: a database that is
	// away becomes grid.EUnavailable). Applied to every error that is not
	// already a grid or HTTP error, so no route can forget it.
	Classify func(error) error
	// ImportMaxBytes caps an uploaded import file (a 413 names it); 0
	// means 100 MiB. ImportTimeout bounds an import job; 0 means 30 min.
	ImportMaxBytes int64
	ImportTimeout  time.Duration
	// MaxJobs caps the jobs running at once in this process (each holds
	// its file and rows in memory); 0 means 2. More are answered 429.
	MaxJobs int
	// TileCacheBytes bounds the vector tile cache (tilecache.go); 0 means
	// DefaultTileCacheBytes, and below 0 turns it off.
	TileCacheBytes int64
	// AuthCacheTTL is how long a signed-in user is kept (authcache.go);
	// 0 means DefaultAuthCacheTTL, and below 0 turns the cache off.
	AuthCacheTTL time.Duration
}

// Server is the HTTP application.
type Server struct {
	app   *fiber.App
	cfg   Config
	store Store
	log   *slog.Logger
	now   func() time.Time
	// hashes bounds the password checks running at once.
	hashes *hashGate
	// hub fans live events out to open streams.
	hub *hub
	// keys are the Idempotency-Keys whose requests are running here.
	keys runningKeys
	// proxies are the peers whose X-Forwarded-For is believed.
	proxies proxies
	// unsaved are answers of committed writes not saved yet.
	unsaved unsavedAnswers
	// dummyHash is checked against when the user is unknown, so both
	// failures take the same time.
	dummyHash string
	// heavy caps the expensive requests running at once.
	heavy *heavyLimiter
	// headers are the security headers of every answer (headers.go).
	headers [][2]string
	// metrics are what /metrics shows (metrics.go).
	metrics *metrics
	// files sends the map app's files (static.go).
	files webFileServer
	// jobs are the jobs running in this process (job.go).
	jobs sync.WaitGroup
	// jobSlots holds a token per job running, up to Config.MaxJobs.
	jobSlots chan struct{}
	// jobCtx is the jobs' parent context; stopJobCtx ends it at shutdown.
	jobCtx     context.Context
	stopJobCtx context.CancelFunc
	// importing are the zones an import writes into here (import.go).
	importing zoneSet
	// tiles caches rendered vector tiles (tilecache.go).
	tiles *tileCache
	// auth caches the users of recent credentials (authcache.go); nil
	// when off.
	auth *authCache
}

// New builds the Fiber app with every route.
func New(cfg Config, store Store, log *slog.Logger) *Server {
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = 60 * time.Second
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	if cfg.LookupTimeout <= 0 {
		cfg.LookupTimeout = 5 * time.Second
	}
	if cfg.PlanTimeout <= 0 {
		cfg.PlanTimeout = 2 * time.Minute // a few seconds for the largest zones
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.EventStreamMax == 0 {
		cfg.EventStreamMax = 90 * time.Second
	}
	if cfg.EscalateEvery == 0 {
		cfg.EscalateEvery = time.Minute
	}
	if cfg.HeavyPerUser <= 0 {
		cfg.HeavyPerUser = defaultHeavyPerUser
	}
	if cfg.HeavyTotal <= 0 {
		cfg.HeavyTotal = defaultHeavyTotal
	}
	if cfg.ImportMaxBytes <= 0 {
		cfg.ImportMaxBytes = defaultImportMaxBytes
	}
	if cfg.ImportTimeout <= 0 {
		cfg.ImportTimeout = 30 * time.Minute
	}
	if cfg.MaxJobs <= 0 {
		cfg.MaxJobs = 2
	}
	dummy, err := grid.HashPassword("gridgis timing equaliser")
	if err != nil {
		panic(err) // only crypto/rand can fail here, and it does not
	}
	s := &Server{cfg: cfg, store: store, log: log, now: cfg.Now, dummyHash: dummy, hub: newHub(),
		hashes: newHashGate(cfg.HashConcurrency),
		heavy:  newHeavyLimiter(cfg.HeavyPerUser, cfg.HeavyTotal, heavyWait)}
	var bad []string
	if s.proxies, bad = parseProxies(cfg.TrustedProxies); len(bad) > 0 {
		log.Warn("trusted proxies: entries that are not IPs or CIDRs are ignored", "entries", bad)
	}
	s.headers = securityHeaders(tileOrigins(cfg.basemaps()))
	s.metrics = newMetrics(s)
	s.tiles = s.newTileCache()
	if cfg.AuthCacheTTL == 0 {
		cfg.AuthCacheTTL = DefaultAuthCacheTTL
	}
	s.auth = newAuthCache(cfg.AuthCacheTTL)
	s.app = fiber.New(fiber.Config{
		AppName:               "gridgis",
		Immutable:             true, // request values outlive handlers in streams
		DisableStartupMessage: true,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          2 * time.Minute,
		IdleTimeout:           60 * time.Second,
		BodyLimit:             otherBodyCap, // bodyConfig lifts it for the import; routes lower it
		ErrorHandler:          s.handleError,
	})
	s.app.Server().HeaderReceived = s.bodyConfig
	s.jobCtx, s.stopJobCtx = context.WithCancel(context.Background())
	s.jobSlots = make(chan struct{}, cfg.MaxJobs)
	s.routes()
	return s
}

// App exposes the Fiber app, for tests (app.Test) and for serving.
func (s *Server) App() *fiber.App { return s.app }

// Listen runs the background work and serves on addr until ctx ends,
// then shuts down, giving open requests up to grace to finish.
func (s *Server) Listen(ctx context.Context, addr string, grace time.Duration) error {
	s.Run(ctx)
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		// The hub ends every event stream at once (Run), so the grace is
		// for requests in flight. A client still holding a connection
		// after it is dropped: stopping on request is a clean exit.
		err := s.app.ShutdownWithTimeout(grace)
		if !s.stopJobs(grace) {
			s.log.Warn("shutdown: jobs still running after the grace period", "grace", grace)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			s.log.Warn("shutdown: dropped connections still open after the grace period", "grace", grace)
			return nil
		}
		return err
	}
}

// Body limits of the routes that take a body.
const smallBody = 4 << 10

func (s *Server) routes() {
	s.app.Use(s.secure) // first, so that errors and 404s carry the headers too
	s.app.Use(s.logRequests)
	// A handler's panic is one request's 500, not the end of the process.
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			s.log.Error("panic", "method", c.Method(), "path", c.Path(), "panic", e, "stack", string(debug.Stack()))
		}}))
	s.app.Use(refuseEncodedBodies) // before anything reads a body
	s.app.Use(s.webFile)           // the map app's files, compressed at build time: before compress
	// Compression streams: fasthttp wraps a streamed body in a compressing
	// stream instead of buffering it.
	// Live event streams are not compressed: their events are small, and
	// some proxies hold compressed streams back.
	s.app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed,
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/api/v1/events" }}))
	s.app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	s.app.Get("/readyz", s.readyz)

	api := s.app.Group("/api/v1", sameOrigin, s.authenticate)
	api.Use(s.idempotency)
	api.Get("/config", s.config)
	// Each resource registers its routes in its own file. Fiber matches
	// in registration order: the catch-all 404 below stays last.
	s.sessionRoutes(api)
	s.tokenRoutes(api)
	s.auditRoutes(api)
	s.gridRoutes(api)
	s.orgRoutes(api)
	s.liaisonRoutes(api)
	s.requestRoutes(api)
	s.eventRoutes(api)
	s.unitRoutes(api)
	s.coverageRoutes(api)
	s.baseLayerRoutes(api) // before tileRoutes: its :layer would take "base"
	s.tileRoutes(api)
	s.rebalanceRoutes(api)
	s.contactRoutes(api)
	s.statsRoutes(api)
	s.exportRoutes(api)
	s.importRoutes(api)
	s.gridImportRoutes(api)
	s.jobRoutes(api)
	s.searchRoutes(api)
	s.ogcRoutes()
	api.Use(func(c *fiber.Ctx) error {
		return grid.Errorf(grid.ENotFound, "no API route %s %s", c.Method(), c.Path())
	})
	s.app.Get("/metrics", s.authenticate, s.serveMetrics)

	s.static()
}

// logRequests logs each request's method, path (never the query, which
// may carry filters users typed), status, duration and id, and counts it
// in the metrics.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			return herr
		}
		status = c.Response().StatusCode()
	}
	took := time.Since(start)
	s.log.Info("request", "method", c.Method(), "path", c.Path(), "status", status,
		"ms", took.Milliseconds(), "request_id", requestID(c))
	s.metrics.observeRequest(c, status, took)
	return nil
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		c.Set(fiber.HeaderRetryAfter, retryAfterUnavailable)
		return problem(c, http.StatusServiceUnavailable, "unavailable", "", "database is not reachable")
	}
	return c.JSON(fiber.Map{"status": "ok", "database": "ok"})
}

// statusOf maps grid error codes to HTTP statuses.
var statusOf = map[string]int{
	grid.EInvalid:       http.StatusBadRequest,
	grid.ENotFound:      http.StatusNotFound,
	grid.EConflict:      http.StatusConflict,
	grid.EForbidden:     http.StatusForbidden,
	grid.EUnauthorized:  http.StatusUnauthorized,
	grid.EUnprocessable: http.StatusUnprocessableEntity,
	grid.EInfeasible:    http.StatusUnprocessableEntity,
	grid.EUnavailable:   http.StatusServiceUnavailable,
}

// retryAfterUnavailable is the Retry-After of a 503: the pool reconnects
// within a second or two of the database's return.
const retryAfterUnavailable = "5"

// handleError writes every error as application/problem+json. Only
// internal errors are logged, and clients see no details of them.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	s.setSecurityHeaders(c) // errors fasthttp raises skip the middleware
	var ge *grid.Error
	var fe *fiber.Error
	cause := err
	if !errors.As(err, &ge) && !errors.As(err, &fe) && s.cfg.Classify != nil {
		err = s.cfg.Classify(err)
	}
	if errors.As(err, &ge) {
		if ge.Code == grid.EUnavailable {
			c.Set(fiber.HeaderRetryAfter, retryAfterUnavailable)
			s.log.Warn("database unavailable", "method", c.Method(), "path", c.Path(), "err", cause)
		}
		if status, ok := statusOf[ge.Code]; ok {
			return problem(c, status, ge.Code, ge.Field, ge.Message)
		}
	}
	if errors.As(err, &fe) {
		msg := fe.Message
		if fe == fiber.ErrRequestEntityTooLarge { // fasthttp's refusal from the header
			msg = s.bodyCapMessage(c)
		}
		return problem(c, fe.Code, codeForStatus(fe.Code), "", msg)
	}
	s.log.Error("internal error", "method", c.Method(), "path", c.Path(), "err", err, "request_id", requestID(c))
	return problem(c, http.StatusInternalServerError, grid.EInternal, "", "internal error")
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return grid.ENotFound
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	}
	if status >= 500 {
		return grid.EInternal
	}
	return "bad_request"
}

// problemBody is an RFC 9457 problem with gridgis's stable code and the
// offending field, when there is one.
type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
	// RequestID is the X-Request-ID of the answer and the server's log.
	RequestID string `json:"request_id"`
}

func problem(c *fiber.Ctx, status int, code, field, detail string) error {
	if field != "" {
		detail = field + ": " + detail
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(problemBody{
		Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: detail, Code: code, Field: field, RequestID: requestID(c),
	}, "application/problem+json")
}
