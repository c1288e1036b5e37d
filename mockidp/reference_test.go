package mockidp_test

// These tests run the mock IdP against the bundled reference SP
// (reference/sso): every flow signs in, every fault is refused with nothing
// created, and every fault is accepted once the SP guard it targets is
// switched off, which proves each check can fail.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/provkit/provkit/internal/browser"
	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/sso"
	"github.com/provkit/provkit/reference/store/memstore"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type stack struct {
	t      *testing.T
	srv    *httptest.Server
	svc    *service.Service
	idp    *mockidp.IdP
	acme   directory.Enterprise
	node   directory.Node
	other  directory.Node // Globex / Sales
	sp     sso.URLs
	entity string
}

func newStack(t *testing.T, spFaults []sso.Fault, svcFaults ...service.Fault) *stack {
	t.Helper()
	return newStackPersona(t, "generic", spFaults, svcFaults...)
}

func newStackPersona(t *testing.T, persona string, spFaults []sso.Fault, svcFaults ...service.Fault) *stack {
	t.Helper()
	ctx := context.Background()
	sql, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	mem, err := memstore.New(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mem.Close() })
	svc := service.New(mem, service.WithFaults(svcFaults...))
	s := &stack{t: t, svc: svc}
	mux := http.NewServeMux()
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	mux.Handle(sso.Prefix, sso.New(svc, sso.Options{Faults: spFaults, Logger: quiet}).Handler())

	per := mockidp.Personas[persona]
	s.idp, err = mockidp.New(mockidp.Config{BaseURL: s.srv.URL + "/mockidp", Persona: &per, Logger: quiet,
		Users: mockidp.NewUsers(
			mockidp.User{Email: "alice@acme.example", First: "Alice", Last: "Anderson"},
			mockidp.User{Email: "bob@acme.example", First: "Bob", Last: "Brown"},
			mockidp.User{Email: "carol@globex.example", First: "Carol", Last: "Cruz"},
			mockidp.User{Email: "dave@elsewhere.example", First: "Dave"},
		)})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/mockidp/", s.idp.Handler("/mockidp"))

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s.acme, err = svc.CreateEnterprise(ctx, "Acme", 100)
	must(err)
	_, err = svc.ReserveDomain(ctx, s.acme.ID, "acme.example")
	must(err)
	s.node, err = svc.CreateNode(ctx, s.acme.RootNode, "Engineering")
	must(err)
	globex, err := svc.CreateEnterprise(ctx, "Globex", 100)
	must(err)
	_, err = svc.ReserveDomain(ctx, globex.ID, "globex.example")
	must(err)
	s.other, err = svc.CreateNode(ctx, globex.RootNode, "Sales")
	must(err)
	_, _, err = svc.CreateUser(ctx, s.other.ID, service.UserInput{UserName: "carol@globex.example"}, nil)
	must(err)

	md, err := s.idp.MetadataXML()
	must(err)
	mds := string(md)
	_, err = svc.ConfigureSSO(ctx, s.node.ID, service.SSOSettings{IDPMetadata: &mds}, nil)
	must(err)
	spmd, err := sso.SPMetadataXML(s.srv.URL, s.node.ID)
	must(err)
	_, err = s.idp.RegisterSP(spmd)
	must(err)
	s.sp = sso.NodeURLs(s.srv.URL, s.node.ID)
	return s
}

func (s *stack) setPolicy(p directory.SignPolicy) {
	s.t.Helper()
	if _, err := s.svc.ConfigureSSO(context.Background(), s.node.ID, service.SSOSettings{SignPolicy: &p}, nil); err != nil {
		s.t.Fatal(err)
	}
}

