package steps

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// AdminManual is the manual transport of the admin contract, for exploratory
// runs: each action is printed to Out as what the administrator must do, and
// the step waits for a line on In. A line holding a JSON object is the
// action's answer (what the Admin Console showed: {"token": "..."}); an
// empty line means done; "skip" skips the scenario; anything else fails the
// step with that text. Never for CI: provkit refuses it without a terminal.
type AdminManual struct {
	In  io.Reader
	Out io.Writer

	mu sync.Mutex // one prompt at a time
	r  *bufio.Reader
}

// Do prompts for one action (AdminTransport).
func (m *AdminManual) Do(ctx context.Context, action string, req map[string]any, ans any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.r == nil {
		m.r = bufio.NewReader(m.In)
	}
	var keys []string
	for k := range req {
		if k != "action" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	fmt.Fprintf(m.Out, "\nAdministrator, please: %s\n", manualText(action))
	for _, k := range keys {
		fmt.Fprintf(m.Out, "  %s: %v\n", k, req[k])
	}
	fmt.Fprintf(m.Out, "Press Enter when done (or type the answer as JSON, \"skip\" to skip the scenario, anything else to fail it): ")
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() { s, err := m.r.ReadString('\n'); ch <- line{s, err} }()
	var l line
	select {
	case <-ctx.Done():
		return fmt.Errorf("manual admin: %s: %w", action, ctx.Err())
	case l = <-ch:
	}
	text := strings.TrimSpace(l.s)
	if l.err != nil && text == "" {
		return fmt.Errorf("manual admin: no answer for %s (%v)", action, l.err)
	}
	switch {
	case text == "":
		return nil
	case text == "skip":
		return skipError{"the administrator skipped " + action}
	case strings.HasPrefix(text, "{"):
		if ans != nil {
			if err := json.Unmarshal([]byte(text), ans); err != nil {
				return fmt.Errorf("manual admin: the answer to %s is not the contract's JSON: %v", action, err)
			}
		}
		return nil
	}
	return fmt.Errorf("manual admin: %s failed: %s", action, text)
}

// manualText says in words what an action asks of the administrator.
func manualText(action string) string {
	if t, ok := manualTexts[action]; ok {
		return t
	}
	return action
}

var manualTexts = map[string]string{
	"approve_queue":          "approve the pending queue of the node (Admin Console: Provisioning, Approve Queue)",
	"create_enterprise":      "create an enterprise",
	"delete_enterprise":      "delete the enterprise",
	"create_node":            "create a node",
	"delete_node":            "delete the node",
	"get_node":               `look up the node; answer {"id": "...", "enterprise_id": "...", "default_role_id": "..."}`,
	"target_node":            `find the node of this SCIM URL; answer {"id": "...", "enterprise_id": "..."}`,
	"create_endpoint":        `create a SCIM provisioning endpoint on the node; answer {"scim_url": "...", "token": "..."}`,
	"get_endpoint":           `look at the node's SCIM endpoint; answer {"status": "pending"|"active"}`,
	"delete_endpoint":        "remove the node's SCIM endpoint",
	"rotate_token":           `generate a new SCIM token for the node; answer {"token": "..."}`,
	"set_node_settings":      "change the node's settings",
	"set_unique_group_names": "change whether the endpoint requires unique group names",
	"get_enterprise":         `look at the enterprise; answer {"root_node_id": "...", "seats": N, "seats_used": N}`,
	"set_seats":              "set the enterprise's licensed seats",
	"reserve_domain":         "reserve the domain for the enterprise",
	"release_domain":         "release the domain",
	"get_user":               `look at the user; answer {"status": "invited"|"active", "locked": true|false}`,
	"find_users":             `find the users with this email; answer {"users": [{"id": ..., "status": ..., "locked": ..., "node_id": ..., "role_id": ...}]}`,
	"set_user":               "change the user (accept the invitation / lock or unlock)",
	"delete_user":            "delete the user",
	"get_team":               `look at the team; answer {"status": ..., "members": [{"user_id": ..., "status": ...}]}`,
	"configure_sso":          `configure SAML SSO on the node with these settings; answer {"sp": {"metadata": ..., ...}}`,
	"remove_sso":             "remove the node's SSO configuration",
}
