package mockidp

import (
	"bytes"
	"compress/flate"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/crewjam/saml"
	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// maxRequest caps an AuthnRequest (inflated) and request bodies.
const maxRequest = 1 << 20

// Handler returns the IdP's HTTP handler. prefix is the path the IdP is
// mounted at ("" or "/mockidp"); requests must still carry it.
func (p *IdP) Handler(prefix string) http.Handler {
	prefix = strings.TrimRight(prefix, "/")
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/metadata", p.serveMetadata)
	mux.HandleFunc("GET "+prefix+"/sso", p.serveSSO)
	mux.HandleFunc("POST "+prefix+"/sso", p.serveSSO)
	mux.HandleFunc("GET "+prefix+"/login", p.serveLogin)
	mux.HandleFunc("POST "+prefix+"/login", p.serveLogin)
	mux.HandleFunc("GET "+prefix+"/api/users", p.authorized(p.apiListUsers))
	mux.HandleFunc("PUT "+prefix+"/api/users/{email}", p.authorized(p.apiPutUser))
	mux.HandleFunc("GET "+prefix+"/api/users/{email}", p.authorized(p.apiGetUser))
	mux.HandleFunc("DELETE "+prefix+"/api/users/{email}", p.authorized(p.apiDeleteUser))
	mux.HandleFunc("GET "+prefix+"/api/sps", p.authorized(p.apiListSPs))
	mux.HandleFunc("PUT "+prefix+"/api/sps", p.authorized(p.apiPutSP))
	mux.HandleFunc("GET "+prefix+"/{$}", p.serveLogin)
	return mux
}

func (p *IdP) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	buf, err := p.MetadataXML()
	if err != nil {
		http.Error(w, "metadata", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(buf)
}

// authnRequest is a validated AuthnRequest.
type authnRequest struct {
	ID, SP, ACS, RelayState string
	Raw                     []byte // the request XML, re-posted by the login form
}

// parseAuthnRequest reads an AuthnRequest from the Redirect binding (GET,
// deflated) or the POST binding, or from the login form (raw base64 in
// "SAMLRequest" with "binding=form").
func (p *IdP) parseAuthnRequest(r *http.Request) (authnRequest, error) {
	var ar authnRequest
	var raw []byte
	switch r.Method {
	case http.MethodGet:
		z, err := base64.StdEncoding.DecodeString(r.URL.Query().Get("SAMLRequest"))
		if err != nil {
			return ar, fmt.Errorf("SAMLRequest: %w", err)
		}
		raw, err = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), maxRequest+1))
		if err != nil {
			return ar, fmt.Errorf("SAMLRequest: inflate: %w", err)
		}
		ar.RelayState = r.URL.Query().Get("RelayState")
	default:
		var err error
		raw, err = base64.StdEncoding.DecodeString(r.PostFormValue("SAMLRequest"))
		if err != nil {
			return ar, fmt.Errorf("SAMLRequest: %w", err)
		}
		ar.RelayState = r.PostFormValue("RelayState")
	}
	if len(raw) == 0 || len(raw) > maxRequest {
		return ar, errors.New("SAMLRequest: empty or too large")
	}
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return ar, fmt.Errorf("SAMLRequest: %w", err)
	}
	var req saml.AuthnRequest
	if err := xml.Unmarshal(raw, &req); err != nil {
		return ar, fmt.Errorf("SAMLRequest: %w", err)
	}
	if req.Version != "2.0" || req.ID == "" || req.Issuer == nil {
		return ar, errors.New("SAMLRequest: not a SAML 2.0 AuthnRequest with ID and Issuer")
	}
	if req.Destination != "" && req.Destination != p.SSOURL() {
		return ar, fmt.Errorf("SAMLRequest: Destination %q is not %q", req.Destination, p.SSOURL())
	}
	// the login form re-posts the request, so a person may take ten minutes
	if now := p.now(); req.IssueInstant.Before(now.Add(-10*time.Minute)) || req.IssueInstant.After(now.Add(3*time.Minute)) {
		return ar, errors.New("SAMLRequest: IssueInstant out of range")
	}
	ed, err := p.sp(req.Issuer.Value)
	if err != nil {
		return ar, err
	}
	acs, err := postACS(ed, req.AssertionConsumerServiceURL)
	if err != nil {
		return ar, err
	}
	ar.ID, ar.SP, ar.ACS, ar.Raw = req.ID, ed.EntityID, acs, raw
	return ar, nil
}

