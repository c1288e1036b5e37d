package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/provkit/provkit/internal/scimclient"
)

// Verification compares the target's directory with what it acknowledged.
type Verification struct {
	// Checked users and groups: those the target acknowledged creating.
	Users, Groups int
	// Lost lists acknowledged writes the target does not hold: a user or
	// group it cannot read, a member an acknowledged PATCH added that the
	// group does not list. Different lists users or groups whose
	// attributes differ from what was sent. Extra lists what carries the
	// run's scope but was never acknowledged (a duplicate, a member nobody sent).
	Lost, Different, Extra []string
	// Unreadable lists reads that failed (the check is then incomplete).
	Unreadable []string
	// Listed is how the scoped users were counted: "filter" (userName sw),
	// "paging" (every user, the filter refused) or "" (not counted).
	Listed   string
	Duration time.Duration
}

// OK says nothing was lost, different, extra or unreadable.
func (v *Verification) OK() bool {
	return len(v.Lost)+len(v.Different)+len(v.Extra)+len(v.Unreadable) == 0
}

// Verify reads back every acknowledged user and group (round-robin over
// the URLs, so replicas must agree) and compares them with what was sent;
// it also lists the scope's users and groups to find extras.
func (r *Run) Verify(ctx context.Context) *Verification {
	t0 := time.Now()
	v := &Verification{}
	var mu sync.Mutex
	note := func(list *[]string, format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		*list = append(*list, fmt.Sprintf(format, args...))
	}
	var users []*plannedUser
	for i := range r.users {
		if r.users[i].id != "" {
			users = append(users, &r.users[i])
		}
	}
	v.Users = len(users)
	r.phase("verify users", len(users))
	r.each(ctx, len(users), func(i int) {
		u := users[i]
		a := r.send(ctx, "verify-user", scimclient.Request{Method: http.MethodGet, Path: "/Users/" + u.id}, http.StatusNotFound)
		switch {
		case a.err != nil:
			note(&v.Unreadable, "user %s: %v", u.Email, a.err)
		case a.ex.Status == http.StatusNotFound:
			note(&v.Lost, "user %s (id %s): created (answered 201) but GET answers 404", u.Email, u.id)
		case !a.ex.OK():
			note(&v.Unreadable, "user %s: GET answered %d", u.Email, a.ex.Status)
		default:
			if d := userDiff(a.ex, u); d != "" {
				note(&v.Different, "user %s (id %s): %s", u.Email, u.id, d)
			}
		}
	})

	var groups []*plannedGroup
	for i := range r.groups {
		if r.groups[i].id != "" {
			groups = append(groups, &r.groups[i])
		}
	}
	v.Groups = len(groups)
	byID := map[string]string{}
	for _, u := range r.users {
		if u.id != "" {
			byID[u.id] = u.Email
		}
	}
	r.phase("verify groups", len(groups))
	r.each(ctx, len(groups), func(i int) {
		g := groups[i]
		a := r.send(ctx, "verify-group", scimclient.Request{Method: http.MethodGet, Path: "/Groups/" + g.id}, http.StatusNotFound)
		switch {
		case a.err != nil:
			note(&v.Unreadable, "group %q: %v", g.Name, a.err)
			return
		case a.ex.Status == http.StatusNotFound:
			note(&v.Lost, "group %q (id %s): created (answered 201) but GET answers 404", g.Name, g.id)
			return
		case !a.ex.OK():
			note(&v.Unreadable, "group %q: GET answered %d", g.Name, a.ex.Status)
			return
		}
		if n := a.ex.Get("displayName").String(); n != g.Name {
			note(&v.Different, "group %q (id %s): displayName is %q", g.Name, g.id, n)
		}
		have := map[string]bool{}
		for _, m := range a.ex.Get("members").Array() {
			have[m.Get("value").String()] = true
		}
		var lost, extra []string
		for id := range g.sent {
			if !have[id] {
				lost = append(lost, byID[id])
			}
		}
		for id := range have {
			if !g.tried[id] {
				extra = append(extra, id)
			}
		}
		sort.Strings(lost)
		sort.Strings(extra)
		if len(lost) > 0 {
			note(&v.Lost, "group %q (id %s): %d of %d acknowledged members missing: %s", g.Name, g.id, len(lost), len(g.sent), list(lost, 5))
		}
		if len(extra) > 0 {
			note(&v.Extra, "group %q (id %s): %d members never sent: %s", g.Name, g.id, len(extra), list(extra, 5))
		}
	})
	if ctx.Err() == nil {
		r.phase("verify lists", 2)
		r.countScoped(ctx, v, note)
	}
	for _, l := range [][]string{v.Lost, v.Different, v.Extra, v.Unreadable} {
		sort.Strings(l)
	}
	v.Duration = time.Since(t0)
	return v
}

// countScoped counts the scope's users (filter userName sw, else paging
// through every user) and groups, to find resources never acknowledged.
func (r *Run) countScoped(ctx context.Context, v *Verification, note func(*[]string, string, ...any)) {
	prefix := r.scope + "."
	n, how, err := r.countList(ctx, "/Users", "userName", prefix)
	switch {
	case err != nil:
		note(&v.Unreadable, "listing the run's users: %v", err)
	case n > v.Users:
		note(&v.Extra, "%d users carry the scope %s but only %d creates were acknowledged (duplicates?)", n, r.scope, v.Users)
	}
	v.Listed = how
	if len(r.groups) == 0 {
		return
	}
	g, _, err := r.countList(ctx, "/Groups", "displayName", r.scope+" ")
	switch {
	case err != nil:
		note(&v.Unreadable, "listing the run's groups: %v", err)
	case g > v.Groups:
		note(&v.Extra, "%d groups carry the scope %s but only %d creates were acknowledged (duplicates?)", g, r.scope, v.Groups)
	}
}

