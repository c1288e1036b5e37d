package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/provkit/provkit/internal/scimclient"
)

// World is one scenario's state: its unique scope, the endpoint it talks to,
// the users and groups it created by name, the last answer (the When's) and
// every exchange it recorded.
type World struct {
	cfg   *Config
	ctx   context.Context
	sc    *godog.Scenario
	tags  []string
	scope string // unique to the run and the scenario: every name starts with it

	rec   *scimclient.Recorder
	ep    Endpoint           // the SCIM endpoint this scenario talks to
	c     *scimclient.Client // SCIM client for ep
	admin *admin             // nil without an administrator
	// adminRefusal is the administrator's refusal of the When action
	adminRefusal *AdminRefusal

	// own node / enterprise (admin-created), when the scenario has one
	nodeID, enterpriseID string

	users  map[string]*user
	groups map[string]*group
	order  []string // user names in creation order
	domain map[string]string

	last *scimclient.Exchange // the answer the Then steps judge

	readyDone bool
	readyErr  error
	skip      string

	firstFailed     string
	firstFailedKind string
	firstErr        error // the first failed step's error
	cleanup         []func(context.Context) error

	saml *samlWorld // saml.go: SSO state (own IdP, own SSO node, browser)
	// jitEmails: addresses whose accounts a vendor's SP may have created,
	// removed at the end (saml_vendor.go)
	jitEmails map[string]bool
	// adminUsed: the admin actions the scenario needed (noteAdmin);
	// cleaning: its clean-up is running
	adminMu   sync.Mutex
	adminUsed map[string]bool
	cleaning  bool

	// scenario-specific memory
	oldToken, newToken string
	pageIDs            []string // walked ids
	staleETag          string
}

type user struct {
	name, userName, id, externalID, created, version string
	modified                                         string // meta.lastModified when it was created
	other                                            bool   // lives in the other node
}

type group struct {
	name, displayName, externalID, id string
	version                           string // as created
	other                             bool
}

type worldKey struct{}

func world(ctx context.Context) *World {
	w, _ := ctx.Value(worldKey{}).(*World)
	return w
}

// Register adds provkit's steps and hooks to a scenario.
func Register(sc *godog.ScenarioContext, cfg *Config) {
	cfg.init()
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		w := &World{cfg: cfg, sc: s, rec: &scimclient.Recorder{}, users: map[string]*user{}, groups: map[string]*group{},
			domain: map[string]string{}}
		for _, t := range s.Tags {
			w.tags = append(w.tags, t.Name)
		}
		w.scope = fmt.Sprintf("pk%s-%d", cfg.RunID, cfg.seq.Add(1))
		w.ep = cfg.Target
		w.c = cfg.client(w.ep, w.rec)
		w.admin = cfg.adminFor(w.rec)
		ctx = context.WithValue(ctx, worldKey{}, w)
		w.ctx = ctx
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		w := world(ctx)
		if w != nil && status == godog.StepFailed && w.firstFailed == "" {
			w.firstFailed = st.Text
			w.firstFailedKind = stepKind(st)
			w.firstErr = err
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		w := world(ctx)
		if w == nil {
			return ctx, nil
		}
		o := Outcome{Status: Passed}
		switch {
		case w.skip != "":
			o.Status, o.Reason = Skipped, w.skip
		case err != nil && errors.Is(err, godog.ErrSkip):
			o.Status, o.Reason = Skipped, "skipped"
		case err != nil:
			o.Status, o.Reason = Failed, scimclient.Redact(err.Error(), w.cfg.secretList()...)
			o.FailedStep, o.FailedKind = w.firstFailed, w.firstFailedKind
		}
		if o.Status == Failed {
			failure := cmp.Or(w.firstErr, err)
			var m *Mismatch
			if errors.As(failure, &m) {
				o.What, o.Expected, o.Actual = m.What, m.Expected, m.Actual
			}
			o.Exchanges = exchanges(w.rec, judgedExchange(failure), w.cfg.secretList()...)
			o.Transcript = transcript(o.Exchanges)
			ctx = godog.Attach(ctx, godog.Attachment{FileName: "exchanges.txt", MediaType: "text/plain", Body: []byte(o.Transcript)})
		}
		w.adminMu.Lock()
		for a := range w.adminUsed {
			o.AdminActions = append(o.AdminActions, a)
		}
		w.adminMu.Unlock()
		slices.Sort(o.AdminActions)
		if !w.cfg.KeepData {
			w.runCleanup()
		}
		if cfg.Report != nil {
			cfg.Report(s, o)
		}
		return ctx, nil
	})
	registerSteps(sc)
}