// idpLogin is an IdP-initiated headless login.
func (s *stack) idpLogin(b *browser.Browser, user string, faults ...mockidp.Fault) browser.Page {
	s.t.Helper()
	q := url.Values{"sp": {s.sp.EntityID}, "user": {user}}
	if len(faults) > 0 {
		q.Set("fault", joinFaults(faults))
	}
	p, err := b.Get(s.idp.LoginURL() + "?" + q.Encode())
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// spLogin is an SP-initiated login, headless at the IdP.
func (s *stack) spLogin(b *browser.Browser, user string, faults ...mockidp.Fault) browser.Page {
	s.t.Helper()
	b.Rewrite = func(u *url.URL) {
		if strings.HasSuffix(u.Path, "/mockidp/sso") {
			q := u.Query()
			q.Set("user", user)
			if len(faults) > 0 {
				q.Set("fault", joinFaults(faults))
			}
			u.RawQuery = q.Encode()
		}
	}
	defer func() { b.Rewrite = nil }()
	p, err := b.Get(s.sp.Login)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

func joinFaults(fs []mockidp.Fault) string {
	var ss []string
	for _, f := range fs {
		ss = append(ss, string(f))
	}
	return strings.Join(ss, ",")
}

func (s *stack) session(b *browser.Browser) (sso.SessionInfo, bool) {
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+sso.SessionPath, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := b.Client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return sso.SessionInfo{}, false
	}
	var si sso.SessionInfo
	for _, kv := range []struct {
		key string
		dst *string
	}{{`"email":"`, &si.Email}, {`"status":"`, &si.Status}} {
		if i := strings.Index(string(body), kv.key); i >= 0 {
			rest := string(body)[i+len(kv.key):]
			*kv.dst = rest[:strings.IndexByte(rest, '"')]
		}
	}
	return si, true
}

func (s *stack) user(email string) (directory.User, bool) {
	u, err := s.svc.Store().GetUserByEmail(context.Background(), email)
	return u, err == nil
}

func TestFlowsSignInAndProvision(t *testing.T) {
	s := newStack(t, nil)
	// IdP-initiated, JIT: a new active user in the node with its default role
	b := browser.New(s.srv.Client())
	p := s.idpLogin(b, "alice@acme.example")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "alice@acme.example") {
		t.Fatalf("IdP-initiated login: %d %s", p.Status, p.Body)
	}
	u, ok := s.user("alice@acme.example")
	if !ok || u.Status != directory.UserActive || u.NodeID != s.node.ID || u.RoleID != s.node.DefaultRoleID || u.GivenName != "Alice" {
		t.Fatalf("JIT user %+v", u)
	}
	// SP-initiated (Redirect binding AuthnRequest, POST response, InResponseTo)
	b2 := browser.New(s.srv.Client())
	p = s.spLogin(b2, "bob@acme.example")
	if si, ok := s.session(b2); p.Status != http.StatusOK || !ok || si.Email != "bob@acme.example" {
		t.Fatalf("SP-initiated login: %d %+v", p.Status, si)
	}
	// the HTML login page: GET it through the SP, then post the form as a person
	b3 := browser.New(s.srv.Client())
	p, err := b3.Get(s.sp.Login)
	if err != nil || !strings.Contains(p.Body, `name="password"`) {
		t.Fatalf("login page: %v %s", err, p.Body)
	}
	f := formValues(t, p.Body)
	f.Set("user", "alice@acme.example")
	p, err = b3.Post(s.idp.LoginURL(), f)
	if si, ok := s.session(b3); err != nil || !ok || si.Email != "alice@acme.example" {
		t.Fatalf("login form: %v %d %+v", err, p.Status, si)
	}
	// SP-initiated by email: only a reserved domain routes to the IdP
	resp, err := noRedirect(s).Get(s.srv.URL + "/api/rest/sso/saml/login?email=bob@acme.example")
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasSuffix(resp.Header.Get("Location"), sso.LoginPath+strconv.FormatInt(s.node.ID, 10)) {
		t.Fatalf("route by email: %v %v", err, resp)
	}
	resp, err = noRedirect(s).Get(s.srv.URL + "/api/rest/sso/saml/login?email=dave@elsewhere.example")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("route of an unreserved domain: %v %v", err, resp)
	}
}

