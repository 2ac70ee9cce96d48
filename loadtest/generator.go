package main

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"sort"
	"sync"
	"time"

	"gridgis/faulttest"
)

// generator fires the mix at a fixed rate, open loop: a call starts on
// schedule whether or not earlier ones have finished, up to maxInflight.
type generator struct {
	mix         []op
	total       float64
	maxInflight int
	wg          sync.WaitGroup
}

// phase runs the mix at rate for d and returns what the clients saw of
// the calls that started in it.
func (g *generator) phase(ctx context.Context, rec *faulttest.Recorder, rate float64, d time.Duration) *phaseStats {
	start := time.Now()
	sem := make(chan struct{}, g.maxInflight)
	dropped := 0
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= d || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Until(at))
		select {
		case sem <- struct{}{}:
		default:
			dropped++
			continue
		}
		o := g.choose()
		g.wg.Add(1)
		go func() {
			defer func() { <-sem; g.wg.Done() }()
			// A call may outlast its phase; it is counted in the phase it
			// started in.
			o.do(ctx)
		}()
	}
	end := time.Now()
	// Let this phase's calls finish before measuring the next.
	for i := 0; i < cap(sem); i++ {
		sem <- struct{}{}
	}
	p := &phaseStats{d: end.Sub(start), dropped: dropped, status: map[int]int{}, by: map[string]*latencies{}}
	for _, o := range rec.All() {
		if o.Start.Before(start) || !o.Start.Before(end) {
			continue
		}
		p.obs = append(p.obs, o)
		p.status[o.Status]++
		l := p.by[o.Endpoint]
		if l == nil {
			l = &latencies{status: map[int]int{}}
			p.by[o.Endpoint] = l
		}
		l.d = append(l.d, o.Dur)
		l.status[o.Status]++
	}
	return p
}

func (g *generator) wait() { g.wg.Wait() }

func (g *generator) choose() op {
	x := mrand.Float64() * g.total
	for _, o := range g.mix {
		if x -= o.weight; x < 0 {
			return o
		}
	}
	return g.mix[len(g.mix)-1]
}

// latencies are one endpoint's durations and statuses.
type latencies struct {
	d      []time.Duration
	status map[int]int
	sorted bool
}

// p is the q-quantile (nearest rank).
func (l *latencies) p(q float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	if !l.sorted {
		sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
		l.sorted = true
	}
	i := int(q*float64(len(l.d))+0.5) - 1
	return l.d[max(0, min(i, len(l.d)-1))]
}

// phaseStats is what one phase measured.
type phaseStats struct {
	d       time.Duration
	dropped int
	obs     []faulttest.Observation
	status  map[int]int
	by      map[string]*latencies
}

// throughput is the calls answered per second, from the phase's start to
// its last answer.
func (p *phaseStats) throughput() float64 {
	if len(p.obs) == 0 {
		return 0
	}
	first, last := p.obs[0].Start, p.obs[0].Start
	for _, o := range p.obs {
		if o.Start.Before(first) {
			first = o.Start
		}
		if end := o.Start.Add(o.Dur); end.After(last) {
			last = end
		}
	}
	return float64(len(p.obs)) / max(last.Sub(first), p.d).Seconds()
}

// errors counts the calls that failed other than by 429 (busy): no answer,
// a 4xx or a 5xx.
func (p *phaseStats) errors() int {
	n := 0
	for s, c := range p.status {
		if s == 0 || (s >= 400 && s != 429) {
			n += c
		}
	}
	return n
}

func (p *phaseStats) all() *latencies {
	all := &latencies{status: p.status}
	for _, o := range p.obs {
		all.d = append(all.d, o.Dur)
	}
	return all
}

func (p *phaseStats) print(perEndpoint bool) {
	fmt.Printf("%d calls in %v: %.1f/s; by status %v; dropped by the generator %d\n",
		len(p.obs), p.d.Round(time.Second), p.throughput(), p.status, p.dropped)
	if !perEndpoint {
		return
	}
	names := make([]string, 0, len(p.by))
	for n := range p.by {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Printf("%-36s %7s %8s %9s %9s  %s\n", "endpoint", "calls", "calls/s", "p50", "p99", "statuses")
	for _, n := range names {
		l := p.by[n]
		fmt.Printf("%-36s %7d %8.1f %9s %9s  %v\n", n, len(l.d), float64(len(l.d))/p.d.Seconds(), ms(l.p(0.5)), ms(l.p(0.99)), l.status)
	}
	all := p.all()
	fmt.Printf("%-36s %7d %8.1f %9s %9s\n", "all", len(all.d), p.throughput(), ms(all.p(0.5)), ms(all.p(0.99)))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
