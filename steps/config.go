// Package steps holds the step definitions of provkit's conformance suite,
// for godog. Register adds them to a scenario; every scenario gets its own
// World (its names, the resources it created, the exchanges it recorded).
// Steps reach the target only over HTTP, through internal/scimclient: a SCIM
// endpoint given by URL and token, and, where a scenario needs an
// administrator, the provkit admin API (docs/admin-api.md). They never
// import the reference server, so the suite judges a vendor's endpoint
// exactly as it judges ours.
//
// Other teams can reuse the steps in their own godog suites:
//
//	cfg := &steps.Config{Target: steps.Endpoint{URL: url, Token: token}}
//	suite := godog.TestSuite{ScenarioInitializer: func(sc *godog.ScenarioContext) { steps.Register(sc, cfg) }, ...}
package steps

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/provkit/provkit/internal/scimclient"
)

// Endpoint is a base URL and its bearer token.
type Endpoint struct {
	URL   string
	Token string
}

// Outcome is how one scenario ended, for reports.
type Outcome struct {
	Status     Status
	Reason     string // why it was skipped, or the first failure's message
	FailedStep string // text of the first failed step
	FailedKind string // "Given", "When" or "Then"
	Transcript string // every exchange of the scenario, redacted (for a console)

	// AdminActions are the admin contract's actions the scenario needed
	// (called, or would have called when it was skipped for want of an
	// administrator), sorted; its clean-up's are not counted.
	AdminActions []string

	// The failed check's values, when its step gave them as data (a
	// Mismatch): what it read, what the rule expects, what the target gave.
	What     string
	Expected string
	Actual   string
	// Exchanges are the exchanges of a failed scenario, oldest first, as
	// Transcript prints them: SCIM and admin API requests and the SAML
	// browser's hops, the one the failed check judged marked.
	Exchanges []Exchange
}

// Status of a finished scenario.
type Status string

// Statuses.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Config configures the steps. One Config serves a whole run: it also holds
// what scenarios share (the run's unique prefix, discovery answers, the
// second node, the large node), so pass the same pointer to every Register
// call and do not copy it.
type Config struct {
	// Target is the SCIM base URL under test and its bearer token.
	Target Endpoint
	// Admin is the provkit admin API (URL ending in /admin/v1, admin token);
	// nil: scenarios that need an administrator are skipped.
	Admin *Endpoint
	// AdminDriver, when set, is the administrator instead of Admin: a
	// driver program (*AdminExec), a person (*AdminManual) or any other
	// AdminTransport.
	AdminDriver AdminTransport
	// Secrets are further values to redact from the evidence (an admin
	// driver's token).
	Secrets []string
	// Other is a SCIM endpoint of a node in another enterprise, for the
	// scenarios about other nodes. Nil: the suite creates one through the
	// admin API, or skips those scenarios.
	Other *Endpoint
	// Strict fails, instead of skipping, scenarios that need an optional
	// feature the target's ServiceProviderConfig does not advertise.
	Strict bool
	// RunID makes names unique to the run (default: random).
	RunID string
	// EmailDomain is the domain of the users' addresses (default example.com).
	EmailDomain string
	// KeepData leaves what scenarios created in place (the default is to
	// remove it where the target allows: a throwaway database does not need it).
	KeepData bool
	// SP is a vendor's SAML service provider for the @saml and @jit
	// scenarios; nil: the suite configures SSO nodes through the admin API.
	SP *ServiceProvider
	// IdPPersona is the mock IdP persona of the SAML scenarios that name
	// none (default generic; against a vendor's SP, the persona it trusts).
	IdPPersona string
	// HTTP is the HTTP client (default: 30 s timeout).
	HTTP *http.Client
	// Report, if set, receives every scenario's outcome.
	Report func(sc *godog.Scenario, o Outcome)

	initOnce sync.Once
	seq      atomic.Int64

	spc      lazy[spcInfo]
	adminAPI lazy[adminInfo]
	mainNode lazy[nodeInfo]
	other    lazy[Endpoint]
	large    lazy[Endpoint]

	secretsMu sync.Mutex
	secrets   []string

	leftMu sync.Mutex
	left   map[string]int

	endMu sync.Mutex
	atEnd []func(context.Context) error
}

// atRunEnd registers a cleanup of something the run shares between
// scenarios (the other enterprise, the large node); Close runs it.
func (c *Config) atRunEnd(f func(context.Context) error) {
	c.endMu.Lock()
	defer c.endMu.Unlock()
	c.atEnd = append(c.atEnd, f)
}

