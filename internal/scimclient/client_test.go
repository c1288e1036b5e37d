package scimclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/scimclient"
)

const secret = "s3cr3t-token-abcdefghijklmnopqrstuvwxyz0123"

func TestDoRecordsAndRedacts(t *testing.T) {
	var gotAuth, gotCT, gotQuery string
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotCT, gotQuery = r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.URL.RawQuery
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"id":"7","token":"`+secret+`","nested":{"admin_token" : "another-secret-value"}}`)
	}))
	defer srv.Close()

	rec := &scimclient.Recorder{}
	c := &scimclient.Client{BaseURL: srv.URL + "/scim/v2/3/", Token: secret, Recorder: rec}
	ex, err := c.Do(context.Background(), scimclient.Request{Method: "POST", Path: "/Users",
		Query: url.Values{"filter": {`userName eq "a b"`}}, Body: map[string]any{"userName": "a@example.com"}})
	require.NoError(t, err)
	require.Equal(t, 201, ex.Status)
	require.Equal(t, "7", ex.Get("id").String())
	require.Equal(t, "Bearer "+secret, gotAuth)
	require.Equal(t, scimclient.MediaSCIM, gotCT)
	require.Contains(t, gotQuery, "a%20b")
	require.JSONEq(t, `{"userName":"a@example.com"}`, string(gotBody))

	require.Len(t, rec.Exchanges(), 1)
	text := rec.Transcript()
	require.NotContains(t, text, secret)
	require.NotContains(t, text, "another-secret-value")
	require.Contains(t, text, "Authorization: Bearer [redacted]")
	require.Contains(t, text, `"token": "[redacted]"`)
	require.Contains(t, text, "HTTP 201")
}

func TestHeaderOverrideRemovesAuthorization(t *testing.T) {
	var had bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, had = r.Header["Authorization"]
		w.WriteHeader(401)
	}))
	defer srv.Close()
	c := &scimclient.Client{BaseURL: srv.URL, Token: secret}
	ex, err := c.Do(context.Background(), scimclient.Request{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": ""}})
	require.NoError(t, err)
	require.False(t, had)
	require.Equal(t, 401, ex.Status)
	require.False(t, ex.OK())
}

func TestTransportErrorIsRecorded(t *testing.T) {
	rec := &scimclient.Recorder{}
	c := &scimclient.Client{BaseURL: "http://127.0.0.1:1", Token: secret, Recorder: rec}
	_, err := c.Do(context.Background(), scimclient.Request{Method: "GET", Path: "/Users"})
	require.Error(t, err)
	require.Len(t, rec.Exchanges(), 1)
	require.True(t, strings.Contains(rec.Transcript(), "no answer"))
}

func TestRedactLeavesOtherMembers(t *testing.T) {
	in := `{"tokens": 3, "token":"abc\"def", "x": "token"}`
	out := scimclient.Redact(in)
	require.Equal(t, `{"tokens": 3, "token":"[redacted]", "x": "token"}`, out)
}

func TestRawQuerySentVerbatim(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RawQuery
		w.WriteHeader(400)
	}))
	defer srv.Close()
	c := &scimclient.Client{BaseURL: srv.URL, Token: secret}
	_, err := c.Do(context.Background(), scimclient.Request{Method: "GET", Path: "/Users",
		Query: url.Values{"count": {"1"}}, RawQuery: "filter=userName%20eq%20%22a%22;x=100%"})
	require.NoError(t, err)
	require.Equal(t, "count=1&filter=userName%20eq%20%22a%22;x=100%", got)
}
