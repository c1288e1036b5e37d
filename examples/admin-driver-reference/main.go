// Command admin-driver-reference is provkit's admin driver for the bundled
// reference server (and any target that serves the provkit HTTP admin API):
// it speaks the exec contract of docs/admin-api.md ("Admin drivers"), one
// JSON request on stdin, one JSON answer on stdout, by calling the admin API.
//
// It reads the admin API's URL and token from $PROVKIT_ADMIN_URL and
// $PROVKIT_ADMIN_TOKEN, never from its arguments.
//
//	go build -o admin-driver ./examples/admin-driver-reference
//	PROVKIT_ADMIN_URL=http://127.0.0.1:8080/admin/v1 PROVKIT_ADMIN_TOKEN=... \
//	  provkit test --target "$SCIM_URL" --token "$TOKEN" --admin-exec ./admin-driver
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/provkit/provkit/steps"
)

func main() {
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

func run(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	answer := func(v any) int {
		b, _ := json.Marshal(v)
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	base, token := strings.TrimRight(getenv("PROVKIT_ADMIN_URL"), "/"), getenv("PROVKIT_ADMIN_TOKEN")
	if base == "" || token == "" {
		fmt.Fprintln(stderr, "admin-driver-reference: set PROVKIT_ADMIN_URL and PROVKIT_ADMIN_TOKEN")
		return 2
	}
	var req map[string]any
	if err := json.NewDecoder(io.LimitReader(stdin, 1<<20)).Decode(&req); err != nil {
		return answer(map[string]string{"error": "the request is not a JSON object: " + err.Error()})
	}
	action, _ := req["action"].(string)
	h := &steps.HTTPAdmin{Endpoint: steps.Endpoint{URL: base, Token: token}}
	var out json.RawMessage
	err := h.Do(context.Background(), action, req, &out)
	var ref *steps.AdminRefusal
	switch {
	case errors.As(err, &ref):
		return answer(map[string]any{"refused": ref})
	case err != nil && strings.HasPrefix(err.Error(), "skipped: "):
		return answer(map[string]string{"unsupported": strings.TrimPrefix(err.Error(), "skipped: ")})
	case err != nil:
		return answer(map[string]string{"error": err.Error()})
	case len(out) == 0 || out[0] != '{':
		return answer(map[string]any{})
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}
