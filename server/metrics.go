package server

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gridgis/grid"
)

// metrics are what /metrics shows, in the Server's own registry (two
// servers in one process, as in the tests, count apart).
//
// gridgis has no job queue: SLA escalation runs on a ticker and every
// other piece of work runs within its request. The queues that exist are
// exposed instead: callers waiting for a database connection (the pool's
// waits) and the open live event streams.
type metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	loginFailures prometheus.Counter
	escalations   prometheus.Counter
	handler       fiber.Handler
}

func newMetrics(s *Server) *metrics {
	byRoute := []string{"method", "route", "status"}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridgis_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, byRoute),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridgis_http_request_duration_seconds",
			Help: "Time to answer an HTTP request (a streamed answer: until it starts), by method, route pattern and status.",
			// From a cached tile to a big export.
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, byRoute),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridgis_login_failures_total",
			Help: "Sign-ins refused for a wrong username or password.",
		}),
		escalations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridgis_sla_escalations_total",
			Help: "Supervision cards (yellow or red) the SLA clock raised on late requests.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.loginFailures, m.escalations,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gridgis_event_streams_open",
			Help: "Live event streams (/api/v1/events) open now.",
		}, func() float64 { return float64(s.hub.open()) }))
	if pool, ok := s.store.(grid.PoolStatser); ok {
		m.reg.MustRegister(poolCollector{pool})
	}
	m.handler = adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return m
}

// observeRequest counts a request under its route pattern, never its
// path: ids in paths would make a series per row.
func (m *metrics) observeRequest(c *fiber.Ctx, status int, took time.Duration) {
	labels := prometheus.Labels{"method": c.Method(), "route": c.Route().Path, "status": strconv.Itoa(status)}
	m.requests.With(labels).Inc()
	m.latency.With(labels).Observe(took.Seconds())
}

// countLoginFailure counts one refused sign-in.
func (s *Server) countLoginFailure() { s.metrics.loginFailures.Inc() }

// countEscalations counts the supervision cards one SLA round raised.
func (s *Server) countEscalations(n int) { s.metrics.escalations.Add(float64(n)) }

// serveMetrics answers Prometheus. A scraper on this machine needs no
// credential: the peer is loopback and no proxy header says the request
// came from further away. Elsewhere only a signed-in admin (session or
// API token) may read it; other callers get 403 when signed in and 404,
// as for any unknown path, when not.
func (s *Server) serveMetrics(c *fiber.Ctx) error {
	u, signedIn := c.Locals(localsUser).(grid.User)
	switch {
	case signedIn && u.Role.May(grid.ReadMetrics):
	case signedIn:
		return grid.Errorf(grid.EForbidden, "only admins may read the metrics")
	case !s.localScraper(c):
		return grid.Errorf(grid.ENotFound, "no route %s %s", c.Method(), c.Path())
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.metrics.handler(c)
}

// localScraper tells a request from this machine that no proxy relayed:
// a trusted proxy on this machine relays other machines' requests, with or
// without a forwarding header.
func (s *Server) localScraper(c *fiber.Ctx) bool {
	if peer, ok := netip.AddrFromSlice(c.Context().RemoteIP()); !ok || s.proxies.trusted(peer) {
		return false
	}
	for _, h := range []string{fiber.HeaderXForwardedFor, "Forwarded", "X-Real-IP"} {
		if c.Get(h) != "" {
			return false
		}
	}
	return c.Context().RemoteIP().IsLoopback()
}

// poolCollector reads the database pool's statistics at each scrape.
type poolCollector struct{ pool grid.PoolStatser }

var (
	poolConns = prometheus.NewDesc("gridgis_db_pool_connections",
		"Database connections by state: acquired (in use), idle, constructing.", []string{"state"}, nil)
	poolMax = prometheus.NewDesc("gridgis_db_pool_max_connections",
		"The pool's connection limit.", nil, nil)
	poolAcquires = prometheus.NewDesc("gridgis_db_pool_acquires_total",
		"Connections handed out.", nil, nil)
	poolWaits = prometheus.NewDesc("gridgis_db_pool_waits_total",
		"Acquires that had to wait: no connection was idle.", nil, nil)
	poolWaitSeconds = prometheus.NewDesc("gridgis_db_pool_wait_seconds_total",
		"Time spent waiting for a connection by the acquires that had to wait.", nil, nil)
	poolCanceled = prometheus.NewDesc("gridgis_db_pool_canceled_acquires_total",
		"Acquires given up (the request's context ended) while waiting.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolMax, poolAcquires, poolWaits, poolWaitSeconds, poolCanceled} {
		ch <- d
	}
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := p.pool.PoolStats()
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	ch <- prometheus.MustNewConstMetric(poolConns, gauge, float64(st.Acquired), "acquired")
	ch <- prometheus.MustNewConstMetric(poolConns, gauge, float64(st.Idle), "idle")
	ch <- prometheus.MustNewConstMetric(poolConns, gauge, float64(st.Constructing), "constructing")
	ch <- prometheus.MustNewConstMetric(poolMax, gauge, float64(st.Max))
	ch <- prometheus.MustNewConstMetric(poolAcquires, counter, float64(st.Acquires))
	ch <- prometheus.MustNewConstMetric(poolWaits, counter, float64(st.Waits))
	ch <- prometheus.MustNewConstMetric(poolWaitSeconds, counter, st.WaitTime.Seconds())
	ch <- prometheus.MustNewConstMetric(poolCanceled, counter, float64(st.Canceled))
}