// countList counts the resources whose attr starts with prefix: with a
// filter, or, where the target refuses it, by paging through all of them
// (count=1000, startIndex).
func (r *Run) countList(ctx context.Context, path, attr, prefix string) (int, string, error) {
	q := url.Values{"filter": {attr + ` sw "` + prefix + `"`}, "count": {"0"}}
	a := r.send(ctx, "verify-list", scimclient.Request{Method: http.MethodGet, Path: path, Query: q},
		http.StatusBadRequest, http.StatusNotImplemented, http.StatusForbidden)
	if a.err != nil {
		return 0, "", a.err
	}
	if a.ex.Status == http.StatusOK && a.ex.Get("totalResults").Exists() {
		return int(a.ex.Get("totalResults").Int()), "filter", nil
	}
	n, seen := 0, 0
	for start := 1; ; {
		q := url.Values{"startIndex": {strconv.Itoa(start)}, "count": {"1000"}, "attributes": {attr}}
		a := r.send(ctx, "verify-list", scimclient.Request{Method: http.MethodGet, Path: path, Query: q})
		if a.err != nil {
			return 0, "", a.err
		}
		if !a.ex.OK() {
			return 0, "", fmt.Errorf("GET %s?startIndex=%d answered %d", path, start, a.ex.Status)
		}
		res := a.ex.Get("Resources").Array()
		for _, x := range res {
			if strings.HasPrefix(x.Get(attr).String(), prefix) {
				n++
			}
		}
		seen += len(res)
		start += len(res)
		if len(res) == 0 || start > int(a.ex.Get("totalResults").Int()) || seen > 50_000_000 {
			return n, "paging", nil
		}
	}
}

// userDiff says how the user the target holds differs from what was sent:
// userName, active and the address among its emails.
func userDiff(ex *scimclient.Exchange, u *plannedUser) string {
	var d []string
	if n := ex.Get("userName").String(); !strings.EqualFold(n, u.Email) {
		d = append(d, fmt.Sprintf("userName is %q", n))
	}
	if act := ex.Get("active"); act.Exists() && !act.Bool() {
		d = append(d, "active is false")
	}
	found := false
	for _, e := range ex.Get("emails").Array() {
		found = found || strings.EqualFold(e.Get("value").String(), u.Email)
	}
	if !found {
		d = append(d, "emails do not hold "+u.Email)
	}
	return strings.Join(d, "; ")
}

func list(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(", … (%d more)", len(s)-n)
}

// WriteTo writes the verification's summary and every finding (at most
// 20 of each sort).
func (v *Verification) Write(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Verification (%s): read back %d users and %d groups", v.Duration.Round(10*time.Millisecond), v.Users, v.Groups)
	switch v.Listed {
	case "filter":
		b.WriteString(", counted the scope with filter userName sw")
	case "paging":
		b.WriteString(", counted the scope by paging through /Users (the filter was refused)")
	}
	b.WriteString("\n")
	for _, s := range []struct {
		title string
		l     []string
	}{{"lost writes", v.Lost}, {"different from what was sent", v.Different}, {"never sent", v.Extra}, {"could not be read", v.Unreadable}} {
		if len(s.l) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %s (%d):\n", s.title, len(s.l))
		for i, x := range s.l {
			if i == 20 {
				fmt.Fprintf(&b, "    … %d more\n", len(s.l)-20)
				break
			}
			fmt.Fprintf(&b, "    %s\n", x)
		}
	}
	if v.OK() {
		b.WriteString("  no lost write: every acknowledged user, group and membership is there, as sent\n")
	}
	_, _ = io.WriteString(w, b.String())
}

// Cleanup is what removing the run's resources did.
type Cleanup struct {
	Groups, Users int // removed (DELETE answered 2xx or 404)
	// Failed lists what could not be removed, with the answer.
	Failed   []string
	Duration time.Duration
}

// Clean deletes the groups, then the users the run created.
func (r *Run) Clean(ctx context.Context) *Cleanup {
	t0 := time.Now()
	c := &Cleanup{}
	var mu sync.Mutex
	del := func(kind, path, what string) bool {
		a := r.send(ctx, kind, scimclient.Request{Method: http.MethodDelete, Path: path}, http.StatusNotFound)
		if a.ok(http.StatusNotFound) {
			return true
		}
		why := ""
		if a.err != nil {
			why = a.err.Error()
		} else {
			why = fmt.Sprintf("answered %d", a.ex.Status)
		}
		mu.Lock()
		c.Failed = append(c.Failed, fmt.Sprintf("%s: %s", what, scimclient.Redact(why, r.cfg.Token)))
		mu.Unlock()
		return false
	}
	var groups []*plannedGroup
	for i := range r.groups {
		if r.groups[i].id != "" {
			groups = append(groups, &r.groups[i])
		}
	}
	r.phase("clean up groups", len(groups))
	r.each(ctx, len(groups), func(i int) {
		if del("delete-group", "/Groups/"+groups[i].id, "group "+strconv.Quote(groups[i].Name)) {
			mu.Lock()
			c.Groups++
			mu.Unlock()
		}
	})
	var users []*plannedUser
	for i := range r.users {
		if r.users[i].id != "" {
			users = append(users, &r.users[i])
		}
	}
	r.phase("clean up users", len(users))
	r.each(ctx, len(users), func(i int) {
		if del("delete-user", "/Users/"+users[i].id, "user "+users[i].Email) {
			mu.Lock()
			c.Users++
			mu.Unlock()
		}
	})
	sort.Strings(c.Failed)
	c.Duration = time.Since(t0)
	return c
}
