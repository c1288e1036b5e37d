package steps

// The SAML and JIT scenarios against a vendor's service provider. The vendor
// trusts one mock IdP (its metadata, its key kept in a key file: see
// docs/sso.md, "Testing your own service provider"); the suite serves that
// IdP at the address the vendor trusts, reads the SP's metadata for its
// entity ID and ACS, starts SP-initiated logins at the SP's login URL and
// asks the SP's session page whether the browser is signed in. What needs an
// administrator of the SP (its signature policy, JIT off, locking a user) is
// skipped with the reason; what a scenario creates or refuses is read through
// the vendor's SCIM endpoint (the target).

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/crewjam/saml"

	"github.com/provkit/provkit/internal/browser"
	"github.com/provkit/provkit/internal/scimclient"
	"github.com/provkit/provkit/mockidp"
)

// ServiceProvider is a vendor's SAML service provider under test.
type ServiceProvider struct {
	// Metadata is the SP's metadata URL (its entity ID and ACS come from it).
	Metadata string
	// LoginURL starts an SP-initiated login (the SP redirects or posts the
	// browser to the IdP's SSO URL).
	LoginURL string
	// SessionURL is a page of the SP that answers 200 and names the user's
	// email only to a signed-in browser.
	SessionURL string
	// IdP is the mock IdP the SP trusts; the caller serves it at its base URL.
	IdP *mockidp.IdP

	once sync.Once
	urls spURLs
	err  error
}

// setup reads the SP's metadata and registers the SP with the IdP, once.
func (sp *ServiceProvider) setup(ctx context.Context, c *http.Client) (spURLs, error) {
	sp.once.Do(func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, sp.Metadata, nil)
		if err != nil {
			sp.err = fmt.Errorf("the SP metadata URL: %w", err)
			return
		}
		resp, err := c.Do(req)
		if err != nil {
			sp.err = fmt.Errorf("reading the SP metadata: %w", err)
			return
		}
		defer resp.Body.Close()
		md, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil || resp.StatusCode != http.StatusOK {
			sp.err = fmt.Errorf("reading the SP metadata: %s %v", resp.Status, err)
			return
		}
		ids, err := sp.IdP.RegisterSP(md)
		if err != nil {
			sp.err = fmt.Errorf("the mock IdP cannot use the SP metadata: %w", err)
			return
		}
		var ed saml.EntityDescriptor
		if err := xml.Unmarshal(md, &ed); err != nil || len(ids) == 0 {
			sp.err = fmt.Errorf("the SP metadata has no entity: %v", err)
			return
		}
		sp.urls = spURLs{EntityID: ids[0], Login: sp.LoginURL, Metadata: sp.Metadata}
		for _, d := range ed.SPSSODescriptors {
			for _, a := range d.AssertionConsumerServices {
				if a.Binding == saml.HTTPPostBinding && sp.urls.ACS == "" {
					sp.urls.ACS = a.Location
				}
			}
		}
	})
	return sp.urls, sp.err
}

// vendorSetup points the scenario at the vendor's SP and its trusted IdP.
func (w *World) vendorSetup(persona string) error {
	sp := w.cfg.SP
	s := w.sso()
	if got := sp.IdP.Persona().Name; persona != got {
		return skipError{fmt.Sprintf("the service provider trusts the mock IdP as the %q persona; this scenario needs %q (--idp-persona)", got, persona)}
	}
	urls, err := sp.setup(w.ctx, w.cfg.HTTP)
	if err != nil {
		return err
	}
	s.idp, s.persona, s.sp = sp.IdP, persona, urls
	return nil
}

// needAdmin skips a step an SP administrator would take: against a vendor's
// SP, or without the provkit admin API.
func (w *World) needAdmin(what string) error {
	if w.cfg.SP != nil || w.admin == nil {
		return skipError{"needs an administrator (--admin-url, --admin-exec) to " + what + " (a vendor SP is configured by its own administrator)"}
	}
	return nil
}

