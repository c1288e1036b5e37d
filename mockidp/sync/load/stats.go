package load

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// kindStats measures one kind of request.
type kindStats struct {
	mu         sync.Mutex
	name       string
	count      int
	errors     int
	throttled  int
	lat        []time.Duration
	first, end time.Time
	byStatus   map[int]*statusErrors
}

// statusErrors counts a kind's errors of one status and keeps the first
// answer (redacted, shortened). Status 0 is a transport error.
type statusErrors struct {
	count  int
	sample string
}

func (r *Run) kind(name string) *kindStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	ks := r.kinds[name]
	if ks == nil {
		ks = &kindStats{name: name, byStatus: map[int]*statusErrors{}}
		r.kinds[name] = ks
		r.order = append(r.order, name)
	}
	return ks
}

func (k *kindStats) span(t0 time.Time, d time.Duration) {
	if k.first.IsZero() || t0.Before(k.first) {
		k.first = t0
	}
	if e := t0.Add(d); e.After(k.end) {
		k.end = e
	}
}

func (k *kindStats) retried(t0 time.Time, d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.throttled++
	k.span(t0, d)
}

func (k *kindStats) done(t0 time.Time, d time.Duration, ok bool, status int, sample string, canceled bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if canceled {
		return // the run was interrupted: not the target's error
	}
	k.count++
	k.span(t0, d)
	if ok {
		k.lat = append(k.lat, d)
		return
	}
	k.errors++
	se := k.byStatus[status]
	if se == nil {
		se = &statusErrors{sample: sample}
		k.byStatus[status] = se
	}
	se.count++
}

// ---- progress ----

// Progress is a snapshot of the running phase.
type Progress struct {
	Phase                string
	Done, Total          int64
	Errors               int64 // since the run began
	PhaseStart, RunStart time.Time
}

// phaseState is the running phase's counters.
type phaseState struct {
	name                 string
	total                int64
	phaseStart, runStart time.Time
	done, errors         atomic.Int64
}

func (r *Run) phase(name string, total int) {
	p := &phaseState{name: name, total: int64(total), phaseStart: time.Now(), runStart: r.start}
	if old := r.progress.Load(); old != nil {
		p.errors.Store(old.errors.Load())
	}
	r.progress.Store(p)
}

func (r *Run) tick(ok bool) {
	if p := r.progress.Load(); p != nil {
		p.done.Add(1)
		if !ok {
			p.errors.Add(1)
		}
	}
}

// Snapshot returns the running phase's progress (zero before Load).
func (r *Run) Snapshot() Progress {
	p := r.progress.Load()
	if p == nil {
		return Progress{}
	}
	return Progress{Phase: p.name, Done: p.done.Load(), Total: p.total, Errors: p.errors.Load(),
		PhaseStart: p.phaseStart, RunStart: p.runStart}
}

// Line is the progress as one line: phase, done/total, rate, errors, elapsed.
func (p Progress) Line(now time.Time) string {
	if p.Phase == "" {
		return "starting"
	}
	rate := 0.0
	if el := now.Sub(p.PhaseStart).Seconds(); el > 0 {
		rate = float64(p.Done) / el
	}
	pct := 0.0
	if p.Total > 0 {
		pct = 100 * float64(p.Done) / float64(p.Total)
	}
	return fmt.Sprintf("%s %d/%d (%.0f%%) %.0f req/s, %d errors, %s elapsed", p.Phase, p.Done, p.Total, pct, rate,
		p.Errors, now.Sub(p.RunStart).Round(time.Second))
}

// ---- result ----

// KindResult is the measurement of one kind of request.
type KindResult struct {
	Kind           string
	Count, Errors  int
	Throttled      int // answers 429 (or 503 with Retry-After) that were retried
	PerSecond      float64
	P50, P99, Max  time.Duration
	ErrorsByStatus map[int]int
	SampleByStatus map[int]string
	First, End     time.Time
}

// Result is what the load sent and how the target answered.
type Result struct {
	Shape, Scope  string
	Users, Groups int
	Members       int // memberships sent
	Targets       int // URLs spread over
	Concurrency   int
	Rate          float64
	Kinds         []KindResult
	Duration      time.Duration
}

// Errors is the number of requests that failed (after retries).
func (res *Result) Errors() int {
	n := 0
	for _, k := range res.Kinds {
		n += k.Errors
	}
	return n
}

