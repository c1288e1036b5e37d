package scim

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// listParams are the query parameters of a list request (RFC 7644 §3.4.2).
type listParams struct {
	filter     filter.Expr
	startIndex int // 1-based
	count      int
	sortBy     string
	sortDesc   bool
	attributes []string
	excluded   []string
}

// projection reads attributes / excludedAttributes (also used by single reads and writes).
func projection(rt *schema.ResourceType, v url.Values) (attrs, excl []string) {
	if s := queryGet(v, "attributes"); s != "" {
		attrs = rt.ParseAttrList(s)
	}
	if s := queryGet(v, "excludedAttributes"); s != "" {
		excl = rt.ParseAttrList(s)
	}
	return attrs, excl
}

// queryGet reads a query parameter by case-insensitive name (clients differ
// in how they spell startIndex or excludedAttributes).
func queryGet(v url.Values, name string) string {
	if s, ok := v[name]; ok && len(s) > 0 {
		return s[0]
	}
	for k, s := range v {
		if strings.EqualFold(k, name) && len(s) > 0 {
			return s[0]
		}
	}
	return ""
}

func (a *API) parseList(q *request, rt *schema.ResourceType) (listParams, error) {
	v := q.query
	p := listParams{startIndex: 1, count: a.opt.MaxResults}
	maxResults := a.opt.MaxResults
	if q.faults.Has(FaultPageCap) {
		maxResults, p.count = 2*a.opt.MaxResults, 2*a.opt.MaxResults
	}
	if s := queryGet(v, "startIndex"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, scimerr.BadRequest(scimerr.InvalidValue, "startIndex must be an integer, got %q", s)
		}
		p.startIndex = max(n, 1) // RFC 7644 §3.4.2.4: a value below 1 is interpreted as 1
		if q.faults.Has(FaultStartIndexZeroBased) {
			p.startIndex = n + 1
		}
	}
	if s := queryGet(v, "count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, scimerr.BadRequest(scimerr.InvalidValue, "count must be an integer, got %q", s)
		}
		if n > maxResults && q.faults.Has(FaultCountOverMaxRefused) {
			return p, scimerr.BadRequest(scimerr.InvalidValue, "count must be at most %d", maxResults)
		}
		p.count = min(max(n, 0), maxResults) // negative means 0; above the maximum, the maximum
		if q.faults.Has(FaultCountIgnored) {
			p.count = maxResults
		}
	}
	if s := queryGet(v, "filter"); s != "" && !q.faults.Has(FaultIgnoreFilter) {
		e, err := filter.Parse(s)
		if err == nil {
			err = filter.Validate(e, rt)
		}
		switch {
		case err != nil && q.faults.Has(FaultFilterLenient):
			e = nil // a lenient server lists everything
		case err != nil:
			return p, err
		default:
			p.filter = twinFilter(q.faults, rt, e)
		}
	}
	if s := queryGet(v, "sortBy"); s != "" {
		uri, rest := rt.SplitURN(s)
		name, sub, _ := strings.Cut(rest, ".")
		if _, ok := rt.Lookup(uri, name, sub); !ok {
			return p, scimerr.BadRequest(scimerr.InvalidValue, "sortBy names no attribute of %s: %q", rt.Name, s)
		}
		p.sortBy = s
	}
	switch strings.ToLower(queryGet(v, "sortOrder")) {
	case "", "ascending":
	case "descending":
		p.sortDesc = true
	default:
		return p, scimerr.BadRequest(scimerr.InvalidValue, "sortOrder must be ascending or descending")
	}
	p.attributes, p.excluded = projection(rt, v)
	return p, nil
}

// page returns the bounds of the requested page within n matches.
func (p listParams) page(n int) (lo, hi int) {
	lo = min(p.startIndex-1, n)
	hi = min(lo+p.count, n)
	return lo, hi
}

// sortMaps sorts resources by p.sortBy (RFC 7644 §3.4.2.3): values compared
// by type, strings case-insensitively unless caseExact, resources without a
// value last in ascending order; ties broken by id for a stable order.
func sortMaps(rt *schema.ResourceType, ms []map[string]any, by string, desc, exact bool) {
	uri, rest := rt.SplitURN(by)
	name, sub, _ := strings.Cut(rest, ".")
	ref, _ := rt.Lookup(uri, name, sub)
	keys := ref.Key()
	ks := make([]sortKeyed[map[string]any], len(ms))
	for i, m := range ms {
		v := sortValue(m, keys, exact || ref.Attr != nil && ref.Attr.CaseExact)
		id, _ := m["id"].(string)
		ks[i] = sortKeyed[map[string]any]{x: m, v: v, id: id}
	}
	sortByKey(ks, desc)
	for i := range ks {
		ms[i] = ks[i].x
	}
}

// sortKeyed is an item to sort with its sort value (nil: none) and its id.
type sortKeyed[T any] struct {
	x  T
	v  any
	id string
}

// sortByKey is sortMaps' order: items with a value first (compared by
// compareValues, reversed when desc), then those without; ties by id.
func sortByKey[T any](ks []sortKeyed[T], desc bool) {
	slices.SortStableFunc(ks, func(a, b sortKeyed[T]) int {
		ah, bh := a.v != nil, b.v != nil
		if ah != bh {
			if ah {
				return -1
			}
			return 1
		}
		c := 0
		if ah {
			c = compareValues(a.v, b.v)
			if desc {
				c = -c
			}
		}
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		return c
	})
}

// sortValue reads the value at keys; for a multi-valued attribute it takes
// the primary value, else the first.
func sortValue(m map[string]any, keys []string, caseExact bool) any {
	var cur any = m
	for _, k := range keys {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		_, v, ok := schema.GetFold(obj, k)
		if !ok {
			return nil
		}
		if arr, ok := v.([]any); ok {
			v = pickPrimary(arr)
		}
		cur = v
	}
	if obj, ok := cur.(map[string]any); ok {
		cur = obj["value"]
	}
	if s, ok := cur.(string); ok && !caseExact {
		return strings.ToLower(s)
	}
	return cur
}

func pickPrimary(arr []any) any {
	for _, e := range arr {
		if o, ok := e.(map[string]any); ok && o["primary"] == true {
			return o
		}
	}
	if len(arr) > 0 {
		return arr[0]
	}
	return nil
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// writeList writes a ListResponse whose Resources are already-encoded JSON,
// straight to the connection (no copy of the page into another buffer).
func writeList(w http.ResponseWriter, total, startIndex int, items [][]byte) {
	head := `{"schemas":["` + schema.ListResponseURN + `"],"totalResults":` + strconv.Itoa(total) +
		`,"itemsPerPage":` + strconv.Itoa(len(items)) + `,"startIndex":` + strconv.Itoa(startIndex) + `,"Resources":[`
	n := len(head) + 2 + max(len(items)-1, 0)
	for _, it := range items {
		n += len(it)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, head)
	comma := []byte{','}
	for i, it := range items {
		if i > 0 {
			_, _ = w.Write(comma)
		}
		_, _ = w.Write(it)
	}
	_, _ = io.WriteString(w, "]}")
}
