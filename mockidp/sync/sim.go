package sync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/provkit/provkit/internal/scimclient"
)

// Phase is one part of an IdP's provisioning life.
type Phase string

// The phases, in the order Run sends them.
const (
	PhaseConnect     Phase = "connect"
	PhaseSync        Phase = "sync"
	PhaseUpdate      Phase = "update"
	PhaseDeprovision Phase = "deprovision"
)

// Phases lists every phase in order.
var Phases = []Phase{PhaseConnect, PhaseSync, PhaseUpdate, PhaseDeprovision}

// ParsePhase reads a phase name; "all" is every phase.
func ParsePhase(s string) ([]Phase, error) {
	if s == "all" {
		return slices.Clone(Phases), nil
	}
	for _, p := range Phases {
		if string(p) == s {
			return []Phase{p}, nil
		}
	}
	return nil, fmt.Errorf("unknown phase %q (one of connect, sync, update, deprovision, all)", s)
}

// SCIM URNs and media types the IdPs send.
const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOpSchema    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// Options configure a simulation.
type Options struct {
	// BaseURL is the target's SCIM base URL; Token its bearer token.
	BaseURL, Token string
	// HTTP is the transport (default: 30 s timeout).
	HTTP *http.Client
	// NewID returns a fresh random GUID (Entra ID's test connection);
	// default: crypto/rand. Tests pass a fixed sequence.
	NewID func() string
	// OnExchange, if set, sees every exchange as soon as it is answered.
	OnExchange func(Exchange)
	// Redact lists further secrets to hide in printed exchanges.
	Redact []string
	// Recorder, if set, also receives every wire exchange (the conformance
	// steps keep them as a failed scenario's evidence).
	Recorder *scimclient.Recorder
}

// Exchange is one request the IdP sent and the target's answer: a line of
// a recording (JSON lines, see Record).
type Exchange struct {
	IdP    string            `json:"idp"`
	Phase  Phase             `json:"phase"`
	Step   string            `json:"step"`
	Method string            `json:"method"`
	Path   string            `json:"path"` // relative to the base URL, query included
	Header map[string]string `json:"header,omitempty"`
	Body   json.RawMessage   `json:"body,omitempty"`
	Status int               `json:"status"`
	// Response is the answer body (JSON answers only).
	Response json.RawMessage `json:"response,omitempty"`
	// Problem is set when the IdP would log this answer as a provisioning error.
	Problem string `json:"problem,omitempty"`

	wire *scimclient.Exchange
}

// String prints the exchange as HTTP text, credentials redacted.
func (e Exchange) String() string {
	if e.wire == nil {
		return fmt.Sprintf("> %s %s\n< HTTP %d", e.Method, e.Path, e.Status)
	}
	return e.wire.String()
}

// Problem is an answer the IdP would log as a provisioning error.
type Problem struct {
	Phase  Phase
	Step   string
	Status int
	Reason string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s: %s", p.Phase, p.Step, p.Reason)
}

// Report is what a simulation sent and what went wrong, as the IdP sees it.
type Report struct {
	Exchanges []Exchange
	Problems  []Problem
}

// Sim is one IdP's provisioning agent for one directory and target.
type Sim struct {
	prof  *Profile
	dir   *Directory
	opts  Options
	c     *scimclient.Client
	ctx   context.Context
	phase Phase

	users  map[string]string // email (lower case) -> target id
	groups map[string]string // group name (lower case, as in the directory) -> target id
	names  map[string]string // group name (lower case) -> current display name
	report Report
}

// New prepares a simulation of the named IdP (see Profiles) for dir.
func New(idp string, dir *Directory, opts Options) (*Sim, error) {
	p, ok := Lookup(idp)
	if !ok {
		return nil, fmt.Errorf("unknown identity provider %q (one of %s)", idp, strings.Join(Names(), ", "))
	}
	if err := dir.Check(); err != nil {
		return nil, err
	}
	if opts.NewID == nil {
		opts.NewID = randomGUID
	}
	c := &scimclient.Client{BaseURL: strings.TrimRight(opts.BaseURL, "/"), Token: opts.Token, HTTP: opts.HTTP,
		MediaType: p.MediaType, Redact: opts.Redact, Recorder: opts.Recorder}
	return &Sim{prof: p, dir: dir, opts: opts, c: c, users: map[string]string{}, groups: map[string]string{},
		names: map[string]string{}}, nil
}

func randomGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Profile returns the simulated IdP's profile.
func (s *Sim) Profile() *Profile { return s.prof }

// Report returns what the simulation sent so far.
func (s *Sim) Report() *Report { return &s.report }

// UserID returns the target's id of a directory user ("" if unknown).
func (s *Sim) UserID(email string) string { return s.users[key(email)] }

// GroupID returns the target's id of a directory group ("" if unknown).
func (s *Sim) GroupID(name string) string { return s.groups[key(name)] }

