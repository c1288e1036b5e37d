package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/provkit/provkit/internal/scimclient"
)

// AdminExec is the exec transport of the admin contract (docs/admin-api.md,
// "Admin drivers"): provkit runs Command once per action, writes one JSON
// request on its stdin ({"action": "approve_queue", ...}) and reads one JSON
// answer on its stdout.
//
// A non-zero exit or an {"error": "..."} answer fails the step with the
// driver's message; an {"unsupported": "reason"} answer skips the scenario
// with that reason. Secrets reach the driver only through Env, never argv or
// stdin.
type AdminExec struct {
	// Command is run by /bin/sh -c, so it may carry arguments
	// ("go run ./examples/admin-driver-reference").
	Command string
	// Env is added to provkit's environment (KEY=VALUE), e.g.
	// PROVKIT_ADMIN_TOKEN.
	Env []string
	// Timeout bounds one action; 0 means DefaultAdminExecTimeout.
	Timeout time.Duration
	// MaxOutput caps the stdout read; 0 means DefaultAdminExecMaxOutput.
	MaxOutput int
	// Secrets lists what to redact from evidence (tokens the driver
	// answered, the admin token).
	Secrets func() []string
}

// Do performs one action (AdminTransport).
func (x *AdminExec) Do(ctx context.Context, action string, req map[string]any, ans any) error {
	_, err := x.Run(ctx, action, req, ans)
	var skip skipError
	var ref *AdminRefusal
	if err == nil || errors.As(err, &skip) || errors.As(err, &ref) || x.Secrets == nil {
		return err
	}
	return errors.New(scimclient.Redact(err.Error(), x.Secrets()...))
}

// Defaults of the exec transport.
const (
	DefaultAdminExecTimeout   = 60 * time.Second
	DefaultAdminExecMaxOutput = 1 << 20
	adminExecMaxStderr        = 4 << 10
)

// ExecResult is what one action run left behind, for the step's evidence.
type ExecResult struct {
	Action   string
	Request  []byte
	Stdout   []byte
	Stderr   string // trimmed to a few KiB
	ExitCode int
	Elapsed  time.Duration
}

// String renders the result as evidence, secrets not included (the caller
// redacts with the Config's secret list).
func (r *ExecResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "admin driver action %q (exit %d, %s)\n> %s\n", r.Action, r.ExitCode, r.Elapsed.Round(time.Millisecond), bytes.TrimSpace(r.Request))
	if len(r.Stdout) > 0 {
		out := r.Stdout
		if len(out) > 2048 {
			out = append(out[:2048:2048], "…"...)
		}
		fmt.Fprintf(&b, "< %s\n", bytes.TrimSpace(out))
	}
	if r.Stderr != "" {
		fmt.Fprintf(&b, "stderr: %s\n", r.Stderr)
	}
	return b.String()
}

// capWriter keeps the first max bytes and remembers that more came.
type capWriter struct {
	buf      bytes.Buffer
	max      int
	overflow bool
}

func (w *capWriter) Write(p []byte) (int, error) {
	room := w.max - w.buf.Len()
	if room <= 0 {
		w.overflow = len(p) > 0 || w.overflow
		return len(p), nil
	}
	if len(p) > room {
		w.buf.Write(p[:room])
		w.overflow = true
		return len(p), nil
	}
	return w.buf.Write(p)
}

// Run performs one action. req holds the action's fields (the "action" key is
// set here); the answer's JSON object is decoded into ans (may be nil).
// The error is a skipError for an "unsupported" answer.
func (x *AdminExec) Run(ctx context.Context, action string, req map[string]any, ans any) (*ExecResult, error) {
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = DefaultAdminExecTimeout
	}
	max := x.MaxOutput
	if max <= 0 {
		max = DefaultAdminExecMaxOutput
	}
	body := map[string]any{}
	for k, v := range req {
		body[k] = v
	}
	body["action"] = action
	in, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("admin driver: encoding %s: %w", action, err)
	}
	res := &ExecResult{Action: action, Request: in}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", x.Command)
	cmd.Env = append(os.Environ(), x.Env...)
	cmd.Stdin = bytes.NewReader(append(in, '\n'))
	stdout := &capWriter{max: max}
	stderr := &capWriter{max: adminExecMaxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	setProcessGroup(cmd)
	// A driver that hangs with a child holding the pipes open must not hang
	// us: WaitDelay closes them shortly after the kill.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	res.Elapsed = time.Since(start)
	res.Stdout = stdout.buf.Bytes()
	res.Stderr = strings.TrimSpace(stderr.buf.String())
	if stderr.overflow {
		res.Stderr += " …(stderr trimmed)"
	}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() == context.DeadlineExceeded {
		return res, fmt.Errorf("admin driver: action %s did not answer within %s\n%s", action, timeout, res)
	}
	if runErr != nil {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) && !errors.Is(runErr, exec.ErrWaitDelay) {
			return res, fmt.Errorf("admin driver: cannot run %q: %w", x.Command, runErr)
		}
		if errors.As(runErr, &ee) {
			msg := driverMessage(res.Stdout)
			if msg == "" {
				msg = res.Stderr
			}
			return res, fmt.Errorf("admin driver: action %s failed (exit %d): %s\n%s", action, res.ExitCode, msg, res)
		}
	}
	if stdout.overflow {
		return res, fmt.Errorf("admin driver: action %s wrote more than %d bytes on stdout\n%s", action, max, res)
	}
	var envelope struct {
		Error       *string       `json:"error"`
		Unsupported *string       `json:"unsupported"`
		Refused     *AdminRefusal `json:"refused"`
	}
	dec := json.NewDecoder(bytes.NewReader(res.Stdout))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return res, fmt.Errorf("admin driver: action %s answered no JSON object on stdout (%v)\n%s", action, err, res)
	}
	if dec.More() {
		return res, fmt.Errorf("admin driver: action %s answered more than one JSON value on stdout\n%s", action, res)
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return res, fmt.Errorf("admin driver: action %s answered JSON that is not an object (%v)\n%s", action, err, res)
	}
	if envelope.Unsupported != nil {
		reason := strings.TrimSpace(*envelope.Unsupported)
		if reason == "" {
			reason = "no reason given"
		}
		return res, skipError{fmt.Sprintf("the admin driver does not support %s: %s", action, reason)}
	}
	if envelope.Refused != nil {
		envelope.Refused.Action = action
		return res, envelope.Refused
	}
	if envelope.Error != nil {
		return res, fmt.Errorf("admin driver: action %s: %s\n%s", action, *envelope.Error, res)
	}
	if ans != nil {
		if err := json.Unmarshal(raw, ans); err != nil {
			return res, fmt.Errorf("admin driver: action %s: the answer does not fit the contract (%v)\n%s", action, err, res)
		}
	}
	return res, nil
}

// driverMessage pulls {"error": "..."} out of a failed driver's stdout.
func driverMessage(out []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(out), &e) == nil {
		return e.Error
	}
	return ""
}

var _ io.Writer = (*capWriter)(nil)
