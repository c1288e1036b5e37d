// Package harness builds and runs provkit's conformance suite (godog, the
// features of package features, the steps of package steps) from a Config.
// The root harness_test.go and `provkit test` both run the suite through it,
// so `go test ./...` and the command judge a target the same way. It also
// checks a target up front (Preflight), prints a live progress line, and
// summarises a run by area.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cucumber/godog"
	"github.com/tidwall/gjson"

	"github.com/provkit/provkit/features"
	"github.com/provkit/provkit/internal/scimclient"
	"github.com/provkit/provkit/steps"
)

// Profiles maps a profile name to the tag expression that selects its
// scenarios. keeper (the default) runs Keeper's rules and every RFC rule
// Keeper does not override; rfc7644 runs only RFC rules, for generic SCIM
// servers, including the ones Keeper overrides (DELETE removes the user, a
// taken userName is a conflict).
var Profiles = map[string]string{
	"keeper":  "~@keeper-differs",
	"rfc7644": "@rfc7644",
}

// DefaultProfile is the profile used when none is given.
const DefaultProfile = "keeper"

// DefaultConcurrency is how many scenarios run at once by default.
const DefaultConcurrency = 8

// Config says what to run against what.
type Config struct {
	// Target is the SCIM base URL under test and its bearer token.
	Target steps.Endpoint
	// Admin is the provkit admin API; nil: admin-dependent scenarios skip.
	Admin *steps.Endpoint
	// AdminDriver, when set, is the administrator instead of Admin: an
	// admin driver program (*steps.AdminExec) or a person (*steps.AdminManual).
	AdminDriver steps.AdminTransport
	// AdminSecrets are the driver's secrets (its admin token), redacted
	// from the reports.
	AdminSecrets []string
	// Other is a SCIM endpoint of a node in another enterprise (optional).
	Other *steps.Endpoint
	// Profile is "keeper" (default) or "rfc7644".
	Profile string
	// Tags is a further godog tag expression ("@must && ~@large").
	Tags string
	// Formats are godog formatters, "name" (to Output) or "name:path".
	Formats []string
	// Concurrency is how many scenarios run at once (default DefaultConcurrency).
	Concurrency int
	// Strict fails scenarios needing features ServiceProviderConfig does not
	// advertise, and fails the run when a MUST scenario was skipped.
	Strict bool
	// Randomize shuffles scenarios with this seed (0: file order, -1: random seed).
	Randomize int64
	// StopOnFailure stops at the first failed scenario.
	StopOnFailure bool
	// NoColors strips colours from formatter output.
	NoColors bool
	// Expect lists known failures: they are reported but do not fail the
	// run (see Expectations).
	Expect Expectations
	// Verbose prints every failure's evidence whole in the summary; by
	// default each exchange body is cut to its first lines (the reports keep
	// all of it).
	Verbose bool
	// Output receives formatters without a path (default os.Stdout).
	Output io.Writer
	// Progress receives the live progress line (nil: none). When it is a
	// terminal the line is rewritten in place; otherwise a line is printed
	// every tenth of the run.
	Progress io.Writer
	// TestingT runs every scenario as a subtest of t (go test).
	TestingT *testing.T
	// OwnsTarget lets the harness set the target's node up for the profile
	// through the admin API (the rfc7644 profile needs deprovision=delete,
	// reprovision=conflict and identity=any).
	// Set it only for a target the run created, such as the bundled reference.
	OwnsTarget bool
	// KeepData leaves what the scenarios created on the target.
	KeepData bool
	// RunID overrides the run's unique name prefix (tests).
	RunID string
	// FS and Paths override the features (default features.FS, features.Paths).
	FS    fs.FS
	Paths []string
	// HTTP is the HTTP client the steps use (default: 30 s timeout).
	HTTP *http.Client
	// SP is a vendor's SAML service provider for the @saml/@jit scenarios.
	SP *steps.ServiceProvider
	// IdPPersona is the mock IdP persona of the SAML scenarios that name
	// none, against the bundled reference (default generic).
	IdPPersona string
}

