// Package reports writes the reports of a conformance run (a
// harness.Result): a self-contained HTML report that works offline
// (report.html), JUnit XML for CI systems (junit.xml), cucumber JSON
// (cucumber.json) and a Markdown summary for a pull request comment
// (summary.md). Write puts all four in a directory; HTML, JUnit, Cucumber
// and Summary write one each.
//
// Every writer works from one redacted copy of the run: bearer tokens and
// the secrets given in Options, Authorization, Cookie and Set-Cookie
// headers, tokens in URLs and JSON bodies, passwords, SAMLResponse values
// and XML signature values never reach a report file.
package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/provkit/provkit/features"
	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/steps"
)

// File names Write creates in its directory.
const (
	HTMLFile     = "report.html"
	JUnitFile    = "junit.xml"
	CucumberFile = "cucumber.json"
	SummaryFile  = "summary.md"
)

// Options describe the run beyond what the Result holds.
type Options struct {
	// Target names what was tested (default: Result.Target).
	Target string
	// Version is provkit's version, shown in the reports.
	Version string
	// Date is when the run started (default: Result.Started).
	Date time.Time
	// Secrets are strings that must not appear in any report (the target's,
	// the admin API's and the other node's tokens). Bearer tokens, cookies,
	// tokens in URLs and JSON, passwords and SAML signatures are redacted
	// whether listed or not.
	Secrets []string
	// Vocabulary describes the tags (default: features.LoadVocabulary()).
	Vocabulary *features.Vocabulary
	// DetailsURL, if set, is linked from summary.md (the CI job's artefacts).
	DetailsURL string
}

