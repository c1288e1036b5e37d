// Package load replays an identity provider's first sync at scale against
// any SCIM 2.0 endpoint: a synthetic, deterministic directory of N users
// and M groups with their memberships, sent in an IdP's request shape
// (Entra ID, Okta or plain RFC 7644, from mockidp/sync) at a chosen
// concurrency and rate. It measures every request's latency by kind
// (create-user, create-group, add-members, ...), counts errors by kind and
// status (keeping one redacted answer of each status), waits out 429s as
// Retry-After asks, then reads the directory back and compares it with
// what the target acknowledged (lost writes), and removes what it created.
//
// Everything it creates carries the run's scope, pk<run>-1, the prefix the
// conformance suite gives its resources, so `provkit clean` finds what a
// run left behind: users pk<run>-1.u000001@<domain>, groups "pk<run>-1 Load 001".
//
// The package asserts nothing and prints nothing but what its callers ask
// for (Result.WriteTable, Progress); cmd/provkit wires it as `provkit load`.
package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provkit/provkit/internal/scimclient"
	idpsync "github.com/provkit/provkit/mockidp/sync"
)

// Config is one load.
type Config struct {
	// URLs are the target's SCIM base URLs: one, or several replicas of
	// the same directory that requests are spread over round-robin.
	URLs []string
	// Token is the bearer token (the same for every URL).
	Token string
	// Shape is the IdP's request shape: entra, okta or rfc.
	Shape string
	// Users, Groups: the directory's size. MembersPerGroup is each group's
	// member count (< 0: Users/Groups, every user in about one group).
	Users, Groups, MembersPerGroup int
	// MembersPerPatch bounds the members of one PATCH where the shape
	// splits them (entra, rfc; Okta sends one replace); < 1: all in one.
	MembersPerPatch int
	// Lookups sends the IdP's look-up (GET with a filter) before each create.
	Lookups bool
	// Concurrency is the number of requests in flight (default 8); Rate
	// caps requests per second over all of them (0: no cap).
	Concurrency int
	Rate        float64
	// Seed makes the directory (names, memberships) reproducible; RunID
	// names the run's scope (pk<RunID>-1). Domain is the users' mail domain.
	Seed   uint64
	RunID  string
	Domain string
	// MaxRetries bounds the retries of a request answered 429 (or 503 with
	// Retry-After); MaxBackoff caps one wait.
	MaxRetries int
	MaxBackoff time.Duration
	// HTTP is the transport (default: a 30 s timeout, Concurrency idle
	// connections per host).
	HTTP *http.Client
	// Redact lists further secrets to hide in error samples.
	Redact []string
}

// User and group of the synthetic directory, with what the target answered.
type plannedUser struct {
	idpsync.User
	id string // the target's id once acknowledged
}

type plannedGroup struct {
	idpsync.Group
	members []int // indexes into users
	id      string
	sent    map[string]bool // member ids of acknowledged PATCHes
	tried   map[string]bool // member ids of any PATCH
}

// Run is one load in progress or done.
type Run struct {
	cfg     Config
	shape   *idpsync.Shape
	clients []*scimclient.Client
	next    atomic.Uint64
	lim     *limiter
	scope   string

	users  []plannedUser
	groups []plannedGroup

	mu    sync.Mutex
	kinds map[string]*kindStats
	order []string

	progress atomic.Pointer[phaseState]
	start    time.Time
	end      time.Time
}

// Scope is the prefix of everything the run creates: pk<RunID>-1.
func (r *Run) Scope() string { return r.scope }

