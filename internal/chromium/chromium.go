// Package chromium drives a headless Chromium (Debian's chromium package)
// for provkit's end-to-end tests, over the DevTools protocol on a pipe
// (--remote-debugging-pipe): no extra module, no debugging port. It does
// the little the tests need: open a page, evaluate JavaScript, wait for a
// condition, take a screenshot.
package chromium

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv, set to "1", makes Find fail a test instead of skipping it
// when no Chromium is installed (CI sets it).
const RequireEnv = "PROVKIT_REQUIRE_TOOLS"

// Names are the executables Find looks for, in order.
var Names = []string{"chromium", "chromium-browser", "google-chrome"}

// Find returns the path of a Chromium executable. Without one it skips the
// test, or fails it when PROVKIT_REQUIRE_TOOLS=1.
func Find(t testing.TB) string {
	t.Helper()
	if p, err := Lookup(); err == nil {
		return p
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("chromium is required (%s=1): install Debian's chromium package", RequireEnv)
	}
	t.Skip("chromium not available")
	return ""
}

// Lookup returns the path of a Chromium executable.
func Lookup() (string, error) {
	for _, name := range Names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium executable found")
}

// Flags are the command-line flags Start gives Chromium, besides
// --remote-debugging-pipe and --user-data-dir.
var Flags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars", "--mute-audio"}

// Browser is a running Chromium.
type Browser struct {
	cmd  *exec.Cmd
	w    io.WriteCloser
	mu   sync.Mutex
	next int
	wait map[int]chan reply
	done chan struct{}
}

type reply struct {
	result json.RawMessage
	err    error
}

// Start runs Chromium at path with a fresh profile in userDataDir. The
// browser ends when ctx ends or Close is called.
func Start(ctx context.Context, path, userDataDir string, extraFlags ...string) (*Browser, error) {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		return nil, err
	}
	args := append(append(append([]string{}, Flags...), extraFlags...),
		"--remote-debugging-pipe", "--user-data-dir="+userDataDir, "about:blank")
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.ExtraFiles = []*os.File{cmdR, resW} // Chromium reads commands on fd 3 and writes answers on fd 4
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		cmdR.Close()
		cmdW.Close()
		resR.Close()
		resW.Close()
		return nil, fmt.Errorf("chromium: %w", err)
	}
	cmdR.Close()
	resW.Close()
	b := &Browser{cmd: cmd, w: cmdW, wait: map[int]chan reply{}, done: make(chan struct{})}
	go b.read(resR)
	return b, nil
}

// Close ends the browser: it asks Chromium to close, and kills it (and
// the helper processes it started) if it has not within five seconds, so
// that its profile directory can be removed.
func (b *Browser) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_, _ = b.Call(ctx, "", "Browser.close", nil)
	cancel()
	exited := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = b.cmd.Process.Kill()
		<-exited
	}
	killGroup(b.cmd)
	b.w.Close()
	return nil
}

func (b *Browser) read(r io.ReadCloser) {
	defer r.Close()
	defer close(b.done)
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.wait {
				ch <- reply{err: errors.New("chromium: the browser closed the pipe")}
				delete(b.wait, id)
			}
			b.mu.Unlock()
			return
		}
		var m struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event
		}
		b.mu.Lock()
		ch := b.wait[m.ID]
		delete(b.wait, m.ID)
		b.mu.Unlock()
		if ch == nil {
			continue
		}
		if m.Error != nil {
			ch <- reply{err: fmt.Errorf("%d %s", m.Error.Code, m.Error.Message)}
		} else {
			ch <- reply{result: m.Result}
		}
	}
}

// Call sends one DevTools command (to a page when session is not empty)
// and returns its result.
func (b *Browser) Call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan reply, 1)
	b.wait[id] = ch
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	buf, err := json.Marshal(msg)
	if err == nil {
		_, err = b.w.Write(append(buf, 0))
	}
	if err != nil {
		delete(b.wait, id)
	}
	b.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("chromium: %s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("chromium: %s: %w", method, r.err)
		}
		return r.result, nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.wait, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("chromium: %s: %w", method, ctx.Err())
	}
}

