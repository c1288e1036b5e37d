package chromium

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"
)

func TestPage(t *testing.T) {
	path := Find(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Start(ctx, path, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	html := `<!doctype html><title>t</title><p id="p">hello</p><button id="b" onclick="document.getElementById('p').textContent='clicked'">b</button>`
	p, err := b.Open(ctx, "data:text/html,"+url.PathEscape(html))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitFor(ctx, "the page", "document.readyState === 'complete' && !!document.getElementById('p')"); err != nil {
		t.Fatal(err)
	}
	if err := p.Click(ctx, "#b"); err != nil {
		t.Fatal(err)
	}
	if err := p.Click(ctx, "#nothing"); err == nil {
		t.Fatal("clicking nothing is no error")
	}
	if v, err := p.Eval(ctx, "document.getElementById('p').textContent"); err != nil || v != "clicked" {
		t.Fatalf("after the click: %q, %v", v, err)
	}
	if v, err := p.Eval(ctx, "null"); err != nil || v != "" {
		t.Fatalf("null: %q, %v", v, err)
	}
	if _, err := p.Eval(ctx, "throw new Error('boom')"); err == nil {
		t.Fatal("a thrown exception is no error")
	}
	if v, err := p.Eval(ctx, JSString("a\"b\u2028")); err != nil || v != "a\"b\u2028" {
		t.Fatalf("JSString: %q, %v", v, err)
	}
	if err := p.SetViewport(ctx, 400, 300); err != nil {
		t.Fatal(err)
	}
	png, err := p.Screenshot(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("not a PNG: % x", png[:min(8, len(png))])
	}
}
