package patch

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/scim/schema"
)

// listIndex finds an element of a multi-valued attribute's list by value
// and knows which elements are primary, so that each add costs the size of
// its own value, not of the list. Elements are bucketed by hashKey, a
// canonical form that valueEqual-equal values share; a bucket is confirmed
// with valueEqual.
type listIndex struct {
	list    []any // the list indexed
	byKey   map[string][]int
	primary map[int]bool // elements with primary true
}

func newListIndex(list []any) *listIndex {
	ix := &listIndex{list: list, byKey: make(map[string][]int, len(list)), primary: map[int]bool{}}
	for i := range list {
		ix.add(list, i)
	}
	return ix
}

// current reports whether list is the list this index was built for.
func (ix *listIndex) current(list []any) bool {
	if len(list) != len(ix.list) {
		return false
	}
	return len(list) == 0 || &list[0] == &ix.list[0]
}

func (ix *listIndex) find(list []any, x any) int {
	for _, i := range ix.byKey[hashKey(x)] {
		if valueEqual(list[i], x) {
			return i
		}
	}
	return -1
}

func (ix *listIndex) add(list []any, i int) {
	k := hashKey(list[i])
	ix.byKey[k] = append(ix.byKey[k], i)
	if isPrimary(list[i]) {
		ix.primary[i] = true
	}
}

func (ix *listIndex) forget(list []any, i int) {
	k := hashKey(list[i])
	b := ix.byKey[k]
	if j := slices.Index(b, i); j >= 0 {
		b = slices.Delete(b, j, j+1)
	}
	if len(b) == 0 {
		delete(ix.byKey, k)
	} else {
		ix.byKey[k] = b
	}
	delete(ix.primary, i)
}

// fixPrimary clears primary on the elements outside fresh when a fresh one
// has primary true, then checks that at most one element is primary (RFC
// 7643 §2.4). It visits only the primary elements.
func (ix *listIndex) fixPrimary(attr *schema.Attribute, list []any, fresh map[int]bool, name string) error {
	if attr.Type != schema.Complex || subAttr(attr, "primary") == nil {
		return nil
	}
	freshPrimary := false
	for i := range fresh {
		if ix.primary[i] {
			freshPrimary = true
			break
		}
	}
	if freshPrimary {
		for _, i := range slices.Sorted(mapKeys(ix.primary)) {
			if fresh[i] {
				continue
			}
			ix.forget(list, i)
			deleteFold(list[i].(map[string]any), "primary")
			ix.add(list, i)
		}
	}
	if len(ix.primary) > 1 {
		return valueErr("attribute %q: more than one value has primary true", name)
	}
	return nil
}

func mapKeys(m map[int]bool) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func isPrimary(el any) bool {
	em, ok := el.(map[string]any)
	if !ok {
		return false
	}
	_, p, _ := schema.GetFold(em, "primary")
	b, _ := p.(bool)
	return b
}

// hashKey is a canonical form of a JSON value such that valueEqual(a, b)
// implies hashKey(a) == hashKey(b): numbers by their float64 value, object
// keys lower-cased and sorted, null members left out.
func hashKey(v any) string {
	var b strings.Builder
	writeKey(&b, v)
	return b.String()
}

func writeKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteByte('n')
	case string:
		b.WriteString(strconv.Quote(x))
	case bool:
		if x {
			b.WriteByte('t')
		} else {
			b.WriteByte('f')
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k, xv := range x {
			if xv != nil {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(p, q string) int { return strings.Compare(strings.ToLower(p), strings.ToLower(q)) })
		b.WriteByte('{')
		for _, k := range keys {
			b.WriteString(strconv.Quote(strings.ToLower(k)))
			b.WriteByte(':')
			writeKey(b, x[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for _, el := range x {
			writeKey(b, el)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	default:
		if f, ok := toFloat(v); ok {
			if f == 0 {
				f = 0 // -0 and 0 are equal
			}
			b.WriteByte('#')
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			return
		}
		if n, ok := v.(json.Number); ok { // not a float: equal only to itself
			b.WriteString("#?" + string(n))
			return
		}
		b.WriteByte('?') // never valueEqual to anything: any key will do
	}
}