// Count returns the requests of a kind (0 if none was sent).
func (res *Result) Count(kind string) int {
	for _, k := range res.Kinds {
		if k.Kind == kind {
			return k.Count
		}
	}
	return 0
}

// checkKind says a kind belongs to the verification and clean-up, not the load.
func checkKind(name string) bool {
	return strings.HasPrefix(name, "verify-") || strings.HasPrefix(name, "delete-")
}

// Result returns the load's measurements so far (not the verification's
// and clean-up's requests: see Checks).
func (r *Run) Result() *Result {
	end := r.end
	if end.IsZero() {
		end = time.Now()
	}
	return r.result(false, r.start, end)
}

// Checks returns the measurements of the verification's and the
// clean-up's requests, timed from the first to the last of them.
func (r *Run) Checks() *Result {
	return r.result(true, time.Time{}, time.Time{})
}

func (r *Run) result(checks bool, start, end time.Time) *Result {
	members := 0
	for _, g := range r.groups {
		members += len(g.tried)
	}
	res := &Result{Shape: r.shape.Key, Scope: r.scope, Users: len(r.users), Groups: len(r.groups), Members: members,
		Targets: len(r.clients), Concurrency: r.cfg.Concurrency, Rate: r.cfg.Rate}
	r.mu.Lock()
	order := slices.Clone(r.order)
	r.mu.Unlock()
	for _, name := range order {
		if checkKind(name) != checks {
			continue
		}
		k := r.kind(name)
		k.mu.Lock()
		kr := KindResult{Kind: name, Count: k.count, Errors: k.errors, Throttled: k.throttled,
			ErrorsByStatus: map[int]int{}, SampleByStatus: map[int]string{}, First: k.first, End: k.end}
		lat := slices.Clone(k.lat)
		for st, se := range k.byStatus {
			kr.ErrorsByStatus[st] = se.count
			kr.SampleByStatus[st] = se.sample
		}
		k.mu.Unlock()
		slices.Sort(lat)
		if len(lat) > 0 {
			kr.P50, kr.P99, kr.Max = quantile(lat, 0.50), quantile(lat, 0.99), lat[len(lat)-1]
		}
		if s := kr.End.Sub(kr.First).Seconds(); s > 0 {
			kr.PerSecond = float64(kr.Count) / s
		}
		res.Kinds = append(res.Kinds, kr)
		if checks {
			if start.IsZero() || kr.First.Before(start) {
				start = kr.First
			}
			if kr.End.After(end) {
				end = kr.End
			}
		}
	}
	res.Duration = end.Sub(start)
	return res
}

// quantile of sorted durations, nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// WriteTable writes the closing table: per kind count, errors, 429s,
// throughput, p50, p99 and max latency of the answered requests; a total
// line; then every error by kind and status with its first answer.
func (res *Result) WriteTable(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %9s %7s %6s %10s %9s %9s %9s\n", "kind", "count", "errors", "429s", "req/s", "p50", "p99", "max")
	total, errs, thr := 0, 0, 0
	for _, k := range res.Kinds {
		fmt.Fprintf(&b, "%-16s %9d %7d %6d %10.1f %9s %9s %9s\n", k.Kind, k.Count, k.Errors, k.Throttled, k.PerSecond,
			ms(k.P50), ms(k.P99), ms(k.Max))
		total, errs, thr = total+k.Count, errs+k.Errors, thr+k.Throttled
	}
	per := 0.0
	if s := res.Duration.Seconds(); s > 0 {
		per = float64(total) / s
	}
	fmt.Fprintf(&b, "%-16s %9d %7d %6d %10.1f %9s (%s wall time)\n", "total", total, errs, thr, per, "", res.Duration.Round(10*time.Millisecond))
	if errs > 0 {
		b.WriteString("\nErrors by status (first answer of each):\n")
		for _, k := range res.Kinds {
			var sts []int
			for st := range k.ErrorsByStatus {
				sts = append(sts, st)
			}
			sort.Ints(sts)
			for _, st := range sts {
				label := fmt.Sprintf("HTTP %d", st)
				if st == 0 {
					label = "no answer"
				}
				fmt.Fprintf(&b, "  %-16s %-9s %6d  %s\n", k.Kind, label, k.ErrorsByStatus[st], k.SampleByStatus[st])
			}
		}
	}
	_, _ = io.WriteString(w, b.String())
}

// ms prints a latency in milliseconds with three significant digits.
func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 100:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.0fms", v)
}