// Close removes what the run created for all its scenarios (enterprises of
// its own, through the admin API), newest first, unless KeepData. Call it
// once the suite has run (the harness does); what it cannot remove is
// counted in Leftovers. A second call does nothing.
func (c *Config) Close(ctx context.Context) {
	c.endMu.Lock()
	fs := c.atEnd
	c.atEnd = nil
	c.endMu.Unlock()
	if c.KeepData {
		return
	}
	for i := len(fs) - 1; i >= 0; i-- {
		_ = fs[i](ctx)
	}
}

// removeEnterprise deletes an enterprise the run created, counting a
// failure in Leftovers.
func (c *Config) removeEnterprise(ctx context.Context, a *admin, id string) error {
	err := a.deleteEnterprise(ctx, id)
	if err != nil {
		c.leave("enterprise not deleted through the admin API: " + firstLine(err.Error()))
	}
	return err
}

// leave records that the run could not remove something it created, with
// why (one line, e.g. "user locked, not deleted: ...").
func (c *Config) leave(what string) {
	c.leftMu.Lock()
	defer c.leftMu.Unlock()
	if c.left == nil {
		c.left = map[string]int{}
	}
	c.left[what]++
}

// Leftovers counts what the run created on the target and could not
// remove, by what and why. Empty when everything was removed (or KeepData).
func (c *Config) Leftovers() map[string]int {
	c.leftMu.Lock()
	defer c.leftMu.Unlock()
	out := make(map[string]int, len(c.left))
	for k, v := range c.left {
		out[k] = v
	}
	return out
}

// lazy is a value computed once, on first use, with its error.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(f func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = f() })
	return l.v, l.err
}

func (c *Config) init() {
	c.initOnce.Do(func() {
		if c.RunID == "" {
			c.RunID = randomID(6)
		}
		if c.EmailDomain == "" {
			c.EmailDomain = "example.com"
		}
		if c.HTTP == nil {
			c.HTTP = &http.Client{Timeout: scimclient.DefaultTimeout}
		}
		c.addSecret(c.Target.Token)
		if c.Admin != nil {
			c.addSecret(c.Admin.Token)
		}
		for _, sec := range c.Secrets {
			c.addSecret(sec)
		}
		if x, ok := c.AdminDriver.(*AdminExec); ok && x.Secrets == nil {
			x.Secrets = c.secretList
		}
		if c.Other != nil {
			c.addSecret(c.Other.Token)
		}
	})
}

func (c *Config) addSecret(s string) {
	if s == "" {
		return
	}
	c.secretsMu.Lock()
	c.secrets = append(c.secrets, s)
	c.secretsMu.Unlock()
}

func (c *Config) secretList() []string {
	c.secretsMu.Lock()
	defer c.secretsMu.Unlock()
	return append([]string(nil), c.secrets...)
}

// client returns a SCIM client for an endpoint recording into rec.
func (c *Config) client(ep Endpoint, rec *scimclient.Recorder) *scimclient.Client {
	return &scimclient.Client{BaseURL: ep.URL, Token: ep.Token, HTTP: c.HTTP, Recorder: rec, Redact: c.secretList()}
}

const idAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// ---- what the run learns once ----

type spcInfo struct {
	supported map[string]bool // patch, filter, sort, etag, bulk, changePassword
}

// features reads the target's ServiceProviderConfig once.
func (c *Config) features(ctx context.Context) (spcInfo, error) {
	return c.spc.get(func() (spcInfo, error) {
		cl := c.client(c.Target, nil)
		ex, err := cl.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig"})
		if err != nil {
			return spcInfo{}, err
		}
		if ex.Status != http.StatusOK {
			return spcInfo{}, fmt.Errorf("GET /ServiceProviderConfig answered %d", ex.Status)
		}
		info := spcInfo{supported: map[string]bool{}}
		for _, f := range []string{"patch", "filter", "sort", "etag", "bulk", "changePassword"} {
			info.supported[f] = ex.Get(f + ".supported").Bool()
		}
		return info, nil
	})
}

type adminInfo struct {
	capabilities map[string]bool
	scimBaseURL  string
}

