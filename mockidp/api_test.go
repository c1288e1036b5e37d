package mockidp

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The JSON API puts users who can then sign in anywhere the IdP is trusted:
// without its bearer token every call answers 401 and changes nothing, and
// with no token configured it is closed altogether.
func TestAPINeedsToken(t *testing.T) {
	const token = "idp-api-token-0123456789"
	for _, tc := range []struct {
		name, configured, auth string
		want                   int
	}{
		{"anonymous", token, "", http.StatusUnauthorized},
		{"wrong token", token, "Bearer not-the-token", http.StatusUnauthorized},
		{"token as Basic", token, "Basic " + token, http.StatusUnauthorized},
		{"no token configured", "", "Bearer ", http.StatusUnauthorized},
		{"no token configured, any guess", "", "Bearer " + token, http.StatusUnauthorized},
		{"right token", token, "Bearer " + token, http.StatusOK},
		{"right token, lower-case scheme", token, "bearer " + token, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(Config{BaseURL: "https://idp.test", APIToken: tc.configured, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(p.Handler(""))
			defer srv.Close()
			do := func(method, path, body string) int {
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				if tc.auth != "" {
					req.Header.Set("Authorization", tc.auth)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			if got := do(http.MethodPut, "/api/users/mallory@acme.example", `{"first":"Mal"}`); got != tc.want {
				t.Fatalf("PUT user: %d, want %d", got, tc.want)
			}
			_, created := p.Users().Get("mallory@acme.example")
			if created != (tc.want == http.StatusOK) {
				t.Fatalf("user created: %v after %d", created, tc.want)
			}
			for _, c := range []struct{ method, path, body string }{
				{http.MethodGet, "/api/users", ""},
				{http.MethodGet, "/api/users/mallory@acme.example", ""},
				{http.MethodGet, "/api/sps", ""},
				{http.MethodPut, "/api/sps", testSPMetadata},
			} {
				if got := do(c.method, c.path, c.body); got != tc.want {
					t.Fatalf("%s %s: %d, want %d", c.method, c.path, got, tc.want)
				}
			}
			if got := do(http.MethodDelete, "/api/users/mallory@acme.example", ""); tc.want == http.StatusOK && got != http.StatusNoContent || tc.want != http.StatusOK && got != tc.want {
				t.Fatalf("DELETE user: %d", got)
			}
			// metadata and login stay public
			if got := do(http.MethodGet, "/metadata", ""); got != http.StatusOK {
				t.Fatalf("metadata: %d", got)
			}
		})
	}
}
