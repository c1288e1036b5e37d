package steps

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

func (r reg) groups() {
	// ---- Given ----
	r.s1(`^the groups `+names+` exist$`, func(w *World, list string) error {
		for _, n := range nameList(list) {
			if _, err := w.ensureGroup(n); err != nil {
				return err
			}
		}
		return nil
	})
	r.s2(`^the group "([^"]*)" has the members? `+names+`$`, func(w *World, name, list string) error {
		_, err := w.ensureGroup(name, nameList(list)...)
		return err
	})
	r.s1(`^(\d+) groups of this scenario exist$`, func(w *World, n string) error {
		var count int
		fmt.Sscan(n, &count)
		for i := 1; i <= count; i++ {
			if _, err := w.ensureGroup(fmt.Sprintf("group%d", i)); err != nil {
				return err
			}
		}
		return nil
	})

	// ---- When ----
	r.s1(`^the identity provider creates the group "([^"]*)"$`, func(w *World, name string) error {
		return w.createGroup(name, w.groupBody(name, nil))
	})
	r.s2(`^the identity provider creates the group "([^"]*)" with the members? `+names+`$`, func(w *World, name, list string) error {
		var ids []string
		for _, n := range nameList(list) {
			u, err := w.mustUser(n)
			if err != nil {
				return err
			}
			ids = append(ids, u.id)
		}
		return w.createGroup(name, w.groupBody(name, ids))
	})
	r.s2(`^the identity provider creates another group named like "([^"]*)"( in upper case)?$`, func(w *World, name, upper string) error {
		g, err := w.mustGroup(name)
		if err != nil {
			return err
		}
		b := w.groupBody(name+"-twin", nil)
		b["displayName"] = g.displayName
		if upper != "" {
			b["displayName"] = strings.ToUpper(g.displayName)
		}
		return w.createGroup(name+"-twin", b)
	})
	r.s2(`^the identity provider adds the user "([^"]*)" to the group "([^"]*)"$`, func(w *World, uname, gname string) error {
		return w.addMember(uname, gname, nil)
	})
	r.s3(`^the identity provider adds the user "([^"]*)" to the group "([^"]*)" asking for "([^"]*)"$`, func(w *World, uname, gname, query string) error {
		q, err := w.query(query)
		if err != nil {
			return err
		}
		return w.addMember(uname, gname, q)
	})
	r.s3(`^Keeper's own client (adds|removes) the user "([^"]*)" (?:to|from) the group "([^"]*)" through the user$`, func(w *World, op, uname, gname string) error {
		u, err := w.mustUser(uname)
		if err != nil {
			return err
		}
		g, err := w.mustGroup(gname)
		if err != nil {
			return err
		}
		o := map[string]any{"add": "add", "removes": "remove", "adds": "add"}[op]
		ex, err := w.do(http.MethodPatch, "/Users/"+u.id, patchBody(map[string]any{"op": o, "path": "groups", "value": []any{map[string]any{"value": g.id}}}))
		w.last = ex
		return err
	})
	r.s2(`^the identity provider replaces the group "([^"]*)" with the display name "([^"]*)"$`, func(w *World, name, display string) error {
		display, err := w.expand(display)
		if err != nil {
			return err
		}
		return w.replace("group", name, func(m map[string]any) { m["displayName"] = display }, nil)
	})
	r.s2(`^the identity provider replaces the members of the group "([^"]*)" with `+names+`$`, func(w *World, name, list string) error {
		var ms []any
		for _, n := range nameList(list) {
			u, err := w.mustUser(n)
			if err != nil {
				return err
			}
			ms = append(ms, map[string]any{"value": u.id})
		}
		return w.replace("group", name, func(m map[string]any) { m["members"] = ms }, nil)
	})

	// ---- Then ----
	r.s2(`^the group "([^"]*)" has exactly the members? `+names+`$`, func(w *World, name, list string) error {
		return w.checkMembers(name, nameList(list))
	})
}

func (w *World) createGroup(name string, body map[string]any) error {
	ex, err := w.do(http.MethodPost, "/Groups", body)
	if err != nil {
		return err
	}
	w.last = ex
	if ex.Status == http.StatusCreated && ex.Get("id").String() != "" {
		g := w.rememberGroup(name, ex)
		w.removeGroupAtEnd(g.id, w.c)
	}
	return nil
}

func (w *World) addMember(uname, gname string, q url.Values) error {
	u, err := w.mustUser(uname)
	if err != nil {
		return err
	}
	g, err := w.mustGroup(gname)
	if err != nil {
		return err
	}
	ex, err := w.do(http.MethodPatch, "/Groups/"+g.id,
		patchBody(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": u.id}}}), withQuery(q))
	w.last = ex
	return err
}

// checkMembers reads the group and compares its member ids with the users named.
func (w *World) checkMembers(name string, want []string) error {
	ex, err := w.read("group", name)
	if err != nil {
		return err
	}
	if ex.Status != http.StatusOK {
		return badStatus(ex, "200", "expected to read the group %s, got %d", name, ex.Status)
	}
	var wantIDs []string
	for _, n := range want {
		u, err := w.mustUser(n)
		if err != nil {
			return err
		}
		wantIDs = append(wantIDs, u.id)
	}
	got := values(ex.Get("members"))
	sort.Strings(got)
	sort.Strings(wantIDs)
	if !slices.Equal(got, wantIDs) {
		return mismatch(ex, "members", w.describeIDs(wantIDs), w.describeIDs(got), "expected the members of %s to be exactly %s, got %s", name, w.describeIDs(wantIDs), w.describeIDs(got))
	}
	return nil
}

// describeIDs names the scenario's users among ids.
func (w *World) describeIDs(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	var out []string
	for _, id := range ids {
		label := id
		for _, u := range w.users {
			if u.id == id {
				label = u.name + " (" + id + ")"
			}
		}
		out = append(out, label)
	}
	return strings.Join(out, ", ")
}