// New checks cfg and generates the directory; nothing is sent yet.
func New(cfg Config) (*Run, error) {
	shape, ok := idpsync.ShapeOf(cfg.Shape)
	if !ok {
		return nil, fmt.Errorf("unknown shape %q (one of %s)", cfg.Shape, strings.Join(idpsync.ShapeKeys, ", "))
	}
	switch {
	case len(cfg.URLs) == 0:
		return nil, errors.New("no target URL")
	case cfg.Users < 1:
		return nil, errors.New("--users must be at least 1")
	case cfg.Users > 10_000_000:
		return nil, errors.New("--users must be at most 10,000,000")
	case cfg.Groups < 0 || cfg.Groups > 100_000:
		return nil, errors.New("--groups must be between 0 and 100,000")
	case cfg.MembersPerGroup > cfg.Users:
		return nil, fmt.Errorf("--members-per-group %d is more than the %d users", cfg.MembersPerGroup, cfg.Users)
	case cfg.Rate < 0:
		return nil, errors.New("--rate must not be negative")
	case cfg.Concurrency < 0 || cfg.Concurrency > 1024:
		return nil, errors.New("--concurrency must be between 1 and 1024")
	case !validRunID(cfg.RunID):
		return nil, fmt.Errorf("--run-id %q: use 1 to 20 lower-case letters and digits", cfg.RunID)
	case cfg.Domain == "" || strings.ContainsAny(cfg.Domain, "@ \"\\"):
		return nil, fmt.Errorf("--domain %q is not a mail domain", cfg.Domain)
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 8
	}
	if cfg.MembersPerGroup < 0 {
		cfg.MembersPerGroup = 0
		if cfg.Groups > 0 {
			cfg.MembersPerGroup = max(1, cfg.Users/cfg.Groups)
		}
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: scimclient.DefaultTimeout,
			Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxIdleConns: 4 * cfg.Concurrency}}
	}
	r := &Run{cfg: cfg, shape: shape, scope: "pk" + cfg.RunID + "-1", kinds: map[string]*kindStats{}}
	secrets := append([]string{cfg.Token}, cfg.Redact...)
	for _, u := range cfg.URLs {
		r.clients = append(r.clients, &scimclient.Client{BaseURL: strings.TrimRight(u, "/"), Token: cfg.Token,
			MediaType: shape.MediaType, HTTP: cfg.HTTP, Redact: secrets})
	}
	if cfg.Rate > 0 {
		r.lim = &limiter{every: time.Duration(float64(time.Second) / cfg.Rate)}
	}
	r.generate()
	return r, nil
}

