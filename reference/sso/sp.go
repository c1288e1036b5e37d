// Package sso is the reference server's SAML 2.0 service provider: one SP
// per node at Keeper SSO Connect Cloud's URL shapes, configured through the
// admin API, with just-in-time provisioning into the node (the rules live in
// service.Service.SSOLogin).
//
//	GET  /api/rest/sso/saml/metadata/{id}  SP metadata (entity ID /api/rest/sso/saml/{id})
//	GET  /api/rest/sso/saml/login/{id}     SP-initiated login: AuthnRequest to the IdP (HTTP-Redirect)
//	GET  /api/rest/sso/saml/login?email=   SP-initiated login routed by a reserved email domain
//	POST /api/rest/sso/saml/sso/{id}       assertion consumer service (HTTP-POST)
//	GET  /api/rest/sso/ext_login/{id}      IdP-initiated login endpoint: starts a login at the IdP
//	POST /api/rest/sso/ext_login/{id}      accepts an unsolicited Response like the ACS
//	GET  /api/rest/sso/session             the signed-in landing page (HTML, or JSON with Accept: application/json)
//
// {id} is the node ID. The ACS is our own: crewjam/saml's ServiceProvider
// only builds the SP metadata and the AuthnRequests. Responses are verified
// here (goxmldsig for signatures; verify.go) because crewjam's SP reads a
// package-global clock, cannot switch single checks off for the negative
// tests, and is lax in five documented ways (no replay cache, optional
// AudienceRestriction, panics on a missing Conditions or
// SubjectConfirmationData, no InResponseTo check once IdP-initiated login is
// allowed, RelayState followed as a URL). Every check has a test-only Fault
// that switches it off, so the conformance suite can prove it fails without it.
//
// A refused response gets 403 with a generic page; the reason is logged
// (never the response, keys or signatures).
package sso

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crewjam/saml"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/store"
)

// URL shapes (Keeper SSO Connect Cloud; keeper-facts §8.65-66).
const (
	Prefix       = "/api/rest/sso/"
	EntityPath   = "/api/rest/sso/saml/"          // + id
	ACSPath      = "/api/rest/sso/saml/sso/"      // + id
	LoginPath    = "/api/rest/sso/saml/login/"    // + id
	ExtLoginPath = "/api/rest/sso/ext_login/"     // + id
	MetadataPath = "/api/rest/sso/saml/metadata/" // + id
	SessionPath  = "/api/rest/sso/session"
)

// SessionCookie is the signed-in session's cookie.
const SessionCookie = "provkit_sso"

// Options configure the SP.
type Options struct {
	// PublicURL ("https://sso.example.com") builds entity IDs and ACS URLs.
	// Empty: the request's scheme and Host.
	PublicURL string
	// Now is the clock (default time.Now); NewID makes request IDs and
	// session tokens (default: random).
	Now   func() time.Time
	NewID func() string
	// SessionTTL is how long a session lasts (default 1 h); RequestTTL how
	// long an AuthnRequest may be answered (default 10 min).
	SessionTTL, RequestTTL time.Duration
	// Faults switch guards off (tests only).
	Faults []Fault
	// Logger receives refusals with their reason. Nil: slog.Default().
	Logger *slog.Logger
}

// SP serves every node's SAML service provider.
type SP struct {
	svc    *service.Service
	public string
	now    func() time.Time
	newID  func() string
	sTTL   time.Duration
	rTTL   time.Duration
	faults map[Fault]bool
	log    *slog.Logger

	// Pending AuthnRequests and sessions are in the store (store.SSORequest,
	// store.SSOSession), not in memory: any replica of the server answers
	// the IdP's response and the browser's next request.
}

// sessionKey is the stored key of a session token: its SHA-256, so that the
// database never holds a usable cookie.
func sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// New returns the SP.
func New(svc *service.Service, opt Options) *SP {
	sp := &SP{svc: svc, public: strings.TrimRight(opt.PublicURL, "/"), now: opt.Now, newID: opt.NewID,
		sTTL: opt.SessionTTL, rTTL: opt.RequestTTL, faults: map[Fault]bool{}, log: opt.Logger}
	if sp.now == nil {
		sp.now = time.Now
	}
	if sp.newID == nil {
		sp.newID = func() string {
			b := make([]byte, 20)
			if _, err := rand.Read(b); err != nil {
				panic("sso: random source failed: " + err.Error())
			}
			return "_" + hex.EncodeToString(b)
		}
	}
	if sp.sTTL <= 0 {
		sp.sTTL = time.Hour
	}
	if sp.rTTL <= 0 {
		sp.rTTL = 10 * time.Minute
	}
	for _, f := range opt.Faults {
		sp.faults[f] = true
	}
	if sp.log == nil {
		sp.log = slog.Default()
	}
	return sp
}