// ScenarioResult is one scenario's outcome with its catalogue data.
type ScenarioResult struct {
	Name  string
	URI   string
	Line  int64
	Tags  []string
	Area  string // area tag without "@"
	Rule  string // rule tag without "@"
	Level string
	steps.Outcome
	// Known is the reason an expected failure fails (Config.Expect); ""
	// for a failure that is new, or a scenario that did not fail.
	Known string
	// WasKnown: the scenario is listed in Config.Expect (whatever it did).
	WasKnown bool

	// For reports (additive): the catalogue's feature and rule, the
	// scenario's source tag ("keeper", "rfc7644", "saml2"), its steps as
	// they ran, and when it started and how long it took.
	Feature            string
	FeatureDescription string // names the rule's source (seed document, RFC section)
	RuleName           string // the text of the feature's Rule:
	Source             string // source tag without "@"
	Steps              []StepResult
	Started            time.Time
	Duration           time.Duration
}

// StepResult is one step of a finished scenario.
type StepResult struct {
	Kind     string // "Given", "When" or "Then"
	Text     string
	Status   string // passed, failed, skipped, undefined, pending, ambiguous
	Error    string // the step's error, if it failed
	Duration time.Duration
}

// stepRecorder collects one scenario's steps as godog runs them (reports).
type stepRecorder struct {
	mu      sync.Mutex
	started time.Time
	stepAt  time.Time
	steps   []StepResult
}

type stepRecorderKey struct{}

// Result is a finished run.
type Result struct {
	Profile   string
	Tags      string // the tag expression that ran
	Target    string // the SCIM base URL under test
	Started   time.Time
	Scenarios []ScenarioResult
	Duration  time.Duration
	// GodogStatus is godog's own status (0 ok, 1 failed, 2 option error).
	GodogStatus int
	// Strict: a skipped MUST scenario fails the run (Config.Strict).
	Strict bool
	// Verbose: Summary prints the evidence whole (Config.Verbose).
	Verbose bool
	// CleanedUp: the run removed what it created where the target allows
	// (not KeepData); Leftovers counts what it could not remove, by why.
	CleanedUp bool
	Leftovers map[string]int
	// RunID is the run's scope: what it created is named pk<RunID>-<n>...
	RunID string
}

// Count returns how many scenarios ended with the status.
func (r *Result) Count(s steps.Status) int {
	n := 0
	for _, sc := range r.Scenarios {
		if sc.Status == s {
			n++
		}
	}
	return n
}

// Passed reports whether the run had no failure (and, with Strict, no
// skipped MUST scenario).
func (r *Result) Passed() bool {
	return r.NewFailures() == 0 && r.godogOK() && !(r.Strict && r.StrictSkips() > 0)
}

// godogOK: godog's own status is fine, or its only complaint is the
// failures that are all known.
func (r *Result) godogOK() bool {
	return r.GodogStatus == 0 || (r.GodogStatus == 1 && r.Count(steps.Failed) > 0 && r.NewFailures() == 0)
}

// UsageError is a problem with the configuration (exit status 2).
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// TagExpression combines the profile's expression with the user's tags.
func TagExpression(profile, tags string) (string, error) {
	if profile == "" {
		profile = DefaultProfile
	}
	p, ok := Profiles[profile]
	if !ok {
		names := make([]string, 0, len(Profiles))
		for n := range Profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		return "", usagef("unknown profile %q (one of: %s)", profile, strings.Join(names, ", "))
	}
	pe, err := features.ParseTagExpr(p)
	if err != nil {
		return "", err
	}
	te, err := features.ParseTagExpr(tags)
	if err != nil {
		return "", usagef("--tags: %v", err)
	}
	g, err := features.AndTags(pe, te).Godog()
	if err != nil {
		return "", usagef("--tags: %v", err)
	}
	return g, nil
}

// Check validates the profile, tags and formats of a configuration without
// running anything; its error is a *UsageError.
func Check(cfg Config) error {
	if _, _, err := Catalogue(cfg); err != nil {
		return err
	}
	_, _, err := formats(cfg)
	return err
}

