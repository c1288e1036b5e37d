package steps

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAdminExecMisbehavingDrivers shows that every kind of broken driver gives
// a clear step failure or a skip, within bounded time, never a hang or panic.
func TestAdminExecMisbehavingDrivers(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, body string
		skip       bool
		want       string
	}{
		{"ok", `cat >/dev/null; echo '{"id":"e1","root_node_id":"n1"}'`, false, ""},
		{"bad-json", `cat >/dev/null; echo 'this is not json'`, false, "no JSON object"},
		{"not-object", `cat >/dev/null; echo '[1,2]'`, false, "not an object"},
		{"two-values", `cat >/dev/null; echo '{}{}'`, false, "more than one JSON value"},
		{"exit-1", `cat >/dev/null; echo 'keeper: login failed' >&2; exit 1`, false, "failed (exit 1): keeper: login failed"},
		{"exit-1-error-json", `cat >/dev/null; echo '{"error":"no such node"}'; exit 3`, false, "failed (exit 3): no such node"},
		{"error-answer", `cat >/dev/null; echo '{"error":"queue is empty"}'`, false, "queue is empty"},
		{"hang", `sleep 30`, false, "did not answer within"},
		{"hang-child", `sleep 30 & wait`, false, "did not answer within"},
		{"huge", `cat >/dev/null; yes '{"x":1}' | head -c 3000000`, false, "more than"},
		{"huge-stderr", `cat >/dev/null; yes err | head -c 100000 >&2; echo '{}'`, false, ""},
		{"unsupported", `cat >/dev/null; echo '{"unsupported":"Commander has no command for seats"}'`, true, "Commander has no command for seats"},
		{"missing", `exec /nonexistent/driver`, false, "failed (exit 127)"},
		{"secret-env", `cat >/dev/null; test "$PROVKIT_ADMIN_TOKEN" = s3cret && echo '{}' || echo '{"error":"no token"}'`, false, ""},
		{"stdin", `grep -q '"action":"approve_queue"' && echo '{}' || echo '{"error":"bad stdin"}'`, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := &AdminExec{Command: script(c.name, c.body), Timeout: 2 * time.Second, Env: []string{"PROVKIT_ADMIN_TOKEN=s3cret"}}
			start := time.Now()
			var ans struct {
				ID string `json:"id"`
			}
			res, err := x.Run(context.Background(), "approve_queue", map[string]any{"node": "n1"}, &ans)
			if d := time.Since(start); d > 8*time.Second {
				t.Fatalf("took %s", d)
			}
			var skip skipError
			isSkip := errors.As(err, &skip)
			switch {
			case c.skip && !isSkip:
				t.Fatalf("want a skip, got %v", err)
			case !c.skip && isSkip:
				t.Fatalf("want no skip, got %v", err)
			case c.want == "" && err != nil:
				t.Fatalf("want success, got %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
			if res == nil {
				t.Fatal("no evidence")
			}
			if strings.Contains(string(res.Request), "s3cret") || strings.Contains(x.Command, "s3cret") {
				t.Fatal("the secret reached stdin or argv")
			}
			if len(res.Stderr) > adminExecMaxStderr+64 {
				t.Fatalf("stderr not trimmed: %d bytes", len(res.Stderr))
			}
			if c.name == "ok" && ans.ID != "e1" {
				t.Fatalf("answer not decoded: %+v", ans)
			}
		})
	}
}

func TestAdminManualPrompt(t *testing.T) {
	var out strings.Builder
	m := &AdminManual{In: strings.NewReader("\n{\"token\": \"t0k\"}\nskip\nno such node\n"), Out: &out}
	ctx := context.Background()
	if err := m.Do(ctx, "approve_queue", map[string]any{"enterprise": "e1", "node": "n1"}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Administrator, please: approve the pending queue") || !strings.Contains(out.String(), "node: n1") ||
		!strings.Contains(out.String(), "Press Enter when done") {
		t.Fatalf("prompt: %q", out.String())
	}
	var ans EndpointAnswer
	if err := m.Do(ctx, "rotate_token", map[string]any{"node": "n1"}, &ans); err != nil || ans.Token != "t0k" {
		t.Fatalf("answer: %+v %v", ans, err)
	}
	var skip skipError
	if err := m.Do(ctx, "set_seats", nil, nil); !errors.As(err, &skip) {
		t.Fatalf("want skip, got %v", err)
	}
	if err := m.Do(ctx, "get_node", nil, nil); err == nil || !strings.Contains(err.Error(), "no such node") {
		t.Fatalf("want failure, got %v", err)
	}
	if err := m.Do(ctx, "get_node", nil, nil); err == nil {
		t.Fatal("EOF must fail")
	}
}
