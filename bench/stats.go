package main

import (
	"fmt"
	"slices"
	"time"
)

// stats summarizes the latencies of one measurement.
type stats struct {
	n        int
	p50, p99 time.Duration
	// rps is requests per second of wall time, all workers together.
	rps float64
}

// summarize computes the median, the 99th percentile and the rate of
// latencies measured over wall time.
func summarize(latencies []time.Duration, wall time.Duration) stats {
	s := stats{n: len(latencies)}
	if len(latencies) == 0 {
		return s
	}
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	s.p50 = percentile(sorted, 50)
	s.p99 = percentile(sorted, 99)
	if wall > 0 {
		s.rps = float64(len(latencies)) / wall.Seconds()
	}
	return s
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted,
// ascending values: the smallest value with at least p % of all values
// at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// rank = ceil(p/100 × n), computed in integers so 50 % of 10 is 5.
	rank := int((p*float64(len(sorted)) + 99) / 100)
	rank = max(1, min(len(sorted), rank))
	return sorted[rank-1]
}

// ratio is a ÷ b, or 0 when b is 0.
func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

// thousands formats n with thousands separators: 1,000,304.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// mib formats kibibytes as mebibytes with one decimal.
func mib(kib int64) string {
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}
