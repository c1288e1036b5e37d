package keeperdriver

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provkit/provkit/steps"
)

// TestMapping runs the skeleton with a fake `keeper` on PATH that records
// its arguments, and checks each action's Commander command, or that it
// answers "unsupported" with a reason.
func TestMapping(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	argvFile := filepath.Join(dir, "argv")
	fake := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + argvFile + "\necho '{\"ok\": true}'\n"
	if err := os.WriteFile(filepath.Join(dir, "keeper"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	driver, _ := filepath.Abs("keeper-admin-driver")
	cases := []struct {
		req  map[string]any
		argv string // "" : unsupported
	}{
		{map[string]any{"action": "approve_queue", "enterprise": "e", "node": "n1"}, "team-approve"},
		{map[string]any{"action": "create_node", "enterprise": "e", "name": "pk sub", "parent": "n1"}, "enterprise-node --add --parent n1 pk sub"},
		{map[string]any{"action": "delete_node", "node": "n2"}, "enterprise-node --delete n2"},
		{map[string]any{"action": "create_endpoint", "node": "n2", "unique_group_names": true}, "scim create --node n2 --unique-groups on"},
		{map[string]any{"action": "rotate_token", "node": "n2"}, "scim edit n2"},
		{map[string]any{"action": "get_endpoint", "node": "n2"}, "scim view n2 --format json"},
		{map[string]any{"action": "delete_endpoint", "node": "n2"}, "scim delete n2"},
		{map[string]any{"action": "set_user", "user": "u@x", "locked": true}, "enterprise-user --lock u@x"},
		{map[string]any{"action": "set_user", "user": "u@x", "locked": false}, "enterprise-user --unlock u@x"},
		{map[string]any{"action": "delete_user", "user": "u@x"}, "enterprise-user --delete u@x"},
		{map[string]any{"action": "get_user", "user": "u@x"}, "enterprise-user u@x --format json"},
		{map[string]any{"action": "reserve_domain", "enterprise": "e", "domain": "d.example"}, "domain reserve d.example"},
		{map[string]any{"action": "get_enterprise", "enterprise": "e"}, "enterprise-info --format json"},
		{map[string]any{"action": "set_user", "user": "u@x", "status": "active"}, ""},
		{map[string]any{"action": "create_enterprise", "name": "x", "seats": 1}, ""},
		{map[string]any{"action": "delete_enterprise", "enterprise": "e"}, ""},
		{map[string]any{"action": "set_seats", "enterprise": "e", "seats": 3}, ""},
		{map[string]any{"action": "set_node_settings", "node": "n", "settings": map[string]any{"auto_approve": true}}, ""},
		{map[string]any{"action": "configure_sso", "node": "n", "settings": map[string]any{}}, ""},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		action := c.req["action"].(string)
		seen[action] = true
		os.Remove(argvFile)
		in, _ := json.Marshal(c.req)
		cmd := exec.Command(driver)
		cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "KEEPER_CONFIG=")
		cmd.Stdin = strings.NewReader(string(in))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		var ans map[string]any
		if err := json.Unmarshal(out, &ans); err != nil {
			t.Fatalf("%s: answer %q: %v", action, out, err)
		}
		got, _ := os.ReadFile(argvFile)
		argv := strings.Join(strings.Fields(strings.ReplaceAll(string(got), "\n", " ")), " ")
		if c.argv == "" {
			if r, _ := ans["unsupported"].(string); r == "" || argv != "" {
				t.Errorf("%s: want unsupported with a reason and no keeper run, got %s (keeper ran: %q)", action, out, argv)
			}
			continue
		}
		if argv != c.argv {
			t.Errorf("%s: keeper ran with %q, want %q", action, argv, c.argv)
		}
	}
	// every action of the contract has an answer: run or unsupported
	for _, a := range steps.AdminActions() {
		in, _ := json.Marshal(map[string]any{"action": a, "node": "n", "user": "u", "team": "t", "email": "e", "enterprise": "e", "name": "x", "domain": "d"})
		cmd := exec.Command(driver)
		cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		cmd.Stdin = strings.NewReader(string(in))
		out, err := cmd.Output()
		if err != nil || strings.Contains(string(out), "does not know the action") || strings.Contains(string(out), `"error"`) {
			t.Errorf("%s: %s %v", a, out, err)
		}
	}
}
