package server

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"gridgis/geo"
	"gridgis/grid"
)

// The tile cache keeps rendered vector tiles in memory, least recently
// used first out once its bytes pass a bound. An entry's key names what
// the tile shows: the layer, the caller's scope, the tile, and the data
// version of the layer in the scope's zone. The store announces each
// committed write to a layer's tables with the zones whose rows it
// changed (grid.TileWatcher); the cache then counts the layer's version in
// those zones up, so every entry of the old version is never found again
// and ages out, while the tiles of other zones stay. A scope of every zone
// (ZoneID 0) reads a version that every change counts up, and a change of
// every zone (a TRUNCATE) counts up the versions of all.
//
// The version is read before rendering and the tile stored under it: a
// write that commits while the tile renders is announced after the read,
// so the tile (old data or new) ends under a version that is already past.
// While the watcher is not listening, writes go unannounced: the cache is
// bypassed, and when it listens again every version counts up, since it
// may have missed some.
//
// The requests layer's SLA colours change with time alone, without a
// write: its keys also carry the minute of the store's clock, so its
// tiles are at most a minute behind the clock, as the SLA escalation
// that runs every minute is.

// DefaultTileCacheBytes bounds the tile cache when Config leaves it 0.
const DefaultTileCacheBytes = 32 << 20

// tileEntryOverhead is a rough count of the bytes an entry costs beyond
// its tile and key (list element, map slot, headers), so that many empty
// tiles also count against the bound.
const tileEntryOverhead = 160

// tileEntry is one rendered tile: mvt (empty for a tile without
// features) and the hex of its hash, from which ETags are made.
type tileEntry struct {
	key  string
	mvt  []byte
	hash string
}

func newTileEntry(key string, mvt []byte) *tileEntry {
	sum := sha256.Sum256(mvt)
	return &tileEntry{key: key, mvt: mvt, hash: hex.EncodeToString(sum[:16])}
}

func (e *tileEntry) size() int64 { return int64(len(e.mvt)+len(e.key)) + tileEntryOverhead }

// tileCache is the server's tile cache; its zero bound disables it.
type tileCache struct {
	max int64
	// now is the store's clock, for the requests layer's minute.
	now     func() time.Time
	renders singleflight.Group

	mu        sync.Mutex
	listening bool
	versions  map[grid.TileLayer]*layerVersion
	lru       *list.List // of *tileEntry, the most recently used first
	byKey     map[string]*list.Element
	bytes     int64

	hits, misses, bypasses, evictions prometheus.Counter
}

// newTileCache makes the server's tile cache from its Config and registers
// its metrics. Without a store that announces changes it stays bypassed.
func (s *Server) newTileCache() *tileCache {
	maxBytes := s.cfg.TileCacheBytes
	if maxBytes == 0 {
		maxBytes = DefaultTileCacheBytes
	}
	now := s.now
	if w, ok := s.store.(grid.TileWatcher); ok {
		now = w.TileNow
	}
	tc := newTileCache(max(0, maxBytes), now)
	s.metrics.reg.MustRegister(tc)
	return tc
}

func newTileCache(maxBytes int64, now func() time.Time) *tileCache {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "gridgis_tile_cache_" + name + "_total", Help: help})
	}
	return &tileCache{
		max:      maxBytes,
		now:      now,
		versions: map[grid.TileLayer]*layerVersion{},
		lru:      list.New(),
		byKey:    map[string]*list.Element{},
		hits:     counter("hits", "Vector tiles answered from the tile cache."),
		misses:   counter("misses", "Vector tiles rendered for the tile cache (not in it)."),
		bypasses: counter("bypasses", "Vector tiles rendered around the tile cache: off, or the database listener away."),
		evictions: counter("evictions", "Tiles dropped from the tile cache to keep it within its bytes "+
			"(GRIDGIS_TILE_CACHE_MB), the least recently used first."),
	}
}

// Describe and Collect make the cache a Prometheus collector: its counters
// and how many bytes and tiles it holds.
var (
	tileCacheBytes = prometheus.NewDesc("gridgis_tile_cache_bytes",
		"Bytes the tile cache holds: tiles, keys and bookkeeping.", nil, nil)
	tileCacheEntries = prometheus.NewDesc("gridgis_tile_cache_entries",
		"Tiles the tile cache holds.", nil, nil)
	tileCacheListening = prometheus.NewDesc("gridgis_tile_cache_listening",
		"1 while the tile cache hears of the database's changes (and is used), else 0.", nil, nil)
)

func (tc *tileCache) Describe(ch chan<- *prometheus.Desc) {
	ch <- tileCacheBytes
	ch <- tileCacheEntries
	ch <- tileCacheListening
	for _, c := range tc.counters() {
		c.Describe(ch)
	}
}

func (tc *tileCache) Collect(ch chan<- prometheus.Metric) {
	tc.mu.Lock()
	bytes, entries, listening := tc.bytes, tc.lru.Len(), 0.0
	if tc.listening {
		listening = 1
	}
	tc.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(tileCacheBytes, prometheus.GaugeValue, float64(bytes))
	ch <- prometheus.MustNewConstMetric(tileCacheEntries, prometheus.GaugeValue, float64(entries))
	ch <- prometheus.MustNewConstMetric(tileCacheListening, prometheus.GaugeValue, listening)
	for _, c := range tc.counters() {
		c.Collect(ch)
	}
}

func (tc *tileCache) counters() []prometheus.Counter {
	return []prometheus.Counter{tc.hits, tc.misses, tc.bypasses, tc.evictions}
}

