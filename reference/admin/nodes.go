package admin

import (
	"net/http"
	"strings"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
)

// node reads the node named by the path variable "id".
func (a *api) node(r *http.Request) (directory.Node, error) {
	id, err := pathID(r, "node")
	if err != nil {
		return directory.Node{}, err
	}
	n, err := a.st.GetNode(r.Context(), id)
	return lookup(n, err, "node", id)
}

func (a *api) getNode(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	return a.writeNode(w, r, n, http.StatusOK)
}

// writeNode answers a node with its SCIM endpoint (no token) and its roles.
func (a *api) writeNode(w http.ResponseWriter, r *http.Request, n directory.Node, status int) error {
	ctx := r.Context()
	var epv *endpointView
	ep, err := a.st.GetEndpoint(ctx, n.ID)
	switch {
	case err == nil:
		ev := a.viewEndpoint(r, ep, "")
		epv = &ev
	case !isNotFound(err):
		return err
	}
	roles, err := a.st.ListRoles(ctx, n.EnterpriseID)
	if err != nil {
		return err
	}
	v := nodeDetailView{nodeView: viewNode(n, epv), Roles: []roleView{}}
	for _, ro := range roles {
		if ro.NodeID == n.ID {
			v.Roles = append(v.Roles, viewRole(ro, n))
		}
	}
	writeJSON(w, status, v)
	return nil
}

func (a *api) patchNodeSettings(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	var in struct {
		Deprovision *string `json:"deprovision"`
		Reprovision *string `json:"reprovision"`
		AutoApprove *bool   `json:"auto_approve"`
		Identity    *string `json:"identity"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	var p service.NodeSettingsPatch // members left out keep their value (read in the transaction)
	if in.Deprovision != nil {
		m := directory.DeprovisionMode(*in.Deprovision)
		if m != directory.DeprovisionLock && m != directory.DeprovisionDelete {
			return invalid("deprovision", "deprovision must be %q or %q", directory.DeprovisionLock, directory.DeprovisionDelete)
		}
		p.Deprovision = &m
	}
	if in.Reprovision != nil {
		m := directory.ReprovisionMode(*in.Reprovision)
		if m != directory.ReprovisionLink && m != directory.ReprovisionConflict {
			return invalid("reprovision", "reprovision must be %q or %q", directory.ReprovisionLink, directory.ReprovisionConflict)
		}
		p.Reprovision = &m
	}
	if in.Identity != nil {
		m := directory.IdentityMode(*in.Identity)
		if m != directory.IdentityModeEmail && m != directory.IdentityModeAny {
			return invalid("identity", "identity must be %q or %q", directory.IdentityModeEmail, directory.IdentityModeAny)
		}
		p.Identity = &m
	}
	p.AutoApprove = in.AutoApprove
	if n, err = a.svc.PatchNodeSettings(r.Context(), n.ID, p); err != nil {
		return err
	}
	return a.writeNode(w, r, n, http.StatusOK)
}

func (a *api) createRole(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	var in struct {
		Name    *string `json:"name"`
		Default bool    `json:"default"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return invalid("name", "name is required")
	}
	role, err := a.svc.CreateRole(r.Context(), n.ID, *in.Name, in.Default)
	if err != nil {
		return err
	}
	if in.Default {
		n.DefaultRoleID = role.ID
	}
	writeJSON(w, http.StatusCreated, viewRole(role, n))
	return nil
}

func (a *api) putDefaultRole(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	var in struct {
		RoleID bodyID `json:"role_id"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	if !in.RoleID.set {
		return invalid("role_id", "role_id is required")
	}
	roleID, ok := int64ID(in.RoleID.value)
	if !ok {
		return invalid("role_id", "role %s does not exist", in.RoleID.value)
	}
	n, err = a.svc.SetDefaultRole(r.Context(), n.ID, roleID)
	switch {
	case isNotFound(err): // the node was read above, so the role is missing
		return invalid("role_id", "role %s does not exist", in.RoleID.value)
	case directory.KindOf(err) == directory.KindInvalid:
		return invalid("role_id", "role %s belongs to another enterprise", in.RoleID.value)
	case err != nil:
		return err
	}
	return a.writeNode(w, r, n, http.StatusOK)
}

// ---- SCIM endpoints ----

func (a *api) createEndpoint(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	var in struct {
		UniqueGroupNames bool `json:"unique_group_names"`
	}
	if err := a.decode(w, r, &in, true); err != nil {
		return err
	}
	ep, token, err := a.svc.CreateEndpoint(r.Context(), n.ID, in.UniqueGroupNames)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/nodes/"+idString(n.ID)+"/scim")
	writeJSON(w, http.StatusCreated, a.viewEndpoint(r, ep, token))
	return nil
}

// endpointOf reads the SCIM endpoint of the node named by the path.
func (a *api) endpointOf(r *http.Request) (directory.Endpoint, error) {
	n, err := a.node(r)
	if err != nil {
		return directory.Endpoint{}, err
	}
	ep, err := a.st.GetEndpoint(r.Context(), n.ID)
	if isNotFound(err) {
		return ep, notFound("node %d has no SCIM endpoint", n.ID)
	}
	return ep, err
}

func (a *api) getEndpoint(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointOf(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.viewEndpoint(r, ep, ""))
	return nil
}

func (a *api) rotateToken(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointOf(r)
	if err != nil {
		return err
	}
	ep, token, err := a.svc.RotateToken(r.Context(), ep.NodeID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.viewEndpoint(r, ep, token))
	return nil
}

func (a *api) patchEndpoint(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointOf(r)
	if err != nil {
		return err
	}
	var in struct {
		UniqueGroupNames *bool `json:"unique_group_names"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	if in.UniqueGroupNames != nil {
		if ep, err = a.svc.SetUniqueGroupNames(r.Context(), ep.NodeID, *in.UniqueGroupNames); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, a.viewEndpoint(r, ep, ""))
	return nil
}

func (a *api) deleteEndpoint(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointOf(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteEndpoint(r.Context(), ep.NodeID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteNode removes a node that is not a root, its sub-nodes and everything
// in them (409 for a root node: delete the enterprise instead).
func (a *api) deleteNode(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteNode(r.Context(), n.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
