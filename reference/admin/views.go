package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// Identifiers are opaque strings on the wire (a vendor's may be UUIDs); the
// reference server's are decimal digits, except team IDs (base64url UIDs).
// In request bodies the reference server also accepts a JSON number.

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// optID renders 0 (no parent) as null.
func optID(id int64) *string {
	if id == 0 {
		return nil
	}
	s := idString(id)
	return &s
}

// bodyID is an identifier in a request body: a JSON string or number.
type bodyID struct {
	set   bool
	value string
}

func (b *bodyID) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*b = bodyID{}
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*b = bodyID{set: true, value: s}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("an identifier must be a string or a number")
	}
	*b = bodyID{set: true, value: n.String()}
	return nil
}

// int64ID parses an identifier of this server. ok is false for anything that
// cannot be one of its IDs (such an ID names nothing).
func int64ID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// pathID is the int64 path variable "id"; an unparsable one names nothing.
func pathID(r *http.Request, what string) (int64, error) {
	s := mux.Vars(r)["id"]
	id, ok := int64ID(s)
	if !ok {
		return 0, notFound("%s %s not found", what, s)
	}
	return id, nil
}

// lookup reads one row by ID and turns "not found" into a 404 naming it.
func lookup[T any](v T, err error, what string, id any) (T, error) {
	if err != nil {
		if isNotFound(err) {
			return v, notFound("%s %v not found", what, id)
		}
		return v, err
	}
	return v, nil
}

func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || directory.KindOf(err) == directory.KindNotFound
}

// ---- representations ----

type discoveryView struct {
	API              string   `json:"api"`
	Version          string   `json:"version"`
	Implementation   string   `json:"implementation"`
	Capabilities     []string `json:"capabilities"`
	DeprovisionModes []string `json:"deprovision_modes"`
	SCIMBaseURL      string   `json:"scim_base_url"`
}

type enterpriseView struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Seats      int       `json:"seats"`
	SeatsUsed  int       `json:"seats_used"`
	RootNodeID string    `json:"root_node_id"`
	Created    time.Time `json:"created"`
}

func viewEnterprise(e directory.Enterprise) enterpriseView {
	return enterpriseView{ID: idString(e.ID), Name: e.Name, Seats: e.Seats, SeatsUsed: e.SeatsUsed,
		RootNodeID: idString(e.RootNode), Created: e.Created}
}

type enterpriseDetailView struct {
	enterpriseView
	Nodes   []nodeView `json:"nodes"`
	Roles   []roleView `json:"roles"`
	Domains []string   `json:"domains"`
}

type nodeView struct {
	ID            string           `json:"id"`
	EnterpriseID  string           `json:"enterprise_id"`
	ParentID      *string          `json:"parent_id"`
	Name          string           `json:"name"`
	DefaultRoleID string           `json:"default_role_id"`
	Settings      nodeSettingsView `json:"settings"`
	SCIM          *endpointView    `json:"scim"`
}

type nodeSettingsView struct {
	Deprovision directory.DeprovisionMode `json:"deprovision"`
	Reprovision directory.ReprovisionMode `json:"reprovision"`
	AutoApprove bool                      `json:"auto_approve"`
	Identity    directory.IdentityMode    `json:"identity"`
}

func viewNode(n directory.Node, ep *endpointView) nodeView {
	return nodeView{ID: idString(n.ID), EnterpriseID: idString(n.EnterpriseID), ParentID: optID(n.ParentID),
		Name: n.Name, DefaultRoleID: idString(n.DefaultRoleID),
		Settings: nodeSettingsView{Deprovision: n.Settings.Deprovision, Reprovision: n.Settings.Reprovision,
			AutoApprove: n.Settings.AutoApprove, Identity: identityOrDefault(n.Settings.Identity)},
		SCIM: ep}
}

// identityOrDefault names the identity mode a node without the setting has.
func identityOrDefault(m directory.IdentityMode) directory.IdentityMode {
	if m == "" {
		return directory.IdentityModeEmail
	}
	return m
}

type nodeDetailView struct {
	nodeView
	Roles []roleView `json:"roles"`
}

type roleView struct {
	ID           string `json:"id"`
	EnterpriseID string `json:"enterprise_id"`
	NodeID       string `json:"node_id"`
	Name         string `json:"name"`
	Default      bool   `json:"default"` // the default role of its node
}

func viewRole(r directory.Role, n directory.Node) roleView {
	return roleView{ID: idString(r.ID), EnterpriseID: idString(r.EnterpriseID), NodeID: idString(r.NodeID),
		Name: r.Name, Default: n.ID == r.NodeID && n.DefaultRoleID == r.ID}
}

type domainView struct {
	Domain       string `json:"domain"`
	EnterpriseID string `json:"enterprise_id"`
}

type endpointView struct {
	NodeID           string                   `json:"node_id"`
	EnterpriseID     string                   `json:"enterprise_id"`
	SCIMURL          string                   `json:"scim_url"`
	Token            string                   `json:"token,omitempty"` // only when issued
	Status           directory.EndpointStatus `json:"status"`
	UniqueGroupNames bool                     `json:"unique_group_names"`
	Created          time.Time                `json:"created"`
	Rotated          time.Time                `json:"rotated"`
}