// Run sends the phases in order. It returns an error only when the target
// cannot be reached; refusals are Report().Problems.
func (s *Sim) Run(ctx context.Context, phases ...Phase) error {
	s.ctx = ctx
	for _, p := range Phases {
		if !slices.Contains(phases, p) {
			continue
		}
		s.phase = p
		var err error
		switch p {
		case PhaseConnect:
			err = s.prof.connect(s)
		case PhaseSync:
			err = s.prof.sync(s)
		case PhaseUpdate:
			err = s.prof.update(s)
		case PhaseDeprovision:
			err = s.prof.deprovision(s)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", s.prof.Name, p, err)
		}
	}
	return nil
}

// ---- requests ----

type req struct {
	step   string
	method string
	path   string
	query  url.Values
	body   any
	ok     []int // statuses the IdP accepts (default: any 2xx)
}

// send sends one request, records it and notes a problem when the IdP
// would not accept the answer.
func (s *Sim) send(r req) (*scimclient.Exchange, error) {
	hdr := map[string]string{}
	for k, v := range s.prof.Header {
		hdr[k] = v
	}
	ex, err := s.c.Do(s.ctx, scimclient.Request{Method: r.method, Path: r.path, Query: r.query, Body: r.body, Header: hdr})
	if err != nil {
		return ex, err
	}
	rec := Exchange{IdP: s.prof.Key, Phase: s.phase, Step: r.step, Method: r.method, Path: r.path, Header: hdr,
		Status: ex.Status, wire: ex}
	if len(r.query) > 0 {
		rec.Path += "?" + strings.ReplaceAll(r.query.Encode(), "+", "%20")
	}
	if len(ex.ReqBody) > 0 {
		rec.Body = json.RawMessage(ex.ReqBody)
	}
	if json.Valid(ex.RespBody) {
		rec.Response = json.RawMessage(ex.RespBody)
	}
	accepted := ex.OK()
	if len(r.ok) > 0 {
		accepted = slices.Contains(r.ok, ex.Status)
	}
	if !accepted {
		rec.Problem = fmt.Sprintf("the target answered %d", ex.Status)
		if d := ex.Get("detail").String(); d != "" {
			rec.Problem += ": " + d
		}
		s.report.Problems = append(s.report.Problems, Problem{Phase: s.phase, Step: r.step, Status: ex.Status, Reason: rec.Problem})
	}
	s.report.Exchanges = append(s.report.Exchanges, rec)
	if s.opts.OnExchange != nil {
		s.opts.OnExchange(rec)
	}
	return ex, nil
}

// list sends a GET list request and returns the first resource's id and
// its count, or ok false when the answer is not a usable ListResponse.
func (s *Sim) lookup(step, path string, q url.Values, accept ...int) (id string, found bool, err error) {
	ex, err := s.send(req{step: step, method: http.MethodGet, path: path, query: q, ok: accept})
	if err != nil {
		return "", false, err
	}
	if ex.Status != http.StatusOK {
		return "", false, nil
	}
	if ex.Get("totalResults").Int() > 0 {
		if id := ex.Get("Resources.0.id").String(); id != "" {
			return id, true, nil
		}
	}
	return "", false, nil
}

// filter returns the query of a filter plus extra parameters (name, value, ...).
func filter(f string, extra ...string) url.Values {
	q := url.Values{"filter": {f}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// created reads the id of a create answer (201) into the state.
func created(ex *scimclient.Exchange) string {
	if ex.Status == http.StatusCreated || ex.Status == http.StatusOK {
		return ex.Get("id").String()
	}
	return ""
}

func patchOp(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []any{patchOpSchema}, "Operations": list}
}

// memberIDs returns the known target ids of the emails, in order, skipping
// users the target refused.
func (s *Sim) memberIDs(emails []string) []string {
	var out []string
	for _, e := range emails {
		if id := s.users[key(e)]; id != "" {
			out = append(out, id)
		}
	}
	return out
}

// groupName returns a group's current display name.
func (s *Sim) groupName(name string) string {
	if n := s.names[key(name)]; n != "" {
		return n
	}
	return name
}

// ensureUserID finds a user's target id when this process did not create
// it (a later phase run on its own), with the IdP's own lookup.
func (s *Sim) ensureUserID(u User) (string, error) {
	if id := s.users[key(u.Email)]; id != "" {
		return id, nil
	}
	id, found, err := s.prof.findUser(s, u)
	if err != nil || !found {
		return "", err
	}
	s.users[key(u.Email)] = id
	return id, nil
}

// ensureGroupID finds a group's target id when this process did not create it.
func (s *Sim) ensureGroupID(g Group) (string, error) {
	if id := s.groups[key(g.Name)]; id != "" {
		return id, nil
	}
	id, found, err := s.prof.findGroup(s, s.groupName(g.Name))
	if err != nil || !found {
		return "", err
	}
	s.groups[key(g.Name)] = id
	return id, nil
}

// missing notes a problem for an object the target does not have.
func (s *Sim) missing(what string) {
	s.report.Problems = append(s.report.Problems, Problem{Phase: s.phase, Step: what,
		Reason: "not found on the target (run the sync phase first)"})
}