func validRunID(s string) bool {
	if len(s) < 1 || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

var (
	givenNames  = []string{"Ada", "Barbara", "Chen", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jamal", "Kofi", "Lena", "Mateo", "Noor", "Olga", "Priya"}
	familyNames = []string{"Jensen", "Okafor", "Silva", "Tanaka", "Novak", "Haddad", "Kowalski", "Moreau", "Nguyen", "Rossi", "Schmidt", "Yilmaz"}
)

// generate builds the directory from the seed: the same Config gives the
// same users, groups and memberships.
func (r *Run) generate() {
	rng := rand.New(rand.NewPCG(r.cfg.Seed, 0x9e3779b97f4a7c15))
	n := r.cfg.Users
	r.users = make([]plannedUser, n)
	for i := range r.users {
		g, f := givenNames[rng.IntN(len(givenNames))], familyNames[rng.IntN(len(familyNames))]
		r.users[i].User = idpsync.User{Email: fmt.Sprintf("%s.u%06d@%s", r.scope, i+1, r.cfg.Domain),
			GivenName: g, FamilyName: f, ID: fmt.Sprintf("%s.x%06d", r.scope, i+1)}
	}
	perm := rng.Perm(n)
	k := r.cfg.MembersPerGroup
	r.groups = make([]plannedGroup, r.cfg.Groups)
	for gi := range r.groups {
		g := &r.groups[gi]
		g.Group = idpsync.Group{Name: fmt.Sprintf("%s Load %03d", r.scope, gi+1), ID: fmt.Sprintf("%s.g%03d", r.scope, gi+1)}
		g.members = make([]int, k)
		for j := 0; j < k; j++ {
			g.members[j] = perm[(gi*k+j)%n]
		}
		g.sent, g.tried = map[string]bool{}, map[string]bool{}
	}
}

// client returns the next target URL's client, round-robin.
func (r *Run) client() *scimclient.Client {
	return r.clients[int(r.next.Add(1)-1)%len(r.clients)]
}

// ---- sending ----

// answer is one logical request's final answer.
type answer struct {
	ex  *scimclient.Exchange
	err error
}

func (a answer) ok(also ...int) bool {
	return a.err == nil && a.ex != nil && (a.ex.OK() || slices.Contains(also, a.ex.Status))
}

// send sends one request of a kind, waiting out 429s, and records it.
func (r *Run) send(ctx context.Context, kind string, req scimclient.Request, accept ...int) answer {
	if len(r.shape.Header) > 0 {
		req.Header = r.shape.Header
	}
	ks := r.kind(kind)
	for attempt := 0; ; attempt++ {
		if err := r.lim.wait(ctx); err != nil {
			return answer{err: err}
		}
		c := r.client()
		t0 := time.Now()
		ex, err := c.Do(ctx, req)
		d := time.Since(t0)
		if err == nil && retryable(ex) && attempt < r.cfg.MaxRetries {
			ks.retried(t0, d)
			wait := backoff(ex, attempt, r.cfg.MaxBackoff)
			select {
			case <-ctx.Done():
				return answer{err: ctx.Err()}
			case <-time.After(wait):
			}
			continue
		}
		ok := err == nil && (ex.OK() || slices.Contains(accept, ex.Status))
		sample := ""
		if !ok {
			if err != nil {
				sample = err.Error()
			} else {
				sample = string(ex.RespBody)
			}
			sample = shorten(scimclient.Redact(sample, c.Redact...), c.Token)
		}
		status := 0
		if ex != nil && err == nil {
			status = ex.Status
		}
		ks.done(t0, d, ok, status, sample, errors.Is(err, context.Canceled))
		r.tick(ok)
		return answer{ex: ex, err: err}
	}
}

// retryable: a 429, or a 503 that says when to come back.
func retryable(ex *scimclient.Exchange) bool {
	return ex.Status == http.StatusTooManyRequests ||
		(ex.Status == http.StatusServiceUnavailable && ex.RespHeader.Get("Retry-After") != "")
}

// backoff is how long to wait after a throttled answer: its Retry-After
// (seconds or an HTTP date), else 100 ms doubling, capped at max, with jitter.
func backoff(ex *scimclient.Exchange, attempt int, max time.Duration) time.Duration {
	d := time.Duration(100<<min(attempt, 10)) * time.Millisecond
	if ra := strings.TrimSpace(ex.RespHeader.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			d = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			d = time.Until(t)
		}
	}
	d += time.Duration(rand.Int64N(int64(50 * time.Millisecond)))
	if d > max {
		d = max
	}
	if d < 0 {
		d = 0
	}
	return d
}

// shorten keeps an error sample to one line of at most 300 characters.
func shorten(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, "[redacted]")
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// each runs fn(0..n-1) on Concurrency workers; it stops early when ctx ends.
func (r *Run) each(ctx context.Context, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(r.cfg.Concurrency, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// ---- the load ----

// Load sends the first sync: every user (after its look-up), every group
// (after its look-up, then the IdP's follow-up PATCH), then the
// memberships. It returns an error only when ctx ends.
func (r *Run) Load(ctx context.Context) error {
	r.start = time.Now()
	defer func() { r.end = time.Now() }()

	perUser := 1
	if r.cfg.Lookups {
		perUser = 2
	}
	r.phase("users", perUser*len(r.users))
	r.each(ctx, len(r.users), func(i int) { r.loadUser(ctx, &r.users[i]) })
	if err := ctx.Err(); err != nil {
		return err
	}

	perGroup := perUser
	if r.shape.AfterCreate != nil {
		perGroup += len(r.shape.AfterCreate("", ""))
	}
	r.phase("groups", perGroup*len(r.groups))
	r.each(ctx, len(r.groups), func(i int) { r.loadGroup(ctx, &r.groups[i]) })
	if err := ctx.Err(); err != nil {
		return err
	}

	type job struct {
		g   *plannedGroup
		ids []string
		kb  idpsync.KindBody
	}
	perGroupJobs := make([][]job, len(r.groups))
	for gi := range r.groups {
		g := &r.groups[gi]
		if g.id == "" {
			continue
		}
		var ids, emails []string
		for _, m := range g.members {
			if u := r.users[m]; u.id != "" {
				ids, emails = append(ids, u.id), append(emails, u.Email)
			}
		}
		if len(ids) == 0 {
			continue
		}
		batch := r.cfg.MembersPerPatch
		bodies := r.shape.Members(ids, emails, batch)
		for bi, kb := range bodies {
			part := ids
			if r.shape.BatchedMembers && batch > 0 {
				part = ids[bi*batch : min((bi+1)*batch, len(ids))]
			}
			perGroupJobs[gi] = append(perGroupJobs[gi], job{g: g, ids: part, kb: kb})
		}
	}
	// Interleave the groups' batches (one of each group in turn), so that
	// concurrent requests mostly change different groups, as an IdP
	// working through several groups at once does.
	var jobs []job
	for left := true; left; {
		left = false
		for gi := range perGroupJobs {
			if len(perGroupJobs[gi]) > 0 {
				jobs = append(jobs, perGroupJobs[gi][0])
				perGroupJobs[gi] = perGroupJobs[gi][1:]
				left = true
			}
		}
	}
	r.phase("memberships", len(jobs))
	var gmu sync.Mutex
	r.each(ctx, len(jobs), func(i int) {
		j := jobs[i]
		a := r.send(ctx, j.kb.Kind, scimclient.Request{Method: j.kb.Method, Path: "/Groups/" + j.g.id, Body: j.kb.Body})
		gmu.Lock()
		for _, id := range j.ids {
			j.g.tried[id] = true
			if a.ok() {
				j.g.sent[id] = true
			}
		}
		gmu.Unlock()
	})
	return ctx.Err()
}

func (r *Run) loadUser(ctx context.Context, u *plannedUser) {
	if r.cfg.Lookups {
		a := r.send(ctx, "find-user", scimclient.Request{Method: http.MethodGet, Path: "/Users", Query: r.shape.FindUser(u.User)}, http.StatusNotFound)
		if !a.ok(http.StatusNotFound) {
			return // the IdP logs the error and tries again next cycle
		}
		if a.ex.Status == http.StatusOK && a.ex.Get("totalResults").Int() > 0 {
			u.id = a.ex.Get("Resources.0.id").String()
			return
		}
	}
	a := r.send(ctx, "create-user", scimclient.Request{Method: http.MethodPost, Path: "/Users", Body: r.shape.UserBody(u.User)})
	if a.ok() {
		u.id = a.ex.Get("id").String()
	}
}

func (r *Run) loadGroup(ctx context.Context, g *plannedGroup) {
	if r.cfg.Lookups {
		a := r.send(ctx, "find-group", scimclient.Request{Method: http.MethodGet, Path: "/Groups", Query: r.shape.FindGroup(g.Name)}, http.StatusNotFound)
		if !a.ok(http.StatusNotFound) {
			return
		}
		if a.ex.Status == http.StatusOK && a.ex.Get("totalResults").Int() > 0 {
			g.id = a.ex.Get("Resources.0.id").String()
			return
		}
	}
	a := r.send(ctx, "create-group", scimclient.Request{Method: http.MethodPost, Path: "/Groups", Body: r.shape.GroupBody(g.Group)})
	if !a.ok() {
		return
	}
	g.id = a.ex.Get("id").String()
	if g.id == "" || r.shape.AfterCreate == nil {
		return
	}
	for _, kb := range r.shape.AfterCreate(g.id, g.Name) {
		r.send(ctx, kb.Kind, scimclient.Request{Method: kb.Method, Path: "/Groups/" + g.id, Body: kb.Body})
	}
}

// ---- rate ----

// limiter spaces requests every `every`, over all workers.
type limiter struct {
	mu    sync.Mutex
	next  time.Time
	every time.Duration
}

func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(l.every)
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return ctx.Err()
}