// adminFor returns the administrator of a scenario recording into rec;
// nil when the run has none.
func (c *Config) adminFor(rec *scimclient.Recorder) *admin {
	switch {
	case c.AdminDriver != nil:
		return &admin{cfg: c, t: c.AdminDriver}
	case c.Admin != nil:
		return &admin{cfg: c, t: &HTTPAdmin{Endpoint: *c.Admin, HTTP: c.HTTP, Recorder: rec, Redact: c.secretList(), info: &c.adminAPI}}
	}
	return nil
}

type nodeInfo struct {
	nodeID, enterpriseID string
}

// targetNode finds the target's node and enterprise through the admin API.
func (c *Config) targetNode(ctx context.Context) (nodeInfo, error) {
	noteAdmin(ctx, "target_node") // found once per run, needed by every scenario asking
	return c.mainNode.get(func() (nodeInfo, error) {
		a := c.adminFor(nil)
		if a == nil {
			return nodeInfo{}, skipError{noAdminReason}
		}
		n, err := a.targetNode(ctx, c.Target.URL)
		if err != nil {
			return nodeInfo{}, err
		}
		if n.ID == "" || n.EnterpriseID == "" {
			return nodeInfo{}, fmt.Errorf("the administrator named no node and enterprise for the target %s", c.Target.URL)
		}
		return nodeInfo{nodeID: n.ID, enterpriseID: n.EnterpriseID}, nil
	})
}

// otherEndpoint returns the second node's endpoint: the configured one, or
// one created once through the admin API in an enterprise of its own.
func (c *Config) otherEndpoint(ctx context.Context) (Endpoint, error) {
	if c.Other == nil {
		noteAdmin(ctx, "create_enterprise", "create_node", "create_endpoint")
	}
	return c.other.get(func() (Endpoint, error) {
		if c.Other != nil {
			return *c.Other, nil
		}
		a := c.adminFor(nil)
		if err := a.need(ctx, "enterprises", "nodes", "scim_endpoints"); err != nil {
			return Endpoint{}, err
		}
		ent, _, err := a.createEnterprise(ctx, "provkit other "+c.RunID, 10000)
		if err != nil {
			return Endpoint{}, err
		}
		c.atRunEnd(func(ctx context.Context) error { return c.removeEnterprise(ctx, a, ent) })
		node, err := a.createNode(ctx, ent, "provkit other "+c.RunID)
		if err != nil {
			return Endpoint{}, err
		}
		return a.createEndpoint(ctx, node, false)
	})
}

// LargeUsers is how many users the shared large node holds.
const LargeUsers = 1001

// largeNode returns the endpoint of a node holding LargeUsers users,
// created once per run in an enterprise of its own.
func (c *Config) largeNode(ctx context.Context) (Endpoint, error) {
	noteAdmin(ctx, "create_enterprise", "create_node", "create_endpoint")
	return c.large.get(func() (Endpoint, error) {
		a := c.adminFor(nil)
		if err := a.need(ctx, "enterprises", "nodes", "scim_endpoints"); err != nil {
			return Endpoint{}, err
		}
		ent, _, err := a.createEnterprise(ctx, "provkit large "+c.RunID, LargeUsers+100)
		if err != nil {
			return Endpoint{}, err
		}
		c.atRunEnd(func(ctx context.Context) error { return c.removeEnterprise(ctx, a, ent) })
		node, err := a.createNode(ctx, ent, "provkit large "+c.RunID)
		if err != nil {
			return Endpoint{}, err
		}
		ep, err := a.createEndpoint(ctx, node, false)
		if err != nil {
			return Endpoint{}, err
		}
		cl := c.client(ep, nil)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		const workers = 8
		errs := make(chan error, workers)
		next := atomic.Int64{}
		for range workers {
			go func() {
				for {
					i := next.Add(1)
					if i > LargeUsers {
						errs <- nil
						return
					}
					un := fmt.Sprintf("pk%s-large.u%04d@%s", c.RunID, i, c.EmailDomain)
					ex, err := cl.Do(ctx, scimclient.Request{Method: http.MethodPost, Path: "/Users",
						Body: map[string]any{"schemas": []string{userSchema}, "userName": un,
							"emails": []any{map[string]any{"value": un, "type": "work", "primary": true}}}})
					if err == nil && !ex.OK() {
						err = fmt.Errorf("creating %s answered %d", un, ex.Status)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		var first error
		for range workers {
			if err := <-errs; err != nil && first == nil {
				first = err
				cancel()
			}
		}
		return ep, first
	})
}
