package steps

// SAML single sign-on and JIT steps (features/saml, features/jit). Each
// scenario runs its own mock IdP (mockidp, in this process) and its own node
// in the target's enterprise, whose SSO the admin API points at that IdP
// (PUT /nodes/{id}/sso); the IdP trusts the node SP's metadata. A browser
// (internal/browser) carries the flows: the SP's login URL, the IdP (a
// headless login: the user is named in the request), the auto-submitted POST
// to the ACS, and the SP's session page.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/provkit/provkit/internal/browser"
	"github.com/provkit/provkit/internal/scimclient"
	"github.com/provkit/provkit/mockidp"
)

// samlWorld is a scenario's SSO state.
type samlWorld struct {
	idp     *mockidp.IdP
	srv     *httptest.Server
	node    string
	sp      spURLs
	page    browser.Page
	b       *browser.Browser
	pages   []browser.Page // concurrent sign-ins
	bs      []*browser.Browser
	persona string
	// signed is the identity a valid signature of the last response covers
	// ("" when none does); forged, the identities it names that no valid
	// signature covers (set by the fault of the last sign-in).
	signed string
	forged []string
}

type spURLs struct {
	EntityID string `json:"entity_id"`
	ACS      string `json:"acs_url"`
	Login    string `json:"login_url"`
	Metadata string `json:"metadata_url"`
}

var samlQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func (r reg) saml() {
	r.s1(`^the identity provider is the "([^"]*)" persona$`, func(w *World, p string) error { return w.samlSetup(p) })
	r.s1(`^the identity provider knows "([^"]*)"$`, func(w *World, n string) error { return w.idpUser(n) })
	r.s0(`^JIT provisioning is off$`, func(w *World) error { return w.ssoSet(map[string]any{"jit": false}) })
	r.s1(`^the node's signature policy is "([^"]*)"$`, func(w *World, p string) error { return w.signPolicy(p) })
	r.s0(`^IdP-initiated login is off$`, func(w *World) error { return w.ssoSet(map[string]any{"allow_idp_initiated": false}) })
	r.s1(`^"([^"]*)" was provisioned into the node through SCIM$`, func(w *World, n string) error { return w.scimInvite(n) })
	r.s1(`^an administrator locked "([^"]*)"$`, func(w *World, n string) error { return w.lockUser(n) })
	r.s1(`^"([^"]*)" is a user of another enterprise$`, func(w *World, n string) error { return w.otherEnterpriseUser(n) })
	r.s1(`^the email domain of "([^"]*)" is reserved to the node's enterprise$`, func(w *World, n string) error { return w.reserveFor(n) })
	r.s2(`^the email domain of "([^"]*)" is a sub-domain of the reserved domain of "([^"]*)"$`, func(w *World, n, owner string) error {
		dom, ok := w.domain[owner]
		if !ok {
			return fmt.Errorf("no domain was reserved for %s", owner)
		}
		w.domain[n] = "mail." + dom
		return w.idpUser(n)
	})
	r.s1(`^"([^"]*)" has signed in through the identity provider$`, func(w *World, n string) error {
		if err := w.idpInitiated(n, "", ""); err != nil {
			return err
		}
		return w.expectSignedIn(n)
	})

	r.s1(`^"([^"]*)" signs in through the identity provider$`, func(w *World, n string) error { return w.idpInitiated(n, "", "") })
	r.s1(`^"([^"]*)" signs in at the service provider$`, func(w *World, n string) error { return w.spInitiated(n, "") })
	r.s2(`^"([^"]*)" signs in through the identity provider with the fault "([^"]*)"$`, func(w *World, n, f string) error {
		return w.idpInitiated(n, f, "")
	})
	r.s2(`^"([^"]*)" signs in at the service provider with the fault "([^"]*)"$`, func(w *World, n, f string) error {
		return w.spInitiated(n, f)
	})
	// {sp origin} is the scheme, host and port of the service provider's ACS
	r.s2(`^"([^"]*)" signs in through the identity provider with the RelayState "([^"]*)"$`, func(w *World, n, rs string) error {
		if strings.Contains(rs, "{sp origin}") {
			s, err := w.samlReady()
			if err != nil {
				return err
			}
			u, err := url.Parse(s.sp.ACS)
			if err != nil || u.Host == "" {
				return fmt.Errorf("the service provider's ACS %q has no origin", s.sp.ACS)
			}
			rs = strings.ReplaceAll(rs, "{sp origin}", u.Scheme+"://"+u.Host)
		}
		return w.idpInitiated(n, "", rs)
	})
	// percent-encoded: %09 is a tab, %5C a backslash (characters a feature file cannot show)
	r.s2(`^"([^"]*)" signs in through the identity provider with the percent-encoded RelayState "([^"]*)"$`, func(w *World, n, rs string) error {
		v, err := url.PathUnescape(rs)
		if err != nil {
			return fmt.Errorf("RelayState %q: %w", rs, err)
		}
		return w.idpInitiated(n, "", v)
	})
	r.s1(`^"([^"]*)" signs in twice at the same time$`, func(w *World, n string) error { return w.concurrentSignIn(n) })
	r.s1(`^"([^"]*)" types the email at the service provider$`, func(w *World, n string) error { return w.loginByEmail(n, false) })
	r.s1(`^"([^"]*)" types the email with its domain in upper case at the service provider$`, func(w *World, n string) error {
		return w.loginByEmail(n, true)
	})

	r.s1(`^"([^"]*)" is signed in$`, func(w *World, n string) error { return w.expectSignedIn(n) })
	r.s0(`^the sign-in is refused$`, func(w *World) error { return w.expectRefused() })
	r.s1(`^no account exists for "([^"]*)"$`, func(w *World, n string) error { return w.expectNoUser(w.samlEmail(n)) })
	r.s0(`^nobody but the identity the IdP signed is signed in$`, func(w *World) error { return w.expectOnlySigned() })
	r.s0(`^no account exists for an identity the IdP did not sign$`, func(w *World) error { return w.expectNoForgedUser() })
	r.s1(`^"([^"]*)" is an active user of the node with the node's default role$`, func(w *World, n string) error {
		return w.expectJITUser(n)
	})
	r.s1(`^"([^"]*)" is active$`, func(w *World, n string) error { return w.expectStatus(n, "active") })
	r.s1(`^both sign-ins of "([^"]*)" succeed$`, func(w *World, n string) error { return w.expectBothSignedIn(n) })
	r.s1(`^exactly one user "([^"]*)" exists$`, func(w *World, n string) error { return w.expectUsers(w.samlEmail(n), 1) })
	r.s0(`^the browser is sent to the node's identity provider$`, func(w *World) error { return w.expectAtIdP(true) })
	r.s0(`^the browser is not sent to an identity provider$`, func(w *World) error { return w.expectAtIdP(false) })
	r.s1(`^the browser is not sent to "([^"]*)"$`, func(w *World, host string) error { return w.expectNotRedirected(host) })
	r.s1(`^the user "([^"]*)" of the other enterprise is unchanged$`, func(w *World, n string) error {
		return w.expectUsers(w.samlEmail(n), 1)
	})
}

func (w *World) sso() *samlWorld {
	if w.saml == nil {
		w.saml = &samlWorld{}
	}
	return w.saml
}

// samlEmail is a person's address: unique to the scenario.
func (w *World) samlEmail(name string) string { return w.userName(name) }