// scopeKey is s in canonical form: the same reach gives the same text
// whatever the order of its grids.
func scopeKey(s grid.Scope) string {
	ids := slices.Clone(s.GridIDs)
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString("zone=" + strconv.FormatInt(s.ZoneID, 10))
	if s.All {
		b.WriteString(" all")
	}
	b.WriteString(" grids=")
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString(" liaison=" + strconv.FormatInt(s.LiaisonID, 10))
	return b.String()
}

// key is the cache key of layer's tile t for scope, at the layer's
// current version, read now (before rendering), and for the requests
// layer the store clock's minute. ok is false when the cache is not to be
// used.
func (tc *tileCache) key(layer grid.TileLayer, t geo.Tile, scope grid.Scope) (key string, ok bool) {
	if tc.max <= 0 {
		return "", false
	}
	tc.mu.Lock()
	listening, version := tc.listening, tc.version(layer).of(scope.ZoneID)
	tc.mu.Unlock()
	if !listening {
		return "", false
	}
	key = string(layer) + " v" + version + " " + strconv.Itoa(t.Z) + "/" +
		strconv.Itoa(t.X) + "/" + strconv.Itoa(t.Y) + " " + scopeKey(scope)
	if layer == grid.LayerRequests {
		key += " minute=" + strconv.FormatInt(tc.now().Unix()/60, 10)
	}
	return key, true
}

// get returns the entry under key, or nil.
func (tc *tileCache) get(key string) *tileEntry {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	el, ok := tc.byKey[key]
	if !ok {
		return nil
	}
	tc.lru.MoveToFront(el)
	return el.Value.(*tileEntry)
}

// holds reports whether the cache has layer's tile t for scope now.
func (tc *tileCache) holds(layer grid.TileLayer, t geo.Tile, scope grid.Scope) bool {
	key, ok := tc.key(layer, t, scope)
	if !ok {
		return false
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	_, ok = tc.byKey[key]
	return ok
}

// put stores e, dropping the least recently used entries past the bound.
// A tile larger than the whole cache is not kept.
func (tc *tileCache) put(e *tileEntry) {
	if e.size() > tc.max {
		return
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if el, ok := tc.byKey[e.key]; ok {
		tc.remove(el)
	}
	tc.byKey[e.key] = tc.lru.PushFront(e)
	tc.bytes += e.size()
	for tc.bytes > tc.max {
		tc.remove(tc.lru.Back())
		tc.evictions.Inc()
	}
}

// remove drops el; the caller holds mu.
func (tc *tileCache) remove(el *list.Element) {
	e := tc.lru.Remove(el).(*tileEntry)
	delete(tc.byKey, e.key)
	tc.bytes -= e.size()
}

// layerVersion is a layer's data version, per zone.
type layerVersion struct {
	every uint64           // counts every change: of a scope of every zone
	whole uint64           // counts changes of every zone at once
	zones map[int64]uint64 // counts each zone's own changes
}

// of is the version of the layer's tiles of zone zoneID, every zone when 0.
func (v *layerVersion) of(zoneID int64) string {
	if zoneID <= 0 {
		return "*" + strconv.FormatUint(v.every, 10)
	}
	return strconv.FormatUint(v.whole, 10) + "." + strconv.FormatUint(v.zones[zoneID], 10)
}

// version is layer's version; the caller holds mu.
func (tc *tileCache) version(layer grid.TileLayer) *layerVersion {
	v, ok := tc.versions[layer]
	if !ok {
		v = &layerVersion{zones: map[int64]uint64{}}
		tc.versions[layer] = v
	}
	return v
}

// changed counts layer's version in zone zoneID (every zone when 0) up: a
// committed write changed its data there.
func (tc *tileCache) changed(layer grid.TileLayer, zoneID int64) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.version(layer).change(zoneID)
}

// change counts the version in zone zoneID (every zone when 0) up.
func (v *layerVersion) change(zoneID int64) {
	v.every++
	if zoneID <= 0 {
		v.whole++
	} else {
		v.zones[zoneID]++
	}
}

// setListening records whether the watcher hears of changes. On listening
// again every version counts up: writes may have gone unannounced.
func (tc *tileCache) setListening(on bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if on && !tc.listening {
		for _, l := range grid.TileLayers {
			tc.version(l).change(0)
		}
	}
	tc.listening = on
}

// tile returns layer's tile t for scope, from the cache when it holds it;
// render draws it otherwise. Concurrent misses of one key render once.
func (tc *tileCache) tile(ctx context.Context, layer grid.TileLayer, t geo.Tile, scope grid.Scope,
	render func(context.Context) ([]byte, error)) (*tileEntry, error) {
	key, ok := tc.key(layer, t, scope)
	if !ok {
		tc.bypasses.Inc()
		mvt, err := render(ctx)
		if err != nil {
			return nil, err
		}
		return newTileEntry("", mvt), nil
	}
	if e := tc.get(key); e != nil {
		tc.hits.Inc()
		return e, nil
	}
	tc.misses.Inc()
	v, err, _ := tc.renders.Do(key, func() (any, error) {
		// A render of this key may have ended since the lookup above.
		if e := tc.get(key); e != nil {
			return e, nil
		}
		mvt, err := render(ctx)
		if err != nil {
			return nil, err
		}
		e := newTileEntry(key, mvt)
		tc.put(e)
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*tileEntry), nil
}

// watchTiles keeps the cache told of the store's changes until ctx ends,
// when the store announces them and the cache is on.
func (s *Server) watchTiles(ctx context.Context) {
	w, ok := s.store.(grid.TileWatcher)
	if !ok || s.tiles.max <= 0 {
		return
	}
	w.WatchTiles(ctx, s.tiles.changed, func(err error) {
		if err != nil {
			s.log.Warn("tile cache: database listener lost; tiles are rendered uncached until it is back", "err", err)
		}
		s.tiles.setListening(err == nil)
	})
}
