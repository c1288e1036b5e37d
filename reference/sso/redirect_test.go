package sso

import (
	"net/http/httptest"
	"testing"

	"github.com/provkit/provkit/reference/directory"
)

// Where the browser may go after sign-in: only a path that stays on the SP's
// origin in every browser, or a URL under a node's RelayStateAllow prefix.
// Everything else falls back to the landing page ("").
func TestAllowedRedirect(t *testing.T) {
	c := directory.SSOConfig{RelayStateAllow: []string{"https://app.acme.example/vault", "http://tools.acme.example:8443"}}
	const own = "http://sp.test"
	for _, tc := range []struct{ name, target, want string }{
		{"empty", "", ""},
		{"plain path", "/api/rest/sso/session", "/api/rest/sso/session"},
		{"path with query and fragment", "/vault/?tab=1#top", "/vault/?tab=1#top"},
		{"encoded slash inside a segment", "/a%2Fb", "/a%2Fb"},
		{"root", "/", "/"},
		{"absolute URL elsewhere", "https://evil.example/landing", ""},
		{"scheme-relative", "//evil.example", ""},
		{"tab then slash", "/\t/evil.example", ""},
		{"tab first", "\t//evil.example", ""},
		{"line feed", "/\n/evil.example", ""},
		{"carriage return", "/\r/evil.example", ""},
		{"NUL", "/\x00/evil.example", ""},
		{"DEL", "/\x7f/evil.example", ""},
		{"leading space", " //evil.example", ""},
		{"inner space", "/ /evil.example", ""},
		{"slash backslash", "/\\evil.example", ""},
		{"backslash backslash", "\\\\evil.example", ""},
		{"backslash later", "/ok/..\\..\\evil", ""},
		{"encoded double slash", "/%2F%2Fevil.example", ""},
		{"encoded double slash, lower case", "/%2f%2fevil.example", ""},
		{"double-encoded double slash", "/%252F%252Fevil.example", ""},
		{"encoded backslash", "/%5Cevil.example", ""},
		{"encoded tab", "/%09/evil.example", ""},
		{"bad escape", "/%zz", ""},
		{"fullwidth solidus", "/\uff0fevil.example", ""},
		{"fullwidth solidus, encoded", "/%EF%BC%8Fevil.example", ""},
		{"fullwidth reverse solidus", "/\uff3cevil.example", ""},
		{"division slash", "/\u2215evil.example", ""},
		{"javascript URL", "javascript:alert(1)", ""},
		{"data URL", "data:text/html,hi", ""},
		{"user info", "https://app.acme.example@evil.example/vault", ""},
		{"own origin, absolute", "http://sp.test/vault/x?y=1", "/vault/x?y=1"},
		{"own origin with a tab", "http://sp.test/\t/evil.example", ""},
		{"own host, other scheme", "https://sp.test/vault", ""},
		{"allowed prefix", "https://app.acme.example/vault/items", "https://app.acme.example/vault/items"},
		{"allowed prefix exactly", "https://app.acme.example/vault", "https://app.acme.example/vault"},
		{"allowed host, path outside the prefix", "https://app.acme.example/vaultx", ""},
		{"allowed host as a prefix of another host", "https://app.acme.example.evil.example/vault", ""},
		{"allowed host, other port", "https://app.acme.example:444/vault", ""},
		{"allowed host and port", "http://tools.acme.example:8443/any", "http://tools.acme.example:8443/any"},
		{"allowed host, encoded double slash inside the path", "https://app.acme.example/vault/%2F%2Fx", "https://app.acme.example/vault/%2F%2Fx"},
		{"allowed host, encoded backslash", "https://app.acme.example/vault/%5Cx", ""},
		{"very long", "/" + string(make([]byte, maxRedirect)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := New(nil, Options{PublicURL: own})
			r := httptest.NewRequest("GET", own+"/api/rest/sso/saml/sso/1", nil)
			if got := sp.allowedRedirect(c, r, tc.target); got != tc.want {
				t.Fatalf("allowedRedirect(%q) = %q, want %q", tc.target, got, tc.want)
			}
		})
	}
}

// The lax check that FaultLaxRedirect restores lets the tab through: the
// scenario for the rule relies on it.
func TestLaxRedirectFault(t *testing.T) {
	sp := New(nil, Options{PublicURL: "http://sp.test", Faults: []Fault{FaultLaxRedirect}})
	r := httptest.NewRequest("GET", "http://sp.test/", nil)
	if got := sp.allowedRedirect(directory.SSOConfig{}, r, "/\t/evil.example"); got != "/\t/evil.example" {
		t.Fatalf("got %q", got)
	}
}
