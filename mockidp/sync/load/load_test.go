package load

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/scimclient"
)

func newRun(t *testing.T, cfg Config) *Run {
	t.Helper()
	if cfg.URLs == nil {
		cfg.URLs = []string{"http://127.0.0.1:1/scim"}
	}
	if cfg.Shape == "" {
		cfg.Shape = "entra"
	}
	if cfg.RunID == "" {
		cfg.RunID = "abc123"
	}
	if cfg.Domain == "" {
		cfg.Domain = "example.com"
	}
	r, err := New(cfg)
	require.NoError(t, err)
	return r
}

// The same seed gives the same directory; another seed other memberships;
// every name carries the scope provkit clean looks for.
func TestGenerateIsDeterministicAndScoped(t *testing.T) {
	a := newRun(t, Config{Users: 50, Groups: 5, MembersPerGroup: 10, Seed: 3})
	b := newRun(t, Config{Users: 50, Groups: 5, MembersPerGroup: 10, Seed: 3})
	c := newRun(t, Config{Users: 50, Groups: 5, MembersPerGroup: 10, Seed: 4})
	assert.Equal(t, a.users, b.users)
	assert.Equal(t, a.groups[2].members, b.groups[2].members)
	assert.NotEqual(t, a.groups[2].members, c.groups[2].members)
	assert.Equal(t, "pkabc123-1", a.Scope())
	assert.Equal(t, "pkabc123-1.u000001@example.com", a.users[0].Email)
	assert.Equal(t, "pkabc123-1 Load 001", a.groups[0].Name)
	for _, g := range a.groups {
		seen := map[int]bool{}
		for _, m := range g.members {
			assert.False(t, seen[m], "a member twice in %s", g.Name)
			seen[m] = true
		}
		assert.Len(t, g.members, 10)
	}
	d := newRun(t, Config{Users: 1000, Groups: 10, MembersPerGroup: -1})
	assert.Len(t, d.groups[0].members, 100, "default: users/groups")
}

func TestNewRefusesBadInput(t *testing.T) {
	for name, cfg := range map[string]Config{
		"shape":   {Shape: "nope", Users: 1},
		"users":   {Users: 0},
		"members": {Users: 3, Groups: 1, MembersPerGroup: 4},
		"run id":  {Users: 1, RunID: "UPPER"},
		"domain":  {Users: 1, Domain: "a@b"},
		"rate":    {Users: 1, Rate: -1},
		"no URL":  {Users: 1, URLs: []string{}},
	} {
		t.Run(name, func(t *testing.T) {
			if cfg.Shape == "" {
				cfg.Shape = "entra"
			}
			if cfg.RunID == "" {
				cfg.RunID = "x1"
			}
			if cfg.Domain == "" {
				cfg.Domain = "example.com"
			}
			if cfg.URLs == nil {
				cfg.URLs = []string{"http://x"}
			}
			_, err := New(cfg)
			assert.Error(t, err)
		})
	}
}

func TestBackoffReadsRetryAfter(t *testing.T) {
	ex := func(v string) *scimclient.Exchange {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		return &scimclient.Exchange{Status: http.StatusTooManyRequests, RespHeader: h}
	}
	d := backoff(ex("2"), 0, time.Minute)
	assert.GreaterOrEqual(t, d, 2*time.Second)
	assert.Less(t, d, 2*time.Second+60*time.Millisecond)
	assert.Equal(t, 5*time.Second, backoff(ex("3600"), 0, 5*time.Second), "capped")
	d = backoff(ex(time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat)), 0, time.Minute)
	assert.InDelta(t, 2.5, d.Seconds(), 1.1, "an HTTP date")
	assert.Less(t, backoff(ex(""), 0, time.Minute), 200*time.Millisecond, "none: 100 ms first")
	assert.True(t, retryable(&scimclient.Exchange{Status: 503, RespHeader: http.Header{"Retry-After": {"1"}}}))
	assert.False(t, retryable(&scimclient.Exchange{Status: 503, RespHeader: http.Header{}}))
}

func TestShortenRedactsAndCuts(t *testing.T) {
	s := shorten("line one\n  token s3cr3t-tok "+strings.Repeat("x", 400), "s3cr3t-tok")
	assert.NotContains(t, s, "s3cr3t-tok")
	assert.NotContains(t, s, "\n")
	assert.LessOrEqual(t, len(s), 304)
}

func TestQuantile(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, quantile(l, 0.5))
	assert.Equal(t, 99*time.Millisecond, quantile(l, 0.99))
	assert.Equal(t, time.Millisecond, quantile(l[:1], 0.99))
}
