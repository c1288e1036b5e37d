package harness

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/provkit/provkit/steps"
)

// Expectations are known failures: scenario (its feature file and name) ->
// why it fails. A run with Config.Expect reports them but does not fail on
// them; a new failure still fails it, and a known one that passes is
// reported as fixed.
//
// The file format (provkit test --expect FILE, written by
// --write-expectations FILE): one scenario per line,
//
//	<feature file>: <scenario name> | <reason>
//
// e.g. "scim/users.feature: Reading an unknown user answers 404 | answers 400 until ticket SCIM-12";
// blank lines and lines starting with # are ignored. The reason is required.
type Expectations map[string]string

// ExpectKey is the key of a scenario in Expectations.
func ExpectKey(uri, name string) string { return uri + ": " + name }

// ParseExpectations reads an expectations file; its errors name the line.
func ParseExpectations(r io.Reader) (Expectations, error) {
	out := Expectations{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		uri, rest, ok := strings.Cut(line, ": ")
		if !ok || !strings.HasSuffix(uri, ".feature") {
			return nil, fmt.Errorf("line %d: want \"<feature file>: <scenario name> | <reason>\"", n)
		}
		i := strings.LastIndex(rest, " | ")
		if i < 0 || strings.TrimSpace(rest[i+3:]) == "" || strings.TrimSpace(rest[:i]) == "" {
			return nil, fmt.Errorf("line %d: a known failure needs a scenario name and a reason (\"... | why it fails\")", n)
		}
		key := ExpectKey(uri, strings.TrimSpace(rest[:i]))
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("line %d: %s is listed twice", n, key)
		}
		out[key] = strings.TrimSpace(rest[i+3:])
	}
	return out, sc.Err()
}

// LoadExpectations reads an expectations file; its error is a *UsageError.
func LoadExpectations(path string) (Expectations, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--expect: %v", err)
	}
	defer f.Close()
	e, err := ParseExpectations(f)
	if err != nil {
		return nil, usagef("--expect %s: %v", path, err)
	}
	return e, nil
}

// WriteExpectations writes the run's failures as an expectations file; a
// failure already known keeps its reason, a new one gets its first line.
func WriteExpectations(w io.Writer, r *Result) error {
	var lines []string
	for _, s := range r.Scenarios {
		if s.Status != steps.Failed {
			continue
		}
		reason := s.Known
		if reason == "" {
			reason, _, _ = strings.Cut(s.Reason, "\n")
			reason = strings.ReplaceAll(strings.TrimSpace(reason), " | ", " / ")
			if reason == "" {
				reason = "fails"
			}
		}
		lines = append(lines, ExpectKey(s.URI, s.Name)+" | "+reason)
	}
	sort.Strings(lines)
	if _, err := fmt.Fprintf(w, "# provkit expectations: known failures, one per line (provkit test --expect FILE)\n"+
		"# <feature file>: <scenario name> | <reason>\n"); err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

// checkExpectations refuses entries that name no scenario of the catalogue.
func checkExpectations(e Expectations, all []string) error {
	known := map[string]bool{}
	for _, k := range all {
		known[k] = true
	}
	var bad []string
	for k := range e {
		if !known[k] {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		return usagef("--expect: no scenario %q (%d entries name none)", bad[0], len(bad))
	}
	return nil
}

// Fixed lists the known failures that passed this run.
func (r *Result) Fixed() []ScenarioResult {
	var out []ScenarioResult
	for _, s := range r.Scenarios {
		if s.Status == steps.Passed && s.WasKnown {
			out = append(out, s)
		}
	}
	return out
}

// NewFailures counts the failures not listed as known.
func (r *Result) NewFailures() int {
	n := 0
	for _, s := range r.Scenarios {
		if s.Status == steps.Failed && s.Known == "" {
			n++
		}
	}
	return n
}