// samlSetup (re)creates the scenario's IdP with a persona and points the
// scenario's own SSO node at it.
func (w *World) samlSetup(persona string) error {
	s := w.sso()
	if s.idp != nil && s.persona == persona {
		return nil
	}
	if w.cfg.SP != nil {
		return w.vendorSetup(persona)
	}
	if w.admin == nil {
		return skipError{"SAML scenarios need the provkit admin API to configure the service provider (--admin-url)"}
	}
	ctx := w.ctx
	if err := w.admin.need(ctx, "nodes", "sso"); err != nil {
		return err
	}
	per, err := mockidp.LookupPersona(persona)
	if err != nil {
		return err
	}
	var known []mockidp.User
	if s.idp != nil {
		known = s.idp.Users().List()
		s.srv.Close()
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	idp, err := mockidp.New(mockidp.Config{BaseURL: srv.URL, Persona: &per, Users: mockidp.NewUsers(known...), Logger: samlQuiet})
	if err != nil {
		srv.Close()
		return err
	}
	mux.Handle("/", idp.Handler(""))
	s.idp, s.srv, s.persona = idp, srv, persona
	w.atEnd(func(context.Context) error { srv.Close(); return nil })
	if s.node == "" && w.nodeID != "" { // @own-node / @own-enterprise: SSO on that node
		s.node = w.nodeID
		node := s.node
		w.atEnd(func(ctx context.Context) error { return w.admin.removeSSO(ctx, node) })
	}
	if s.node == "" {
		tn, err := w.cfg.targetNode(ctx)
		if err != nil {
			return err
		}
		node, err := w.admin.createNode(ctx, tn.enterpriseID, w.scope+" sso")
		if err != nil {
			return err
		}
		s.node = node
		w.enterpriseID = tn.enterpriseID
		w.removeNodeAtEnd(node) // with its SSO configuration and the users JIT created
	}
	md, err := idp.MetadataXML()
	if err != nil {
		return err
	}
	set := map[string]any{"idp_metadata": string(md)}
	if per.Sign == mockidp.SignAssertion {
		// the administrator of a node whose IdP signs only the assertion
		// (Entra ID's default) lets the node accept either signature
		set["sign_policy"] = "either"
	}
	ans, err := w.admin.configureSSO(ctx, s.node, set)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(ans.SP, &s.sp); err != nil || s.sp.Metadata == "" {
		return failf(nil, "the administrator's SSO configuration of node %s has no sp URLs", s.node)
	}
	spmd, err := w.fetch(s.sp.Metadata)
	if err != nil {
		return fmt.Errorf("reading the SP metadata: %w", err)
	}
	if _, err := idp.RegisterSP(spmd); err != nil {
		return fmt.Errorf("the mock IdP cannot use the SP metadata: %w", err)
	}
	return nil
}

func (w *World) samlReady() (*samlWorld, error) {
	if w.sso().idp == nil {
		if err := w.samlSetup(w.defaultPersona()); err != nil {
			return nil, err
		}
	}
	return w.saml, nil
}

// defaultPersona is the persona of a scenario that names none: the one a
// vendor's SP trusts, else the run's (--idp-persona), else generic.
func (w *World) defaultPersona() string {
	switch {
	case w.cfg.SP != nil:
		return w.cfg.SP.IdP.Persona().Name
	case w.cfg.IdPPersona != "":
		return w.cfg.IdPPersona
	}
	return "generic"
}

func (w *World) fetch(u string) ([]byte, error) {
	resp, err := w.cfg.HTTP.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// signPolicy sets the node's signature policy. A vendor's SP keeps its own:
// an attack must be refused under any policy, so only the scenarios about
// the policy itself are skipped.
func (w *World) signPolicy(p string) error {
	if w.cfg.SP != nil && !w.has("@saml-sign-policy") {
		_, err := w.samlReady()
		return err
	}
	return w.ssoSet(map[string]any{"sign_policy": p})
}

func (w *World) ssoSet(change map[string]any) error {
	if err := w.needAdmin("change the service provider's settings"); err != nil {
		return err
	}
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	_, err = w.admin.configureSSO(w.ctx, s.node, change)
	return err
}

func (w *World) idpUser(name string) error {
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	return s.idp.Users().Put(mockidp.User{Email: w.samlEmail(name), First: strings.ToUpper(name[:1]) + name[1:], Last: "Tester"})
}

// newBrowser is the scenario's browser (a fresh cookie jar), recording
// every hop into the scenario's exchanges. offsite: hosts ending in .test
// answer 418 instead of being dialled (an open redirect is observed, and
// recorded, not followed).
func (w *World) newBrowser(offsiteHosts bool) *browser.Browser {
	b := w.browser(offsiteHosts)
	w.sso().b = b
	return b
}

// browser is a browser recording into the scenario's exchanges.
func (w *World) browser(offsiteHosts bool) *browser.Browser {
	b := browser.New(w.cfg.HTTP)
	if offsiteHosts {
		b.Use(func(next http.RoundTripper) http.RoundTripper { return offsite{next: next} })
	}
	secrets := w.cfg.secretList()
	b.Use(func(next http.RoundTripper) http.RoundTripper { return scimclient.Transport(next, w.rec, secrets...) })
	return b
}

func (w *World) idpInitiated(name, fault, relay string) error {
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	if _, ok := s.idp.Users().Get(w.samlEmail(name)); !ok {
		if err := w.idpUser(name); err != nil {
			return err
		}
	}
	s.signed, s.forged = attackIdentities(w.samlEmail(name), mockidp.Fault(fault))
	w.removeAccountsAtEnd(append([]string{w.samlEmail(name), s.signed}, s.forged...)...)
	q := url.Values{"sp": {s.sp.EntityID}, "user": {w.samlEmail(name)}}
	if fault != "" {
		q.Set("fault", fault)
	}
	if relay != "" {
		q.Set("RelayState", relay)
	}
	b := w.newBrowser(true)
	s.page, err = b.Get(s.idp.LoginURL() + "?" + q.Encode())
	return err
}

func (w *World) spInitiated(name, fault string) error {
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	if _, ok := s.idp.Users().Get(w.samlEmail(name)); !ok {
		if err := w.idpUser(name); err != nil {
			return err
		}
	}
	s.signed, s.forged = attackIdentities(w.samlEmail(name), mockidp.Fault(fault))
	w.removeAccountsAtEnd(append([]string{w.samlEmail(name), s.signed}, s.forged...)...)
	b := w.newBrowser(false)
	b.Rewrite = s.headless(w.samlEmail(name), fault)
	s.page, err = b.Get(s.sp.Login)
	return err
}

// attackIdentities says, for a response minted for email with the fault,
// which identity its valid signature covers ("" for none) and which
// identities it names that no valid signature covers. A service provider
// may refuse the response or sign in the covered identity; signing in any
// other is the defect (the security rule of SAML Core §5 and Profiles
// §4.1.3.5: what the SP relies on must be signed).
func attackIdentities(email string, f mockidp.Fault) (signed string, forged []string) {
	switch f {
	case mockidp.FaultUnsignedResponse, mockidp.FaultUntrustedKey:
		return "", []string{email}
	case mockidp.FaultXSW1, mockidp.FaultXSW2, mockidp.FaultXSW3, mockidp.FaultXSW4, mockidp.FaultXSW5,
		mockidp.FaultXSW6, mockidp.FaultXSW7, mockidp.FaultXSW8, mockidp.FaultTwoAssertions:
		return email, []string{mockidp.Victim(email)}
	case mockidp.FaultCommentNameID, mockidp.FaultCommentAttribute: // signed for email + ".evil.test"; a truncating reader sees email
		return email + ".evil.test", []string{email}
	}
	return email, nil
}

// headless names the user (and fault) on the way to the IdP's SSO URL.
func (s *samlWorld) headless(email, fault string) func(*url.URL) {
	sso := s.idp.SSOURL()
	return func(u *url.URL) {
		if strings.HasPrefix(u.String(), sso) {
			q := u.Query()
			q.Set("user", email)
			if fault != "" {
				q.Set("fault", fault)
			}
			u.RawQuery = q.Encode()
		}
	}
}

func (w *World) concurrentSignIn(name string) error {
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	if err := w.idpUser(name); err != nil {
		return err
	}
	w.removeAccountsAtEnd(w.samlEmail(name))
	q := url.Values{"sp": {s.sp.EntityID}, "user": {w.samlEmail(name)}}
	var wg sync.WaitGroup
	pages := make([]browser.Page, 2)
	bs := []*browser.Browser{w.browser(false), w.browser(false)}
	errs := make([]error, 2)
	for i := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pages[i], errs[i] = bs[i].Get(s.idp.LoginURL() + "?" + q.Encode())
		}()
	}
	wg.Wait()
	s.pages, s.bs = pages, bs
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (w *World) loginByEmail(name string, upperDomain bool) error {
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	w.removeAccountsAtEnd(w.samlEmail(name))
	email := w.samlEmail(name)
	if upperDomain { // domains are case-insensitive (RFC 5321 §2.4)
		local, dom, _ := strings.Cut(email, "@")
		email = local + "@" + strings.ToUpper(dom)
	}
	b := w.newBrowser(false)
	base := s.sp.Login[:strings.LastIndex(s.sp.Login, "/")]
	s.page, err = b.Get(base + "?email=" + url.QueryEscape(email))
	return err
}

func (w *World) scimInvite(name string) error {
	if err := w.needAdmin("provision a user into the SSO node"); err != nil {
		return err
	}
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	if w.nodeID != s.node {
		if err := w.useOwnNode(w.enterpriseID, s.node); err != nil {
			return err
		}
	}
	w.domain[name] = w.cfg.EmailDomain
	_, err = w.ensureUser(name)
	return err
}

// countUsers counts the users with the email: through the admin API, or
// through the target's SCIM endpoint against a vendor's SP.
func (w *World) countUsers(email string) (map[string]any, int, error) {
	if w.cfg.SP != nil {
		_, n, err := w.scimUsers(email)
		return nil, n, err
	}
	return w.adminUser(email)
}

func (w *World) adminUser(email string) (map[string]any, int, error) {
	us, err := w.admin.findUsers(w.ctx, email)
	if err != nil || len(us) == 0 {
		return nil, 0, err
	}
	u0 := us[0]
	u := map[string]any{"id": u0.ID, "email": u0.Email, "status": u0.Status, "locked": u0.Locked, "node_id": u0.NodeID, "role_id": u0.RoleID}
	return u, len(us), nil
}

func (w *World) lockUser(name string) error {
	if err := w.needAdmin("lock a user"); err != nil {
		return err
	}
	u, n, err := w.adminUser(w.samlEmail(name))
	if err != nil || n == 0 {
		return fmt.Errorf("no user %s to lock: %v", name, err)
	}
	return w.admin.setUser(w.ctx, fmt.Sprint(u["id"]), map[string]any{"locked": true})
}

func (w *World) otherEnterpriseUser(name string) error {
	if err := w.needAdmin("hold a user in another enterprise"); err != nil {
		return err
	}
	ep, err := w.cfg.otherEndpoint(w.ctx)
	if err != nil {
		return err
	}
	c := w.cfg.client(ep, w.rec)
	ex, err := c.Do(w.ctx, scimclient.Request{Method: http.MethodPost, Path: "/Users", Body: w.userBody(name)})
	if err := okOr(ex, err, "provisioning "+name+" in the other enterprise"); err != nil {
		return err
	}
	if id := ex.Get("id").String(); id != "" {
		w.removeUserAtEnd(id, c)
	}
	return w.idpUser(name)
}

func (w *World) reserveFor(name string) error {
	if err := w.needAdmin("reserve an email domain"); err != nil {
		return err
	}
	s, err := w.samlReady()
	if err != nil {
		return err
	}
	_ = s
	dom := strings.ReplaceAll(w.scope, ".", "-") + ".example"
	w.domain[name] = dom
	if err := w.admin.reserveDomain(w.ctx, w.enterpriseID, dom); err != nil {
		return err
	}
	w.atEnd(func(ctx context.Context) error { return w.admin.releaseDomain(ctx, w.enterpriseID, dom) })
	return w.idpUser(name)
}

// ---- Then ----

// session asks the SP whether b is signed in, and as whom ("" when the
// caller expects nobody).
func (w *World) session(b *browser.Browser, email string) (map[string]any, bool, error) {
	s := w.sso()
	if w.cfg.SP != nil {
		return w.vendorSession(b, email)
	}
	base := s.sp.Login[:strings.Index(s.sp.Login, "/api/rest/sso/")]
	req, _ := http.NewRequestWithContext(w.ctx, http.MethodGet, base+"/api/rest/sso/session", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false, nil
	}
	var m map[string]any
	err = json.NewDecoder(resp.Body).Decode(&m)
	return m, true, err
}

func (w *World) expectSignedIn(name string) error {
	s := w.sso()
	if s.b == nil {
		return fmt.Errorf("no sign-in happened")
	}
	m, ok, err := w.session(s.b, w.samlEmail(name))
	if err != nil {
		return err
	}
	if !ok {
		return mismatch(nil, "the signed-in user", w.samlEmail(name), "nobody (no session)",
			"%s is not signed in: the sign-in ended with %d at %s", name, s.page.Status, s.page.URL)
	}
	if got := fmt.Sprint(m["email"]); !strings.EqualFold(got, w.samlEmail(name)) {
		return mismatch(nil, "the signed-in user", w.samlEmail(name), got, "signed in as %q, want %q", got, w.samlEmail(name))
	}
	return nil
}

func (w *World) expectBothSignedIn(name string) error {
	s := w.sso()
	if len(s.bs) != 2 {
		return fmt.Errorf("no concurrent sign-ins happened")
	}
	for i, b := range s.bs {
		m, ok, err := w.session(b, w.samlEmail(name))
		if err != nil {
			return err
		}
		if !ok {
			return mismatch(nil, fmt.Sprintf("the signed-in user of sign-in %d", i+1), w.samlEmail(name), "nobody (no session)",
				"sign-in %d of %s failed: it ended with %d at %s", i+1, name, s.pages[i].Status, s.pages[i].URL)
		}
		if got := fmt.Sprint(m["email"]); !strings.EqualFold(got, w.samlEmail(name)) {
			return mismatch(nil, fmt.Sprintf("the signed-in user of sign-in %d", i+1), w.samlEmail(name), got,
				"sign-in %d: signed in as %q, want %q", i+1, got, w.samlEmail(name))
		}
	}
	return nil
}

func (w *World) expectRefused() error {
	s := w.sso()
	if s.b == nil {
		return fmt.Errorf("no sign-in happened")
	}
	if m, ok, err := w.session(s.b, ""); err != nil || ok {
		actual := fmt.Sprintf("a session for %v", m["email"])
		if err != nil {
			actual = "no answer about the session: " + err.Error()
		}
		return mismatch(nil, "the session", "none (the sign-in refused)", actual,
			"the sign-in was not refused: %s exists (last page %d %s)", actual, s.page.Status, s.page.URL)
	}
	if w.cfg.SP == nil && s.page.Status < 400 { // a vendor's error page may answer 200
		return mismatch(nil, "the status of the sign-in's last page", "4xx or 5xx", statusText(strconv.Itoa(s.page.Status))+" at "+s.page.URL,
			"the sign-in ended with %d at %s, want an error status", s.page.Status, s.page.URL)
	}
	return nil
}

// expectOnlySigned: the browser has no session, or one for exactly the
// identity the response's valid signature covers.
func (w *World) expectOnlySigned() error {
	s := w.sso()
	if s.b == nil {
		return fmt.Errorf("no sign-in happened")
	}
	m, ok, err := w.session(s.b, s.signed)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	got := fmt.Sprint(m["email"])
	if s.signed != "" && strings.EqualFold(got, s.signed) {
		return nil
	}
	want := "nobody, or " + s.signed + " (the identity the valid signature covers)"
	if s.signed == "" {
		want = "nobody (no valid signature covers any identity)"
	}
	return mismatch(nil, "the signed-in user", want, got,
		"the service provider signed in %s, which no valid signature covers (want %s; last page %d %s)",
		got, want, s.page.Status, s.page.URL)
}

// expectNoForgedUser: no account exists for an identity of the last
// response that no valid signature covers.
func (w *World) expectNoForgedUser() error {
	for _, e := range w.sso().forged {
		if err := w.expectNoUser(e); err != nil {
			return err
		}
	}
	return nil
}

func (w *World) expectNoUser(email string) error {
	_, n, err := w.countUsers(email)
	if err != nil {
		return err
	}
	if n != 0 {
		return mismatch(nil, "users "+email, "0", strconv.Itoa(n), "a user %s exists", email)
	}
	return nil
}

func (w *World) expectUsers(email string, want int) error {
	_, n, err := w.countUsers(email)
	if err != nil {
		return err
	}
	if n != want {
		return mismatch(nil, "users "+email, strconv.Itoa(want), strconv.Itoa(n), "%d users %s, want %d", n, email, want)
	}
	return nil
}

func (w *World) expectStatus(name, status string) error {
	if w.cfg.SP != nil {
		return w.needAdmin("read a user's status")
	}
	u, n, err := w.adminUser(w.samlEmail(name))
	if err != nil || n == 0 {
		return fmt.Errorf("no user %s: %v", name, err)
	}
	if fmt.Sprint(u["status"]) != status {
		return mismatch(nil, "the status of "+name, status, fmt.Sprint(u["status"]), "%s is %v, want %s", name, u["status"], status)
	}
	return nil
}

func (w *World) expectJITUser(name string) error {
	if w.cfg.SP != nil {
		active, n, err := w.scimUsers(w.samlEmail(name))
		switch {
		case err != nil:
			return err
		case n != 1 || !active:
			return mismatch(nil, "users "+w.samlEmail(name), "one active user", fmt.Sprintf("%d (active: %v)", n, active),
				"the target's SCIM endpoint has %d users %s (active: %v), want one active user", n, w.samlEmail(name), active)
		}
		return w.needAdmin("read the user's node and role (SCIM showed one active user)")
	}
	u, n, err := w.adminUser(w.samlEmail(name))
	if err != nil || n == 0 {
		return fmt.Errorf("no user %s was created: %v", name, err)
	}
	s := w.sso()
	nd, err := w.admin.node(w.ctx, s.node)
	if err != nil {
		return err
	}
	if fmt.Sprint(u["status"]) != "active" || fmt.Sprint(u["node_id"]) != s.node || fmt.Sprint(u["role_id"]) != nd.DefaultRoleID {
		return mismatch(nil, "the JIT user "+name, fmt.Sprintf("status active, node %s, role %s", s.node, nd.DefaultRoleID),
			fmt.Sprintf("status %v, node %v, role %v", u["status"], u["node_id"], u["role_id"]),
			"user %s: status %v node %v role %v; want active, node %s, role %s", name, u["status"], u["node_id"],
			u["role_id"], s.node, nd.DefaultRoleID)
	}
	return nil
}

// expectAtIdP: want, the browser ended at this scenario's IdP; not want,
// it never left the service provider (no IdP at all, not another node's).
func (w *World) expectAtIdP(want bool) error {
	s := w.sso()
	if want {
		if !strings.HasPrefix(s.page.URL, s.idp.SSOURL()) {
			return mismatch(nil, "where the browser ended", s.idp.SSOURL()+" (the node's identity provider)", fmt.Sprintf("%s (%d)", s.page.URL, s.page.Status),
				"the browser ended at %s (%d), not at the node's identity provider", s.page.URL, s.page.Status)
		}
		return nil
	}
	sp, err := url.Parse(s.sp.Login)
	if err != nil {
		return err
	}
	for _, u := range append(append([]string{}, s.b.Redirects...), s.page.URL) {
		if v, err := url.Parse(u); err == nil && v.Host != "" && v.Host != sp.Host {
			return mismatch(nil, "where the browser went", "only "+sp.Host+" (the service provider)", u, "the browser was sent to %s", u)
		}
	}
	return nil
}

func (w *World) expectNotRedirected(host string) error {
	s := w.sso()
	for _, r := range s.b.Redirects {
		if u, err := url.Parse(r); err == nil && u.Hostname() == host {
			return mismatch(nil, "where the service provider redirected the browser", "not "+host, r, "the service provider redirected the browser to %s", r)
		}
	}
	return nil
}

// offsite answers requests to hosts other than 127.0.0.1/localhost with 418
// instead of dialing them (an open redirect is observed, not followed).
type offsite struct{ next http.RoundTripper }

func (o offsite) RoundTrip(r *http.Request) (*http.Response, error) {
	h := r.URL.Hostname()
	if strings.HasSuffix(h, ".test") {
		return &http.Response{StatusCode: http.StatusTeapot, Body: http.NoBody, Request: r, Header: http.Header{}}, nil
	}
	next := o.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}
