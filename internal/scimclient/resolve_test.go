package scimclient_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/scimclient"
)

// A Location is resolved against the request URI (RFC 7231 §7.1.2), a
// reference (meta.location, $ref) against the SCIM base URI (RFC 7643
// §2.3.7), so a relative value a correct server sends names the resource.
func TestResolveRelativeReferences(t *testing.T) {
	ex := &scimclient.Exchange{Method: "POST", URL: "https://scim.example/v2/Users?attributes=id"}
	for ref, want := range map[string]string{
		"Users/2819c223":                       "https://scim.example/v2/Users/2819c223",
		"/v2/Users/2819c223":                   "https://scim.example/v2/Users/2819c223",
		"https://other.example/v2/Users/2819c": "https://other.example/v2/Users/2819c",
		"//cdn.example/Users/1":                "https://cdn.example/Users/1",
	} {
		got, err := ex.ResolveLocation(ref)
		require.NoError(t, err, ref)
		require.Equal(t, want, got, ref)
	}

	c := &scimclient.Client{BaseURL: "https://scim.example/v2"}
	for ref, want := range map[string]string{
		// the request URI would give /v2/Users/Users/2819c223; the base URI does not
		"Users/2819c223":                  "https://scim.example/v2/Users/2819c223",
		"/v2/Groups/e9e30dba":             "https://scim.example/v2/Groups/e9e30dba",
		"http://scim.example/v2/Users/7a": "http://scim.example/v2/Users/7a",
	} {
		got, err := c.ResolveReference(ref)
		require.NoError(t, err, ref)
		require.Equal(t, want, got, ref)
	}
	c.BaseURL = "https://scim.example/v2/"
	got, err := c.ResolveReference("Users/1")
	require.NoError(t, err)
	require.Equal(t, "https://scim.example/v2/Users/1", got)

	for _, bad := range []string{"", "  ", "mailto:a@example.com", "urn:ietf:params:scim", "http://[::1"} {
		_, err := ex.ResolveLocation(bad)
		require.Error(t, err, "%q", bad)
		_, err = c.ResolveReference(bad)
		require.Error(t, err, "%q", bad)
	}
}