// Page is one tab.
type Page struct {
	b       *Browser
	Session string
}

// Open opens url in a new tab and attaches to it.
func (b *Browser) Open(ctx context.Context, url string) (*Page, error) {
	r, err := b.Call(ctx, "", "Target.createTarget", map[string]any{"url": url})
	if err != nil {
		return nil, err
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(r, &target); err != nil {
		return nil, err
	}
	r, err = b.Call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		return nil, err
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(r, &att); err != nil {
		return nil, err
	}
	return &Page{b: b, Session: att.SessionID}, nil
}

// Call sends a DevTools command to the page.
func (p *Page) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	return p.b.Call(ctx, p.Session, method, params)
}

// Eval evaluates a JavaScript expression in the page and returns its value
// printed with fmt.Sprint ("" for undefined and null). A thrown exception
// is an error.
func (p *Page) Eval(ctx context.Context, expr string) (string, error) {
	r, err := p.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return "", err
	}
	var v struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(r, &v); err != nil {
		return "", err
	}
	if v.Exception != nil {
		return "", fmt.Errorf("chromium: %s: %s", v.Exception.Text, v.Exception.Exception.Description)
	}
	if v.Result.Value == nil {
		return "", nil
	}
	return fmt.Sprint(v.Result.Value), nil
}

// WaitFor evaluates expr every 100 ms until it is truthy (not "", "false",
// "0") and returns its value; ctx bounds the wait.
func (p *Page) WaitFor(ctx context.Context, what, expr string) (string, error) {
	var last string
	var lastErr error
	for {
		v, err := p.Eval(ctx, expr)
		if err == nil && v != "" && v != "false" && v != "0" {
			return v, nil
		}
		last, lastErr = v, err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for %s: %w (last answer %q, %v)", what, ctx.Err(), last, lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// SetViewport sets the page's size in CSS pixels.
func (p *Page) SetViewport(ctx context.Context, width, height int) error {
	_, err := p.Call(ctx, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false})
	return err
}

// Screenshot returns a PNG of the page; full captures the whole page
// rather than the viewport.
func (p *Page) Screenshot(ctx context.Context, full bool) ([]byte, error) {
	params := map[string]any{"format": "png"}
	if full {
		params["captureBeyondViewport"] = true
		if r, err := p.Call(ctx, "Page.getLayoutMetrics", nil); err == nil {
			var m struct {
				CSSContentSize struct {
					Width, Height float64
				} `json:"cssContentSize"`
			}
			if json.Unmarshal(r, &m) == nil && m.CSSContentSize.Width > 0 {
				params["clip"] = map[string]any{"x": 0, "y": 0, "width": m.CSSContentSize.Width,
					"height": min(m.CSSContentSize.Height, 16000), "scale": 1}
			}
		}
	}
	r, err := p.Call(ctx, "Page.captureScreenshot", params)
	if err != nil {
		return nil, err
	}
	var v struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(r, &v); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(v.Data)
}

// JSString quotes s as a JavaScript string literal.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), "\u2028", `\u2028`)
}

// Click clicks, with the mouse, the centre of the first element matching
// the CSS selector, after scrolling it into view.
func (p *Page) Click(ctx context.Context, selector string) error {
	v, err := p.Eval(ctx, `(() => { const e = document.querySelector(`+JSString(selector)+`);
		if (!e) return "";
		e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect();
		return JSON.stringify([r.left + r.width / 2, r.top + r.height / 2]); })()`)
	if err != nil {
		return err
	}
	if v == "" {
		return fmt.Errorf("chromium: no element %s to click", selector)
	}
	var xy [2]float64
	if err := json.Unmarshal([]byte(v), &xy); err != nil {
		return err
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		ev := map[string]any{"type": typ, "x": xy[0], "y": xy[1]}
		if typ != "mouseMoved" {
			ev["button"], ev["clickCount"] = "left", 1
		}
		if _, err := p.Call(ctx, "Input.dispatchMouseEvent", ev); err != nil {
			return err
		}
	}
	return nil
}
