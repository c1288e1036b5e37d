package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML as Jenkins, GitLab CI, Azure DevOps, CircleCI and the GitHub
// Actions reporters read it: one testsuite per feature, one testcase per
// scenario, a failure's text carrying the evidence.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Stamp    string       `xml:"timestamp,attr,omitempty"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Stamp      string          `xml:"timestamp,attr,omitempty"`
	File       string          `xml:"file,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int64         `xml:"line,attr,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

// xmlText drops the characters XML 1.0 cannot carry (a response body may
// hold any byte), so that the file always parses.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

// junitExchanges is how many exchanges a failure without a judged exchange
// shows in junit.xml (report.html and cucumber.json have them all).
const junitExchanges = 3

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func writeJUnit(rep *report, w io.Writer) error {
	out := junitSuites{Name: "provkit " + rep.Profile, Tests: rep.Total, Failures: rep.Counts.Failed,
		Skipped: rep.Counts.Skipped, Time: seconds(rep.Duration), Stamp: stamp(rep.Date)}
	for _, f := range rep.Features {
		s := junitSuite{Name: f.Name, Tests: len(f.Scenarios), Failures: f.Failed, Skipped: f.Skipped,
			File: "features/" + f.URI, Properties: []junitProperty{{"target", rep.Target}, {"profile", rep.Profile}}}
		var total time.Duration
		var first time.Time
		for _, sc := range f.Scenarios {
			total += sc.Duration
			if first.IsZero() || (!sc.Started.IsZero() && sc.Started.Before(first)) {
				first = sc.Started
			}
			c := junitCase{Name: sc.Name, Classname: classname(f.URI), Time: seconds(sc.Duration),
				File: "features/" + sc.URI, Line: sc.Line, SystemOut: &junitText{xmlText(stepsText(sc))}}
			switch {
			case sc.Status == "failed" && sc.Known != "":
				// a known failure does not fail a CI's JUnit check; it is reported
				c.Skipped = &junitMessage{Message: xmlText("known failure (--expect): " + sc.Known + "; " + sc.FirstLine())}
				s.Failures--
				s.Skipped++
				out.Failures--
				out.Skipped++
			case sc.Status == "failed":
				c.Failure = &junitMessage{Message: xmlText(sc.FirstLine()), Type: cmpOr("@"+sc.Rule, "failure"), Text: xmlText(failureText(sc))}
			case sc.Status == "skipped":
				c.Skipped = &junitMessage{Message: xmlText(sc.Reason)}
			}
			s.Cases = append(s.Cases, c)
		}
		s.Time, s.Stamp = seconds(total), stamp(first)
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func cmpOr(a, b string) string {
	if a == "@" || a == "" {
		return b
	}
	return a
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

// classname is the feature's path with dots: scim/users.feature -> scim.users.
func classname(uri string) string {
	return strings.ReplaceAll(strings.TrimSuffix(uri, ".feature"), "/", ".")
}

// stepsText lists a scenario's steps with their status.
func stepsText(sc *scenario) string {
	var b strings.Builder
	for _, st := range sc.Steps {
		fmt.Fprintf(&b, "%-8s %s %s\n", "["+st.Status+"]", st.Keyword, st.Text)
	}
	return b.String()
}

// failureText is a failure's whole story: the step, the message, expected
// and actual, the rule and its source, and the exchanges.
func failureText(sc *scenario) string {
	var b strings.Builder
	if sc.FailedStep != "" {
		fmt.Fprintf(&b, "%s %s\n", sc.FailedKind, sc.FailedStep)
	}
	fmt.Fprintf(&b, "%s\n", sc.Reason)
	if sc.Expected != "" || sc.Actual != "" {
		b.WriteString("\n")
		if sc.What != "" {
			fmt.Fprintf(&b, "checked:  %s\n", sc.What)
		}
		fmt.Fprintf(&b, "expected: %s\nactual:   %s\n", sc.Expected, sc.Actual)
	}
	fmt.Fprintf(&b, "\nrule: @%s (%s)", sc.Rule, sc.Level)
	if sc.RuleText != "" {
		fmt.Fprintf(&b, ": %s", sc.RuleText)
	}
	fmt.Fprintf(&b, "\nat:   features/%s\n", sc.Location())
	if sc.SourceText != "" {
		fmt.Fprintf(&b, "%s\n", sc.SourceText)
	}
	if sc.Evidence != "" {
		fmt.Fprintf(&b, "\nThe exchange the failed check judged (secrets redacted):\n%s\n", sc.Evidence)
	}
	// without a judged exchange, the last ones the scenario made
	if n := len(sc.Exchanges); n > 0 && sc.Evidence == "" {
		shown := sc.Exchanges[max(0, n-junitExchanges):]
		fmt.Fprintf(&b, "\nThe last %d of the scenario's %d exchanges (secrets redacted):\n", len(shown), n)
		for _, ex := range shown {
			fmt.Fprintf(&b, "\n%s\n", ex.Text)
		}
	}
	if n := len(sc.Exchanges); n > 0 {
		fmt.Fprintf(&b, "\n(report.html and cucumber.json hold all %d exchanges of the scenario)\n", n)
	}
	return b.String()
}