// Catalogue returns the scenarios a configuration selects, without running.
func Catalogue(cfg Config) ([]features.Scenario, string, error) {
	expr, err := TagExpression(cfg.Profile, cfg.Tags)
	if err != nil {
		return nil, "", err
	}
	fsys, paths := cfg.FS, cfg.Paths
	if fsys == nil {
		fsys, paths = features.FS, features.Paths
	}
	all, err := features.Load(fsys, paths...)
	if err != nil {
		return nil, "", err
	}
	if err := knownTags(cfg.Tags, all); err != nil {
		return nil, "", err
	}
	if len(cfg.Expect) > 0 {
		keys := make([]string, len(all))
		for i, s := range all {
			keys[i] = ExpectKey(s.URI, s.Name)
		}
		if err := checkExpectations(cfg.Expect, keys); err != nil {
			return nil, "", err
		}
	}
	selected := features.Select(all, expr)
	if len(selected) == 0 {
		return nil, "", usagef("--tags %q with the %s profile selects no scenario", cfg.Tags, profileName(cfg.Profile))
	}
	return selected, expr, nil
}

func profileName(p string) string {
	if p == "" {
		return DefaultProfile
	}
	return p
}

// knownTags refuses a tag expression naming a tag that neither the tag
// vocabulary (features/tags.txt) nor any loaded scenario has: a typo would
// otherwise select nothing, or everything under "not".
func knownTags(tags string, all []features.Scenario) error {
	te, err := features.ParseTagExpr(tags)
	if err != nil {
		return usagef("--tags: %v", err)
	}
	known := map[string]bool{}
	if v, err := features.LoadVocabulary(); err == nil {
		for _, t := range v.Tags {
			known[t.Name] = true
		}
	}
	for _, s := range all {
		for _, t := range s.Tags {
			known[t] = true
		}
	}
	for _, t := range te.Tags() {
		if !known[t] {
			return usagef("--tags: unknown tag %s%s (the tags are listed in features/tags.txt)", t, suggest(t, known))
		}
	}
	return nil
}