// Write writes report.html, junit.xml, cucumber.json and summary.md into
// dir (created if need be) and returns their paths.
func Write(dir string, res *harness.Result, opt Options) ([]string, error) {
	rep, err := build(res, opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range []struct {
		name  string
		write func(*report, io.Writer) error
	}{
		{HTMLFile, writeHTML}, {JUnitFile, writeJUnit}, {CucumberFile, writeCucumber}, {SummaryFile, writeSummary},
	} {
		var b bytes.Buffer
		if err := f.write(rep, &b); err != nil {
			return paths, fmt.Errorf("reports: %s: %w", f.name, err)
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("reports: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// HTML writes the HTML report of a run.
func HTML(w io.Writer, res *harness.Result, opt Options) error { return one(w, res, opt, writeHTML) }

// JUnit writes the JUnit XML report of a run: one testsuite per feature,
// one testcase per scenario.
func JUnit(w io.Writer, res *harness.Result, opt Options) error { return one(w, res, opt, writeJUnit) }

// Cucumber writes the cucumber JSON report of a run.
func Cucumber(w io.Writer, res *harness.Result, opt Options) error {
	return one(w, res, opt, writeCucumber)
}

// Summary writes the Markdown summary of a run, for a pull request comment.
func Summary(w io.Writer, res *harness.Result, opt Options) error {
	return one(w, res, opt, writeSummary)
}

func one(w io.Writer, res *harness.Result, opt Options, write func(*report, io.Writer) error) error {
	rep, err := build(res, opt)
	if err != nil {
		return err
	}
	return write(rep, w)
}

// levelRow is one requirement level's counts.
type levelRow struct {
	Name                    string // MUST, SHOULD, MAY
	Passed, Failed, Skipped int
}

func levelRows(res *harness.Result) []levelRow {
	by := res.ByLevel()
	var out []levelRow
	for _, l := range harness.Levels {
		if t, ok := by[l]; ok {
			out = append(out, levelRow{strings.ToUpper(l), t.Passed, t.Failed, t.Skipped})
		}
	}
	return out
}

// ---- the model every writer reads (already redacted) ----

type report struct {
	Title    string
	Target   string
	Profile  string
	Tags     string
	Version  string
	Date     time.Time
	Duration time.Duration
	Passed   bool
	Verdict  string // the run's verdict line (harness.Result.Verdict)
	Levels   []levelRow
	Counts   counts
	Sections []section
	Features []*feature
	AllTags  []string
	Failed   []*scenario
	Skipped  []skipReason
	Total    int
	// DetailsURL links summary.md to the full report.
	DetailsURL string
}

type counts struct{ Passed, Failed, Skipped int }

func (c counts) Total() int { return c.Passed + c.Failed + c.Skipped }

func (c *counts) add(status string) {
	switch status {
	case string(steps.Passed):
		c.Passed++
	case string(steps.Failed):
		c.Failed++
	default:
		c.Skipped++
	}
}

// Pct returns the share of n in the total, in percent (for the bars).
func (c counts) Pct(n int) string {
	if c.Total() == 0 {
		return "0"
	}
	return fmt.Sprintf("%.2f", 100*float64(n)/float64(c.Total()))
}

type section struct {
	Title string
	Rows  []matrixRow
}

type matrixRow struct {
	Name        string // area name, or IdP name
	Filter      string // the tag the row filters on ("@users"), or "" (IdP rows: a search)
	Description string
	counts
}

type feature struct {
	ID          string
	Name        string
	URI         string
	Description string
	Scenarios   []*scenario
	counts
}

type scenario struct {
	ID         string
	Feature    *feature
	Name       string
	URI        string
	Line       int64
	Tags       []string
	Area       string
	Rule       string // rule tag without "@"
	RuleName   string // the Rule: text
	RuleText   string // the rule tag's description in the vocabulary
	Level      string
	Source     string // source tag without "@"
	SourceText string // the seed document or RFC section the feature names
	IdPs       []string
	Status     string
	Reason     string // skip reason, or the failure's message
	Known      string // a known failure's reason (--expect)
	FailedStep string
	FailedKind string
	What       string // what the failed check read ("status", "name.givenName")
	Expected   string
	Actual     string
	Evidence   string // the exchange the failed check judged
	Exchanges  []exchange
	Steps      []step
	Started    time.Time
	Duration   time.Duration
}

type step struct {
	Keyword  string // Given, When, Then, And
	Kind     string
	Text     string
	Status   string
	Error    string
	Duration time.Duration
}

type exchange struct {
	Title  string // "GET https://… → 404 Not Found (3ms)"
	Via    string // "browser" for a hop of the SAML browser, "" for SCIM and the admin API
	Failed bool   // no answer, or a 4xx/5xx status
	Judged bool   // the exchange the failed check judged
	Open   bool   // shown unfolded (the last, when the failure printed none)
	Text   string
}

type skipReason struct {
	Reason string
	Count  int
}

// Location is "uri:line".
func (s *scenario) Location() string { return fmt.Sprintf("%s:%d", s.URI, s.Line) }

// Message is the failure's message, or the skip reason.
func (s *scenario) FirstLine() string {
	first, _, _ := strings.Cut(s.Reason, "\n")
	return first
}

func build(res *harness.Result, opt Options) (*report, error) {
	vocab := opt.Vocabulary
	if vocab == nil {
		var err error
		if vocab, err = features.LoadVocabulary(); err != nil {
			return nil, err
		}
	}
	rd := newRedactor(opt.Secrets)
	rep := &report{
		Title:      "provkit conformance report",
		Target:     rd.redact(cmp.Or(opt.Target, res.Target, "(unknown target)")),
		Profile:    res.Profile,
		Tags:       res.Tags,
		Version:    opt.Version,
		Date:       cmp.Or(opt.Date, res.Started).UTC(),
		Duration:   res.Duration,
		Passed:     res.Passed(),
		Verdict:    res.Verdict(),
		Levels:     levelRows(res),
		Total:      len(res.Scenarios),
		DetailsURL: opt.DetailsURL,
	}
	byFeature := map[string]*feature{}
	tagSet := map[string]bool{}
	skips := map[string]int{}
	for _, r := range res.Scenarios {
		f := byFeature[r.URI]
		if f == nil {
			f = &feature{ID: slug(r.URI), Name: cmp.Or(r.Feature, r.URI), URI: r.URI, Description: oneLine(r.FeatureDescription)}
			byFeature[r.URI] = f
			rep.Features = append(rep.Features, f)
		}
		s := &scenario{
			ID: slug(fmt.Sprintf("%s-%d", r.URI, r.Line)), Feature: f, Name: r.Name, URI: r.URI, Line: r.Line,
			Tags: r.Tags, Area: r.Area, Rule: r.Rule, RuleName: r.RuleName, Level: r.Level, Source: r.Source,
			SourceText: sourceText(r.FeatureDescription), Status: string(r.Status),
			FailedStep: r.FailedStep, FailedKind: r.FailedKind, Started: r.Started, Duration: r.Duration,
			Known: rd.redact(r.Known),
		}
		if t, ok := vocab.Lookup("@" + r.Rule); ok {
			s.RuleText = t.Description
		}
		s.IdPs = idpsOf(s)
		for _, t := range r.Tags {
			tagSet[t] = true
		}
		switch r.Status {
		case steps.Failed:
			msg, evidence := splitEvidence(rd.redact(r.Reason))
			s.Reason, s.Evidence = msg, evidence
			if r.Expected != "" || r.Actual != "" {
				s.What, s.Expected, s.Actual = rd.redact(r.What), rd.redact(r.Expected), rd.redact(r.Actual)
			} else { // a check that gave no values: read them out of its message
				s.Expected, s.Actual = expectation(msg)
			}
			s.Exchanges = exchangesOf(r.Exchanges, rd)
			for _, x := range s.Exchanges {
				if x.Judged {
					s.Evidence = x.Text
				}
			}
			if s.Evidence == "" && len(s.Exchanges) > 0 {
				s.Exchanges[len(s.Exchanges)-1].Open = true
			}
			rep.Failed = append(rep.Failed, s)
		case steps.Skipped:
			s.Reason = rd.redact(r.Reason)
			skips[s.Reason]++
		}
		prev := ""
		for _, st := range r.Steps {
			kw := st.Kind
			if kw == prev && kw != "" {
				kw = "And"
			}
			prev = st.Kind
			e := st.Error
			if e == r.Reason || strings.HasPrefix(e, "skipped") {
				e = "" // the failure is shown once, with its evidence
			}
			s.Steps = append(s.Steps, step{Keyword: kw, Kind: st.Kind, Text: rd.redact(st.Text), Status: st.Status,
				Error: rd.redact(e), Duration: st.Duration})
		}
		f.Scenarios = append(f.Scenarios, s)
		f.counts.add(s.Status)
		rep.Counts.add(s.Status)
	}
	slices.SortStableFunc(rep.Features, func(a, b *feature) int {
		return cmp.Or(cmp.Compare(runOrder(a.URI), runOrder(b.URI)), cmp.Compare(a.URI, b.URI))
	})
	for t := range tagSet {
		rep.AllTags = append(rep.AllTags, t)
	}
	slices.Sort(rep.AllTags)
	for r, n := range skips {
		rep.Skipped = append(rep.Skipped, skipReason{r, n})
	}
	slices.SortFunc(rep.Skipped, func(a, b skipReason) int {
		return cmp.Or(-cmp.Compare(a.Count, b.Count), cmp.Compare(a.Reason, b.Reason))
	})
	rep.Sections = matrix(rep, vocab)
	return rep, nil
}

// runOrder is the rank of a feature's directory in the run order
// (features.Paths: scim, keeper, saml, jit).
func runOrder(uri string) int {
	dir, _, _ := strings.Cut(uri, "/")
	if i := slices.Index(features.Paths, dir); i >= 0 {
		return i
	}
	return len(features.Paths)
}

// ---- the matrix ----

var areaSections = []struct {
	title string
	areas []string
}{
	{"SCIM 2.0 (RFC 7643/7644)", []string{"auth", "discovery", "users", "groups", "replace", "patch", "filter", "paging", "sort", "projection", "etag", "errors", "protocol"}},
	{"Keeper behaviours", []string{"deprovision", "lifecycle", "identity", "uniqueness", "approval", "seats", "endpoint", "nodes", "teams"}},
	{"Identity providers' requests", []string{"idp"}},
	{"SSO (SAML 2.0)", []string{"saml"}},
	{"JIT provisioning", []string{"jit"}},
}

// idps are the identity providers the matrix breaks down by: a scenario
// belongs to one when it carries its marker tag (@entra, @okta, ...; or a
// rule tag starting with it and a dash), or its rule's statement names it
// before the colon ("Entra ID: capitalised op names").
var idps = []struct{ tag, name, short string }{
	{"entra", "Microsoft Entra ID", "Entra ID"}, {"okta", "Okta", "Okta"}, {"jumpcloud", "JumpCloud", "JumpCloud"},
	{"cloudgate", "CloudGate", "CloudGate"}, {"google", "Google Workspace", "Google"}, {"onelogin", "OneLogin", "OneLogin"},
}

func idpsOf(s *scenario) []string {
	var out []string
	head, _, hasColon := strings.Cut(s.RuleText, ":")
	names := map[string]bool{}
	if hasColon {
		for _, n := range strings.Split(head, ",") {
			names[strings.TrimSpace(n)] = true
		}
	}
	for _, idp := range idps {
		ok := names[idp.short]
		for _, t := range s.Tags {
			ok = ok || t == "@"+idp.tag || strings.HasPrefix(t, "@"+idp.tag+"-")
		}
		ok = ok || strings.HasPrefix(s.Rule, idp.tag+"-")
		if ok {
			out = append(out, idp.name)
		}
	}
	return out
}

func matrix(rep *report, vocab *features.Vocabulary) []section {
	byArea := map[string]*counts{}
	byIdP := map[string]*counts{}
	for _, f := range rep.Features {
		for _, s := range f.Scenarios {
			c := byArea[s.Area]
			if c == nil {
				c = &counts{}
				byArea[s.Area] = c
			}
			c.add(s.Status)
			for _, i := range s.IdPs {
				if byIdP[i] == nil {
					byIdP[i] = &counts{}
				}
				byIdP[i].add(s.Status)
			}
		}
	}
	desc := func(area string) string {
		if t, ok := vocab.Lookup("@" + area); ok {
			return t.Description
		}
		return ""
	}
	var out []section
	seen := map[string]bool{}
	for _, sec := range areaSections {
		var rows []matrixRow
		for _, a := range sec.areas {
			seen[a] = true
			if c := byArea[a]; c != nil {
				rows = append(rows, matrixRow{Name: a, Filter: "@" + a, Description: desc(a), counts: *c})
			}
		}
		if len(rows) > 0 {
			out = append(out, section{sec.title, rows})
		}
	}
	var other []matrixRow
	for a, c := range byArea {
		if !seen[a] {
			name, filter := a, "@"+a
			if a == "" {
				name, filter = "(no area)", ""
			}
			other = append(other, matrixRow{Name: name, Filter: filter, Description: desc(a), counts: *c})
		}
	}
	if len(other) > 0 {
		slices.SortFunc(other, func(a, b matrixRow) int { return cmp.Compare(a.Name, b.Name) })
		out = append(out, section{"Other", other})
	}
	var rows []matrixRow
	for _, i := range idps {
		if c := byIdP[i.name]; c != nil {
			rows = append(rows, matrixRow{Name: i.name, Filter: "idp:" + i.name, Description: "scenarios about " + i.name + "'s requests", counts: *c})
		}
	}
	if len(rows) > 0 {
		out = append(out, section{"By identity provider", rows})
	}
	return out
}

// ---- text helpers ----

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var sourceRe = regexp.MustCompile(`\bSources?:\s`)

// sourceText is the part of a feature's description that names the rule's
// source ("Source: RFC 7644 §3.6 …"); the whole description without one.
func sourceText(desc string) string {
	desc = oneLine(desc)
	if loc := sourceRe.FindStringIndex(desc); loc != nil {
		return desc[loc[0]:]
	}
	return desc
}

// splitEvidence splits a failure into its message and the exchange the
// failed check printed after it (lines starting with "> " and "< ").
func splitEvidence(reason string) (msg, evidence string) {
	lines := strings.Split(strings.TrimRight(reason, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "> ") || strings.HasPrefix(l, "< ") {
			return strings.Join(lines[:i], "\n"), strings.Join(lines[i:], "\n")
		}
	}
	return strings.Join(lines, "\n"), ""
}

// exchangesOf is a scenario's exchanges as the reports show them, redacted.
func exchangesOf(exs []steps.Exchange, rd *redactor) []exchange {
	var out []exchange
	for _, x := range exs {
		answer := fmt.Sprintf("%d %s (%s)", x.Status, http.StatusText(x.Status), x.Duration.Round(time.Millisecond))
		if x.Status == 0 {
			answer = "no answer: " + cmp.Or(x.Error, "(no status)")
		}
		out = append(out, exchange{
			Title:  rd.redact(x.Method + " " + x.URL + " → " + answer),
			Via:    x.Via,
			Failed: x.Status == 0 || x.Status >= 400,
			Judged: x.Judged,
			Text:   strings.TrimRight(rd.redact(x.Text), "\n"),
		})
	}
	return out
}

var expectRes = []*regexp.Regexp{
	regexp.MustCompile(`^(?:.*?: )?expected (.+?)(?:, but got |, got |; got |; it holds |; it is |, it is |; the administrator sees |; )(.+)$`),
	regexp.MustCompile(`^(.+?), want (.+)$`),
}

// expectation reads the expected and the actual value out of a failure's
// first line ("expected 201 Created, got 200"; "signed in as "x", want "y"").
// The steps phrase every check that way; a line in another shape gives "".
func expectation(msg string) (expected, actual string) {
	first, _, _ := strings.Cut(msg, "\n")
	if m := expectRes[0].FindStringSubmatch(first); m != nil {
		return m[1], m[2]
	}
	if m := expectRes[1].FindStringSubmatch(first); m != nil {
		return m[2], m[1]
	}
	if rest, ok := strings.CutPrefix(first, "expected "); ok {
		return rest, ""
	}
	return "", ""
}