func (p *IdP) serveSSO(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	ar, err := p.parseAuthnRequest(r)
	if err != nil {
		p.log.Warn("mockidp: bad AuthnRequest", "err", err)
		http.Error(w, "bad SAML request", http.StatusBadRequest)
		return
	}
	user := r.FormValue("user")
	if user == "" {
		p.loginForm(w, loginPage{SP: ar.SP, SAMLRequest: base64.StdEncoding.EncodeToString(ar.Raw), RelayState: ar.RelayState})
		return
	}
	faults, err := ParseFaults(r.FormValue("fault"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.respond(w, MintRequest{SP: ar.SP, ACS: ar.ACS, User: user, InResponseTo: ar.ID, RelayState: ar.RelayState,
		ClientAddr: r.RemoteAddr, Faults: faults})
}

// serveLogin is IdP-initiated login (GET ?sp=&RelayState=&user=&fault=) and
// the login form's target (POST, with SAMLRequest when SP-initiated).
func (p *IdP) serveLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	user, sp, relay := r.Form.Get("user"), r.Form.Get("sp"), r.Form.Get("RelayState")
	faults, err := ParseFaults(r.Form.Get("fault"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var ar authnRequest
	if r.Method == http.MethodPost && r.PostForm.Get("SAMLRequest") != "" {
		if ar, err = p.parseAuthnRequest(r); err != nil {
			http.Error(w, "bad SAML request", http.StatusBadRequest)
			return
		}
		sp, relay = ar.SP, ar.RelayState
	}
	page := loginPage{SP: sp, RelayState: relay, User: user, SPs: p.SPs(), Users: p.users.List()}
	if ar.Raw != nil {
		page.SAMLRequest = base64.StdEncoding.EncodeToString(ar.Raw)
	}
	if user == "" {
		p.loginForm(w, page)
		return
	}
	if r.Method == http.MethodPost { // a person at the form: check the password when the user has one
		u, ok := p.users.Get(user)
		if !ok || (u.Password != "" && r.PostForm.Get("password") != u.Password) {
			page.Error = "Unknown user or wrong password."
			w.WriteHeader(http.StatusUnauthorized)
			p.loginForm(w, page)
			return
		}
	}
	p.respond(w, MintRequest{SP: sp, ACS: ar.ACS, User: user, InResponseTo: ar.ID, RelayState: relay,
		ClientAddr: r.RemoteAddr, Faults: faults})
}

func (p *IdP) respond(w http.ResponseWriter, req MintRequest) {
	m, err := p.Mint(req)
	switch {
	case errors.Is(err, ErrUnknownUser), errors.Is(err, ErrUnknownSP), errors.Is(err, ErrUnknownFault):
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case err != nil:
		p.log.Error("mockidp: mint", "err", err)
		http.Error(w, "cannot build the response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = postForm.Execute(w, map[string]string{"URL": m.ACS, "SAMLResponse": m.SAMLResponse(), "RelayState": m.RelayState})
}

// postForm is the HTTP-POST binding: a form that submits itself.
var postForm = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html><head><title>Signing in…</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.URL}}">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
{{if .RelayState}}<input type="hidden" name="RelayState" value="{{.RelayState}}">{{end}}
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
`))

type loginPage struct {
	SP, SAMLRequest, RelayState, User, Error string
	SPs                                      []string
	Users                                    []User
}

var loginTmpl = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><head><title>provkit mock IdP: sign in</title></head>
<body>
<h1>provkit mock IdP</h1>
{{if .Error}}<p id="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="login" id="login">
<p><label>Email <input type="email" name="user" id="user" value="{{.User}}" list="known-users" required></label></p>
<datalist id="known-users">{{range .Users}}<option value="{{.Email}}">{{end}}</datalist>
<p><label>Password <input type="password" name="password" id="password"></label> (only for users that have one)</p>
{{if .SAMLRequest}}<input type="hidden" name="SAMLRequest" value="{{.SAMLRequest}}">
{{else}}<p><label>Service provider <select name="sp" id="sp">{{range .SPs}}<option{{if eq . $.SP}} selected{{end}}>{{.}}</option>{{end}}</select></label></p>{{end}}
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<p><button type="submit" id="sign-in">Sign in</button></p>
</form></body></html>
`))

func (p *IdP) loginForm(w http.ResponseWriter, page loginPage) {
	if page.SPs == nil {
		page.SPs = p.SPs()
	}
	if page.Users == nil {
		page.Users = p.users.List()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = loginTmpl.Execute(w, page)
}

// ---- JSON API ----

// authorized lets a request through to h only with "Authorization: Bearer
// <Config.APIToken>"; without a configured token nothing gets through.
func (p *IdP) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		const prefix = "Bearer "
		got := r.Header.Get("Authorization")
		ok := p.apiToken != "" && len(got) > len(prefix) && strings.EqualFold(got[:len(prefix)], prefix) &&
			subtle.ConstantTimeCompare([]byte(got[len(prefix):]), []byte(p.apiToken)) == 1
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="provkit mock IdP API"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the mock IdP API needs its bearer token"})
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type userView struct {
	Email      string              `json:"email"`
	First      string              `json:"first,omitempty"`
	Last       string              `json:"last,omitempty"`
	HasPass    bool                `json:"has_password"`
	Attributes map[string][]string `json:"attributes,omitempty"`
}

func view(u User) userView {
	return userView{Email: u.Email, First: u.First, Last: u.Last, HasPass: u.Password != "", Attributes: u.Attributes}
}

func (p *IdP) apiListUsers(w http.ResponseWriter, _ *http.Request) {
	out := []userView{}
	for _, u := range p.users.List() {
		out = append(out, view(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (p *IdP) apiGetUser(w http.ResponseWriter, r *http.Request) {
	u, ok := p.users.Get(r.PathValue("email"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such user"})
		return
	}
	writeJSON(w, http.StatusOK, view(u))
}

func (p *IdP) apiPutUser(w http.ResponseWriter, r *http.Request) {
	var u User
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	u.Email = r.PathValue("email")
	if err := p.users.Put(u); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, view(u))
}

func (p *IdP) apiDeleteUser(w http.ResponseWriter, r *http.Request) {
	if !p.users.Delete(r.PathValue("email")) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such user"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *IdP) apiListSPs(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"service_providers": p.SPs()})
}

func (p *IdP) apiPutSP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "metadata too large"})
		return
	}
	ids, err := p.RegisterSP(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"registered": ids})
}
