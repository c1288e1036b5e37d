package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/provkit/provkit/internal/scimclient"
)

func TestAutoFormAndFollow(t *testing.T) {
	if _, ok := AutoForm(`<form method="post" action="/login"><input type="email" name="user"><input type="hidden" name="SAMLRequest" value="x"></form>`); ok {
		t.Fatal("a login form must not be submitted automatically")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /start", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/idp", http.StatusFound) })
	mux.HandleFunc("GET /idp", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`<form method="post" action="/acs"><input type="hidden" name="SAMLResponse" value="a&#43;b"><input type="hidden" name="RelayState" value="r"></form>`))
	})
	mux.HandleFunc("POST /acs", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("SAMLResponse") != "a+b" || r.PostFormValue("RelayState") != "r" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "1", Path: "/"})
		http.Redirect(w, r, "/done", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("signed in")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := New(srv.Client())
	p, err := b.Get(srv.URL + "/start")
	if err != nil || p.Status != http.StatusOK || !strings.Contains(p.Body, "signed in") {
		t.Fatalf("%v %+v", err, p)
	}
	if b.Cookie(srv.URL, "s") != "1" || len(b.Redirects) != 2 {
		t.Fatalf("cookie %q redirects %v", b.Cookie(srv.URL, "s"), b.Redirects)
	}
}

// TestRecordEveryHop: with a recording transport, every hop is an exchange
// (the redirect, the IdP's page, the auto-submitted POST to the ACS with its
// cookie, the page after it), cookies printed without their values.
func TestRecordEveryHop(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /start", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/idp", http.StatusFound) })
	mux.HandleFunc("GET /idp", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`<form method="post" action="/acs"><input type="hidden" name="SAMLResponse" value="` + strings.Repeat("QUJD", 100) + `"></form>`))
	})
	mux.HandleFunc("POST /acs", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "secret-session-value", Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/done", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("signed in")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	rec := &scimclient.Recorder{}
	b := New(srv.Client())
	b.Use(func(next http.RoundTripper) http.RoundTripper { return scimclient.Transport(next, rec) })
	if _, err := b.Get(srv.URL + "/start"); err != nil {
		t.Fatal(err)
	}
	var hops []string
	for _, ex := range rec.Exchanges() {
		hops = append(hops, fmt.Sprintf("%s %s %d %s", ex.Method, strings.TrimPrefix(ex.URL, srv.URL), ex.Status, ex.Via))
	}
	want := []string{"GET /start 302 browser", "GET /idp 200 browser", "POST /acs 303 browser", "GET /done 200 browser"}
	if !slices.Equal(hops, want) {
		t.Fatalf("hops %q, want %q", hops, want)
	}
	tr := rec.Transcript()
	for _, s := range []string{"< Set-Cookie: sid=[redacted]; Path=/; HttpOnly", "> Cookie: sid=[redacted]", "> SAMLResponse=QUJD", "…(+"} {
		if !strings.Contains(tr, s) {
			t.Errorf("the transcript lacks %q:\n%s", s, tr)
		}
	}
	if strings.Contains(tr, "secret-session-value") || strings.Contains(tr, strings.Repeat("QUJD", 20)) {
		t.Errorf("the transcript shows a cookie value or a whole SAMLResponse:\n%s", tr)
	}
}

// A Location is read as Chromium reads it, so an open redirect hidden from
// Go's URL parser is still followed (and observed) here.
func TestBrowserLocation(t *testing.T) {
	for in, want := range map[string]string{
		"/\t/evil.example":      "//evil.example",
		"\t //evil.example ":    "//evil.example",
		"/\\evil.example":       "//evil.example",
		"/\\\t/evil.example":    "//evil.example",
		"////evil.example/x":    "//evil.example/x",
		"/\n/evil.example":      "//evil.example",
		"/api/rest/sso/session": "/api/rest/sso/session",
	} {
		if got := BrowserLocation(in); got != want {
			t.Errorf("BrowserLocation(%q) = %q, want %q", in, got, want)
		}
	}
}
