package scim_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/provkit/provkit/reference/internal/origin"
	"github.com/provkit/provkit/reference/scim"
)

var spoof = []string{"Host", "evil.example", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}

// created posts a user with spoofed Host and X-Forwarded-* headers and
// returns the Location header and meta.location of the answer.
func created(t *testing.T, e *env, email string) (string, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.url(e.eng, "/Users"), strings.NewReader(`{"userName":"`+email+`"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.engTok)
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(spoof); i += 2 {
		req.Header.Set(spoof[i], spoof[i+1])
	}
	req.Host = "evil.example"
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.Header.Get("Location"), gjson.GetBytes(body, "meta.location").String()
}

func TestLocationIgnoresHostHeaders(t *testing.T) {
	e := newEnv(t)
	loc, meta := created(t, e, "alice@acme.example")
	require.True(t, strings.HasPrefix(loc, e.url(e.eng, "/Users/")), "Location %q", loc)
	require.NotContains(t, loc+meta, "evil.example")
	require.Equal(t, loc, meta)
	list := e.engReq("GET", "/Users", nil, spoof...)
	require.NotContains(t, string(list.body), "evil.example")
	require.NotContains(t, string(list.body), "https://")

	// A configured public URL is used instead, whatever the headers say.
	o, err := origin.New("https://scim.example.com/prefix/")
	require.NoError(t, err)
	p := newEnvOpts(t, scim.Options{Origin: o})
	loc, meta = created(t, p, "bob@acme.example")
	require.True(t, strings.HasPrefix(loc, "https://scim.example.com/prefix"+scim.Prefix), "Location %q", loc)
	require.Equal(t, loc, meta)
	require.NotContains(t, loc, "evil.example")
}

func TestAnswersAreNotCached(t *testing.T) {
	e := newEnv(t)
	uid := e.engReq("POST", "/Users", userBody("alice@acme.example")).get("id").String()
	for _, r := range []resp{
		e.engReq("GET", "/Users/"+uid, nil),
		e.engReq("GET", "/Users", nil),
		e.engReq("GET", "/Users/999999", nil),
		e.engReq("GET", "/ServiceProviderConfig", nil),
		e.do("GET", e.url(e.eng, "/Users"), "", nil),
		e.engReq("DELETE", "/Users/"+uid, nil),
	} {
		require.Equal(t, "no-store", r.header.Get("Cache-Control"), "status %d", r.status)
		require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), "status %d", r.status)
	}
}

func TestPublicURLIsChecked(t *testing.T) {
	for _, bad := range []string{"scim.example.com", "ftp://x", "https://", "https://u:p@x", "https://x/?a=1", "https://x/#f"} {
		_, err := origin.New(bad)
		require.Error(t, err, bad)
	}
	o, err := origin.New("http://[::1]:8080/")
	require.NoError(t, err)
	require.Equal(t, "http://[::1]:8080", o.Base(&http.Request{}))
}
