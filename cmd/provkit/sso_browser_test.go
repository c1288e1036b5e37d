package main

// An end-to-end SP-initiated login in headless Chromium (Debian package
// chromium): the reference SP's login URL, the mock IdP's HTML login page
// (filled in and submitted as a person would), the auto-submitted POST back
// to the ACS, and the landing page showing the JIT-provisioned user. It skips
// without chromium unless PROVKIT_REQUIRE_TOOLS=1. Chromium is driven over
// the DevTools protocol on a pipe (--remote-debugging-pipe): no extra module.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/reference/directory"
)

func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("PROVKIT_REQUIRE_TOOLS") == "1" {
		t.Fatal("chromium is required (PROVKIT_REQUIRE_TOOLS=1)")
	}
	t.Skip("chromium not available")
	return ""
}

// cdp is a minimal DevTools protocol client over Chromium's pipe.
type cdp struct {
	w    io.Writer
	mu   sync.Mutex
	next int
	wait map[int]chan json.RawMessage
}

func (c *cdp) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event
		}
		c.mu.Lock()
		ch := c.wait[m.ID]
		delete(c.wait, m.ID)
		c.mu.Unlock()
		if ch != nil {
			if m.Error != nil {
				ch <- json.RawMessage(`{"error":` + string(m.Error) + `}`)
			} else {
				ch <- m.Result
			}
		}
	}
}

func (c *cdp) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan json.RawMessage, 1)
	c.wait[id] = ch
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	buf, _ := json.Marshal(msg)
	_, err := c.w.Write(append(buf, 0))
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if strings.HasPrefix(string(r), `{"error":`) {
			return nil, fmt.Errorf("%s: %s", method, r)
		}
		return r, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (c *cdp) eval(ctx context.Context, session, expr string) (string, error) {
	r, err := c.call(ctx, session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	if err != nil {
		return "", err
	}
	var v struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
	}
	_ = json.Unmarshal(r, &v)
	return fmt.Sprint(v.Result.Value), nil
}

func TestChromiumSPInitiatedLogin(t *testing.T) {
	chromium := findChromium(t)
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
	handler, _, demo, err := demoSSO(ctx, srv, base, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	// Chromium reads commands on fd 3 and writes answers on fd 4
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-dev-shm-usage", "--disable-quic", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--remote-debugging-pipe", "--user-data-dir="+t.TempDir(), "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, resW}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	cmdR.Close()
	resW.Close()
	c := &cdp{w: cmdW, wait: map[int]chan json.RawMessage{}}
	go c.read(resR)

	r, err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": demo.SP.Login})
	if err != nil {
		t.Fatal(err)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	_ = json.Unmarshal(r, &target)
	r, err = c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	_ = json.Unmarshal(r, &att)

	// wait for the IdP's login page, fill it in, submit it
	waitFor := func(what, expr string) string {
		t.Helper()
		for {
			v, err := c.eval(ctx, att.SessionID, expr)
			if err == nil && v != "" && v != "false" && v != "<nil>" {
				return v
			}
			select {
			case <-ctx.Done():
				t.Fatalf("waiting for %s: %v (last answer %q, %v)", what, ctx.Err(), v, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	waitFor("the mock IdP's login page", "!!document.getElementById('user') && location.href.includes('/mockidp/')")
	if _, err := c.eval(ctx, att.SessionID,
		"document.getElementById('user').value='alice@acme.example'; document.getElementById('sign-in').click(); true"); err != nil {
		t.Fatal(err)
	}
	waitFor("the landing page", "location.pathname === '/api/rest/sso/session' && document.readyState === 'complete'")
	body := waitFor("the signed-in user", "document.getElementById('email') && document.getElementById('session').innerText")
	if !strings.Contains(body, "alice@acme.example") || !strings.Contains(body, "active") {
		t.Fatalf("landing page: %q", body)
	}
	u, err := srv.Service().Store().GetUserByEmail(ctx, "alice@acme.example")
	if err != nil || u.Status != directory.UserActive || u.NodeID != demo.NodeID {
		t.Fatalf("JIT user: %v %+v", err, u)
	}
}
