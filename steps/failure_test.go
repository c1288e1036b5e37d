package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/scimclient"
)

// TestMismatchAndExchanges: a failed check's values survive wrapping, its
// message still prints the exchange, and the exchange is marked judged among
// the scenario's recorded ones.
func TestMismatchAndExchanges(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/Users/1" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	rec := &scimclient.Recorder{}
	cl := &scimclient.Client{BaseURL: srv.URL, Token: "tok-0123456789abcdef", Recorder: rec}
	_, err := cl.Do(context.Background(), scimclient.Request{Method: http.MethodPost, Path: "/Users", Body: map[string]any{}})
	require.NoError(t, err)
	ex, err := cl.Do(context.Background(), scimclient.Request{Method: http.MethodGet, Path: "/Users/1"})
	require.NoError(t, err)

	failure := fmt.Errorf("step: %w", badStatus(ex, "200", "expected to read the user alice, got %d", ex.Status))
	m := judgedExchange(failure)
	require.Same(t, ex, m)
	assert.Contains(t, failure.Error(), "expected to read the user alice, got 404\n> GET "+srv.URL+"/Users/1")
	assert.NotContains(t, failure.Error(), "tok-0123456789abcdef")
	var mm *Mismatch
	require.ErrorAs(t, failure, &mm)
	assert.Equal(t, Mismatch{What: "status", Expected: "200 OK", Actual: "404 Not Found", Message: "expected to read the user alice, got 404", ex: ex}, *mm)

	exs := exchanges(rec, judgedExchange(failure))
	require.Len(t, exs, 2)
	assert.Equal(t, []bool{false, true}, []bool{exs[0].Judged, exs[1].Judged})
	assert.Equal(t, 404, exs[1].Status)
	assert.Equal(t, rec.Transcript(), transcript(exs))

	// failf's failures name their exchange too
	assert.Same(t, ex, judgedExchange(failf(ex, "the user has no id")))
	assert.Nil(t, judgedExchange(failf(nil, "no exchange")))
}

// TestExchangesHideSecretsLearnedLater: a token the run learns after an
// exchange was recorded (an administrator rotated it mid-scenario) is
// hidden from that exchange's transcript too.
func TestExchangesHideSecretsLearnedLater(t *testing.T) {
	const rotated = "rotated-0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = fmt.Fprintf(w, `{"schemas": [], "note": "next token %s"}`, rotated)
	}))
	defer srv.Close()
	rec := &scimclient.Recorder{}
	cl := &scimclient.Client{BaseURL: srv.URL, Token: "tok-0123456789abcdef", Recorder: rec}
	_, err := cl.Do(context.Background(), scimclient.Request{Method: http.MethodGet, Path: "/Users?x=" + rotated})
	require.NoError(t, err)
	require.Contains(t, transcript(exchanges(rec, nil)), rotated, "the client did not know the token")
	exs := exchanges(rec, nil, rotated)
	assert.NotContains(t, transcript(exs), rotated)
	assert.NotContains(t, exs[0].URL, rotated)
}
