package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/provkit/provkit/internal/scimclient"
)

// AdminTransport carries one action of the admin contract (docs/admin-api.md)
// to an administrator: provkit's HTTP admin API (HTTPAdmin), a driver program
// (AdminExec) or a person at the keyboard (AdminManual).
//
// req holds the action's fields; the answer, a JSON object, is decoded into
// ans (nil: ignored). An administrator's refusal is an *AdminRefusal; an
// action the transport cannot perform is a skip (the scenario is skipped with
// the reason).
type AdminTransport interface {
	Do(ctx context.Context, action string, req map[string]any, ans any) error
}

// AdminRefusal is an administrator's refusal of an action: the status an HTTP
// admin API would answer (403 forbidden, 404 unknown, 409 conflict) and why.
type AdminRefusal struct {
	Action string `json:"-"`
	Status int    `json:"status"`
	Reason string `json:"reason"`
}

func (e *AdminRefusal) Error() string {
	return fmt.Sprintf("the administrator refused %s with status %d: %s", e.Action, e.Status, e.Reason)
}

// admin is the typed side of the admin contract the steps use: one method per
// action, each a typed request and answer.
type admin struct {
	cfg *Config
	t   AdminTransport
}

// skipError makes a scenario skip, with the reason.
type skipError struct{ reason string }

func (e skipError) Error() string { return "skipped: " + e.reason }

