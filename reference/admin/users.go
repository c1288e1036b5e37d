package admin

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provkit/provkit/reference/directory"
)

// ---- approval queue ----

// queueNode resolves an optional node filter of an enterprise's queue. An ID
// that is not a node of the enterprise is a 400 on field.
func (a *api) queueNode(r *http.Request, e directory.Enterprise, id bodyID) (int64, error) {
	if !id.set || id.value == "" {
		return 0, nil
	}
	nid, ok := int64ID(id.value)
	var n directory.Node
	var err error
	if ok {
		n, err = a.st.GetNode(r.Context(), nid)
	}
	if !ok || isNotFound(err) || (err == nil && n.EnterpriseID != e.ID) {
		return 0, invalid("node_id", "node %s is not a node of enterprise %d", id.value, e.ID)
	}
	return nid, err
}

func (a *api) getQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	filter := bodyID{}
	if q := r.URL.Query(); q.Has("node_id") {
		filter = bodyID{set: true, value: q.Get("node_id")}
	}
	nodeID, err := a.queueNode(r, e, filter)
	if err != nil {
		return err
	}
	v := queueView{EnterpriseID: idString(e.ID), NodeID: optID(nodeID),
		Teams: []queuedTeamView{}, Memberships: []queuedMembershipView{}}
	teams, err := a.st.PendingTeams(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, t := range teams {
		if nodeID == 0 || t.NodeID == nodeID {
			v.Teams = append(v.Teams, queuedTeamView{TeamID: t.ID, TeamName: t.DisplayName, NodeID: idString(t.NodeID)})
		}
	}
	ms, err := a.st.PendingMemberships(ctx, e.ID)
	if err != nil {
		return err
	}
	teamCache := map[string]directory.Team{}
	for _, m := range ms {
		t, ok := teamCache[m.TeamID]
		if !ok {
			if t, err = a.st.GetTeam(ctx, m.TeamID); err != nil {
				return err
			}
			teamCache[m.TeamID] = t
		}
		if nodeID != 0 && t.NodeID != nodeID {
			continue
		}
		u, err := a.st.GetUser(ctx, m.UserID)
		if err != nil {
			return err
		}
		v.Memberships = append(v.Memberships, queuedMembershipView{
			TeamID: t.ID, TeamName: t.DisplayName, TeamStatus: t.Status, NodeID: idString(t.NodeID),
			UserID: idString(u.ID), UserEmail: u.Email, UserStatus: u.Status, UserLocked: u.Locked,
			Approvable: directory.MembershipApprovable(u, t)})
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *api) approveQueue(w http.ResponseWriter, r *http.Request) error {
	e, err := a.enterprise(r)
	if err != nil {
		return err
	}
	var in struct {
		NodeID bodyID `json:"node_id"`
	}
	if err := a.decode(w, r, &in, true); err != nil {
		return err
	}
	nodeID, err := a.queueNode(r, e, in.NodeID)
	if err != nil {
		return err
	}
	res, err := a.svc.ApproveQueue(r.Context(), e.ID, nodeID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// ---- users ----

func (a *api) user(r *http.Request) (directory.User, error) {
	id, err := pathID(r, "user")
	if err != nil {
		return directory.User{}, err
	}
	u, err := a.st.GetUser(r.Context(), id)
	return lookup(u, err, "user", id)
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.user(r)
	if err != nil {
		return err
	}
	return a.writeUser(w, r, u)
}

func (a *api) writeUser(w http.ResponseWriter, r *http.Request, u directory.User) error {
	v, err := a.userDetail(r, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// findUsers is GET /users?email=: the user holding an email, in any
// enterprise (emails are globally unique, so at most one).
func (a *api) findUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		if k != "email" {
			return invalid(k, "unknown query parameter %q (only email is supported)", k)
		}
	}
	email := strings.TrimSpace(q.Get("email"))
	if email == "" {
		return invalid("email", "the email query parameter is required")
	}
	out := struct {
		Users []userView `json:"users"`
	}{Users: []userView{}}
	u, err := a.st.GetUserByEmail(r.Context(), email)
	switch {
	case isNotFound(err):
	case err != nil:
		return err
	default:
		v, err := a.userDetail(r, u)
		if err != nil {
			return err
		}
		out.Users = append(out.Users, v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *api) patchUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.user(r)
	if err != nil {
		return err
	}
	var in struct {
		Status *string `json:"status"`
		Locked *bool   `json:"locked"`
	}
	if err := a.decode(w, r, &in, false); err != nil {
		return err
	}
	var status directory.UserStatus
	if in.Status != nil {
		switch s := directory.UserStatus(*in.Status); s {
		case directory.UserActive, directory.UserInvited:
			status = s
		default:
			return invalid("status", "status must be %q or %q", directory.UserActive, directory.UserInvited)
		}
	}
	if in.Status == nil && in.Locked == nil {
		return invalid("", "nothing to change: give status and/or locked")
	}
	if u, err = a.svc.SetUserState(r.Context(), u.ID, status, in.Locked); err != nil {
		return err
	}
	return a.writeUser(w, r, u)
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.user(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteUserPermanently(r.Context(), u.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- teams ----

func (a *api) getTeam(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	t, err := a.st.GetTeam(ctx, id)
	if t, err = lookup(t, err, "team", id); err != nil {
		return err
	}
	members, err := a.st.TeamMembers(ctx, t.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewTeam(t, members))
	return nil
}