func stepKind(st *godog.Step) string {
	switch st.Type {
	case messages.PickleStepType_CONTEXT:
		return "Given"
	case messages.PickleStepType_ACTION:
		return "When"
	case messages.PickleStepType_OUTCOME:
		return "Then"
	}
	return ""
}

func (w *World) has(tag string) bool { return slices.Contains(w.tags, tag) }

// ready runs before the first step: it decides whether the scenario can run
// against this target (skipping it with the reason otherwise) and sets up
// the node or enterprise of its own that it needs.
func (w *World) ready() error {
	if w.readyDone {
		if w.skip != "" {
			return godog.ErrSkip
		}
		return w.readyErr
	}
	w.readyDone = true
	err := w.prepare()
	var se skipError
	if errors.As(err, &se) {
		w.skip = se.reason
		return godog.ErrSkip
	}
	w.readyErr = err
	return err
}

func (w *World) prepare() error {
	ctx := w.ctx
	for _, f := range []struct{ tag, feature string }{
		{"@needs-patch", "patch"}, {"@needs-filter", "filter"}, {"@needs-sort", "sort"}, {"@needs-etag", "etag"},
	} {
		if !w.has(f.tag) {
			continue
		}
		info, err := w.cfg.features(ctx)
		if err != nil {
			return fmt.Errorf("reading the target's ServiceProviderConfig to see whether %s is supported: %w", f.feature, err)
		}
		if !info.supported[f.feature] {
			if w.cfg.Strict {
				return fmt.Errorf("the target's ServiceProviderConfig does not advertise %s.supported (--strict)", f.feature)
			}
			return skipError{"the target's ServiceProviderConfig does not advertise " + f.feature + ".supported"}
		}
	}
	if w.has("@needs-sp") && w.admin == nil && w.cfg.SP == nil {
		return skipError{"needs a SAML service provider: an administrator to configure one (--admin-url, --admin-exec, --admin-manual) or a vendor's (--sp-metadata)"}
	}
	if w.has("@needs-admin") || w.has("@own-node") || w.has("@own-enterprise") {
		if w.admin == nil {
			return skipError{noAdminReason}
		}
	}
	if w.has("@needs-other-node") {
		if w.cfg.Other == nil && w.admin == nil {
			return skipError{"needs a node in another enterprise: give --other-target and --other-token, or an administrator (--admin-url, --admin-exec) so the suite can create one"}
		}
		if _, err := w.cfg.otherEndpoint(ctx); err != nil {
			return err
		}
	}
	switch {
	case w.has("@own-enterprise"):
		if err := w.admin.need(ctx, "enterprises", "nodes", "scim_endpoints"); err != nil {
			return err
		}
		ent, _, err := w.admin.createEnterprise(ctx, "provkit "+w.scope, 1000)
		if err != nil {
			return err
		}
		w.removeEnterpriseAtEnd(ent)
		node, err := w.admin.createNode(ctx, ent, w.scope)
		if err != nil {
			return err
		}
		return w.useOwnNode(ent, node)
	case w.has("@own-node"):
		if err := w.admin.need(ctx, "nodes", "scim_endpoints"); err != nil {
			return err
		}
		tn, err := w.cfg.targetNode(ctx)
		if err != nil {
			return err
		}
		node, err := w.admin.createNode(ctx, tn.enterpriseID, w.scope)
		if err != nil {
			return err
		}
		w.removeNodeAtEnd(node)
		return w.useOwnNode(tn.enterpriseID, node)
	}
	return nil
}

func (w *World) useOwnNode(ent, node string) error {
	ep, err := w.admin.createEndpoint(w.ctx, node, false)
	if err != nil {
		return err
	}
	w.enterpriseID, w.nodeID = ent, node
	w.useEndpoint(ep)
	return nil
}

func (w *World) useEndpoint(ep Endpoint) {
	w.ep = ep
	w.c = w.cfg.client(ep, w.rec)
}

// node returns the enterprise and node the scenario's endpoint belongs to.
func (w *World) node() (enterprise, node string, err error) {
	if w.nodeID != "" {
		return w.enterpriseID, w.nodeID, nil
	}
	tn, err := w.cfg.targetNode(w.ctx)
	return tn.enterpriseID, tn.nodeID, err
}

// atEnd registers a cleanup that runs when the scenario ends.
func (w *World) atEnd(f func(context.Context) error) { w.cleanup = append(w.cleanup, f) }

// removeNodeAtEnd deletes a node the scenario created, with what it holds,
// when the scenario ends.
func (w *World) removeNodeAtEnd(id string) {
	w.atEnd(func(ctx context.Context) error {
		err := w.admin.deleteNode(ctx, id)
		if err != nil {
			w.cfg.leave("node not deleted through the admin API: " + firstLine(err.Error()))
		}
		return err
	})
}

