// Package scim is the reference server's SCIM 2.0 HTTP API (RFC 7644) at
// /api/rest/scim/v2/{node_id}/: Users, Groups and the discovery resources,
// with Keeper's documented behaviours (invited users, lock instead of delete,
// pending teams and memberships, excludedAttributes=members, 1000-entry pages,
// globally unique emails). Every change goes through the directory service;
// this package only speaks the protocol. Errors are mapped to the SCIM error
// body in one place (errors.go).
package scim

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/internal/origin"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// Prefix is where the API is mounted.
const Prefix = "/api/rest/scim/v2/"

// Options configures the SCIM API.
type Options struct {
	// MaxBodyBytes caps request bodies (default 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// MaxResults caps list pages (default 1000, Keeper's page size).
	MaxResults int
	// Origin builds the absolute URLs of answers (Location, meta.location):
	// the configured public URL, else the connection's local address. The
	// request's Host and X-Forwarded-* headers are never trusted.
	Origin origin.Origin
	// Faults switches on deliberate rule violations. Test-only: the harness
	// uses them to prove that each feature catches the fault it names.
	Faults Faults
}

// API is the SCIM HTTP API.
type API struct {
	svc   *service.Service
	opt   Options
	cache renderCache
}

// New returns the SCIM API handler. Mount it at Prefix.
func New(svc *service.Service, opt Options) *API {
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = 1 << 20
	}
	if opt.MaxResults <= 0 {
		opt.MaxResults = 1000
	}
	return &API{svc: svc, opt: opt, cache: renderCache{users: map[int64]*rendered{}, teams: map[string]*rendered{}}}
}

// request is one authenticated SCIM request.
type request struct {
	ctx    context.Context
	node   int64
	base   string // https://host/api/rest/scim/v2/{node}
	ep     directory.Endpoint
	r      *http.Request
	w      http.ResponseWriter
	query  url.Values // the parsed query string (parseQuery)
	faults Faults

	// noTeams says the user being answered is known to be in no team (it
	// was just created without groups): its rendering reads none.
	noTeams bool
}

func (a *API) baseURL(r *http.Request, node string) string {
	return a.opt.Origin.Base(r) + Prefix + node
}

// ServeHTTP routes /api/rest/scim/v2/{node}/{resource}[/{id}].
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin.SetHeaders(w.Header()) // answers hold personal data
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		writeError(w, scimerr.New(http.StatusNotFound, "", "not a SCIM path"))
		return
	}
	nodeStr, rest, _ := strings.Cut(rest, "/")
	nodeID, err := strconv.ParseInt(nodeStr, 10, 64)
	if err != nil || nodeID <= 0 {
		writeError(w, scimerr.New(http.StatusNotFound, "", "unknown node %q", nodeStr))
		return
	}
	resource, id, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	if strings.Contains(id, "/") {
		writeError(w, scimerr.New(http.StatusNotFound, "", "no such resource"))
		return
	}
	ep, err := a.authenticate(r, nodeID)
	if err != nil && a.authTwin(r, resource) {
		ep, err = a.svc.Store().GetEndpoint(r.Context(), nodeID)
		if err != nil {
			err = unknownNode(nodeID)
		}
	}
	if err != nil && a.writeAuthTwin(w, err) {
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	if err := checkText("the id", id); err != nil {
		writeError(w, err)
		return
	}
	rawQuery := r.URL.RawQuery
	if a.opt.Faults.Has(FaultQueryParamLimit) {
		rawQuery = firstParams(rawQuery)
	}
	query, err := parseQuery(rawQuery, a.opt.Faults.Has(FaultLenientQuery))
	if err != nil {
		writeError(w, err)
		return
	}
	q := &request{ctx: r.Context(), node: nodeID, base: a.baseURL(r, nodeStr), ep: ep, r: r, w: w, query: query, faults: a.opt.Faults}
	a.route(q, resource, id)
}

func (a *API) authenticate(r *http.Request, nodeID int64) (directory.Endpoint, error) {
	h := r.Header.Get("Authorization")
	token, ok := cutPrefixFold(h, "Bearer ")
	if a.opt.Faults.Has(FaultNoAuth) {
		ep, err := a.svc.Store().GetEndpoint(r.Context(), nodeID)
		if err != nil {
			return ep, unknownNode(nodeID)
		}
		return ep, nil
	}
	ep, err := a.svc.Authenticate(r.Context(), nodeID, strings.TrimSpace(token))
	switch {
	case err == nil && ok:
		return ep, nil
	case directory.KindOf(err) == directory.KindNotFound:
		return ep, unknownNode(nodeID)
	case err == nil || err == service.ErrUnauthorized:
		return ep, errUnauthorized
	}
	return ep, err
}

