package postgis

import "gridgis/grid"

var _ grid.PoolStatser = (*DB)(nil)

// PoolStats reports on the connection pool, for the server's metrics.
func (db *DB) PoolStats() grid.PoolStats {
	st := db.Pool.Stat()
	return grid.PoolStats{
		Max:          int(st.MaxConns()),
		Acquired:     int(st.AcquiredConns()),
		Idle:         int(st.IdleConns()),
		Constructing: int(st.ConstructingConns()),
		Acquires:     st.AcquireCount(),
		Waits:        st.EmptyAcquireCount(),
		WaitTime:     st.EmptyAcquireWaitTime(),
		Canceled:     st.CanceledAcquireCount(),
	}
}