// removeEnterpriseAtEnd deletes an enterprise the scenario created, with
// what it holds, when the scenario ends.
func (w *World) removeEnterpriseAtEnd(id string) {
	w.atEnd(func(ctx context.Context) error { return w.cfg.removeEnterprise(ctx, w.admin, id) })
}

// runCleanup removes what the scenario created, newest first, best effort:
// users through the admin API's permanent delete when there is one (SCIM
// DELETE only locks on Keeper), else SCIM DELETE; groups with SCIM DELETE.
func (w *World) runCleanup() {
	w.adminMu.Lock()
	w.cleaning = true
	w.adminMu.Unlock()
	ctx := context.WithoutCancel(w.ctx)
	for i := len(w.cleanup) - 1; i >= 0; i-- {
		_ = w.cleanup[i](ctx)
	}
}

// ---- names ----

func (w *World) userName(name string) string {
	d := w.cfg.EmailDomain
	if x, ok := w.domain[name]; ok {
		d = x
	}
	return w.scope + "." + name + "@" + d
}

func (w *World) groupDisplayName(name string) string {
	return w.scope + " " + strings.ToUpper(name[:1]) + name[1:]
}

func (w *World) mustUser(name string) (*user, error) {
	u, ok := w.users[name]
	if !ok {
		return nil, fmt.Errorf("the scenario has no user %q yet (a Given step must create it)", name)
	}
	return u, nil
}

func (w *World) mustGroup(name string) (*group, error) {
	g, ok := w.groups[name]
	if !ok {
		return nil, fmt.Errorf("the scenario has no group %q yet (a Given step must create it)", name)
	}
	return g, nil
}

var placeholder = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9_-]*)(?:\.([A-Za-z]+))?\}`)

// expand replaces {scope}, {alice}, {ALICE}, {alice.id}, {alice.externalId},
// {alice.created}, {erin.home} (a second email), {ops}, {OPS}, {ops.id} and
// {ops.externalId}.
func (w *World) expand(s string) (string, error) {
	var err error
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		name, field := sub[1], sub[2]
		if name == "scope" && field == "" {
			return w.scope
		}
		lower := strings.ToLower(name)
		upper := name == strings.ToUpper(name) && name != lower
		if u, ok := w.users[lower]; ok {
			switch field {
			case "":
				if upper {
					return strings.ToUpper(u.userName)
				}
				return u.userName
			case "id":
				return u.id
			case "externalId":
				return u.externalID
			case "created":
				return u.created
			case "home":
				return w.homeEmail(lower)
			}
		}
		if _, ok := personas[lower]; ok && field == "externalId" {
			return w.persona(lower).externalID
		}
		if g, ok := w.groups[lower]; ok {
			switch field {
			case "":
				if upper {
					return strings.ToUpper(g.displayName)
				}
				return g.displayName
			case "id":
				return g.id
			case "externalId":
				return g.externalID
			}
		}
		if err == nil {
			err = fmt.Errorf("unknown placeholder %s", m)
		}
		return m
	})
	return out, err
}

// ---- failures ----

// failf is a failed check with the exchange that shows it.
func failf(ex *scimclient.Exchange, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if ex == nil {
		return errors.New(msg)
	}
	return &checkError{msg: msg, ex: ex}
}

// answer returns the When's answer.
func (w *World) answer() (*scimclient.Exchange, error) {
	if w.last == nil {
		return nil, errors.New("no answer to check: the When step made no request")
	}
	return w.last, nil
}

// do sends a SCIM request on the scenario's endpoint.
func (w *World) do(method, path string, body any, opts ...func(*scimclient.Request)) (*scimclient.Exchange, error) {
	r := scimclient.Request{Method: method, Path: path, Body: body}
	for _, o := range opts {
		o(&r)
	}
	return w.c.Do(w.ctx, r)
}

func withQuery(q map[string][]string) func(*scimclient.Request) {
	return func(r *scimclient.Request) { r.Query = q }
}

func headers(h map[string]string) func(*scimclient.Request) {
	return func(r *scimclient.Request) {
		for k, v := range h {
			if r.Header == nil {
				r.Header = map[string]string{}
			}
			r.Header[k] = v
		}
	}
}

// okOr requires a 2xx answer (Given steps: the setup must have worked).
func okOr(ex *scimclient.Exchange, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !ex.OK() {
		return badStatus(ex, "2xx", "%s: the target answered %d", what, ex.Status)
	}
	return nil
}
