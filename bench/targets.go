package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Issue 14's targets, each checked by a met / NOT MET line.
var (
	// speedUpTargets is the least speed-up over the baseline (the
	// baseline server's endpoint p50 ÷ the endpoint's p50, concurrency 1)
	// each scenario must show.
	speedUpTargets = map[string]float64{
		"bbox ~100":    3,
		"bbox ~10,000": 5,
		"tile z6":      30,
		"tile z10":     30,
		"tile z14":     3,
	}
	// writeSlowdownTarget is the most that the map-maintenance triggers
	// may slow a write (p50 with ÷ p50 without).
	writeSlowdownTarget = 1.2
	// searchTarget is the largest p50 of a three-character search.
	searchTarget = 50 * time.Millisecond
	// loadTarget is the longest a million organizations may take to load.
	loadTarget = 120 * time.Second
	// loadTargetRows is the size loadTarget is for.
	loadTargetRows = 1_000_000
)

// targetFor is the speed-up target of the scenario called name, or 0.
func targetFor(name string) float64 { return speedUpTargets[name] }

// verdict is "met" or "NOT MET", for the target lines.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

// speedUpLine is the target line of a scenario whose endpoint ran
// speedUp times as fast as the baseline's endpoint, and whose SQL ran
// sqlSpeedUp times as fast as the baseline's SQL (for information).
func speedUpLine(name string, speedUp, sqlSpeedUp, target float64) string {
	return fmt.Sprintf("%-12s endpoint %.1f× as fast as the baseline (target ≥ %g×): %s (its SQL %.1f× the baseline SQL's)",
		name, speedUp, target, verdict(speedUp >= target), sqlSpeedUp)
}

// scaling is requests per second at the higher concurrency over those at
// concurrency 1: above 1 the server scales with cores, below 1 it
// collapses.
func scaling(rps1, rpsC float64) float64 {
	if rps1 == 0 {
		return 0
	}
	return rpsC / rps1
}

// cpuModel is the first "model name" of a /proc/cpuinfo text, or "".
func cpuModel(cpuinfo string) string {
	for _, line := range strings.Split(cpuinfo, "\n") {
		key, value, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// memTotal is MemTotal of a /proc/meminfo text, in KiB, or 0.
func memTotal(meminfo string) int64 {
	for _, line := range strings.Split(meminfo, "\n") {
		key, value, ok := strings.Cut(line, ":")
		if ok && key == "MemTotal" {
			var kib int64
			if _, err := fmt.Sscanf(strings.TrimSpace(value), "%d kB", &kib); err == nil {
				return kib
			}
		}
	}
	return 0
}

// machine describes what the bench runs on: CPUs, their model, memory
// and the load average when it starts (other work sharing the machine).
func machine() string {
	desc := fmt.Sprintf("%d CPUs", runtime.NumCPU())
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := cpuModel(string(b)); m != "" {
			desc += " (" + m + ")"
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kib := memTotal(string(b)); kib > 0 {
			desc += fmt.Sprintf(", %.1f GiB memory", float64(kib)/(1<<20))
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			desc += ", load average " + strings.Join(f[:3], " ")
		}
	}
	return desc
}
