// Package admin is the reference server's administrator API: JSON over HTTP
// at /admin/v1, protected by its own bearer token. It plays the Keeper Admin
// Console's role (enterprises, nodes, roles, reserved domains, SCIM endpoints
// and their tokens, the approval queue, a user accepting an invitation) so
// that a conformance suite can drive the admin-side steps of a scenario.
//
// The API is a contract that other vendors can implement; docs/admin-api.md
// describes it. Reads come straight from the store; every change goes through
// service.Service, so the directory's rules hold whichever door a change comes
// through. SCIM tokens appear only in the responses that issue them (endpoint
// creation and rotation) and are never logged.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/internal/origin"
	"github.com/provkit/provkit/reference/internal/text"
	"github.com/provkit/provkit/reference/store"
)

// Prefix is where the admin API is mounted. The handler expects request paths
// that still carry it (mount it without stripping).
const Prefix = "/admin/v1"

// SCIMPrefix is where the SCIM API is mounted; scim_url values are built from it.
const SCIMPrefix = "/api/rest/scim/v2/"

// Version is the admin API contract version reported by discovery.
const Version = "1"

// DefaultMaxBodyBytes caps request bodies when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Options configures the admin API.
type Options struct {
	// Token is the admin bearer token. Empty means no request is authorized
	// (the API fails closed).
	Token string
	// MaxBodyBytes caps request bodies (default 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// Origin builds scim_url values: the configured public URL, else the
	// connection's local address (the request's Host is never trusted).
	Origin origin.Origin
	// Logger receives internal errors (never tokens). Nil: slog.Default().
	Logger *slog.Logger
}

type api struct {
	svc       *service.Service
	st        store.Reader
	tokenHash [sha256.Size]byte
	hasToken  bool
	maxBody   int64
	origin    origin.Origin
	log       *slog.Logger
	router    *mux.Router
}

// New returns the admin API handler. Mount it at Prefix and Prefix+"/".
func New(svc *service.Service, opt Options) http.Handler {
	a := &api{
		svc:       svc,
		st:        svc.Store(),
		hasToken:  opt.Token != "",
		tokenHash: sha256.Sum256([]byte(opt.Token)),
		maxBody:   opt.MaxBodyBytes,
		origin:    opt.Origin,
		log:       opt.Logger,
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.routes()
	return a
}

func (a *api) routes() {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		a.fail(w, req, errorf(http.StatusNotFound, codeNotFound, "no such resource: %s", req.URL.Path))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(a.methodNotAllowed)

	p := Prefix
	handle := func(method, path string, h func(http.ResponseWriter, *http.Request) error) {
		r.Handle(p+path, a.wrap(h)).Methods(method)
	}

	handle(http.MethodGet, "", a.discovery)
	handle(http.MethodGet, "/", a.discovery)

	handle(http.MethodGet, "/enterprises", a.listEnterprises)
	handle(http.MethodPost, "/enterprises", a.createEnterprise)
	handle(http.MethodGet, "/enterprises/{id}", a.getEnterprise)
	handle(http.MethodPatch, "/enterprises/{id}", a.patchEnterprise)
	handle(http.MethodDelete, "/enterprises/{id}", a.deleteEnterprise)
	handle(http.MethodPost, "/enterprises/{id}/nodes", a.createNode)
	handle(http.MethodPost, "/enterprises/{id}/domains", a.reserveDomain)
	handle(http.MethodDelete, "/enterprises/{id}/domains/{domain}", a.releaseDomain)
	handle(http.MethodGet, "/enterprises/{id}/queue", a.getQueue)
	handle(http.MethodPost, "/enterprises/{id}/queue/approve", a.approveQueue)

	handle(http.MethodGet, "/nodes/{id}", a.getNode)
	handle(http.MethodDelete, "/nodes/{id}", a.deleteNode)
	handle(http.MethodPatch, "/nodes/{id}/settings", a.patchNodeSettings)
	handle(http.MethodPost, "/nodes/{id}/roles", a.createRole)
	handle(http.MethodPut, "/nodes/{id}/default-role", a.putDefaultRole)

	handle(http.MethodPost, "/nodes/{id}/scim", a.createEndpoint)
	handle(http.MethodGet, "/nodes/{id}/scim", a.getEndpoint)
	handle(http.MethodPatch, "/nodes/{id}/scim", a.patchEndpoint)
	handle(http.MethodDelete, "/nodes/{id}/scim", a.deleteEndpoint)
	handle(http.MethodPost, "/nodes/{id}/scim/rotate", a.rotateToken)

	handle(http.MethodPut, "/nodes/{id}/sso", a.putSSO) // sso.go
	handle(http.MethodGet, "/nodes/{id}/sso", a.getSSO)
	handle(http.MethodDelete, "/nodes/{id}/sso", a.deleteSSO)

	handle(http.MethodGet, "/users", a.findUsers)
	handle(http.MethodGet, "/users/{id}", a.getUser)
	handle(http.MethodPatch, "/users/{id}", a.patchUser)
	handle(http.MethodDelete, "/users/{id}", a.deleteUser)

	handle(http.MethodGet, "/teams/{id}", a.getTeam)

	a.router = r
}

// ServeHTTP authenticates every request, known route or not, before routing:
// an unauthenticated client learns nothing about the API's shape.
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin.SetHeaders(h)
	if ok, presented := a.authorized(r); !ok {
		challenge := `Bearer realm="provkit-admin"`
		detail := "an admin bearer token is required"
		if presented {
			challenge += `, error="invalid_token"`
			detail = "the admin bearer token is not valid"
		}
		h.Set("WWW-Authenticate", challenge)
		a.fail(w, r, errorf(http.StatusUnauthorized, codeUnauthorized, "%s", detail))
		return
	}
	// A query that does not parse is refused, not read in part: the
	// parameters url.ParseQuery skips (node_id of the queue, email of
	// /users) would otherwise widen or change the answer.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		a.fail(w, r, invalid("query", "the query string does not parse: %v", err))
		return
	}
	// Ids in the path and query values reach the database: NUL and invalid
	// UTF-8 are refused alike on SQLite and PostgreSQL.
	if err := text.Check(r.URL.Path); err != nil {
		a.fail(w, r, invalid("path", "the path %v", err))
		return
	}
	for k, vs := range q {
		for _, v := range append(vs, k) {
			if err := text.Check(v); err != nil {
				a.fail(w, r, invalid(k, "the query parameter %q %v", k, err))
				return
			}
		}
	}
	a.router.ServeHTTP(w, r)
}

// authorized compares the presented bearer token with the admin token in
// constant time (both hashed, so lengths do not leak either).
func (a *api) authorized(r *http.Request) (ok, presented bool) {
	scheme, tok, found := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false, r.Header.Get("Authorization") != ""
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return false, true
	}
	sum := sha256.Sum256([]byte(tok))
	match := subtle.ConstantTimeCompare(sum[:], a.tokenHash[:]) == 1
	return match && a.hasToken, true
}

// methodNotAllowed answers 405 with the Allow header RFC 9110 requires.
func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if a.router.Match(probe, &match) && match.MatchErr == nil {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
	}
	a.fail(w, r, errorf(http.StatusMethodNotAllowed, codeMethodNotAllowed, "method %s is not allowed on %s", r.Method, r.URL.Path))
}

// wrap turns a handler that returns an error into an http.Handler; errors
// are answered by fail.
func (a *api) wrap(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.fail(w, r, err)
		}
	})
}

// base is the scheme and host the SCIM URLs are built from.
func (a *api) base(r *http.Request) string { return a.origin.Base(r) }
