package grid

import "time"

// PoolStats is a snapshot of the store's database connection pool, for
// the server's metrics.
type PoolStats struct {
	Max          int // connection limit
	Acquired     int // connections in use
	Idle         int
	Constructing int // being opened
	// Cumulative since the store opened.
	Acquires int64         // connections handed out
	Waits    int64         // acquires that found no idle connection and waited
	WaitTime time.Duration // time those acquires waited
	Canceled int64         // acquires given up while waiting
}

// PoolStatser is a store that reports on its connection pool.
type PoolStatser interface {
	PoolStats() PoolStats
}
