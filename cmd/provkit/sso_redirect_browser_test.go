package main

// After sign-in the reference SP sends the browser to return_to (SP-initiated)
// or RelayState (IdP-initiated). A path that Go's URL parser refuses but a
// browser reads as another host ("/\t/evil.example": Chromium drops the tab
// and goes to //evil.example) must never leave the SP's origin. This drives
// real headless Chromium, with evil.example resolved to a local server, so
// an open redirect is seen landing there; with the guard switched off
// (sso-lax-redirect, the former string-prefix check) it does, which shows
// the test can tell. It skips without chromium unless PROVKIT_REQUIRE_TOOLS=1.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/provkit/provkit/internal/chromium"
	"github.com/provkit/provkit/reference"
)

func TestChromiumRedirectStaysOnSP(t *testing.T) {
	chromiumPath := chromium.Find(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, `<!DOCTYPE html><title>evil</title><p id="evil">evil.example</p>`)
	}))
	defer evil.Close()
	evilPort := evil.Listener.Addr().(*net.TCPAddr).Port

	for _, tc := range []struct {
		fault   string
		offsite bool // where the browser must end: evil.example, or the SP's landing page
	}{
		{fault: "", offsite: false},
		{fault: "sso-lax-redirect", offsite: true},
	} {
		name := "guarded"
		if tc.fault != "" {
			name = tc.fault
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var faults []string
			if tc.fault != "" {
				faults = []string{tc.fault}
			}
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			srv, err := reference.Open(ctx, reference.Config{Faults: faults, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			base := baseURL(ln.Addr())
			if _, err := srv.SeedDemo(ctx, base); err != nil {
				t.Fatal(err)
			}
			handler, d, err := demoSSO(ctx, srv, base, quiet)
			if err != nil {
				t.Fatal(err)
			}
			hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
			go func() { _ = hs.Serve(ln) }()
			defer hs.Close()

			b, err := chromium.Start(ctx, chromiumPath, t.TempDir(),
				fmt.Sprintf("--host-resolver-rules=MAP evil.example 127.0.0.1:%d", evilPort))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()

			const end = `document.readyState === 'complete' && (location.hostname === 'evil.example' ||
				location.pathname === '/api/rest/sso/session') && location.href`
			check := func(t *testing.T, page *chromium.Page) {
				t.Helper()
				href, err := page.WaitFor(ctx, "the page after sign-in", end)
				if err != nil {
					t.Fatal(err)
				}
				u, err := url.Parse(href)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tc.offsite && u.Hostname() != "evil.example":
					t.Fatalf("with %s the browser should reach evil.example (the test's proof), ended on %s", tc.fault, href)
				case !tc.offsite && (u.Scheme+"://"+u.Host != base || u.Path != "/api/rest/sso/session"):
					t.Fatalf("the browser left the SP's origin %s: ended on %s", base, href)
				}
			}
			for _, target := range []string{"/\t/evil.example", "/\t/\t/evil.example"} {
				t.Run(fmt.Sprintf("RelayState %q", target), func(t *testing.T) {
					q := url.Values{"sp": {d.sso.SP.EntityID}, "user": {"alice@acme.example"}, "RelayState": {target}}
					page, err := b.Open(ctx, d.idp.LoginURL()+"?"+q.Encode())
					if err != nil {
						t.Fatal(err)
					}
					check(t, page)
				})
				t.Run(fmt.Sprintf("return_to %q", target), func(t *testing.T) {
					page, err := b.Open(ctx, d.sso.SP.Login+"?return_to="+url.QueryEscape(target))
					if err != nil {
						t.Fatal(err)
					}
					signInAtMockIdP(ctx, t, page, "alice@acme.example")
					check(t, page)
				})
			}
			if !tc.offsite {
				// and the guard holds for the other tricks too
				for _, target := range []string{"/\\evil.example", "/%2F%2Fevil.example", "/\uff0fevil.example", "//evil.example"} {
					t.Run(fmt.Sprintf("RelayState %q", target), func(t *testing.T) {
						q := url.Values{"sp": {d.sso.SP.EntityID}, "user": {"alice@acme.example"}, "RelayState": {target}}
						page, err := b.Open(ctx, d.idp.LoginURL()+"?"+q.Encode())
						if err != nil {
							t.Fatal(err)
						}
						check(t, page)
					})
				}
			}
		})
	}
}