// suggest names the known tag closest to t, if one is close.
func suggest(t string, known map[string]bool) string {
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, k := range names {
		if d := editDistance(t, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Preflight checks, before any scenario runs, that the target answers a
// SCIM list with the token (and that the admin API accepts its token). Its
// error is one line, meant for the user.
func Preflight(ctx context.Context, cfg Config) error {
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Target.URL == "" {
		return usagef("no target: give --target URL (or PROVKIT_TARGET)")
	}
	if !strings.HasPrefix(cfg.Target.URL, "http://") && !strings.HasPrefix(cfg.Target.URL, "https://") {
		return usagef("the target %q is not an http(s) URL", cfg.Target.URL)
	}
	if cfg.Target.Token == "" {
		return usagef("no token for %s: give --token (or PROVKIT_TOKEN)", cfg.Target.URL)
	}
	c := &scimclient.Client{BaseURL: cfg.Target.URL, Token: cfg.Target.Token, HTTP: hc}
	ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users", Query: map[string][]string{"startIndex": {"1"}, "count": {"1"}}})
	switch {
	case err != nil:
		return usagef("cannot reach the target %s: %v", cfg.Target.URL, rootCause(err))
	case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
		return usagef("the target %s refused the token (GET /Users answered %d)", cfg.Target.URL, ex.Status)
	case ex.Status == http.StatusNotFound:
		return usagef("no SCIM endpoint at %s (GET /Users answered 404)", cfg.Target.URL)
	case !ex.OK():
		return usagef("the target %s answered GET /Users with %d", cfg.Target.URL, ex.Status)
	}
	if why := notSCIM(ex, listResponseURN); why != "" {
		return usagef("%s is not a SCIM endpoint: GET /Users answered %d with %s", cfg.Target.URL, ex.Status, why)
	}
	if profileName(cfg.Profile) == "keeper" && selectsSCIM(cfg) {
		// Keeper's endpoint serves its ServiceProviderConfig (seed: "API Provisioning with SCIM").
		ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig"})
		switch {
		case err != nil:
			return usagef("cannot reach %s/ServiceProviderConfig: %v", cfg.Target.URL, rootCause(err))
		case !ex.OK():
			return usagef("%s does not serve its ServiceProviderConfig (GET answered %d), which the keeper profile needs; for a generic SCIM server use --profile rfc7644", cfg.Target.URL, ex.Status)
		}
		if why := notSCIM(ex, spcURN); why != "" {
			return usagef("%s/ServiceProviderConfig answered %s", cfg.Target.URL, why)
		}
	}
	if cfg.Admin != nil {
		a := &scimclient.Client{BaseURL: cfg.Admin.URL, Token: cfg.Admin.Token, HTTP: hc, MediaType: scimclient.MediaJSON}
		ex, err := a.Do(ctx, scimclient.Request{Method: http.MethodGet})
		switch {
		case err != nil:
			return usagef("cannot reach the admin API %s: %v", cfg.Admin.URL, rootCause(err))
		case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
			return usagef("the admin API %s refused the admin token (%d)", cfg.Admin.URL, ex.Status)
		case !ex.OK() || ex.Get("api").String() != "provkit-admin":
			return usagef("%s is not a provkit admin API (GET answered %d)", cfg.Admin.URL, ex.Status)
		}
	}
	return nil
}

// selectsSCIM reports whether the run selects a scenario beyond SAML sign-in
// (@saml, @jit): those need no more of the SCIM endpoint than its user list.
func selectsSCIM(cfg Config) bool {
	sel, _, err := Catalogue(cfg)
	if err != nil {
		return true
	}
	for _, s := range sel {
		if !s.Has("@saml") && !s.Has("@jit") {
			return true
		}
	}
	return false
}

const (
	listResponseURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	spcURN          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

// notSCIM says what a 200 answer is instead of a SCIM document carrying the
// schema urn ("" when it is one): a web page, a login portal, or JSON of
// another kind.
func notSCIM(ex *scimclient.Exchange, urn string) string {
	ct := ex.RespHeader.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "text/html":
		return "an HTML page (a login portal or a web site, not the SCIM base URL?)"
	case mt != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json"):
		return fmt.Sprintf("a %s body, not JSON", mt)
	case !gjson.ValidBytes(ex.RespBody):
		return "a body that is not JSON"
	}
	for _, s := range ex.Get("schemas").Array() {
		if s.String() == urn {
			return ""
		}
	}
	return fmt.Sprintf("JSON whose schemas do not include %s", urn)
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// Run runs the suite. Its error is a usage problem (bad profile or format,
// a *ProbeError when a vendor's SP does not sign in a plain login: see
// probeSP); scenario failures are in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	selected, expr, err := Catalogue(cfg)
	if err != nil {
		return nil, err
	}
	vocab, err := features.LoadVocabulary()
	if err != nil {
		return nil, err
	}
	format, out, err := formats(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.OwnsTarget {
		if err := prepareTarget(ctx, cfg); err != nil {
			return nil, err
		}
	}
	fsys, paths := cfg.FS, cfg.Paths
	if fsys == nil {
		fsys, paths = features.FS, features.Paths
	}
	type key struct{ uri, name string }
	cat := map[key]features.Scenario{}
	for _, s := range selected {
		cat[key{s.URI, s.Name}] = s
	}

	res := &Result{Profile: cfg.Profile, Tags: expr, Target: cfg.Target.URL, Strict: cfg.Strict, Verbose: cfg.Verbose}
	var recorders sync.Map // pickle id -> *stepRecorder
	if res.Profile == "" {
		res.Profile = DefaultProfile
	}
	prog := newProgress(cfg.Progress, len(selected))
	var mu sync.Mutex
	scfg := &steps.Config{Target: cfg.Target, Admin: cfg.Admin, AdminDriver: cfg.AdminDriver, Secrets: cfg.AdminSecrets, Other: cfg.Other, Strict: cfg.Strict, RunID: cfg.RunID,
		KeepData: cfg.KeepData, HTTP: cfg.HTTP, SP: cfg.SP, IdPPersona: cfg.IdPPersona,
		Report: func(sc *godog.Scenario, o steps.Outcome) {
			s := cat[key{sc.Uri, sc.Name}]
			r := ScenarioResult{Name: sc.Name, URI: sc.Uri, Line: s.Line, Outcome: o}
			for _, t := range sc.Tags {
				r.Tags = append(r.Tags, t.Name)
			}
			if a := vocab.Only(s, features.CatArea); len(a) == 1 {
				r.Area = strings.TrimPrefix(a[0], "@")
			}
			if a := vocab.Only(s, features.CatRule); len(a) == 1 {
				r.Rule = strings.TrimPrefix(a[0], "@")
			}
			if a := vocab.Only(s, features.CatLevel); len(a) == 1 {
				r.Level = strings.TrimPrefix(a[0], "@")
			}
			if a := vocab.Only(s, features.CatSource); len(a) == 1 {
				r.Source = strings.TrimPrefix(a[0], "@")
			}
			r.Feature, r.FeatureDescription, r.RuleName = s.Feature, s.FeatureDescription, s.Rule
			if v, ok := recorders.LoadAndDelete(sc.Id); ok {
				r.Started, r.Duration, r.Steps = v.(*stepRecorder).result(s.Steps)
			}
			mu.Lock()
			if reason, ok := cfg.Expect[ExpectKey(r.URI, r.Name)]; ok {
				r.WasKnown = true
				if r.Status == steps.Failed {
					r.Known = reason
				}
			}
			res.Scenarios = append(res.Scenarios, r)
			mu.Unlock()
			prog.done(r)
		}}

	if err := probeSP(ctx, cfg, scfg); err != nil {
		scfg.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	start := time.Now()
	res.Started = start
	suite := godog.TestSuite{
		Name: "provkit",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.Register(sc, scfg)
			recordSteps(sc, &recorders)
		},
		Options: &godog.Options{
			Format:         format,
			Output:         out,
			Tags:           expr,
			Concurrency:    cfg.Concurrency,
			Strict:         true,
			Randomize:      cfg.Randomize,
			StopOnFailure:  cfg.StopOnFailure,
			NoColors:       cfg.NoColors || noColor(out),
			FS:             fsys,
			Paths:          paths,
			TestingT:       cfg.TestingT,
			DefaultContext: ctx,
		},
	}
	res.GodogStatus = suite.Run()
	scfg.Close(context.WithoutCancel(ctx)) // what the scenarios shared: the other and the large enterprise
	res.Duration = time.Since(start)
	prog.finish()
	if res.GodogStatus == 2 {
		return res, usagef("godog could not run the suite (see above: a formatter or feature problem)")
	}
	sort.SliceStable(res.Scenarios, func(i, j int) bool {
		a, b := res.Scenarios[i], res.Scenarios[j]
		if a.URI != b.URI {
			return a.URI < b.URI
		}
		return a.Line < b.Line
	})
	res.CleanedUp = !cfg.KeepData
	res.RunID = scfg.RunID
	res.Leftovers = scfg.Leftovers()
	return res, nil
}

// recordSteps adds hooks that record each step's status, error and
// duration into a stepRecorder kept by pickle id, for reports.
func recordSteps(sc *godog.ScenarioContext, recorders *sync.Map) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		r := &stepRecorder{started: time.Now()}
		recorders.Store(s.Id, r)
		return context.WithValue(ctx, stepRecorderKey{}, r), nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		if r, ok := ctx.Value(stepRecorderKey{}).(*stepRecorder); ok {
			r.mu.Lock()
			r.stepAt = time.Now()
			r.mu.Unlock()
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		if r, ok := ctx.Value(stepRecorderKey{}).(*stepRecorder); ok {
			sr := StepResult{Text: st.Text, Status: status.String()}
			if err != nil && status != godog.StepSkipped {
				sr.Error = err.Error()
			}
			r.mu.Lock()
			if !r.stepAt.IsZero() {
				sr.Duration = time.Since(r.stepAt)
			}
			r.steps = append(r.steps, sr)
			r.mu.Unlock()
		}
		return ctx, nil
	})
}

// result returns the scenario's start, duration and steps: the catalogue's
// steps with the status each got; a step not reached yet (the scenario's
// outcome is decided at its first failure) is skipped.
func (r *stepRecorder) result(cat []features.Step) (time.Time, time.Duration, []StepResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]StepResult, 0, max(len(cat), len(r.steps)))
	for i, st := range cat {
		sr := StepResult{Kind: string(st.Kind), Text: st.Text, Status: "skipped"}
		if i < len(r.steps) {
			sr.Status, sr.Error, sr.Duration = r.steps[i].Status, r.steps[i].Error, r.steps[i].Duration
		}
		out = append(out, sr)
	}
	return r.started, time.Since(r.started), out
}

