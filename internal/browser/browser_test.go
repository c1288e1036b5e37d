package browser

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
