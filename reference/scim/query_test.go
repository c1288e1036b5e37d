package scim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/scim"
)

// A query that url.ParseQuery cannot fully decode must be refused: read in
// part it loses its filter and the list answers every user of the node.
func TestUnparsableQueryIsRefused(t *testing.T) {
	e := newEnv(t)
	for _, email := range []string{"alice@acme.example", "bob@acme.example", "carol@acme.example"} {
		mustStatus(t, e.engReq("POST", "/Users", userBody(email)), http.StatusCreated)
	}
	uid := e.engReq("GET", "/Users?filter=userName%20eq%20%22bob@acme.example%22", nil).get("Resources.0.id").String()
	require.NotEmpty(t, uid)
	filter := "filter=userName%20eq%20%22alice@acme.example%22"
	many := strings.Repeat("&x=1", 10_000)
	cases := []struct {
		name, method, path, scimType string
	}{
		{"unescaped percent in the filter", "GET", "/Users?" + filter + "100%", "invalidFilter"},
		{"bad escape in the filter", "GET", "/Users?" + filter + "%zz", "invalidFilter"},
		{"unescaped semicolon in the filter", "GET", "/Users?" + filter + ";active=true", "invalidFilter"},
		{"bad escape elsewhere, filter intact", "GET", "/Users?" + filter + "&count=%zz", "invalidFilter"},
		{"more than 10,000 parameters", "GET", "/Users?" + filter + many, "invalidFilter"},
		{"escaped filter key", "GET", "/Users?%66ilter=userName%20eq%20%22a%22;x", "invalidFilter"},
		{"groups too", "GET", "/Groups?filter=displayName%20eq%20%22x%22;y", "invalidFilter"},
		{"no filter", "GET", "/Users?count=5;startIndex=2", "invalidValue"},
		{"projection on a read", "GET", "/Users/" + uid + "?attributes=userName%", "invalidValue"},
		{"projection on a write", "PATCH", "/Users/" + uid + "?attributes=userName;x", "invalidValue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.method == "PATCH" {
				body = patchBody(op("replace", "displayName", "Changed"))
			}
			r := e.engReq(c.method, c.path, body)
			scimError(t, r, http.StatusBadRequest, c.scimType)
		})
	}
	// The refused PATCH changed nothing.
	require.NotEqual(t, "Changed", e.engReq("GET", "/Users/"+uid, nil).get("displayName").String())

	// With the fault, the old behaviour: the filter is dropped and every user answers.
	f := newEnv(t, scim.FaultLenientQuery)
	for _, email := range []string{"alice@acme.example", "bob@acme.example"} {
		mustStatus(t, f.engReq("POST", "/Users", userBody(email)), http.StatusCreated)
	}
	r := f.engReq("GET", "/Users?"+filter+";x", nil)
	mustStatus(t, r, http.StatusOK)
	require.EqualValues(t, 2, r.get("totalResults").Int())
}
