package steps

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/provkit/provkit/internal/scimclient"
)

var resourcePath = map[string]string{"users": "/Users", "groups": "/Groups", "user": "/Users", "group": "/Groups"}

func (r reg) lists() {
	r.s2(`^the identity provider lists (users|groups) with the filter (.+)$`, func(w *World, kind, filter string) error {
		f, err := w.expand(filter)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodGet, resourcePath[kind], nil, withQuery(url.Values{"filter": {f}}))
		w.last = ex
		return err
	})
	// A query the target must refuse: the filter, escaped, then raw text
	// sent exactly as written (an unescaped '%' or ';').
	r.s3(`^the identity provider lists (users|groups) with the raw text "(.*)" after the filter (.+)$`, func(w *World, kind, raw, filter string) error {
		f, err := w.expand(filter)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodGet, resourcePath[kind], nil, func(r *scimclient.Request) {
			r.RawQuery = "filter=" + strings.ReplaceAll(url.QueryEscape(f), "+", "%20") + raw
		})
		w.last = ex
		return err
	})
	// The filter first and the other parameters after it ("besides"), or the
	// other parameters first ("before"): a server that reads only so many
	// parameters drops the filter then.
	r.s4(`^the identity provider lists (users|groups) with (\d+) query parameters (besides|before) the filter (.+)$`, func(w *World, kind, n, where, filter string) error {
		f, err := w.expand(filter)
		if err != nil {
			return err
		}
		count, err := strconv.Atoi(n)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodGet, resourcePath[kind], nil, func(r *scimclient.Request) {
			fq := "filter=" + strings.ReplaceAll(url.QueryEscape(f), "+", "%20")
			if where == "before" {
				r.RawQuery = strings.Repeat("provkit=1&", count) + fq
				return
			}
			r.RawQuery = fq + strings.Repeat("&provkit=1", count)
		})
		w.last = ex
		return err
	})
	r.s2(`^the identity provider lists (users|groups) asking for "(.*)"$`, func(w *World, kind, query string) error {
		q, err := w.query(query)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodGet, resourcePath[kind], nil, withQuery(q))
		w.last = ex
		return err
	})
	r.s2(`^the identity provider lists the (users|groups) of this scenario asking for "(.*)"$`, func(w *World, kind, query string) error {
		q, err := w.query(query)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodGet, resourcePath[kind], nil, withQuery(w.scoped(kind, q)))
		w.last = ex
		return err
	})
	r.s2(`^the identity provider walks the (users|groups) of this scenario in pages of (\d+)$`, func(w *World, kind, size string) error {
		w.pageIDs = nil
		start := 1
		for range 100 {
			q := w.scoped(kind, url.Values{"startIndex": {strconv.Itoa(start)}, "count": {size}})
			ex, err := w.do(http.MethodGet, resourcePath[kind], nil, withQuery(q))
			if err != nil {
				return err
			}
			w.last = ex
			if ex.Status != http.StatusOK {
				return nil // the Then judges
			}
			items := ex.Get("Resources").Array()
			for _, it := range items {
				w.pageIDs = append(w.pageIDs, it.Get("id").String())
			}
			per := int(ex.Get("itemsPerPage").Int())
			if per == 0 {
				per = len(items)
			}
			start += per
			if len(items) == 0 || start > int(ex.Get("totalResults").Int()) {
				return nil
			}
		}
		return fmt.Errorf("walking the pages did not end after 100 pages")
	})

	r.s2(`^the list holds exactly the (users?|groups?) `+names+`$`, func(w *World, kind, list string) error {
		return w.checkListed(strings.TrimSuffix(kind, "s"), nameList(list), false)
	})
	// A query the target cannot read: refusing it with a client error is
	// right, and so is answering what the readable filter selects; a wider
	// list, a server error or no answer is not.
	r.s2(`^the query is refused with a client error, or the list holds exactly the (users?|groups?) `+names+`$`, func(w *World, kind, list string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status >= 400 && ex.Status < 500 {
			return nil
		}
		if ex.Status != http.StatusOK {
			return badStatus(ex, "a 4xx refusal, or 200 with the filtered list", "expected a client error (4xx) or the filtered list, got %d", ex.Status)
		}
		return w.checkListed(strings.TrimSuffix(kind, "s"), nameList(list), false)
	})
	r.s2(`^the list holds the (users|groups) `+names+` in this order$`, func(w *World, kind, list string) error {
		return w.checkListed(strings.TrimSuffix(kind, "s"), nameList(list), true)
	})
	r.s1(`^the list reports (\d+) results in total$`, func(w *World, n string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK || ex.Get("totalResults").Raw != n {
			return mismatch(ex, "totalResults", n, valueOrStatus(ex, ex.Get("totalResults")), "expected totalResults %s, got %s", n, orAbsent(ex.Get("totalResults")))
		}
		return nil
	})
	r.s1(`^the page holds (\d+) resources$`, func(w *World, n string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if got := len(ex.Get("Resources").Array()); ex.Status != http.StatusOK || strconv.Itoa(got) != n {
			return mismatch(ex, "the number of Resources", n, countOrStatus(ex, got), "expected a page of %s resources, got %d (status %d)", n, got, ex.Status)
		}
		return nil
	})
	r.s2(`^the page holds entries (\d+) to (\d+) of the full list$`, func(w *World, from, to string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK {
			return badStatus(ex, "200", "expected 200, got %d", ex.Status)
		}
		full, err := w.do(http.MethodGet, "/Users", nil, withQuery(w.scoped("users", url.Values{})))
		if err := okOr(full, err, "reading the full list"); err != nil {
			return err
		}
		a, _ := strconv.Atoi(from)
		b, _ := strconv.Atoi(to)
		all := ids(full)
		if b > len(all) {
			return failf(full, "the full list has only %d entries", len(all))
		}
		if got, want := ids(ex), all[a-1:b]; !slices.Equal(got, want) {
			return mismatch(ex, "Resources", w.describeIDs(want), w.describeIDs(got), "expected entries %d to %d of the full list %s, got %s", a, b, w.describeIDs(want), w.describeIDs(got))
		}
		if got := ex.Get("startIndex").Int(); got != int64(a) {
			return mismatch(ex, "startIndex", strconv.Itoa(a), orAbsent(ex.Get("startIndex")), "expected startIndex %d in the answer, got %d", a, got)
		}
		return nil
	})
	r.s1(`^the page is the one at startIndex (\d+)$`, func(w *World, start string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK {
			return badStatus(ex, "200", "expected 200, got %d", ex.Status)
		}
		q, _ := url.ParseQuery(ex.URL[strings.Index(ex.URL, "?")+1:])
		q.Set("startIndex", start)
		other, err := w.do(http.MethodGet, "/Users", nil, withQuery(q))
		if err := okOr(other, err, "reading the page at startIndex "+start); err != nil {
			return err
		}
		if got, want := ids(ex), ids(other); !slices.Equal(got, want) {
			return mismatch(ex, "Resources", w.describeIDs(want), w.describeIDs(got), "expected the same page as at startIndex %s (%s), got %s", start, w.describeIDs(want), w.describeIDs(got))
		}
		return nil
	})
	r.s1(`^every (user|group) of this scenario was listed exactly once$`, func(w *World, kind string) error {
		var want []string
		if kind == "user" {
			for _, u := range w.users {
				want = append(want, u.id)
			}
		} else {
			for _, g := range w.groups {
				want = append(want, g.id)
			}
		}
		got := slices.Clone(w.pageIDs)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return mismatch(w.last, "the resources over the pages", w.describeIDs(want), w.describeIDs(w.pageIDs), "expected each of the %d %ss once over the pages, got %s", len(want), kind, w.describeIDs(w.pageIDs))
		}
		return nil
	})
	r.s4(`^the listed (user|group) "([^"]*)" has (\S+) "(.*)"$`, func(w *World, kind, name, path, want string) error {
		want, err := w.expand(want)
		if err != nil {
			return err
		}
		ex, err := w.answer()
		if err != nil {
			return err
		}
		p, err := w.pathOf(kind, name)
		if err != nil {
			return err
		}
		id := strings.TrimPrefix(strings.TrimPrefix(p, "/Users/"), "/Groups/")
		for _, it := range ex.Get("Resources").Array() {
			if it.Get("id").String() != id {
				continue
			}
			if got := it.Get(path); got.String() != want {
				return mismatch(ex, kind+" "+name+"'s "+path+" in the list", strconv.Quote(want), orAbsent(got), "expected the listed %s %s to have %s %q, got %s", kind, name, path, want, orAbsent(got))
			}
			return nil
		}
		return mismatch(ex, "Resources", "an entry for the "+kind+" "+name+" (id "+id+")", countOrStatus(ex, len(ex.Get("Resources").Array())), "expected the list to hold the %s %s", kind, name)
	})
	r.s1(`^no listed resource has (\S+)$`, func(w *World, path string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		res := ex.Get("Resources").Array()
		if ex.Status != http.StatusOK || len(res) == 0 {
			return mismatch(ex, "Resources", "a list with resources", countOrStatus(ex, len(res)), "expected a list with resources")
		}
		for _, it := range res {
			if v := it.Get(path); v.Exists() && !isEmpty(v) {
				return mismatch(ex, path, "nothing, in every listed resource", it.Get("id").String()+" has "+v.Raw, "expected no listed resource to have %s; %s has it", path, it.Get("id").String())
			}
		}
		return nil
	})
}

