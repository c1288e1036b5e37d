package steps

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/provkit/provkit/internal/scimclient"
)

// admin drives the provkit admin API (docs/admin-api.md): what an
// administrator does in Keeper's Admin Console.
type admin struct {
	cfg *Config
	cl  *scimclient.Client
}

// skipError makes a scenario skip, with the reason.
type skipError struct{ reason string }

func (e skipError) Error() string { return "skipped: " + e.reason }

// need checks that the admin API is there and offers the capabilities.
func (a *admin) need(ctx context.Context, caps ...string) error {
	if a.cfg.Admin == nil {
		return skipError{"needs the provkit admin API, and none was given (--admin-url, --admin-token)"}
	}
	info, err := a.cfg.adminDiscovery(ctx)
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

// do sends an admin request and requires a 2xx answer.
func (a *admin) do(ctx context.Context, method, path string, body any) (*scimclient.Exchange, error) {
	ex, err := a.cl.Do(ctx, scimclient.Request{Method: method, Path: path, Body: body})
	if err != nil {
		return ex, err
	}
	if !ex.OK() {
		return ex, fmt.Errorf("admin API: %s %s answered %d\n%s", method, path, ex.Status, ex)
	}
	return ex, nil
}

func (a *admin) createEnterprise(ctx context.Context, name string, seats int) (id, root string, err error) {
	ex, err := a.do(ctx, http.MethodPost, "/enterprises", map[string]any{"name": name, "seats": seats})
	if err != nil {
		return "", "", err
	}
	return ex.Get("id").String(), ex.Get("root_node_id").String(), nil
}

func (a *admin) createNode(ctx context.Context, enterprise, name string) (string, error) {
	ex, err := a.do(ctx, http.MethodPost, "/enterprises/"+enterprise+"/nodes", map[string]any{"name": name})
	if err != nil {
		return "", err
	}
	return ex.Get("id").String(), nil
}

func (a *admin) createSubNode(ctx context.Context, enterprise, parent, name string) (string, error) {
	ex, err := a.do(ctx, http.MethodPost, "/enterprises/"+enterprise+"/nodes", map[string]any{"name": name, "parent_id": parent})
	if err != nil {
		return "", err
	}
	return ex.Get("id").String(), nil
}

func (a *admin) createEndpoint(ctx context.Context, node string, unique bool) (Endpoint, error) {
	ex, err := a.do(ctx, http.MethodPost, "/nodes/"+node+"/scim", map[string]any{"unique_group_names": unique})
	if err != nil {
		return Endpoint{}, err
	}
	ep := Endpoint{URL: ex.Get("scim_url").String(), Token: ex.Get("token").String()}
	if ep.URL == "" || ep.Token == "" {
		return Endpoint{}, fmt.Errorf("admin API: the new endpoint has no scim_url or token\n%s", ex)
	}
	a.cfg.addSecret(ep.Token)
	return ep, nil
}

func (a *admin) deleteEndpoint(ctx context.Context, node string) error {
	_, err := a.do(ctx, http.MethodDelete, "/nodes/"+node+"/scim", nil)
	return err
}

func (a *admin) rotate(ctx context.Context, node string) (string, error) {
	ex, err := a.do(ctx, http.MethodPost, "/nodes/"+node+"/scim/rotate", nil)
	if err != nil {
		return "", err
	}
	tok := ex.Get("token").String()
	a.cfg.addSecret(tok)
	return tok, nil
}

func (a *admin) endpoint(ctx context.Context, node string) (*scimclient.Exchange, error) {
	return a.do(ctx, http.MethodGet, "/nodes/"+node+"/scim", nil)
}

func (a *admin) setNodeSettings(ctx context.Context, node string, settings map[string]any) error {
	_, err := a.do(ctx, http.MethodPatch, "/nodes/"+node+"/settings", settings)
	return err
}

func (a *admin) setUniqueGroupNames(ctx context.Context, node string, on bool) error {
	_, err := a.do(ctx, http.MethodPatch, "/nodes/"+node+"/scim", map[string]any{"unique_group_names": on})
	return err
}

func (a *admin) approve(ctx context.Context, enterprise, node string) (*scimclient.Exchange, error) {
	return a.do(ctx, http.MethodPost, "/enterprises/"+enterprise+"/queue/approve", map[string]any{"node_id": node})
}

func (a *admin) enterprise(ctx context.Context, id string) (*scimclient.Exchange, error) {
	return a.do(ctx, http.MethodGet, "/enterprises/"+id, nil)
}

func (a *admin) setSeats(ctx context.Context, enterprise string, seats int64) error {
	_, err := a.do(ctx, http.MethodPatch, "/enterprises/"+enterprise, map[string]any{"seats": seats})
	return err
}

func (a *admin) reserveDomain(ctx context.Context, enterprise, domain string) error {
	_, err := a.do(ctx, http.MethodPost, "/enterprises/"+enterprise+"/domains", map[string]any{"domain": domain})
	return err
}

func (a *admin) releaseDomain(ctx context.Context, enterprise, domain string) error {
	_, err := a.do(ctx, http.MethodDelete, "/enterprises/"+enterprise+"/domains/"+domain, nil)
	return err
}

func (a *admin) user(ctx context.Context, id string) (*scimclient.Exchange, error) {
	return a.do(ctx, http.MethodGet, "/users/"+id, nil)
}

func (a *admin) setUser(ctx context.Context, id string, change map[string]any) error {
	_, err := a.do(ctx, http.MethodPatch, "/users/"+id, change)
	return err
}

func (a *admin) deleteUser(ctx context.Context, id string) error { return a.remove(ctx, "/users/"+id) }

// deleteNode removes a node the run created, with what it holds.
func (a *admin) deleteNode(ctx context.Context, id string) error { return a.remove(ctx, "/nodes/"+id) }

// deleteEnterprise removes an enterprise the run created, with what it holds.
func (a *admin) deleteEnterprise(ctx context.Context, id string) error {
	return a.remove(ctx, "/enterprises/"+id)
}

// remove sends DELETE path: 204, or 404 (already gone), is success.
func (a *admin) remove(ctx context.Context, path string) error {
	ex, err := a.cl.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: path})
	if err == nil && ex.Status != http.StatusNoContent && ex.Status != http.StatusNotFound {
		err = fmt.Errorf("admin API: DELETE %s answered %d", path, ex.Status)
	}
	return err
}

func (a *admin) team(ctx context.Context, id string) (*scimclient.Exchange, error) {
	return a.do(ctx, http.MethodGet, "/teams/"+id, nil)
}