// TestPersonas: every persona signs in (SP- and IdP-initiated); an
// assertion-only signer (entra, onelogin) is refused under Keeper's default
// "signed Response" policy and accepted under "either".
func TestPersonas(t *testing.T) {
	for _, name := range mockidp.PersonaNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStackPersona(t, name, nil)
			per := mockidp.Personas[name]
			b := browser.New(s.srv.Client())
			p := s.spLogin(b, "alice@acme.example")
			_, ok := s.session(b)
			if per.Sign == mockidp.SignAssertion {
				if ok || p.Status != http.StatusForbidden {
					t.Fatalf("assertion-only signing accepted under the response policy: %d", p.Status)
				}
				s.setPolicy(directory.SignEither)
				p = s.spLogin(b, "alice@acme.example")
				_, ok = s.session(b)
			}
			if !ok {
				t.Fatalf("%s: SP-initiated login refused: %d", name, p.Status)
			}
			b2 := browser.New(s.srv.Client())
			s.idpLogin(b2, "bob@acme.example")
			if si, ok := s.session(b2); !ok || si.Email != "bob@acme.example" {
				t.Fatalf("%s: IdP-initiated login refused", name)
			}
			if u, _ := s.user("alice@acme.example"); per.Attrs.First != "" && u.GivenName != "Alice" {
				t.Fatalf("%s: first name %q", name, u.GivenName)
			}
		})
	}
}