func unknownNode(nodeID int64) error {
	return scimerr.New(http.StatusNotFound, "", "no SCIM endpoint for node %d", nodeID)
}

var errUnauthorized = scimerr.New(http.StatusUnauthorized, "", "a valid bearer token for this node's SCIM endpoint is required")

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// crud is a resource type's handlers: on the collection (list, create) and
// on one resource by id.
type crud struct {
	list, create                func(*request)
	get, replace, patch, delete func(*request, string)
}

func (a *API) route(q *request, resource, id string) {
	switch {
	case id == ".search" && resource == "Users":
		a.search(q, a.listUsers)
		return
	case id == ".search" && resource == "Groups":
		a.search(q, a.listGroups)
		return
	case resource == ".search" && id == "":
		a.searchRoot(q)
		return
	}
	switch resource {
	case "Users":
		crud{a.listUsers, a.createUser, a.getUser, a.replaceUser, a.patchUser, a.deleteUser}.serve(q, id)
	case "Groups":
		crud{a.listGroups, a.createGroup, a.getGroup, a.replaceGroup, a.patchGroup, a.deleteGroup}.serve(q, id)
	case "ServiceProviderConfig", "ResourceTypes", "Schemas":
		if q.r.Method != http.MethodGet {
			q.methodNotAllowed(http.MethodGet)
			return
		}
		a.discovery(q, resource, id)
	case "Me":
		// RFC 7644 §3.11: "A service provider that does NOT support this
		// feature SHOULD respond with HTTP status code 501 (Not Implemented)."
		// A node's token is an IdP's, not a person's: there is no subject.
		if q.faults.Has(FaultMeNotFound) {
			writeError(q.w, scimerr.New(http.StatusNotFound, "", "no resource %q", resource))
			return
		}
		if q.faults.Has(FaultMeListsUsers) && q.r.Method == http.MethodGet {
			a.listUsers(q)
			return
		}
		writeError(q.w, scimerr.New(http.StatusNotImplemented, "", "/Me is not supported: the bearer token names no user"))
	default:
		writeError(q.w, scimerr.New(http.StatusNotFound, "", "no resource %q (Users, Groups, ServiceProviderConfig, ResourceTypes, Schemas)", resource))
	}
}

// serve dispatches a request on a resource type by method and id.
func (h crud) serve(q *request, id string) {
	m := q.r.Method
	switch {
	case id == "" && m == http.MethodGet:
		h.list(q)
	case id == "" && m == http.MethodPost:
		h.create(q)
	case id != "" && m == http.MethodGet:
		h.get(q, id)
	case id != "" && m == http.MethodPut:
		h.replace(q, id)
	case id != "" && m == http.MethodPatch:
		h.patch(q, id)
	case id != "" && m == http.MethodDelete:
		h.delete(q, id)
	case id == "":
		q.methodNotAllowed(http.MethodGet, http.MethodPost)
	default:
		q.methodNotAllowed(http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete)
	}
}

// methodNotAllowed answers 405 with the methods the target allows (RFC 7231
// §6.5.5: the server MUST generate an Allow header in a 405 response).
func (q *request) methodNotAllowed(allowed ...string) {
	if q.faults.Has(FaultAllowCollectionMethods) {
		allowed = []string{http.MethodGet, http.MethodPost}
	}
	if !q.faults.Has(FaultNoAllow) {
		q.w.Header().Set("Allow", strings.Join(allowed, ", "))
	}
	writeError(q.w, scimerr.New(http.StatusMethodNotAllowed, "", "%s is not allowed here (allowed: %s)", q.r.Method, strings.Join(allowed, ", ")))
}

// renderCache keeps the rendered JSON of users and teams by version, so that
// pages of 1000 resources cost copies, not encodings.
type renderCache struct {
	mu    sync.RWMutex
	users map[int64]*rendered
	teams map[string]*rendered // representation without members
}

type rendered struct {
	version int64
	base    string
	body    []byte
}
