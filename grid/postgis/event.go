package postgis

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
)

// eventChannel is the channel the triggers of migration 005 notify.
const eventChannel = "gridgis_events"

// ListenEvents implements grid.EventStore on a connection of its own (a
// listening connection must not go back to the pool), until ctx ends or
// the connection fails. The caller reconnects.
func (db *DB) ListenEvents(ctx context.Context, connected func(), fn func(grid.Event)) error {
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+eventChannel); err != nil {
		return err
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		// Only the triggers notify; anything else on the channel is
		// dropped rather than ending the listener.
		var e grid.Event
		if json.Unmarshal([]byte(n.Payload), &e) == nil && e.Type != "" {
			fn(e)
		}
	}
}