// vendorSession asks the vendor SP's session page whether b is signed in,
// and as whom: the "email" member of a JSON answer, else the address of the
// page that is email (the identity expected) or, failing that, the first
// address the page names.
func (w *World) vendorSession(b *browser.Browser, email string) (map[string]any, bool, error) {
	req, err := http.NewRequestWithContext(w.ctx, http.MethodGet, w.cfg.SP.SessionURL, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", "application/json, text/html")
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, false, err
	}
	return map[string]any{"email": sessionIdentity(body, email)}, true, nil
}

var emailRe = regexp.MustCompile(`[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*`)

// sessionIdentity is who a session page names (see vendorSession).
func sessionIdentity(body []byte, email string) string {
	var m struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(body, &m) == nil && m.Email != "" {
		return m.Email
	}
	found := emailRe.FindAllString(string(body), -1)
	for _, f := range found {
		if email != "" && strings.EqualFold(f, email) {
			return f
		}
	}
	if len(found) > 0 {
		return found[0]
	}
	return "(a session whose page names no address)"
}

// scimUsers counts the target's users with the email as userName, for the
// JIT checks when there is no admin API (a vendor's SCIM endpoint).
func (w *World) scimUsers(email string) (active bool, n int, err error) {
	c := w.cfg.client(w.cfg.Target, w.rec)
	q := url.Values{"filter": {fmt.Sprintf("userName eq %q", email)}}
	ex, err := c.Do(w.ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users?" + q.Encode()})
	if err := okOr(ex, err, "looking up "+email+" through SCIM"); err != nil {
		return false, 0, err
	}
	n = int(ex.Get("totalResults").Int())
	return ex.Get("Resources.0.active").Bool(), n, nil
}

// removeAccountsAtEnd removes, when the scenario ends, the accounts a
// vendor's SP may have created (JIT) for these addresses: the target's SCIM
// users with the address as userName, deleted with SCIM DELETE. Users the
// scenario provisioned itself are removed by their own clean-up. Only for a
// vendor's SP: against the reference the scenario's SSO node is removed with
// its users.
func (w *World) removeAccountsAtEnd(emails ...string) {
	if w.cfg.SP == nil {
		return
	}
	if w.jitEmails == nil {
		w.jitEmails = map[string]bool{}
	}
	for _, e := range emails {
		if e == "" || w.jitEmails[strings.ToLower(e)] {
			continue
		}
		w.jitEmails[strings.ToLower(e)] = true
		w.atEnd(func(ctx context.Context) error { return w.removeAccounts(ctx, e) })
	}
}

func (w *World) removeAccounts(ctx context.Context, email string) error {
	for _, u := range w.users {
		if strings.EqualFold(u.userName, email) {
			return nil // provisioned by the scenario: removed by removeUserAtEnd
		}
	}
	c := w.cfg.client(w.cfg.Target, w.rec)
	q := url.Values{"filter": {fmt.Sprintf("userName eq %q", email)}}
	ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users?" + q.Encode()})
	if err != nil || !ex.OK() {
		w.cfg.leave(fmt.Sprintf("account of a sign-in not looked up: GET /Users?filter= answered %s", answerOf(ex, err)))
		return err
	}
	for _, r := range ex.Get("Resources").Array() {
		id := r.Get("id").String()
		if id == "" || !strings.EqualFold(r.Get("userName").String(), email) {
			continue
		}
		ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: "/Users/" + id})
		if err != nil || (!ex.OK() && ex.Status != http.StatusNotFound) {
			w.cfg.leave(fmt.Sprintf("account of a sign-in not deleted: DELETE /Users/{id} answered %s", answerOf(ex, err)))
			continue
		}
		if ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users/" + id}); err == nil && ex.OK() {
			w.cfg.leave("account of a sign-in still there after DELETE /Users/{id} (locked, as Keeper does)")
		}
	}
	return nil
}
