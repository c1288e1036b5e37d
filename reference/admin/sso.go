package admin

import (
	"net/http"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/sso"
)

// ssoView is a node's SSO configuration with its SP URLs.
type ssoView struct {
	NodeID            string               `json:"node_id"`
	IDPEntityID       string               `json:"idp_entity_id"`
	IDPMetadata       string               `json:"idp_metadata"`
	JIT               bool                 `json:"jit"`
	AttrEmail         string               `json:"attr_email"`
	AttrFirst         string               `json:"attr_first"`
	AttrLast          string               `json:"attr_last"`
	SignPolicy        directory.SignPolicy `json:"sign_policy"`
	AllowIDPInitiated bool                 `json:"allow_idp_initiated"`
	RelayStateAllow   []string             `json:"relay_state_allow"`
	AllowSHA1         bool                 `json:"allow_sha1"`
	SP                sso.URLs             `json:"sp"`
	Created           string               `json:"created"`
	Modified          string               `json:"modified"`
}

func (a *api) viewSSO(r *http.Request, c directory.SSOConfig) ssoView {
	v := ssoView{NodeID: idString(c.NodeID), IDPMetadata: c.IDPMetadata, JIT: c.JIT, AttrEmail: c.AttrEmail,
		AttrFirst: c.AttrFirst, AttrLast: c.AttrLast, SignPolicy: c.SignPolicy, AllowIDPInitiated: c.AllowIDPInitiated,
		RelayStateAllow: c.RelayStateAllow, AllowSHA1: c.AllowSHA1, SP: sso.NodeURLs(a.base(r), c.NodeID),
		Created: c.Created.Format(timeFormat), Modified: c.Modified.Format(timeFormat)}
	if v.RelayStateAllow == nil {
		v.RelayStateAllow = []string{}
	}
	if ed, err := sso.ParseIDPMetadata(c.IDPMetadata); err == nil {
		v.IDPEntityID = ed.EntityID
	}
	return v
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// putSSO creates or updates a node's SSO configuration (PUT: members left
// out keep their value; idp_metadata is required on creation).
func (a *api) putSSO(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	var in struct {
		IDPMetadata       *string               `json:"idp_metadata"`
		JIT               *bool                 `json:"jit"`
		AttrEmail         *string               `json:"attr_email"`
		AttrFirst         *string               `json:"attr_first"`
		AttrLast          *string               `json:"attr_last"`
		SignPolicy        *directory.SignPolicy `json:"sign_policy"`
		AllowIDPInitiated *bool                 `json:"allow_idp_initiated"`
		RelayStateAllow   *[]string             `json:"relay_state_allow"`
		AllowSHA1         *bool                 `json:"allow_sha1"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	c, err := a.svc.ConfigureSSO(r.Context(), n.ID, service.SSOSettings{IDPMetadata: in.IDPMetadata, JIT: in.JIT,
		AttrEmail: in.AttrEmail, AttrFirst: in.AttrFirst, AttrLast: in.AttrLast, SignPolicy: in.SignPolicy,
		AllowIDPInitiated: in.AllowIDPInitiated, RelayStateAllow: in.RelayStateAllow, AllowSHA1: in.AllowSHA1},
		func(md string) error { _, err := sso.ParseIDPMetadata(md); return err })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.viewSSO(r, c))
	return nil
}

func (a *api) getSSO(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	c, err := a.st.GetSSOConfig(r.Context(), n.ID)
	if c, err = lookup(c, err, "sso configuration of node", n.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.viewSSO(r, c))
	return nil
}

func (a *api) deleteSSO(w http.ResponseWriter, r *http.Request) error {
	n, err := a.node(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteSSO(r.Context(), n.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