func formValues(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, name := range []string{"SAMLRequest", "RelayState"} {
		key := `name="` + name + `" value="`
		if i := strings.Index(body, key); i >= 0 {
			rest := body[i+len(key):]
			v.Set(name, htmlUnescape(rest[:strings.IndexByte(rest, '"')]))
		}
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#43;", "+", "&#61;", "=", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

func noRedirect(s *stack) *http.Client {
	c := *s.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// faultCase is one fault: the SP guard that stops it, the policy and flow it needs.
type faultCase struct {
	fault  mockidp.Fault
	guard  sso.Fault
	policy directory.SignPolicy
	spInit bool
}

var faultCases = []faultCase{
	{mockidp.FaultUnsignedResponse, sso.FaultAcceptUnsigned, "", false},
	{mockidp.FaultUnsignedAssertion, sso.FaultSignPolicyIgnored, directory.SignBoth, false},
	{mockidp.FaultUntrustedKey, sso.FaultTrustKeyInfo, "", false},
	{mockidp.FaultXSW1, sso.FaultReadUnverified, "", false},
	{mockidp.FaultXSW2, sso.FaultReadUnverified, "", false},
	{mockidp.FaultXSW3, sso.FaultReadUnverified, directory.SignEither, false},
	{mockidp.FaultXSW4, sso.FaultReadUnverified, directory.SignEither, false},
	{mockidp.FaultXSW5, sso.FaultReadUnverified, directory.SignEither, false},
	{mockidp.FaultXSW6, sso.FaultReadUnverified, directory.SignEither, false},
	{mockidp.FaultXSW7, sso.FaultReadUnverified, directory.SignEither, false},
	{mockidp.FaultXSW8, sso.FaultReadUnverified, directory.SignEither, false},
	{mockidp.FaultExpired, sso.FaultNoExpiry, "", false},
	{mockidp.FaultNotYetValid, sso.FaultNoNotBefore, "", false},
	{mockidp.FaultWrongAudience, sso.FaultNoAudience, "", false},
	{mockidp.FaultWrongRecipient, sso.FaultNoRecipient, "", false},
	{mockidp.FaultWrongDestination, sso.FaultNoRecipient, "", false},
	{mockidp.FaultWrongInResponseTo, sso.FaultNoInResponseTo, "", true},
	{mockidp.FaultReplay, sso.FaultNoReplayCache, "", false},
	{mockidp.FaultCommentNameID, sso.FaultCommentTruncation, "", false},
	{mockidp.FaultTwoAssertions, sso.FaultMultipleAssertions, directory.SignEither, false},
	{mockidp.FaultWrongIssuer, sso.FaultNoIssuerCheck, "", false},
	{mockidp.FaultStatusResponder, sso.FaultIgnoreStatus, "", false},
	{mockidp.FaultNoAudience, sso.FaultNoAudience, "", false},
	{mockidp.FaultNoConditions, sso.FaultNoAudience, "", false},
	{mockidp.FaultNoSubjectConfData, sso.FaultNoRecipient, "", false},
	{mockidp.FaultSHA1, sso.FaultAcceptSHA1, "", false},
	{mockidp.FaultSHA1Digests, sso.FaultSHA1MethodOnly, "", false},
	{mockidp.FaultAssertionIssuer, sso.FaultIssuerResponseOnly, "", false},
	{mockidp.FaultReplayRewrapped, sso.FaultReplayByResponseID, directory.SignEither, false},
	// second guards of the same faults
	{mockidp.FaultUnsignedResponse, sso.FaultUnsignedIfSolicited, "", true},
	{mockidp.FaultStatusResponder, sso.FaultStatusSolicitedOnly, "", false},
	{mockidp.FaultUntrustedKey, sso.FaultTrustSameSubject, "", false},
	{mockidp.FaultCommentAttribute, sso.FaultCommentTruncation, "", false},
	{mockidp.FaultCommentAttribute, sso.FaultCommentNameIDOnly, "", false},
}

func TestEveryFaultIsCovered(t *testing.T) {
	seen := map[mockidp.Fault]bool{}
	for _, c := range faultCases {
		seen[c.fault] = true
	}
	for _, f := range mockidp.Faults() {
		if !seen[f] {
			t.Errorf("fault %s has no case", f)
		}
	}
}

// run sends the faulty response; for replay, a good login comes first.
func run(s *stack, c faultCase) (browser.Page, *browser.Browser) {
	if c.policy != "" {
		s.setPolicy(c.policy)
	}
	b := browser.New(s.srv.Client())
	if c.fault == mockidp.FaultReplay || c.fault == mockidp.FaultReplayRewrapped { // bob's response (or assertion), posted a second time
		s.idpLogin(browser.New(s.srv.Client()), "bob@acme.example")
		return s.idpLogin(b, "bob@acme.example", c.fault), b
	}
	if c.spInit {
		return s.spLogin(b, "alice@acme.example", c.fault), b
	}
	return s.idpLogin(b, "alice@acme.example", c.fault), b
}

func TestFaultsRefusedAndProvenByGuards(t *testing.T) {
	for _, c := range faultCases {
		t.Run(string(c.fault)+"/"+string(c.guard), func(t *testing.T) {
			t.Parallel()
			s := newStack(t, nil)
			p, b := run(s, c)
			if _, ok := s.session(b); ok || p.Status != http.StatusForbidden {
				t.Fatalf("%s: status %d, session %v", c.fault, p.Status, ok)
			}
			for _, e := range []string{"alice@acme.example", mockidp.Victim("alice@acme.example"), "alice@acme.example.evil.test"} {
				if _, ok := s.user(e); ok {
					t.Fatalf("%s created %s", c.fault, e)
				}
			}
			// the same fault against an SP without the guard is accepted
			s2 := newStack(t, []sso.Fault{c.guard})
			p, b = run(s2, c)
			if _, ok := s2.session(b); !ok {
				t.Fatalf("%s is still refused with %s off: %d", c.fault, c.guard, p.Status)
			}
		})
	}
}

func TestJITRules(t *testing.T) {
	ctx := context.Background()
	t.Run("jit off refuses and creates nothing", func(t *testing.T) {
		s := newStack(t, nil)
		off := false
		if _, err := s.svc.ConfigureSSO(ctx, s.node.ID, service.SSOSettings{JIT: &off}, nil); err != nil {
			t.Fatal(err)
		}
		b := browser.New(s.srv.Client())
		if p := s.idpLogin(b, "alice@acme.example"); p.Status != http.StatusForbidden {
			t.Fatalf("status %d", p.Status)
		}
		if _, ok := s.user("alice@acme.example"); ok {
			t.Fatal("user created")
		}
		s2 := newStack(t, nil, service.FaultSSOJITIgnored)
		if _, err := s2.svc.ConfigureSSO(ctx, s2.node.ID, service.SSOSettings{JIT: &off}, nil); err != nil {
			t.Fatal(err)
		}
		s2.idpLogin(browser.New(s2.srv.Client()), "alice@acme.example")
		if _, ok := s2.user("alice@acme.example"); !ok {
			t.Fatal("fault did not create")
		}
	})
	t.Run("invited user becomes active and memberships approvable", func(t *testing.T) {
		s := newStack(t, nil)
		if _, err := s.svc.UpdateNodeSettings(ctx, s.node.ID, directory.NodeSettings{AutoApprove: true}); err != nil {
			t.Fatal(err)
		}
		u, _, err := s.svc.CreateUser(ctx, s.node.ID, service.UserInput{UserName: "bob@acme.example"}, nil)
		if err != nil || u.Status != directory.UserInvited {
			t.Fatalf("%v %+v", err, u)
		}
		s.idpLogin(browser.New(s.srv.Client()), "bob@acme.example")
		if u, _ = s.user("bob@acme.example"); u.Status != directory.UserActive {
			t.Fatalf("status %s", u.Status)
		}
	})
	t.Run("locked user refused", func(t *testing.T) {
		s := newStack(t, nil)
		u, _, _ := s.svc.CreateUser(ctx, s.node.ID, service.UserInput{UserName: "bob@acme.example"}, nil)
		locked := true
		if _, err := s.svc.SetUserState(ctx, u.ID, "", &locked); err != nil {
			t.Fatal(err)
		}
		if p := s.idpLogin(browser.New(s.srv.Client()), "bob@acme.example"); p.Status != http.StatusForbidden {
			t.Fatalf("status %d", p.Status)
		}
	})
	t.Run("other enterprise's email refused", func(t *testing.T) {
		s := newStack(t, nil)
		if p := s.idpLogin(browser.New(s.srv.Client()), "carol@globex.example"); p.Status != http.StatusForbidden {
			t.Fatalf("status %d", p.Status)
		}
		if u, _ := s.user("carol@globex.example"); u.NodeID != s.other.ID {
			t.Fatal("carol moved")
		}
	})
	t.Run("concurrent first logins create one user", func(t *testing.T) {
		s := newStack(t, nil)
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := browser.New(s.srv.Client())
				q := url.Values{"sp": {s.sp.EntityID}, "user": {"alice@acme.example"}}
				_, _ = b.Get(s.idp.LoginURL() + "?" + q.Encode())
			}()
		}
		wg.Wait()
		us, total, err := s.svc.Store().FindUsers(ctx, storeQuery(s.node.ID))
		if err != nil || total != 1 || len(us) != 1 {
			t.Fatalf("users %d %v", total, err)
		}
	})
	t.Run("open redirect refused", func(t *testing.T) {
		for _, guardOff := range []bool{false, true} {
			var faults []sso.Fault
			if guardOff {
				faults = []sso.Fault{sso.FaultOpenRedirect}
			}
			s := newStack(t, faults)
			b := browser.New(s.srv.Client())
			b.Client.Transport = blockHost{"evil.test", http.DefaultTransport}
			q := url.Values{"sp": {s.sp.EntityID}, "user": {"alice@acme.example"}, "RelayState": {"https://evil.test/"}}
			_, _ = b.Get(s.idp.LoginURL() + "?" + q.Encode())
			evil := strings.Contains(strings.Join(b.Redirects, " "), "evil.test")
			if evil != guardOff {
				t.Fatalf("guard off %v: redirects %v", guardOff, b.Redirects)
			}
		}
	})
}

// A node may accept SHA-1 signatures again (allow_sha1); by default it
// refuses them (TestFaultsRefusedAndProvenByGuards).
func TestNodeMayAllowSHA1(t *testing.T) {
	s := newStack(t, nil)
	on := true
	if _, err := s.svc.ConfigureSSO(context.Background(), s.node.ID, service.SSOSettings{AllowSHA1: &on}, nil); err != nil {
		t.Fatal(err)
	}
	p, b := run(s, faultCase{fault: mockidp.FaultSHA1})
	if _, ok := s.session(b); !ok {
		t.Fatalf("SHA-1 refused on a node that allows it: %d", p.Status)
	}
}