// need checks that the administrator offers the capabilities (the HTTP admin
// API's discovery document; other transports offer every action and answer
// "unsupported" for what they cannot do).
func (a *admin) need(ctx context.Context, caps ...string) error {
	if a == nil || a.t == nil {
		return skipError{noAdminReason}
	}
	h, ok := a.t.(*HTTPAdmin)
	if !ok {
		return nil
	}
	info, err := h.discovery(ctx)
	if err != nil {
		return fmt.Errorf("admin API discovery: %w", err)
	}
	var missing []string
	for _, c := range caps {
		if !info.capabilities[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return skipError{"the admin API does not offer " + strings.Join(missing, ", ")}
	}
	return nil
}

const noAdminReason = "needs an administrator, and none was given (--admin-url, --admin-exec or --admin-manual)"

func (a *admin) do(ctx context.Context, action string, req map[string]any, ans any) error {
	noteAdmin(ctx, action)
	if a == nil || a.t == nil {
		return skipError{noAdminReason}
	}
	return a.t.Do(ctx, action, req, ans)
}

// noteAdmin records that the scenario running in ctx needs the admin
// actions (Outcome.AdminActions); the clean-up's actions are not needs.
func noteAdmin(ctx context.Context, actions ...string) {
	w := world(ctx)
	if w == nil {
		return
	}
	w.adminMu.Lock()
	defer w.adminMu.Unlock()
	if w.cleaning {
		return
	}
	if w.adminUsed == nil {
		w.adminUsed = map[string]bool{}
	}
	for _, a := range actions {
		w.adminUsed[a] = true
	}
}

// gone treats a 404 refusal as success: what was to be removed is gone.
func gone(err error) error {
	var r *AdminRefusal
	if errors.As(err, &r) && r.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// Typed answers of the contract.
type (
	// EnterpriseAnswer answers create_enterprise and get_enterprise.
	EnterpriseAnswer struct {
		ID         string `json:"id"`
		RootNodeID string `json:"root_node_id"`
		Seats      int64  `json:"seats"`
		SeatsUsed  int64  `json:"seats_used"`
	}
	// NodeAnswer answers create_node, get_node and target_node.
	NodeAnswer struct {
		ID            string `json:"id"`
		EnterpriseID  string `json:"enterprise_id"`
		DefaultRoleID string `json:"default_role_id"`
	}
	// EndpointAnswer answers create_endpoint, get_endpoint and rotate_token.
	EndpointAnswer struct {
		SCIMURL string `json:"scim_url"`
		Token   string `json:"token"`
		Status  string `json:"status"`
	}
	// UserAnswer answers get_user; find_users answers a list of them.
	UserAnswer struct {
		ID     string `json:"id"`
		Email  string `json:"email"`
		Status string `json:"status"`
		Locked bool   `json:"locked"`
		NodeID string `json:"node_id"`
		RoleID string `json:"role_id"`
	}
	// TeamAnswer answers get_team.
	TeamAnswer struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Members []struct {
			UserID string `json:"user_id"`
			Status string `json:"status"`
		} `json:"members"`
	}
	// SSOAnswer answers configure_sso: the service provider's URLs.
	SSOAnswer struct {
		SP json.RawMessage `json:"sp"`
	}
)

func (a *admin) createEnterprise(ctx context.Context, name string, seats int) (id, root string, err error) {
	var ans EnterpriseAnswer
	err = a.do(ctx, "create_enterprise", map[string]any{"name": name, "seats": seats}, &ans)
	return ans.ID, ans.RootNodeID, err
}

func (a *admin) deleteEnterprise(ctx context.Context, id string) error {
	return gone(a.do(ctx, "delete_enterprise", map[string]any{"enterprise": id}, nil))
}

func (a *admin) createNode(ctx context.Context, enterprise, name string) (string, error) {
	var ans NodeAnswer
	err := a.do(ctx, "create_node", map[string]any{"enterprise": enterprise, "name": name}, &ans)
	return ans.ID, err
}

func (a *admin) createSubNode(ctx context.Context, enterprise, parent, name string) (string, error) {
	var ans NodeAnswer
	err := a.do(ctx, "create_node", map[string]any{"enterprise": enterprise, "name": name, "parent": parent}, &ans)
	return ans.ID, err
}

func (a *admin) deleteNode(ctx context.Context, id string) error {
	return gone(a.do(ctx, "delete_node", map[string]any{"node": id}, nil))
}

func (a *admin) node(ctx context.Context, id string) (NodeAnswer, error) {
	var ans NodeAnswer
	err := a.do(ctx, "get_node", map[string]any{"node": id}, &ans)
	return ans, err
}

func (a *admin) createEndpoint(ctx context.Context, node string, unique bool) (Endpoint, error) {
	var ans EndpointAnswer
	if err := a.do(ctx, "create_endpoint", map[string]any{"node": node, "unique_group_names": unique}, &ans); err != nil {
		return Endpoint{}, err
	}
	if ans.SCIMURL == "" || ans.Token == "" {
		return Endpoint{}, fmt.Errorf("admin: the new endpoint on node %s has no scim_url or token", node)
	}
	a.cfg.addSecret(ans.Token)
	return Endpoint{URL: ans.SCIMURL, Token: ans.Token}, nil
}

func (a *admin) deleteEndpoint(ctx context.Context, node string) error {
	return gone(a.do(ctx, "delete_endpoint", map[string]any{"node": node}, nil))
}

func (a *admin) rotate(ctx context.Context, node string) (string, error) {
	var ans EndpointAnswer
	err := a.do(ctx, "rotate_token", map[string]any{"node": node}, &ans)
	a.cfg.addSecret(ans.Token)
	return ans.Token, err
}

func (a *admin) endpoint(ctx context.Context, node string) (EndpointAnswer, error) {
	var ans EndpointAnswer
	err := a.do(ctx, "get_endpoint", map[string]any{"node": node}, &ans)
	a.cfg.addSecret(ans.Token)
	return ans, err
}

func (a *admin) setNodeSettings(ctx context.Context, node string, settings map[string]any) error {
	return a.do(ctx, "set_node_settings", map[string]any{"node": node, "settings": settings}, nil)
}

func (a *admin) setUniqueGroupNames(ctx context.Context, node string, on bool) error {
	return a.do(ctx, "set_unique_group_names", map[string]any{"node": node, "unique_group_names": on}, nil)
}

func (a *admin) approve(ctx context.Context, enterprise, node string) error {
	return a.do(ctx, "approve_queue", map[string]any{"enterprise": enterprise, "node": node}, nil)
}

func (a *admin) enterprise(ctx context.Context, id string) (EnterpriseAnswer, error) {
	var ans EnterpriseAnswer
	err := a.do(ctx, "get_enterprise", map[string]any{"enterprise": id}, &ans)
	return ans, err
}

func (a *admin) setSeats(ctx context.Context, enterprise string, seats int64) error {
	return a.do(ctx, "set_seats", map[string]any{"enterprise": enterprise, "seats": seats}, nil)
}

func (a *admin) reserveDomain(ctx context.Context, enterprise, domain string) error {
	return a.do(ctx, "reserve_domain", map[string]any{"enterprise": enterprise, "domain": domain}, nil)
}

func (a *admin) releaseDomain(ctx context.Context, enterprise, domain string) error {
	return gone(a.do(ctx, "release_domain", map[string]any{"enterprise": enterprise, "domain": domain}, nil))
}

func (a *admin) user(ctx context.Context, id string) (UserAnswer, error) {
	var ans UserAnswer
	err := a.do(ctx, "get_user", map[string]any{"user": id}, &ans)
	return ans, err
}

func (a *admin) findUsers(ctx context.Context, email string) ([]UserAnswer, error) {
	var ans struct {
		Users []UserAnswer `json:"users"`
	}
	err := a.do(ctx, "find_users", map[string]any{"email": email}, &ans)
	return ans.Users, err
}

// setUser changes a user's invitation status ("active": the user accepted)
// or lock (locked: true/false).
func (a *admin) setUser(ctx context.Context, id string, change map[string]any) error {
	req := map[string]any{"user": id}
	for k, v := range change {
		req[k] = v
	}
	return a.do(ctx, "set_user", req, nil)
}

func (a *admin) deleteUser(ctx context.Context, id string) error {
	return gone(a.do(ctx, "delete_user", map[string]any{"user": id}, nil))
}

func (a *admin) team(ctx context.Context, id string) (TeamAnswer, error) {
	var ans TeamAnswer
	err := a.do(ctx, "get_team", map[string]any{"team": id}, &ans)
	return ans, err
}

func (a *admin) configureSSO(ctx context.Context, node string, settings map[string]any) (SSOAnswer, error) {
	var ans SSOAnswer
	err := a.do(ctx, "configure_sso", map[string]any{"node": node, "settings": settings}, &ans)
	return ans, err
}

func (a *admin) removeSSO(ctx context.Context, node string) error {
	return gone(a.do(ctx, "remove_sso", map[string]any{"node": node}, nil))
}

// targetNode names the node and enterprise behind a SCIM base URL.
func (a *admin) targetNode(ctx context.Context, scimURL string) (NodeAnswer, error) {
	var ans NodeAnswer
	err := a.do(ctx, "target_node", map[string]any{"scim_url": scimURL}, &ans)
	return ans, err
}

// ---- the HTTP transport ----

// HTTPAdmin is the transport to provkit's HTTP admin API (docs/admin-api.md):
// each action is one request.
type HTTPAdmin struct {
	Endpoint
	HTTP     *http.Client
	Recorder *scimclient.Recorder
	Redact   []string
	// info caches the discovery document (shared by copies made per scenario).
	info *lazy[adminInfo]
}

type adminRoute struct {
	method string
	path   func(r map[string]any) string
	body   func(r map[string]any) any
}

func str(r map[string]any, k string) string {
	s, _ := r[k].(string)
	return url.PathEscape(s)
}

func without(r map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range r {
		out[k] = v
	}
	for _, k := range append(keys, "action") {
		delete(out, k)
	}
	return out
}

func field(k string) func(map[string]any) any {
	return func(r map[string]any) any { return r[k] }
}

func fixed(p string) func(map[string]any) string { return func(map[string]any) string { return p } }

// adminRoutes maps every action but target_node to its HTTP request.
var adminRoutes = map[string]adminRoute{
	"create_enterprise": {http.MethodPost, fixed("/enterprises"), func(r map[string]any) any { return without(r) }},
	"get_enterprise":    {http.MethodGet, func(r map[string]any) string { return "/enterprises/" + str(r, "enterprise") }, nil},
	"delete_enterprise": {http.MethodDelete, func(r map[string]any) string { return "/enterprises/" + str(r, "enterprise") }, nil},
	"set_seats": {http.MethodPatch, func(r map[string]any) string { return "/enterprises/" + str(r, "enterprise") },
		func(r map[string]any) any { return map[string]any{"seats": r["seats"]} }},
	"create_node": {http.MethodPost, func(r map[string]any) string { return "/enterprises/" + str(r, "enterprise") + "/nodes" },
		func(r map[string]any) any {
			b := map[string]any{"name": r["name"]}
			if p, ok := r["parent"].(string); ok && p != "" {
				b["parent_id"] = p
			}
			return b
		}},
	"get_node":    {http.MethodGet, func(r map[string]any) string { return "/nodes/" + str(r, "node") }, nil},
	"delete_node": {http.MethodDelete, func(r map[string]any) string { return "/nodes/" + str(r, "node") }, nil},
	"set_node_settings": {http.MethodPatch, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/settings" },
		field("settings")},
	"create_endpoint": {http.MethodPost, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/scim" },
		func(r map[string]any) any {
			return map[string]any{"unique_group_names": r["unique_group_names"] == true}
		}},
	"get_endpoint":    {http.MethodGet, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/scim" }, nil},
	"delete_endpoint": {http.MethodDelete, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/scim" }, nil},
	"rotate_token":    {http.MethodPost, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/scim/rotate" }, nil},
	"set_unique_group_names": {http.MethodPatch, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/scim" },
		func(r map[string]any) any { return map[string]any{"unique_group_names": r["unique_group_names"]} }},
	"approve_queue": {http.MethodPost, func(r map[string]any) string { return "/enterprises/" + str(r, "enterprise") + "/queue/approve" },
		func(r map[string]any) any { return map[string]any{"node_id": r["node"]} }},
	"reserve_domain": {http.MethodPost, func(r map[string]any) string { return "/enterprises/" + str(r, "enterprise") + "/domains" },
		func(r map[string]any) any { return map[string]any{"domain": r["domain"]} }},
	"release_domain": {http.MethodDelete, func(r map[string]any) string {
		return "/enterprises/" + str(r, "enterprise") + "/domains/" + str(r, "domain")
	}, nil},
	"get_user": {http.MethodGet, func(r map[string]any) string { return "/users/" + str(r, "user") }, nil},
	"find_users": {http.MethodGet, func(r map[string]any) string {
		e, _ := r["email"].(string)
		return "/users?email=" + url.QueryEscape(e)
	}, nil},
	"set_user":    {http.MethodPatch, func(r map[string]any) string { return "/users/" + str(r, "user") }, func(r map[string]any) any { return without(r, "user") }},
	"delete_user": {http.MethodDelete, func(r map[string]any) string { return "/users/" + str(r, "user") }, nil},
	"get_team":    {http.MethodGet, func(r map[string]any) string { return "/teams/" + str(r, "team") }, nil},
	"configure_sso": {http.MethodPut, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/sso" },
		field("settings")},
	"remove_sso": {http.MethodDelete, func(r map[string]any) string { return "/nodes/" + str(r, "node") + "/sso" }, nil},
}

// AdminActions lists the actions of the contract, for drivers and docs.
func AdminActions() []string {
	out := []string{"target_node"}
	for k := range adminRoutes {
		out = append(out, k)
	}
	return out
}

func (h *HTTPAdmin) client() *scimclient.Client {
	hc := h.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: scimclient.DefaultTimeout}
	}
	return &scimclient.Client{BaseURL: h.URL, Token: h.Token, MediaType: scimclient.MediaJSON, HTTP: hc,
		Recorder: h.Recorder, Redact: h.Redact}
}

func (h *HTTPAdmin) discovery(ctx context.Context) (adminInfo, error) {
	if h.info == nil {
		h.info = &lazy[adminInfo]{}
	}
	return h.info.get(func() (adminInfo, error) {
		ex, err := h.client().Do(ctx, scimclient.Request{Method: http.MethodGet, Path: ""})
		if err != nil {
			return adminInfo{}, err
		}
		if ex.Status != http.StatusOK || ex.Get("api").String() != "provkit-admin" {
			return adminInfo{}, fmt.Errorf("the admin API at %s is not a provkit admin API (GET answered %d)", h.URL, ex.Status)
		}
		info := adminInfo{capabilities: map[string]bool{}, scimBaseURL: ex.Get("scim_base_url").String()}
		for _, c := range ex.Get("capabilities").Array() {
			info.capabilities[c.String()] = true
		}
		return info, nil
	})
}

// Do performs one action as one admin API request.
func (h *HTTPAdmin) Do(ctx context.Context, action string, req map[string]any, ans any) error {
	if action == "target_node" {
		return h.targetNode(ctx, req, ans)
	}
	rt, ok := adminRoutes[action]
	if !ok {
		return skipError{"the admin API has no action " + action}
	}
	r := scimclient.Request{Method: rt.method, Path: rt.path(req)}
	if rt.body != nil {
		r.Body = rt.body(req)
	}
	if i := strings.IndexByte(r.Path, '?'); i >= 0 {
		q, _ := url.ParseQuery(r.Path[i+1:])
		r.Path, r.Query = r.Path[:i], q
	}
	ex, err := h.client().Do(ctx, r)
	if err != nil {
		return err
	}
	if !ex.OK() {
		reason := strings.TrimSpace(ex.Get("error").String())
		if reason == "" {
			reason = fmt.Sprintf("%s %s answered %d", r.Method, r.Path, ex.Status)
		}
		return &AdminRefusal{Action: action, Status: ex.Status, Reason: reason}
	}
	if ans != nil && len(ex.RespBody) > 0 {
		if err := json.Unmarshal(ex.RespBody, ans); err != nil {
			return fmt.Errorf("admin API: %s: %w\n%s", action, err, ex)
		}
	}
	return nil
}

func (h *HTTPAdmin) targetNode(ctx context.Context, req map[string]any, ans any) error {
	info, err := h.discovery(ctx)
	if err != nil {
		return err
	}
	target, _ := req["scim_url"].(string)
	id := strings.Trim(strings.TrimPrefix(target, info.scimBaseURL), "/")
	if strings.Contains(id, "/") || id == target {
		parts := strings.Split(strings.TrimRight(target, "/"), "/")
		id = parts[len(parts)-1]
	}
	var n NodeAnswer
	if err := h.Do(ctx, "get_node", map[string]any{"node": id}, &n); err != nil {
		return fmt.Errorf("the admin API does not know the target's node %q: %w", id, err)
	}
	if n.ID == "" {
		n.ID = id
	}
	if ans == nil {
		return nil
	}
	b, _ := json.Marshal(n)
	return json.Unmarshal(b, ans)
}
