package postgis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// mapChannel is the channel migration 017's triggers notify with the name
// of a tile layer whose data a committed write changed.
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

// A quiet listening connection is pinged every watchPingEvery: a network
// that drops packets without a word would otherwise leave it waiting for
// minutes (TCP keepalive), deaf to changes while the cache trusts it.
const (
	watchPingEvery   = 30 * time.Second
	watchPingTimeout = 5 * time.Second
)

// WatchTiles implements grid.TileWatcher on a connection of its own (a
// listening connection must not go back to the pool), reconnecting with
// a growing delay whenever it is lost, until ctx ends.
func (db *DB) WatchTiles(ctx context.Context, changed func(grid.TileLayer), status func(error)) {
	backoff := watchFirstBackoff
	for {
		err := db.listenTiles(ctx, changed, func() {
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

// listenTiles listens on one connection until ctx ends or the connection
// fails, calling listening once LISTEN took effect: a write committed
// after that is announced.
func (db *DB) listenTiles(ctx context.Context, changed func(grid.TileLayer), listening func()) error {
	cfg := db.Pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = tileWatcherName
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
	if _, err := conn.Exec(ctx, "LISTEN "+mapChannel); err != nil {
		return err
	}
	listening()
	for {
		waitCtx, cancel := context.WithTimeout(ctx, watchPingEvery)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			// Quiet: the connection stays usable after a wait's timeout.
			pingCtx, cancel := context.WithTimeout(ctx, watchPingTimeout)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		// Only the triggers notify; anything else on the channel is
		// dropped rather than ending the listener.
		if grid.ValidTileLayer(n.Payload) {
			changed(grid.TileLayer(n.Payload))
		}
	}
}
