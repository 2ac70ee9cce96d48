package grid

import (
	"testing"
	"time"
)

func TestLoginBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{
		{0, 0}, {4, 0}, {5, time.Second}, {6, 2 * time.Second}, {9, 16 * time.Second},
		{14, 512 * time.Second}, {15, MaxLoginBackoff}, {1000, MaxLoginBackoff},
	} {
		if got := LoginBackoff(tt.n, PairFreeFailures); got != tt.want {
			t.Errorf("LoginBackoff(%d, 5) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

func TestLoginWait(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tt := range []struct {
		name string
		f    LoginFailures
		want time.Duration
	}{
		{"nothing", LoginFailures{}, 0},
		{"four pair failures", LoginFailures{Pair: FailureCount{4, now}}, 0},
		{"five pair failures just now", LoginFailures{Pair: FailureCount{5, now}}, time.Second},
		{"seven, three seconds ago", LoginFailures{Pair: FailureCount{7, ago(3 * time.Second)}}, time.Second},
		{"seven, long ago", LoginFailures{Pair: FailureCount{7, ago(time.Hour)}}, 0},
		{"address spraying", LoginFailures{Address: FailureCount{22, now}}, 4 * time.Second},
		{"account attacked, unknown address", LoginFailures{Account: FailureCount{51, now}}, 2 * time.Second},
		{"account attacked, known address", LoginFailures{Account: FailureCount{51, now}, KnownAddress: true}, 0},
		{"known address still waits on its pair", LoginFailures{Pair: FailureCount{6, now}, Account: FailureCount{80, now}, KnownAddress: true}, 2 * time.Second},
		{"address spraying, known address", LoginFailures{Address: FailureCount{40, now}, KnownAddress: true}, 0},
		{"address spraying, unknown address", LoginFailures{Address: FailureCount{21, now}}, 2 * time.Second},
		{"the longest wait wins", LoginFailures{Pair: FailureCount{5, now}, Address: FailureCount{30, now}}, MaxLoginBackoff},
	} {
		if got := tt.f.Wait(now); got != tt.want {
			t.Errorf("%s: Wait = %v, want %v", tt.name, got, tt.want)
		}
	}
}
