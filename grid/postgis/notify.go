package postgis

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// mapChannel is the channel migration 021's triggers notify with the name
// of a tile layer and a zone whose data a committed write changed,
// "organizations:12", or (TRUNCATE, migration 017) the layer's name
// alone: every zone.
const mapChannel = "gridgis_map"

// tileWatcherName is the listening connection's application_name, so that
// an operator (or a test) can tell it in pg_stat_activity.
const tileWatcherName = "gridgis tile watcher"

// Reconnection delays of the tile watcher: quick after a blip, at most
// every few seconds while the database is away.
const (
	watchFirstBackoff = 100 * time.Millisecond
	watchMaxBackoff   = 5 * time.Second
)

// A quiet listening connection is probed every watchPingEvery (probe: a
// notification sent through the pool must reach it within
// watchPingTimeout): a network that drops packets without a word would
// otherwise leave it waiting for minutes (TCP keepalive), deaf to changes
// while the cache trusts it and serves tiles from before them. So a dead
// connection is found within some 8 s at the cost of a notification
// every 5 s.
const (
	watchPingEvery   = 5 * time.Second
	watchPingTimeout = 3 * time.Second
)

// WatchTiles implements grid.TileWatcher on a connection of its own (a
// listening connection must not go back to the pool), reconnecting with
// a growing delay whenever it is lost, until ctx ends.
func (db *DB) WatchTiles(ctx context.Context, changed func(grid.TileLayer, int64), status func(error)) {
	db.watch(ctx, mapChannel, tileWatcherName, func(payload string) {
		// Only the triggers notify; anything else on the channel is
		// dropped rather than ending the listener.
		if layer, zoneID, ok := parseMapNotice(payload); ok {
			changed(layer, zoneID)
		}
	}, status)
}

// authChannel is the channel migration 024's triggers notify when a
// credential's user, scope or validity may have changed: a token revoked,
// a session ended, a user changed or given other grids.
const authChannel = "gridgis_auth"

// authWatcherName is the auth listener's application_name.
const authWatcherName = "gridgis auth watcher"

// WatchAuth implements grid.AuthWatcher as WatchTiles does the tiles.
func (db *DB) WatchAuth(ctx context.Context, changed func(), status func(error)) {
	db.watch(ctx, authChannel, authWatcherName, func(string) { changed() }, status)
}

// watch listens on channel, calling notice with each notification's
// payload, reconnecting as WatchTiles says; status as grid.TileWatcher's.
func (db *DB) watch(ctx context.Context, channel, name string, notice func(payload string), status func(error)) {
	backoff := watchFirstBackoff
	for {
		err := db.listen(ctx, channel, name, notice, func() {
			backoff = watchFirstBackoff
			status(nil)
		})
		if ctx.Err() != nil {
			return
		}
		status(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, watchMaxBackoff)
	}
}

// TileNow implements grid.TileWatcher: the clock the tile queries use.
func (db *DB) TileNow() time.Time { return db.Now() }

// listen listens on one connection (application_name name) until ctx
// ends or the connection fails, calling listening once LISTEN took
// effect: a write committed after that is announced.
func (db *DB) listen(ctx context.Context, channel, name string, notice func(string), listening func()) error {
	cfg := db.Pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		// The connection may be dead: give its goodbye a moment, no more.
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	if err := db.probe(ctx, conn, channel, notice); err != nil {
		return err
	}
	listening()
	for {
		waitCtx, cancel := context.WithTimeout(ctx, watchPingEvery)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			// Quiet: the connection stays usable after a wait's timeout.
			if err := db.probe(ctx, conn, channel, notice); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if !strings.HasPrefix(n.Payload, probePrefix) {
			notice(n.Payload)
		}
	}
}

// probePrefix marks the notifications a listener sends itself.
const probePrefix = "probe:"

// errNoNotices is a listener that LISTENs but hears nothing.
var errNoNotices = errors.New("a notification sent through the pool did not reach the listening connection " +
	"(a transaction-mode pooler, or another node, between them?)")

// probe sends a notification on channel through the pool, as writers do,
// and waits for it on conn, handing on what else arrives meanwhile: a
// listener is trusted only once notices reach it. Behind a
// transaction-mode pooler, or on another node than the writers, LISTEN
// succeeds and nothing ever arrives; a connection gone quiet is found
// too, as a ping would.
func (db *DB) probe(ctx context.Context, conn *pgx.Conn, channel string, notice func(string)) error {
	ctx, cancel := context.WithTimeout(ctx, watchPingTimeout)
	defer cancel()
	token := probePrefix + strconv.FormatUint(rand.Uint64(), 36)
	if _, err := db.Pool.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, token); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			return errNoNotices
		}
		if err != nil {
			return err
		}
		if n.Payload == token {
			return nil
		}
		if !strings.HasPrefix(n.Payload, probePrefix) {
			notice(n.Payload)
		}
	}
}

// parseMapNotice reads a notification of mapChannel: a layer and a zone
// ("organizations:12"), or a layer alone for every zone (zoneID 0).
func parseMapNotice(payload string) (layer grid.TileLayer, zoneID int64, ok bool) {
	name, zone, zoned := strings.Cut(payload, ":")
	if !grid.ValidTileLayer(name) {
		return "", 0, false
	}
	if zoned {
		id, err := strconv.ParseInt(zone, 10, 64)
		if err != nil || id <= 0 {
			return "", 0, false
		}
		zoneID = id
	}
	return grid.TileLayer(name), zoneID, true
}
