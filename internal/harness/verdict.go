package harness

import (
	"fmt"
	"sort"
	"strings"

	"github.com/provkit/provkit/steps"
)

// Levels are the requirement levels, strongest first, as the tags name them.
var Levels = []string{"must", "should", "may"}

// Tally counts scenarios by how they ended.
type Tally struct{ Passed, Failed, Skipped int }

// Total is every scenario counted.
func (t Tally) Total() int { return t.Passed + t.Failed + t.Skipped }

// Ran is the scenarios that ran (passed or failed).
func (t Tally) Ran() int { return t.Passed + t.Failed }

func (t *Tally) add(s steps.Status) {
	switch s {
	case steps.Passed:
		t.Passed++
	case steps.Failed:
		t.Failed++
	case steps.Skipped:
		t.Skipped++
	}
}

// ByLevel counts the scenarios of each level ("must", "should", "may").
func (r *Result) ByLevel() map[string]Tally {
	out := map[string]Tally{}
	for _, s := range r.Scenarios {
		t := out[s.Level]
		t.add(s.Status)
		out[s.Level] = t
	}
	return out
}

// Untested lists the areas of which no scenario ran (every one skipped).
func (r *Result) Untested() []string {
	by := map[string]*Tally{}
	for _, s := range r.Scenarios {
		if by[s.Area] == nil {
			by[s.Area] = &Tally{}
		}
		by[s.Area].add(s.Status)
	}
	var out []string
	for a, t := range by {
		if t.Ran() == 0 {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// StrictSkips is how many MUST scenarios were skipped; with Strict, any of
// them fails the run.
func (r *Result) StrictSkips() int { return r.ByLevel()["must"].Skipped }

// Verdict is the run's one-line verdict: PASSED or FAILED, the counts, the
// share that ran, the counts by level, and the areas that did not run at
// all. Every report states the same line.
func (r *Result) Verdict() string {
	var all Tally
	for _, s := range r.Scenarios {
		all.add(s.Status)
	}
	word := "PASSED"
	if !r.Passed() {
		word = "FAILED"
	}
	pct := 0
	if all.Total() > 0 {
		pct = 100 * all.Ran() / all.Total()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d passed, %d failed, %d skipped (%d%% of %d ran)", word, all.Passed, all.Failed, all.Skipped, pct, all.Total())
	lv := r.ByLevel()
	var parts []string
	for _, l := range Levels {
		if t, ok := lv[l]; ok {
			parts = append(parts, fmt.Sprintf("%s %d/%d passed, %d failed, %d skipped", strings.ToUpper(l), t.Passed, t.Total(), t.Failed, t.Skipped))
		}
	}
	if len(parts) > 0 {
		b.WriteString("; " + strings.Join(parts, "; "))
	}
	if known := all.Failed - r.NewFailures(); known > 0 {
		fmt.Fprintf(&b, "; %d of the failures known (--expect)", known)
	}
	if fixed := len(r.Fixed()); fixed > 0 {
		fmt.Fprintf(&b, "; %d known failures fixed", fixed)
	}
	if u := r.Untested(); len(u) > 0 {
		fmt.Fprintf(&b, "; not tested (every scenario skipped): %s", strings.Join(u, ", "))
	}
	if r.Strict && r.StrictSkips() > 0 {
		fmt.Fprintf(&b, "; --strict: %d MUST scenarios skipped", r.StrictSkips())
	}
	return b.String()
}