// Handler returns the SP's HTTP handler; mount it at Prefix.
func (sp *SP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+MetadataPath+"{id}", sp.serveMetadata)
	mux.HandleFunc("GET "+LoginPath+"{id}", sp.serveLogin)
	mux.HandleFunc("GET /api/rest/sso/saml/login", sp.serveLoginByEmail)
	mux.HandleFunc("POST "+ACSPath+"{id}", sp.serveACS)
	mux.HandleFunc("GET "+ExtLoginPath+"{id}", sp.serveLogin)
	mux.HandleFunc("POST "+ExtLoginPath+"{id}", sp.serveACS)
	mux.HandleFunc("GET "+SessionPath, sp.serveSession)
	mux.HandleFunc("POST "+SessionPath+"/logout", sp.serveLogout)
	return mux
}

func (sp *SP) base(r *http.Request) string {
	if sp.public != "" {
		return sp.public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// URLs are a node SP's endpoints.
type URLs struct {
	EntityID    string `json:"entity_id"`
	ACS         string `json:"acs_url"`
	Login       string `json:"login_url"`
	IDPInitiate string `json:"idp_initiated_login_url"`
	Metadata    string `json:"metadata_url"`
}

// NodeURLs returns a node SP's URLs under base ("http://127.0.0.1:8080").
func NodeURLs(base string, nodeID int64) URLs {
	id := strconv.FormatInt(nodeID, 10)
	base = strings.TrimRight(base, "/")
	return URLs{EntityID: base + EntityPath + id, ACS: base + ACSPath + id, Login: base + LoginPath + id,
		IDPInitiate: base + ExtLoginPath + id, Metadata: base + MetadataPath + id}
}

// node loads a node's SSO configuration and its IdP.
func (sp *SP) node(r *http.Request) (directory.SSOConfig, idpInfo, *saml.EntityDescriptor, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return directory.SSOConfig{}, idpInfo{}, nil, errNoSSO
	}
	c, err := sp.svc.Store().GetSSOConfig(r.Context(), id)
	if err != nil {
		return c, idpInfo{}, nil, errNoSSO
	}
	info, ed, err := parseIDP(c.IDPMetadata)
	if err != nil {
		return c, info, nil, err
	}
	return c, info, ed, nil
}

var errNoSSO = errors.New("no SSO configuration for this node")

func (sp *SP) crewjam(r *http.Request, c directory.SSOConfig, ed *saml.EntityDescriptor) *saml.ServiceProvider {
	u := NodeURLs(sp.base(r), c.NodeID)
	acs, _ := url.Parse(u.ACS)
	md, _ := url.Parse(u.Metadata)
	return &saml.ServiceProvider{EntityID: u.EntityID, AcsURL: *acs, MetadataURL: *md, IDPMetadata: ed,
		AuthnNameIDFormat: saml.EmailAddressNameIDFormat, AllowIDPInitiated: c.AllowIDPInitiated}
}

func (sp *SP) serveMetadata(w http.ResponseWriter, r *http.Request) {
	c, _, ed, err := sp.node(r)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	md := sp.crewjam(r, c, ed).Metadata()
	buf, err := xmlMarshal(md)
	if err != nil {
		http.Error(w, "metadata", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(buf)
}

// serveLogin starts an SP-initiated login: an AuthnRequest to the IdP over
// HTTP-Redirect. return_to (a path on this host, or an allowed URL) is
// where the browser lands afterwards.
func (sp *SP) serveLogin(w http.ResponseWriter, r *http.Request) {
	c, info, ed, err := sp.node(r)
	if err != nil {
		sp.page(w, http.StatusNotFound, "Single sign-on is not configured for this node.")
		return
	}
	req, err := sp.crewjam(r, c, ed).MakeAuthenticationRequest(info.ssoURL, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		sp.log.Error("sso: AuthnRequest", "node", c.NodeID, "err", err)
		sp.page(w, http.StatusInternalServerError, "Cannot start single sign-on.")
		return
	}
	now := sp.now().UTC()
	req.ID, req.IssueInstant = sp.newID(), now
	relay := sp.newID()
	returnTo := sp.allowedRedirect(c, r, r.URL.Query().Get("return_to"))
	pr := store.SSORequest{ID: req.ID, NodeID: c.NodeID, ReturnTo: returnTo, Expires: now.Add(sp.rTTL)}
	if err := sp.svc.Store().Update(r.Context(), func(tx store.Tx) error { return tx.PutSSORequest(r.Context(), pr, now) }); err != nil {
		sp.log.Error("sso: record AuthnRequest", "node", c.NodeID, "err", err)
		sp.page(w, http.StatusInternalServerError, "Cannot start single sign-on.")
		return
	}
	u, err := req.Redirect(relay, sp.crewjam(r, c, ed))
	if err != nil {
		sp.page(w, http.StatusInternalServerError, "Cannot start single sign-on.")
		return
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// serveLoginByEmail routes an email to its node's IdP, only for a domain
// reserved to an enterprise (Keeper: "routes to the IdP if the domain is reserved").
func (sp *SP) serveLoginByEmail(w http.ResponseWriter, r *http.Request) {
	nodeID, err := sp.svc.SSORoute(r.Context(), r.URL.Query().Get("email"))
	if err != nil {
		sp.page(w, http.StatusNotFound, "No single sign-on for this email: sign in with your master password.")
		return
	}
	target := LoginPath + strconv.FormatInt(nodeID, 10)
	if rt := r.URL.Query().Get("return_to"); rt != "" {
		target += "?return_to=" + url.QueryEscape(rt)
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// serveACS consumes a Response (the ACS, and POST to ext_login).
func (sp *SP) serveACS(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxResponse*2)
	c, info, _, err := sp.node(r)
	if err != nil {
		sp.page(w, http.StatusNotFound, "Single sign-on is not configured for this node.")
		return
	}
	u := NodeURLs(sp.base(r), c.NodeID)
	now := sp.now().UTC()
	var returnTo string
	p := checkParams{idp: info, entityID: u.EntityID, acsURL: u.ACS, policy: string(c.SignPolicy),
		attrEmail: c.AttrEmail, attrFirst: c.AttrFirst, attrLast: c.AttrLast, now: now, allowIDPIni: c.AllowIDPInitiated, allowSHA1: c.AllowSHA1,
		takeRequest: func(id string) bool {
			// One use: the request is removed whatever the outcome.
			var pr store.SSORequest
			err := sp.svc.Store().Update(r.Context(), func(tx store.Tx) (err error) {
				pr, err = tx.TakeSSORequest(r.Context(), id, now)
				return err
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				sp.log.Error("sso: take AuthnRequest", "node", c.NodeID, "err", err)
			}
			returnTo = pr.ReturnTo
			return err == nil && pr.NodeID == c.NodeID
		}}
	v, err := sp.verify(r.PostFormValue("SAMLResponse"), p)
	if err != nil {
		sp.refuse(w, c.NodeID, err)
		return
	}
	id := service.SSOIdentity{Email: v.email, First: v.first, Last: v.last, AssertionID: v.assertionID, Expires: v.expires}
	switch {
	case sp.fault(FaultNoReplayCache):
		id.AssertionID = ""
	case sp.fault(FaultReplayByResponseID):
		id.AssertionID = v.responseID
	}
	user, created, err := sp.svc.SSOLogin(r.Context(), c.NodeID, id)
	if err != nil {
		sp.refuse(w, c.NodeID, err)
		return
	}
	token := sp.newID()
	sess := store.SSOSession{Key: sessionKey(token), UserID: user.ID, NodeID: c.NodeID, Expires: now.Add(sp.sTTL)}
	if err := sp.svc.Store().Update(r.Context(), func(tx store.Tx) error { return tx.PutSSOSession(r.Context(), sess, now) }); err != nil {
		sp.refuse(w, c.NodeID, err)
		return
	}
	sp.log.Info("sso: signed in", "node", c.NodeID, "user", user.ID, "jit_created", created, "solicited", v.inResponseTo != "")
	ck := &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: int(sp.sTTL.Seconds())}
	if sp.fault(FaultCookieNoPath) {
		ck.Path = ""
	}
	http.SetCookie(w, ck)
	if v.inResponseTo == "" { // IdP-initiated: RelayState may name where to go
		returnTo = sp.allowedRedirect(c, r, r.PostFormValue("RelayState"))
	}
	if returnTo == "" {
		returnTo = SessionPath
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

func (sp *SP) refuse(w http.ResponseWriter, nodeID int64, err error) {
	if IsRejection(err) || directory.KindOf(err) != 0 {
		sp.log.Warn("sso: login refused", "node", nodeID, "reason", err.Error())
		sp.page(w, http.StatusForbidden, "Single sign-on failed. Ask your administrator.")
		return
	}
	sp.log.Error("sso: login failed", "node", nodeID, "err", err)
	sp.page(w, http.StatusInternalServerError, "Single sign-on failed.")
}

// SessionInfo is the landing page's JSON.
type SessionInfo struct {
	UserID      int64  `json:"user_id"`
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	GivenName   string `json:"given_name"`
	FamilyName  string `json:"family_name"`
	Status      string `json:"status"`
	NodeID      int64  `json:"node_id"`
	NodeName    string `json:"node_name"`
	RoleID      int64  `json:"role_id"`
	RoleName    string `json:"role_name"`
}

func (sp *SP) serveSession(w http.ResponseWriter, r *http.Request) {
	var s store.SSOSession
	ok := false
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		now := sp.now().UTC()
		s, err = sp.svc.Store().GetSSOSession(r.Context(), sessionKey(ck.Value), now)
		ok = err == nil && now.Before(s.Expires)
	}
	wantJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	if !ok {
		if wantJSON {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not signed in"})
			return
		}
		sp.page(w, http.StatusUnauthorized, "You are not signed in.")
		return
	}
	u, err := sp.svc.Store().GetUser(r.Context(), s.UserID)
	if err != nil || u.Locked && !sp.svc.HasFault(service.FaultSSOLockIgnored) {
		sp.page(w, http.StatusUnauthorized, "You are not signed in.")
		return
	}
	info := SessionInfo{UserID: u.ID, Email: u.Email, DisplayName: u.DisplayName, GivenName: u.GivenName,
		FamilyName: u.FamilyName, Status: string(u.Status), NodeID: u.NodeID, RoleID: u.RoleID}
	if n, err := sp.svc.Store().GetNode(r.Context(), u.NodeID); err == nil {
		info.NodeName = n.Name
	}
	if u.RoleID != 0 {
		if role, err := sp.svc.Store().GetRole(r.Context(), u.RoleID); err == nil {
			info.RoleName = role.Name
		}
	}
	if wantJSON {
		writeJSON(w, http.StatusOK, info)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = landing.Execute(w, info)
}

func (sp *SP) serveLogout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		err := sp.svc.Store().Update(r.Context(), func(tx store.Tx) error { return tx.DeleteSSOSession(r.Context(), sessionKey(ck.Value)) })
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			sp.log.Error("sso: logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

var landing = template.Must(template.New("landing").Parse(`<!DOCTYPE html>
<html><head><title>Signed in</title></head><body>
<h1>Signed in</h1>
<dl id="session">
<dt>Email</dt><dd id="email">{{.Email}}</dd>
<dt>Name</dt><dd id="name">{{.DisplayName}}</dd>
<dt>User ID</dt><dd id="user-id">{{.UserID}}</dd>
<dt>Status</dt><dd id="status">{{.Status}}</dd>
<dt>Node</dt><dd id="node">{{.NodeName}} <small id="node-id">({{.NodeID}})</small></dd>
<dt>Role</dt><dd id="role">{{with .RoleName}}{{.}}{{else}}(none){{end}}</dd>
</dl></body></html>
`))

var msgPage = template.Must(template.New("msg").Parse(`<!DOCTYPE html>
<html><head><title>Single sign-on</title></head><body><p id="message">{{.}}</p></body></html>
`))

func (sp *SP) page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = msgPage.Execute(w, msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// SPMetadataXML is a node SP's metadata under base, for registering the SP
// with an IdP before any IdP metadata is known (no KeyDescriptor: the SP
// neither signs AuthnRequests nor takes encrypted assertions).
func SPMetadataXML(base string, nodeID int64) ([]byte, error) {
	u := NodeURLs(base, nodeID)
	acs, err := url.Parse(u.ACS)
	if err != nil {
		return nil, err
	}
	md, err := url.Parse(u.Metadata)
	if err != nil {
		return nil, err
	}
	sp := &saml.ServiceProvider{EntityID: u.EntityID, AcsURL: *acs, MetadataURL: *md, AuthnNameIDFormat: saml.EmailAddressNameIDFormat}
	return xmlMarshal(sp.Metadata())
}

func xmlMarshal(v any) ([]byte, error) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	enc := xmlNewEncoder(&b)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