// scoped adds a filter selecting the scenario's own users or groups.
func (w *World) scoped(kind string, q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	scope := fmt.Sprintf(`userName sw "%s."`, w.scope)
	if kind == "groups" {
		scope = fmt.Sprintf(`displayName sw "%s "`, w.scope)
	}
	if f := out.Get("filter"); f != "" {
		scope = "(" + f + ") and " + scope
	}
	out.Set("filter", scope)
	return out
}

func ids(ex *scimclient.Exchange) []string {
	var out []string
	for _, it := range ex.Get("Resources").Array() {
		out = append(out, it.Get("id").String())
	}
	return out
}

// checkListed compares the scenario's own resources in the answer's list
// with the names expected (in order when ordered).
func (w *World) checkListed(kind string, want []string, ordered bool) error {
	ex, err := w.answer()
	if err != nil {
		return err
	}
	if ex.Status != http.StatusOK {
		return badStatus(ex, "200", "expected a 200 list, got %d", ex.Status)
	}
	own := map[string]string{} // id -> name
	if kind == "user" {
		for _, u := range w.users {
			if !u.other {
				own[u.id] = u.name
			}
		}
	} else {
		for _, g := range w.groups {
			if !g.other {
				own[g.id] = g.name
			}
		}
	}
	var got []string
	for _, id := range ids(ex) {
		if n, ok := own[id]; ok {
			got = append(got, n)
		}
	}
	if len(want) == 1 && (want[0] == "nobody") {
		want = nil
	}
	cmp := slices.Clone(got)
	exp := slices.Clone(want)
	if !ordered {
		slices.Sort(cmp)
		slices.Sort(exp)
	}
	if !slices.Equal(cmp, exp) {
		how := "exactly"
		if ordered {
			how = "in this order"
		}
		return mismatch(ex, "the scenario's "+kind+"s in the list ("+how+")", listOrNone(want), listOrNone(got),
			"expected the list to hold, of this scenario's %ss, %s %s; it holds %s", kind, how, listOrNone(want), listOrNone(got))
	}
	return nil
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
