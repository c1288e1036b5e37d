package main

// An end-to-end SP-initiated login in headless Chromium (Debian package
// chromium): the reference SP's login URL, the mock IdP's HTML login page
// (filled in and submitted as a person would), the auto-submitted POST back
// to the ACS, and the landing page showing the JIT-provisioned user. It skips
// without chromium unless PROVKIT_REQUIRE_TOOLS=1. Chromium is driven over
// the DevTools protocol on a pipe by internal/chromium: no extra module.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/provkit/provkit/internal/chromium"
	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/reference/directory"
)

func TestChromiumSPInitiatedLogin(t *testing.T) {
	chromiumPath := chromium.Find(t)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	// the newcomer's setup: provkit serve's demo, with its mock IdP
	srv, err := reference.Open(ctx, reference.Config{})
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
	handler, d, err := demoSSO(ctx, srv, base, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	demo := d.sso
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	b, err := chromium.Start(ctx, chromiumPath, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	page, err := b.Open(ctx, demo.SP.Login)
	if err != nil {
		t.Fatal(err)
	}

	// wait for the IdP's login page, fill it in, submit it
	waitFor := func(what, expr string) string {
		t.Helper()
		v, err := page.WaitFor(ctx, what, expr)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	signInAtMockIdP(ctx, t, page, "alice@acme.example")
	waitFor("the landing page", "location.pathname === '/api/rest/sso/session' && document.readyState === 'complete'")
	body := waitFor("the signed-in user", "document.getElementById('email') && document.getElementById('session').innerText")
	if !strings.Contains(body, "alice@acme.example") || !strings.Contains(body, "active") {
		t.Fatalf("landing page: %q", body)
	}
	// the page names the node and the role the person landed in, not only their ids
	if !strings.Contains(body, "Engineering") || strings.Contains(body, "(none)") {
		t.Fatalf("landing page without the node's name or the role: %q", body)
	}
	u, err := srv.Service().Store().GetUserByEmail(ctx, "alice@acme.example")
	if err != nil || u.Status != directory.UserActive || u.NodeID != demo.NodeID {
		t.Fatalf("JIT user: %v %+v", err, u)
	}
}

// signInAtMockIdP waits until the mock IdP's login page has loaded whole (the
// form's field and its button both parsed: a page still loading can show the
// field before the button) and signs in as user.
func signInAtMockIdP(ctx context.Context, t *testing.T, page *chromium.Page, user string) {
	t.Helper()
	if _, err := page.WaitFor(ctx, "the mock IdP's login page",
		"document.readyState === 'complete' && location.href.includes('/mockidp/') && "+
			"!!document.getElementById('user') && !!document.getElementById('sign-in')"); err != nil {
		t.Fatal(err)
	}
	if _, err := page.Eval(ctx, fmt.Sprintf(
		"document.getElementById('user').value=%q; document.getElementById('sign-in').click(); true", user)); err != nil {
		t.Fatal(err)
	}
}
