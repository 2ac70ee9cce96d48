package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ten := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", []time.Duration{7}, 99, 7},
		{"median of ten is the fifth", ten, 50, 5},
		{"p99 of ten is the largest", ten, 99, 10},
		{"p10 of ten is the first", ten, 10, 1},
		{"p11 of ten is the second", ten, 11, 2},
		{"p100 is the largest", ten, 100, 10},
		{"median of an odd count is the middle", []time.Duration{1, 2, 3}, 50, 2},
		{"p99 of a hundred is the 99th", hundred, 99, 99},
		{"p50 of a hundred is the 50th", hundred, 50, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	// Unsorted input, measured over 2 s of wall time.
	lat := []time.Duration{9 * time.Millisecond, 1 * time.Millisecond, 5 * time.Millisecond, 3 * time.Millisecond}
	got := summarize(lat, 2*time.Second)
	want := stats{n: 4, p50: 3 * time.Millisecond, p99: 9 * time.Millisecond, rps: 2}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if lat[0] != 9*time.Millisecond {
		t.Error("summarize sorted its input in place")
	}
	if got := summarize(nil, time.Second); got != (stats{}) {
		t.Errorf("summarize(nil) = %+v, want zero", got)
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"thousands small", thousands(999), "999"},
		{"thousands exact", thousands(1000), "1,000"},
		{"thousands million", thousands(1000304), "1,000,304"},
		{"thousands negative", thousands(-12345), "-12,345"},
		{"ms", ms(1234567 * time.Nanosecond), "1.23"},
		{"mib", mib(1536), "1.5 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	if r := ratio(3*time.Millisecond, 2*time.Millisecond); r != 1.5 {
		t.Errorf("ratio = %v, want 1.5", r)
	}
	if r := ratio(time.Millisecond, 0); r != 0 {
		t.Errorf("ratio over zero = %v, want 0", r)
	}
}

func TestBudgetMore(t *testing.T) {
	b := budget{minTime: 2 * time.Second, minRuns: 10, maxTime: time.Minute}
	tests := []struct {
		name    string
		b       budget
		runs    int
		elapsed time.Duration
		want    bool
	}{
		{"too few calls", b, 9, 3 * time.Second, true},
		{"too little time", b, 10, time.Second, true},
		{"enough of both", b, 10, 2 * time.Second, false},
		{"past the most time, enough calls", b, 5, time.Minute, false},
		{"past the most time, fewer than five calls", b, 4, 2 * time.Minute, true},
		{"no most time", budget{minTime: time.Second, minRuns: 100}, 50, time.Hour, true},
	}
	for _, tt := range tests {
		if got := tt.b.more(tt.runs, tt.elapsed); got != tt.want {
			t.Errorf("%s: more(%d, %s) = %v, want %v", tt.name, tt.runs, tt.elapsed, got, tt.want)
		}
	}
}

// interleaved makes each call burst times in a row, each turn starting
// with the next call, and times every call.
func TestInterleavedBursts(t *testing.T) {
	var order []string
	rec := func(name string) call {
		return func(context.Context) error { order = append(order, name); return nil }
	}
	got, err := interleaved(context.Background(), budget{minRuns: 6, burst: 2}, rec("a"), rec("b"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "aabbbbaaaabb"; strings.Join(order, "") != want {
		t.Errorf("order %s, want %s", strings.Join(order, ""), want)
	}
	for i, s := range got {
		if s.n != 6 {
			t.Errorf("call %d timed %d times, want 6", i, s.n)
		}
	}
}
