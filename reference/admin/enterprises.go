package admin

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provkit/provkit/reference/directory"
)

// capabilities is the discovery vocabulary: each names a group of endpoints
// (see docs/admin-api.md). A vendor lists the groups it implements; a suite
// skips scenarios whose admin steps need a missing one.
var capabilities = []string{
	"enterprises",    // GET/POST /enterprises, GET/PATCH/DELETE /enterprises/{id}
	"nodes",          // POST /enterprises/{id}/nodes, GET/DELETE /nodes/{id}
	"node_settings",  // PATCH /nodes/{id}/settings
	"roles",          // POST /nodes/{id}/roles, PUT /nodes/{id}/default-role
	"domains",        // POST/DELETE /enterprises/{id}/domains
	"scim_endpoints", // /nodes/{id}/scim and /nodes/{id}/scim/rotate
	"approval_queue", // GET /enterprises/{id}/queue, POST .../queue/approve
	"users",          // GET /users?email=, GET/PATCH/DELETE /users/{id}
	"teams",          // GET /teams/{id}
	"sso",            // PUT/GET/DELETE /nodes/{id}/sso (SAML SSO service provider)
}

func (a *api) discovery(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, discoveryView{
		API: "provkit-admin", Version: Version, Implementation: "provkit reference server",
		Capabilities:     capabilities,
		DeprovisionModes: []string{string(directory.DeprovisionLock), string(directory.DeprovisionDelete)},
		SCIMBaseURL:      a.base(r) + SCIMPrefix,
	})
	return nil
}

// enterprise reads the enterprise named by the path variable "id".
func (a *api) enterprise(r *http.Request) (directory.Enterprise, error) {
	id, err := pathID(r, "enterprise")
	if err != nil {
		return directory.Enterprise{}, err
	}
	e, err := a.st.GetEnterprise(r.Context(), id)
	return lookup(e, err, "enterprise", id)
}

func (a *api) listEnterprises(w http.ResponseWriter, r *http.Request) error {
	es, err := a.st.ListEnterprises(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Enterprises []enterpriseView `json:"enterprises"`
	}{Enterprises: make([]enterpriseView, 0, len(es))}
	for _, e := range es {
		out.Enterprises = append(out.Enterprises, viewEnterprise(e))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *api) createEnterprise(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name  *string `json:"name"`
		Seats *int    `json:"seats"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return invalid("name", "name is required")
	}
	if in.Seats == nil {
		return invalid("seats", "seats is required")
	}
	e, err := a.svc.CreateEnterprise(r.Context(), *in.Name, *in.Seats)
	if err != nil {
		return err
	}
	return a.writeEnterprise(w, r, e, http.StatusCreated)
}

func (a *api) getEnterprise(w http.ResponseWriter, r *http.Request) error {
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	return a.writeEnterprise(w, r, e, http.StatusOK)
}

func (a *api) patchEnterprise(w http.ResponseWriter, r *http.Request) error {
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	var in struct {
		Seats *int `json:"seats"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	if in.Seats == nil {
		return invalid("seats", "seats is required")
	}
	if *in.Seats < 0 {
		return invalid("seats", "seats must not be negative")
	}
	if e, err = a.svc.SetSeats(r.Context(), e.ID, *in.Seats); err != nil {
		return err
	}
	return a.writeEnterprise(w, r, e, http.StatusOK)
}

// writeEnterprise answers an enterprise with its nodes (each with its SCIM
// endpoint, no token), roles and reserved domains.
func (a *api) writeEnterprise(w http.ResponseWriter, r *http.Request, e directory.Enterprise, status int) error {
	ctx := r.Context()
	nodes, err := a.st.ListNodes(ctx, e.ID)
	if err != nil {
		return err
	}
	roles, err := a.st.ListRoles(ctx, e.ID)
	if err != nil {
		return err
	}
	domains, err := a.st.ListDomains(ctx, e.ID)
	if err != nil {
		return err
	}
	eps, err := a.st.ListEndpoints(ctx, e.ID)
	if err != nil {
		return err
	}
	byNode := make(map[int64]directory.Node, len(nodes))
	epByNode := make(map[int64]directory.Endpoint, len(eps))
	for _, ep := range eps {
		epByNode[ep.NodeID] = ep
	}
	v := enterpriseDetailView{enterpriseView: viewEnterprise(e), Nodes: make([]nodeView, 0, len(nodes)),
		Roles: make([]roleView, 0, len(roles)), Domains: make([]string, 0, len(domains))}
	for _, n := range nodes {
		byNode[n.ID] = n
		var epv *endpointView
		if ep, ok := epByNode[n.ID]; ok {
			ev := a.viewEndpoint(r, ep, "")
			epv = &ev
		}
		v.Nodes = append(v.Nodes, viewNode(n, epv))
	}
	for _, ro := range roles {
		v.Roles = append(v.Roles, viewRole(ro, byNode[ro.NodeID]))
	}
	for _, d := range domains {
		v.Domains = append(v.Domains, d.Name)
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", Prefix+"/enterprises/"+idString(e.ID))
	}
	writeJSON(w, status, v)
	return nil
}

func (a *api) createNode(w http.ResponseWriter, r *http.Request) error {
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	var in struct {
		ParentID bodyID  `json:"parent_id"`
		Name     *string `json:"name"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return invalid("name", "name is required")
	}
	parentID := e.RootNode // default: a child of the root
	if in.ParentID.set {
		id, ok := int64ID(in.ParentID.value)
		var parent directory.Node
		if ok {
			parent, err = a.st.GetNode(r.Context(), id)
		}
		if !ok || isNotFound(err) || (err == nil && parent.EnterpriseID != e.ID) {
			return invalid("parent_id", "node %s is not a node of enterprise %d", in.ParentID.value, e.ID)
		}
		if err != nil {
			return err
		}
		parentID = parent.ID
	}
	n, err := a.svc.CreateNode(r.Context(), parentID, *in.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/nodes/"+idString(n.ID))
	return a.writeNode(w, r, n, http.StatusCreated)
}

func (a *api) reserveDomain(w http.ResponseWriter, r *http.Request) error {
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	var in struct {
		Domain *string `json:"domain"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	if in.Domain == nil || strings.TrimSpace(*in.Domain) == "" {
		return invalid("domain", "domain is required")
	}
	d, err := a.svc.ReserveDomain(r.Context(), e.ID, *in.Domain)
	if directory.KindOf(err) == directory.KindConflict {
		return errorf(http.StatusConflict, codeConflict, "domain %s is already reserved", d.Name)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/enterprises/"+idString(e.ID)+"/domains/"+d.Name)
	writeJSON(w, http.StatusCreated, domainView{Domain: d.Name, EnterpriseID: idString(d.EnterpriseID)})
	return nil
}

func (a *api) releaseDomain(w http.ResponseWriter, r *http.Request) error {
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	name := strings.ToLower(mux.Vars(r)["domain"])
	if err := a.svc.ReleaseDomain(r.Context(), e.ID, name); err != nil {
		if isNotFound(err) {
			return notFound("domain %s is not reserved by enterprise %d", name, e.ID)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteEnterprise removes an enterprise and everything in it: what a test
// run created for itself.
func (a *api) deleteEnterprise(w http.ResponseWriter, r *http.Request) error {
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteEnterprise(r.Context(), e.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
