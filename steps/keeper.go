package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/provkit/provkit/internal/scimclient"
)

// keeper: the steps that need a second node or an administrator.
func (r reg) keeper() {
	// ---- other nodes and enterprises ----
	r.s3(`^the user "([^"]*)" exists in another (enterprise|node)( with the address in upper case)?$`, func(w *World, name, _, upper string) error {
		ep, err := w.cfg.otherEndpoint(w.ctx)
		if err != nil {
			return err
		}
		cl := w.cfg.client(ep, w.rec)
		b := w.userBody(name)
		if upper != "" {
			un := strings.ToUpper(w.userName(name))
			b["userName"] = un
			b["emails"] = []any{map[string]any{"value": un, "type": "work", "primary": true}}
		}
		ex, err := cl.Do(w.ctx, scimclient.Request{Method: http.MethodPost, Path: "/Users", Body: b})
		if err := okOr(ex, err, "provisioning "+name+" in the other node"); err != nil {
			return err
		}
		u := w.remember(name, ex)
		u.other = true
		u.userName = w.userName(name)
		w.removeUserAtEnd(u.id, cl)
		return nil
	})
	r.s1(`^the group "([^"]*)" exists in another node$`, func(w *World, name string) error {
		ep, err := w.cfg.otherEndpoint(w.ctx)
		if err != nil {
			return err
		}
		cl := w.cfg.client(ep, w.rec)
		ex, err := cl.Do(w.ctx, scimclient.Request{Method: http.MethodPost, Path: "/Groups", Body: w.groupBody(name, nil)})
		if err := okOr(ex, err, "creating "+name+" in the other node"); err != nil {
			return err
		}
		g := w.rememberGroup(name, ex)
		g.other = true
		w.removeGroupAtEnd(g.id, cl)
		return nil
	})
	r.s1(`^another enterprise reserved the domain of the user "([^"]*)"$`, func(w *World, name string) error {
		if err := w.admin.need(w.ctx, "enterprises", "domains"); err != nil {
			return err
		}
		ent, _, err := w.admin.createEnterprise(w.ctx, "provkit "+w.scope+" reserver", 0)
		if err != nil {
			return err
		}
		w.removeEnterpriseAtEnd(ent) // and its domain
		d := w.scope + ".reserved.example"
		if err := w.admin.reserveDomain(w.ctx, ent, d); err != nil {
			return err
		}
		w.domain[name] = d
		return nil
	})
	r.s0(`^the node holds more than 1000 users$`, func(w *World) error {
		ep, err := w.cfg.largeNode(w.ctx)
		if err != nil {
			return fmt.Errorf("creating the node of %d users: %w", LargeUsers, err)
		}
		w.useEndpoint(ep)
		return nil
	})
	r.s1(`^a sub-node provisioned the user "([^"]*)"$`, func(w *World, name string) error {
		sub, err := w.admin.createSubNode(w.ctx, w.enterpriseID, w.nodeID, w.scope+" sub")
		if err != nil {
			return err
		}
		w.removeNodeAtEnd(sub)
		ep, err := w.admin.createEndpoint(w.ctx, sub, false)
		if err != nil {
			return err
		}
		cl := w.cfg.client(ep, w.rec)
		ex, err := cl.Do(w.ctx, scimclient.Request{Method: http.MethodPost, Path: "/Users", Body: w.userBody(name)})
		if err := okOr(ex, err, "provisioning "+name+" in the sub-node"); err != nil {
			return err
		}
		u := w.remember(name, ex)
		w.removeUserAtEnd(u.id, cl)
		return nil
	})

	// ---- node and endpoint settings ----
	r.s0(`^the endpoint requires unique group names$`, func(w *World) error {
		if err := w.admin.need(w.ctx, "scim_endpoints"); err != nil {
			return err
		}
		return w.admin.setUniqueGroupNames(w.ctx, w.nodeID, true)
	})
	r.s0(`^the node approves the queue automatically$`, func(w *World) error {
		if err := w.admin.need(w.ctx, "node_settings"); err != nil {
			return err
		}
		return w.admin.setNodeSettings(w.ctx, w.nodeID, map[string]any{"auto_approve": true})
	})
	r.s0(`^every licensed seat is taken$`, func(w *World) error {
		e, err := w.admin.enterprise(w.ctx, w.enterpriseID)
		if err != nil {
			return err
		}
		return w.admin.setSeats(w.ctx, w.enterpriseID, e.SeatsUsed)
	})
	r.s0(`^the endpoint is still pending$`, func(w *World) error {
		e, err := w.admin.endpoint(w.ctx, w.nodeID)
		if err != nil {
			return err
		}
		if e.Status != "pending" {
			return mismatch(nil, "status", `"pending"`, strconv.Quote(e.Status), "expected the new endpoint to be pending, the administrator sees %q", e.Status)
		}
		return nil
	})

	// ---- users' state ----
	r.s1(`^the user "([^"]*)" has accepted the invitation$`, func(w *World, name string) error {
		u, err := w.ensureUser(name)
		if err != nil {
			return err
		}
		return w.admin.setUser(w.ctx, u.id, map[string]any{"status": "active"})
	})
	r.s1(`^the group "([^"]*)" was approved$`, func(w *World, name string) error {
		if _, err := w.ensureGroup(name); err != nil {
			return err
		}
		ent, node, err := w.node()
		if err != nil {
			return err
		}
		return w.admin.approve(w.ctx, ent, node)
	})

	// ---- When ----
	r.s0(`^an administrator approves the queue$`, func(w *World) error {
		ent, node, err := w.node()
		if err != nil {
			return err
		}
		return w.adminAct(w.admin.approve(w.ctx, ent, node))
	})
	r.s1(`^the user "([^"]*)" accepts the invitation$`, func(w *World, name string) error {
		u, err := w.mustUser(name)
		if err != nil {
			return err
		}
		return w.adminAct(w.admin.setUser(w.ctx, u.id, map[string]any{"status": "active"}))
	})
	r.s0(`^an administrator rotates the endpoint's token$`, func(w *World) error {
		w.oldToken = w.ep.Token
		tok, err := w.admin.rotate(w.ctx, w.nodeID)
		if err := w.adminAct(err); err != nil || w.adminRefusal != nil {
			return err
		}
		w.newToken = tok
		return nil
	})
	r.s0(`^an administrator creates a SCIM endpoint on the root node$`, func(w *World) error {
		e, err := w.admin.enterprise(w.ctx, w.enterpriseID)
		if err != nil {
			return err
		}
		root := e.RootNodeID
		_, err = w.admin.createEndpoint(w.ctx, root, false)
		if err == nil {
			w.atEnd(func(ctx context.Context) error { return w.admin.deleteEndpoint(ctx, root) })
		}
		return w.adminAct(err)
	})
	r.s0(`^the identity provider makes its first request$`, func(w *World) error {
		ex, err := w.do(http.MethodGet, "/Users", nil, withQuery(url.Values{"count": {"1"}}))
		w.last = ex
		return err
	})

	// ---- Then ----
	r.s2(`^an administrator sees the user "([^"]*)" (invited|active)$`, func(w *World, name, state string) error {
		return w.expectUserState(name, state)
	})
	// A lock shows over SCIM as active false (Keeper, "Using SCIM API
	// Provisioning": "set the 'value' to true (unlocked) or false (locked)"):
	// these check SCIM, and the administrator's view too when there is one.
	r.s2(`^the user "([^"]*)" is (locked|unlocked|invited and locked)$`, func(w *World, name, state string) error {
		return w.expectUserState(name, state)
	})
	r.s2(`^an administrator sees the team "([^"]*)" (pending|active)$`, func(w *World, name, state string) error {
		g, err := w.mustGroup(name)
		if err != nil {
			return err
		}
		t, err := w.admin.team(w.ctx, g.id)
		if err != nil {
			return fmt.Errorf("expected the administrator to see the team %s: %w", name, err)
		}
		if t.Status != state {
			return mismatch(nil, "status", strconv.Quote(state), strconv.Quote(t.Status), "expected the team %s to be %s, got %q", name, state, t.Status)
		}
		return nil
	})
	r.s3(`^an administrator sees the membership of "([^"]*)" in "([^"]*)" (pending|active)$`, func(w *World, uname, gname, state string) error {
		u, err := w.mustUser(uname)
		if err != nil {
			return err
		}
		g, err := w.mustGroup(gname)
		if err != nil {
			return err
		}
		t, err := w.admin.team(w.ctx, g.id)
		if err != nil {
			return fmt.Errorf("expected the administrator to see the team %s: %w", gname, err)
		}
		got := "(absent)"
		for _, m := range t.Members {
			if m.UserID == u.id {
				got = strconv.Quote(m.Status)
			}
		}
		if got != strconv.Quote(state) {
			return mismatch(nil, "the membership's status", strconv.Quote(state), got, "expected %s's membership in %s to be %s, got %s", uname, gname, state, got)
		}
		return nil
	})
	r.s0(`^an administrator sees the endpoint active$`, func(w *World) error {
		e, err := w.admin.endpoint(w.ctx, w.nodeID)
		if err != nil {
			return fmt.Errorf("expected the administrator to see the endpoint: %w", err)
		}
		if e.Status != "active" {
			return mismatch(nil, "status", `"active"`, strconv.Quote(e.Status), "expected the endpoint to be active, got %q", e.Status)
		}
		return nil
	})
	r.s1(`^the administrator is refused with status (\d+)$`, func(w *World, code string) error {
		r := w.adminRefusal
		if r == nil {
			return failf(nil, "expected the administrator to be refused with status %s; the action succeeded", code)
		}
		if strconv.Itoa(r.Status) != code {
			return failf(nil, "expected the administrator to be refused with status %s, got %d (%s)", code, r.Status, r.Reason)
		}
		return nil
	})
	// The refusal must leave nothing behind: a node with no endpoint is a 404
	// of get_endpoint (docs/admin-api.md). One found is removed at the end.
	r.s0(`^the root node has no SCIM endpoint$`, func(w *World) error {
		e, err := w.admin.enterprise(w.ctx, w.enterpriseID)
		if err != nil {
			return err
		}
		root := e.RootNodeID
		ep, err := w.admin.endpoint(w.ctx, root)
		var r *AdminRefusal
		switch {
		case errors.As(err, &r) && r.Status == http.StatusNotFound:
			return nil
		case err != nil:
			return err
		}
		w.atEnd(func(ctx context.Context) error { return w.admin.deleteEndpoint(ctx, root) })
		return failf(nil, "expected the root node to have no SCIM endpoint after the refusal; it has one (status %q, %s)", ep.Status, ep.SCIMURL)
	})
	r.s1(`^the (previous token is refused|new token is accepted)$`, func(w *World, which string) error {
		tok, want := w.oldToken, http.StatusUnauthorized
		which = strings.Fields(which)[0]
		if which == "new" {
			tok, want = w.newToken, http.StatusOK
		}
		if tok == "" {
			return failf(w.last, "no %s token to try: the rotation gave none", which)
		}
		cl := w.cfg.client(Endpoint{URL: w.ep.URL, Token: tok}, w.rec)
		ex, err := cl.Do(w.ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users", Query: url.Values{"count": {"1"}}})
		if err != nil {
			return err
		}
		if ex.Status != want {
			return badStatus(ex, strconv.Itoa(want), "expected the %s token to get %d, got %d", which, want, ex.Status)
		}
		return nil
	})
}

// adminAct keeps an administrator's refusal of a When action for the Then
// steps; other errors fail the step.
func (w *World) adminAct(err error) error {
	var r *AdminRefusal
	if errors.As(err, &r) {
		w.adminRefusal = r
		return nil
	}
	return err
}

// expectUserState checks a user's state: invited or active (the
// administrator's view only: SCIM shows active true for both), locked or
// unlocked (SCIM's active false or true, and the administrator's lock when
// an administrator is given: without one, the SCIM check is the verdict).
func (w *World) expectUserState(name, state string) error {
	u, err := w.mustUser(name)
	if err != nil {
		return err
	}
	if state != "invited" && state != "active" {
		locked := state != "unlocked"
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK {
			return badStatus(ex, "200", "expected to read the user %s, got %d", name, ex.Status)
		}
		if a := ex.Get("active"); !a.IsBool() || a.Bool() == locked {
			return mismatch(ex, "active", fmt.Sprint(!locked), orAbsent(a),
				"expected the user %s to be %s, which SCIM shows as active %v; got %s", name, state, !locked, orAbsent(a))
		}
		if w.admin == nil && state != "invited and locked" {
			return nil
		}
	}
	au, err := w.admin.user(w.ctx, u.id)
	if err != nil {
		var skip skipError
		if errors.As(err, &skip) && state == "invited and locked" {
			return skipError{"SCIM shows the user locked (active false); " + skip.reason + " to see it invited"}
		}
		return fmt.Errorf("expected the administrator to see the user %s: %w", name, err)
	}
	status, locked := au.Status, au.Locked
	ok := false
	switch state {
	case "invited", "active":
		ok = status == state
	case "locked":
		ok = locked
	case "unlocked":
		ok = !locked
	case "invited and locked":
		ok = status == "invited" && locked
	}
	if !ok {
		return mismatch(nil, "the user's status", state, fmt.Sprintf("status %q, locked %v", status, locked), "expected the user %s to be %s; the administrator sees status %q, locked %v", name, state, status, locked)
	}
	return nil
}