// formats turns Config.Formats into godog's comma-separated Format and the
// writer for formatters without a path.
func formats(cfg Config) (string, io.Writer, error) {
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	if len(cfg.Formats) == 0 {
		return "progress", io.Discard, nil
	}
	avail := godog.AvailableFormatters()
	toStdout := false
	for _, f := range cfg.Formats {
		name, path, hasPath := strings.Cut(f, ":")
		if strings.Contains(f, ",") {
			return "", nil, usagef("--format %q: give one formatter per --format", f)
		}
		if _, ok := avail[name]; !ok {
			names := make([]string, 0, len(avail))
			for n := range avail {
				names = append(names, n)
			}
			sort.Strings(names)
			return "", nil, usagef("unknown format %q (one of: %s)", name, strings.Join(names, ", "))
		}
		if hasPath && path == "" {
			return "", nil, usagef("--format %q: the path after ':' is empty", f)
		}
		if !hasPath {
			toStdout = true
		}
	}
	if !toStdout {
		out = io.Discard
	}
	return strings.Join(cfg.Formats, ","), out, nil
}

// prepareTarget sets a target the run owns up for the profile.
func prepareTarget(ctx context.Context, cfg Config) error {
	if cfg.Admin == nil || cfg.Profile != "rfc7644" {
		return nil
	}
	a := &scimclient.Client{BaseURL: cfg.Admin.URL, Token: cfg.Admin.Token, MediaType: scimclient.MediaJSON, HTTP: cfg.HTTP}
	ex, err := a.Do(ctx, scimclient.Request{Method: http.MethodGet})
	if err != nil {
		return err
	}
	node := strings.Trim(strings.TrimPrefix(cfg.Target.URL, ex.Get("scim_base_url").String()), "/")
	ex, err = a.Do(ctx, scimclient.Request{Method: http.MethodPatch, Path: "/nodes/" + node + "/settings",
		Body: map[string]any{"deprovision": "delete", "reprovision": "conflict", "identity": "any"}})
	if err != nil {
		return err
	}
	if !ex.OK() {
		return fmt.Errorf("setting the target's node up for the rfc7644 profile: %s", ex.Summary())
	}
	return nil
}