func (a *api) viewEndpoint(r *http.Request, ep directory.Endpoint, token string) endpointView {
	return endpointView{NodeID: idString(ep.NodeID), EnterpriseID: idString(ep.EnterpriseID),
		SCIMURL: a.base(r) + SCIMPrefix + idString(ep.NodeID), Token: token, Status: ep.Status,
		UniqueGroupNames: ep.UniqueGroupNames, Created: ep.Created, Rotated: ep.Rotated}
}

type userView struct {
	ID           string               `json:"id"`
	EnterpriseID string               `json:"enterprise_id"`
	NodeID       string               `json:"node_id"`
	RoleID       string               `json:"role_id"`
	RoleName     string               `json:"role_name"`
	Email        string               `json:"email"`
	UserName     string               `json:"user_name"`
	DisplayName  string               `json:"display_name"`
	GivenName    string               `json:"given_name"`
	FamilyName   string               `json:"family_name"`
	ExternalID   string               `json:"external_id"`
	Status       directory.UserStatus `json:"status"`
	Locked       bool                 `json:"locked"`
	Version      int64                `json:"version"`
	Created      time.Time            `json:"created"`
	Modified     time.Time            `json:"modified"`
	Memberships  []userMembershipView `json:"memberships"`
	Emails       []directory.Email    `json:"emails"`
}

type userMembershipView struct {
	TeamID   string                     `json:"team_id"`
	TeamName string                     `json:"team_name"`
	NodeID   string                     `json:"node_id"`
	Status   directory.MembershipStatus `json:"status"`
}

// userDetail reads a user's full state: role name and memberships.
func (a *api) userDetail(r *http.Request, u directory.User) (userView, error) {
	ctx := r.Context()
	v := userView{ID: idString(u.ID), EnterpriseID: idString(u.EnterpriseID), NodeID: idString(u.NodeID),
		RoleID: idString(u.RoleID), Email: u.Email, UserName: u.UserName, DisplayName: u.DisplayName,
		GivenName: u.GivenName, FamilyName: u.FamilyName, ExternalID: u.ExternalID, Status: u.Status,
		Locked: u.Locked, Version: u.Version, Created: u.Created, Modified: u.Modified,
		Memberships: []userMembershipView{}, Emails: u.Emails}
	if v.Emails == nil {
		v.Emails = []directory.Email{}
	}
	if u.RoleID != 0 {
		role, err := a.st.GetRole(ctx, u.RoleID)
		if err != nil && !isNotFound(err) {
			return v, err
		}
		v.RoleName = role.Name
	}
	teams, err := a.st.UserTeams(ctx, u.ID)
	if err != nil {
		return v, err
	}
	for _, t := range teams {
		v.Memberships = append(v.Memberships, userMembershipView{TeamID: t.TeamID, TeamName: t.DisplayName,
			NodeID: idString(t.NodeID), Status: t.Status})
	}
	return v, nil
}

type teamView struct {
	ID           string               `json:"id"`
	EnterpriseID string               `json:"enterprise_id"`
	NodeID       string               `json:"node_id"`
	Name         string               `json:"name"`
	ExternalID   string               `json:"external_id"`
	Status       directory.TeamStatus `json:"status"`
	Version      int64                `json:"version"`
	Created      time.Time            `json:"created"`
	Modified     time.Time            `json:"modified"`
	Members      []teamMemberView     `json:"members"`
}

type teamMemberView struct {
	UserID string                     `json:"user_id"`
	Email  string                     `json:"email"`
	Status directory.MembershipStatus `json:"status"`
}

func viewTeam(t directory.Team, members []store.Member) teamView {
	v := teamView{ID: t.ID, EnterpriseID: idString(t.EnterpriseID), NodeID: idString(t.NodeID), Name: t.DisplayName,
		ExternalID: t.ExternalID, Status: t.Status, Version: t.Version, Created: t.Created, Modified: t.Modified,
		Members: make([]teamMemberView, 0, len(members))}
	for _, m := range members {
		v.Members = append(v.Members, teamMemberView{UserID: idString(m.UserID), Email: m.Email, Status: m.Status})
	}
	return v
}

type queueView struct {
	EnterpriseID string                 `json:"enterprise_id"`
	NodeID       *string                `json:"node_id"` // the filter, if any
	Teams        []queuedTeamView       `json:"teams"`
	Memberships  []queuedMembershipView `json:"memberships"`
}

type queuedTeamView struct {
	TeamID   string `json:"team_id"`
	TeamName string `json:"team_name"`
	NodeID   string `json:"node_id"`
}

type queuedMembershipView struct {
	TeamID     string               `json:"team_id"`
	TeamName   string               `json:"team_name"`
	TeamStatus directory.TeamStatus `json:"team_status"`
	NodeID     string               `json:"node_id"`
	UserID     string               `json:"user_id"`
	UserEmail  string               `json:"user_email"`
	UserStatus directory.UserStatus `json:"user_status"`
	UserLocked bool                 `json:"user_locked"`
	// Approvable: an approval now would make it active (user active and
	// unlocked, team active).
	Approvable bool `json:"approvable"`
}