// ---- summary ----

// Summary writes the closing summary: counts by area, the failed scenarios
// with their first failure, and why scenarios were skipped.
func (r *Result) Summary(w io.Writer) {
	type counts struct{ passed, failed, skipped int }
	byArea := map[string]*counts{}
	var areas []string
	for _, s := range r.Scenarios {
		c := byArea[s.Area]
		if c == nil {
			c = &counts{}
			byArea[s.Area] = c
			areas = append(areas, s.Area)
		}
		switch s.Status {
		case steps.Passed:
			c.passed++
		case steps.Failed:
			c.failed++
		case steps.Skipped:
			c.skipped++
		}
	}
	sort.Strings(areas)
	fmt.Fprintf(w, "\nprovkit: profile %s, %d scenarios in %s\n\n", r.Profile, len(r.Scenarios), r.Duration.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  %-12s %7s %7s %8s\n", "area", "passed", "failed", "skipped")
	for _, a := range areas {
		c := byArea[a]
		mark := ""
		if c.failed > 0 {
			mark = "  ✗"
		}
		fmt.Fprintf(w, "  %-12s %7d %7d %8d%s\n", a, c.passed, c.failed, c.skipped, mark)
	}
	fmt.Fprintf(w, "  %-12s %7d %7d %8d\n", "total", r.Count(steps.Passed), r.Count(steps.Failed), r.Count(steps.Skipped))

	if n := r.Count(steps.Failed) - r.NewFailures(); n > 0 {
		fmt.Fprintf(w, "\nKnown failures (%d, listed in --expect: they do not fail the run):\n", n)
		for _, s := range r.Scenarios {
			if s.Status == steps.Failed && s.Known != "" {
				fmt.Fprintf(w, "  ~ [%s] %s  (%s:%d): %s\n", s.Area, s.Name, s.URI, s.Line, s.Known)
			}
		}
	}
	if fixed := r.Fixed(); len(fixed) > 0 {
		fmt.Fprintf(w, "\nFixed (%d, listed in --expect but passed: remove them from the file):\n", len(fixed))
		for _, s := range fixed {
			fmt.Fprintf(w, "  ✓ [%s] %s  (%s:%d)\n", s.Area, s.Name, s.URI, s.Line)
		}
	}
	if n := r.NewFailures(); n > 0 {
		fmt.Fprintf(w, "\nFailed (%d):\n", n)
		for _, s := range r.Scenarios {
			if s.Status != steps.Failed || s.Known != "" {
				continue
			}
			fmt.Fprintf(w, "  ✗ [%s] %s  (%s:%d, @%s, @%s)\n", s.Area, s.Name, s.URI, s.Line, s.Rule, s.Level)
			if s.FailedStep != "" {
				fmt.Fprintf(w, "      %s %s\n", s.FailedKind, s.FailedStep)
			}
			first, _, _ := strings.Cut(s.Reason, "\n")
			if !r.Verbose {
				first = cutLine(first)
			}
			fmt.Fprintf(w, "      %s\n", first)
		}
		fmt.Fprintln(w, "\nEvidence (the exchange each failed check judged; secrets redacted):")
		for _, s := range r.Scenarios {
			if s.Status != steps.Failed || s.Known != "" {
				continue
			}
			fmt.Fprintf(w, "\n  ✗ %s (%s:%d)\n", s.Name, s.URI, s.Line)
			reason := s.Reason
			if !r.Verbose {
				reason = TrimEvidence(reason, evidenceBodyLines)
			}
			for _, line := range strings.Split(strings.TrimRight(reason, "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
		fmt.Fprintln(w, "\n  (bodies are cut to their first lines: --verbose prints them whole; every exchange of a failed scenario\n  is in --report-dir's reports and --format cucumber:FILE)")
	}
	if n := r.Count(steps.Skipped); n > 0 {
		reasons := map[string]int{}
		var keys []string
		for _, s := range r.Scenarios {
			if s.Status == steps.Skipped {
				if reasons[s.Reason] == 0 {
					keys = append(keys, s.Reason)
				}
				reasons[s.Reason]++
			}
		}
		slices.Sort(keys)
		fmt.Fprintf(w, "\nSkipped (%d):\n", n)
		for _, k := range keys {
			fmt.Fprintf(w, "  %3d  %s\n", reasons[k], k)
		}
	}
	if needs := r.AdminNeeds(); len(needs) > 0 {
		var items []string
		for _, a := range sortedByCount(needs) {
			items = append(items, fmt.Sprintf("%s %d", a, needs[a]))
		}
		n := 0
		for _, s := range r.Scenarios {
			if len(s.AdminActions) > 0 {
				n++
			}
		}
		fmt.Fprintf(w, "\nAdministrator: %d of %d scenarios needed one; scenarios per admin action:\n%s\n", n, len(r.Scenarios), wrapList(items, "  ", 110))
		if r.Count(steps.Skipped) > 0 {
			fmt.Fprintln(w, "  (a scenario skipped for want of an administrator counts only the actions it reached; a run with one counts all)")
		}
	}
	if r.CleanedUp {
		if len(r.Leftovers) == 0 {
			fmt.Fprintln(w, "\nClean-up: everything the run created on the target was removed.")
		} else {
			n := 0
			var why []string
			for k, v := range r.Leftovers {
				n += v
				why = append(why, fmt.Sprintf("  %4d  %s", v, k))
			}
			sort.Strings(why)
			fmt.Fprintf(w, "\nLeft on the target (%d; their names start with pk%s-):\n%s\n", n, r.RunID, strings.Join(why, "\n"))
		}
	}
	lv := r.ByLevel()
	fmt.Fprintf(w, "\n  %-12s %7s %7s %8s\n", "level", "passed", "failed", "skipped")
	for _, l := range Levels {
		if t, ok := lv[l]; ok {
			fmt.Fprintf(w, "  %-12s %7d %7d %8d\n", strings.ToUpper(l), t.Passed, t.Failed, t.Skipped)
		}
	}
	fmt.Fprintf(w, "\n%s\n", r.Verdict())
}

// AdminNeeds counts, per admin action, the scenarios that needed it
// (ScenarioResult.AdminActions).
func (r *Result) AdminNeeds() map[string]int {
	out := map[string]int{}
	for _, s := range r.Scenarios {
		for _, a := range s.AdminActions {
			out[a]++
		}
	}
	return out
}

// sortedByCount is m's keys, the highest count first, ties by name.
func sortedByCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// wrapList joins items with ", " into lines of at most width runes, each
// starting with indent.
func wrapList(items []string, indent string, width int) string {
	var lines []string
	line := indent
	for i, it := range items {
		sep := ""
		if i < len(items)-1 {
			sep = ","
		}
		if line != indent && utf8.RuneCountInString(line)+1+len(it)+len(sep) > width {
			lines = append(lines, line)
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += it + sep
	}
	return strings.Join(append(lines, line), "\n")
}

// noColor reports whether formatter output to w must be plain: NO_COLOR is
// set (https://no-color.org), or w is not a terminal.
func noColor(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return true
	}
	f, ok := w.(*os.File)
	if !ok {
		return true
	}
	st, err := f.Stat()
	return err != nil || st.Mode()&os.ModeCharDevice == 0
}

// evidenceBodyLines is how many lines of each exchange body the console
// shows for a failure.
const evidenceBodyLines = 8

// TrimEvidence keeps a failure's message, every request and status line and
// every header, and the first n lines of each body, saying how many lines
// it left out.
func TrimEvidence(reason string, n int) string {
	var b strings.Builder
	inBody, shown, cut := false, 0, 0
	flush := func() {
		if cut > 0 {
			fmt.Fprintf(&b, "  … %d more lines\n", cut)
		}
		cut = 0
	}
	for _, line := range strings.Split(strings.TrimRight(reason, "\n"), "\n") {
		line = cutLine(line)
		start := strings.HasPrefix(line, "> ") && !inBody || strings.HasPrefix(line, "< HTTP ") || strings.HasPrefix(line, "< (no answer")
		if strings.HasPrefix(line, "> ") && inBody && looksLikeRequestLine(line[2:]) {
			start = true
		}
		switch {
		case start:
			flush()
			inBody = false
			b.WriteString(line + "\n")
		case line == ">" || line == "<":
			flush()
			inBody, shown = true, 0
			b.WriteString(line + "\n")
		case inBody && (strings.HasPrefix(line, "> ") || strings.HasPrefix(line, "< ")):
			if shown < n {
				b.WriteString(line + "\n")
				shown++
			} else {
				cut++
			}
		default:
			flush()
			inBody = false
			b.WriteString(line + "\n")
		}
	}
	flush()
	return b.String()
}

// maxConsoleLine is the longest line the console prints for a failure (a
// request line with 10,000 query parameters is 110 KB).
const maxConsoleLine = 400

func cutLine(s string) string {
	if len(s) <= maxConsoleLine {
		return s
	}
	cut := maxConsoleLine
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

func looksLikeRequestLine(s string) bool {
	method, rest, ok := strings.Cut(s, " ")
	return ok && strings.HasPrefix(rest, "http") && method == strings.ToUpper(method) && len(method) >= 3 && len(method) <= 7
}

// ---- progress ----

type progress struct {
	w       io.Writer
	tty     bool
	total   int
	mu      sync.Mutex
	n       int
	p, f, s int
	nextPct int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, nextPct: 10}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb" {
			p.tty = true
		}
	}
	return p
}

func (p *progress) done(r ScenarioResult) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	switch r.Status {
	case steps.Passed:
		p.p++
	case steps.Failed:
		p.f++
	case steps.Skipped:
		p.s++
	}
	line := fmt.Sprintf("[%3d/%d] %d passed, %d failed, %d skipped", p.n, p.total, p.p, p.f, p.s)
	if p.tty {
		name := r.Name
		if len(name) > 50 {
			name = name[:47] + "..."
		}
		fmt.Fprintf(p.w, "\r\033[K%s  %s", line, name)
		return
	}
	if p.total > 0 && p.n*100 >= p.nextPct*p.total {
		fmt.Fprintln(p.w, line)
		for p.n*100 >= p.nextPct*p.total {
			p.nextPct += 10
		}
	}
}

func (p *progress) finish() {
	if p.w != nil && p.tty && p.n > 0 {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
