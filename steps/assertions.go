package steps

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/provkit/provkit/internal/scimclient"
)

// assertions are the Then steps that judge the When's answer itself.
func (r reg) assertions() {
	r.s1(`^the answer has status (\d+)$`, func(w *World, code string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if strconv.Itoa(ex.Status) != code {
			return badStatus(ex, code, "expected status %s, got %d", code, ex.Status)
		}
		return nil
	})
	r.s2(`^the answer has status (\d+) and scimType "([^"]*)"$`, func(w *World, code, scimType string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if strconv.Itoa(ex.Status) != code {
			return badStatus(ex, code, "expected status %s with scimType %q, got %d", code, scimType, ex.Status)
		}
		if got := ex.Get("scimType").String(); got != scimType {
			return mismatch(ex, "scimType", strconv.Quote(scimType), orAbsent(ex.Get("scimType")), "expected scimType %q, got %q", scimType, got)
		}
		return nil
	})
	r.s0(`^the request succeeds$`, func(w *World) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if !ex.OK() {
			return badStatus(ex, "2xx", "expected a 2xx answer, got %d", ex.Status)
		}
		return nil
	})
	r.s0(`^the request is refused as unauthorised$`, func(w *World) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusUnauthorized {
			return badStatus(ex, "401", "expected 401 Unauthorized, got %d", ex.Status)
		}
		return nil
	})
	r.s0(`^the refusal challenges the client for a bearer token$`, func(w *World) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusUnauthorized {
			return badStatus(ex, "401", "expected 401 Unauthorized, got %d", ex.Status)
		}
		ch := ex.RespHeader.Get("WWW-Authenticate")
		if scheme, _, _ := strings.Cut(strings.TrimSpace(ch), " "); !strings.EqualFold(scheme, "Bearer") {
			return mismatch(ex, "WWW-Authenticate", "Bearer …", orNone(ch), "expected a WWW-Authenticate: Bearer … challenge (RFC 6750 §3), got %q", ch)
		}
		return nil
	})
	r.s1(`^the answer is a SCIM error with status (\d+)$`, func(w *World, code string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if strconv.Itoa(ex.Status) != code {
			return badStatus(ex, code, "expected status %s, got %d", code, ex.Status)
		}
		if !containsString(ex.Get("schemas"), errorSchema) {
			return mismatch(ex, "schemas", "a list with "+errorSchema, orAbsent(ex.Get("schemas")), "expected an error body whose schemas lists %s", errorSchema)
		}
		st := ex.Get("status")
		if st.Type != gjson.String || st.String() != code {
			return mismatch(ex, "status (in the body)", strconv.Quote(code), orAbsent(st), "expected the error's status to be the string %q (RFC 7644 §3.12), got %s", code, orAbsent(st))
		}
		return nil
	})
	r.s2(`^the answer is a SCIM error with status (\d+) and, if it has a scimType, one of "([^"]*)"$`, func(w *World, code, allowed string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if strconv.Itoa(ex.Status) != code {
			return badStatus(ex, code, "expected status %s, got %d", code, ex.Status)
		}
		if !containsString(ex.Get("schemas"), errorSchema) {
			return mismatch(ex, "schemas", "a list with "+errorSchema, orAbsent(ex.Get("schemas")), "expected an error body whose schemas lists %s", errorSchema)
		}
		st := ex.Get("status")
		if st.Type != gjson.String || st.String() != code {
			return mismatch(ex, "status (in the body)", strconv.Quote(code), orAbsent(st), "expected the error's status to be the string %q (RFC 7644 §3.12), got %s", code, orAbsent(st))
		}
		st = ex.Get("scimType")
		if !st.Exists() || st.Type == gjson.Null {
			return nil // OPTIONAL (RFC 7644 §3.12)
		}
		var ok []string
		for _, a := range strings.Split(allowed, ",") {
			ok = append(ok, strings.TrimSpace(a))
		}
		if !slices.Contains(ok, st.String()) {
			return mismatch(ex, "scimType", strings.Join(ok, " or ")+" or none", orAbsent(st), "expected no scimType or one of %s (RFC 7644 Table 9), got %s", strings.Join(ok, ", "), orAbsent(st))
		}
		return nil
	})
	r.s1(`^the answer has the media type "([^"]*)"$`, func(w *World, want string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		mt, _, _ := mime.ParseMediaType(ex.RespHeader.Get("Content-Type"))
		if !strings.EqualFold(mt, want) {
			return mismatch(ex, "Content-Type", want, orNone(ex.RespHeader.Get("Content-Type")), "expected Content-Type %s, got %q", want, ex.RespHeader.Get("Content-Type"))
		}
		return nil
	})
	r.s2(`^the answer's (\S+) is "(.*)"$`, func(w *World, path, want string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if want, err = w.expand(want); err != nil {
			return err
		}
		if got := ex.Get(path); !got.Exists() || got.String() != want {
			return mismatch(ex, path, strconv.Quote(want), orAbsent(got), "expected %s to be %q, got %s", path, want, orAbsent(got))
		}
		return nil
	})
	r.s2(`^the answer has no body or shows (\S+) "(.*)"$`, func(w *World, path, want string) error {
		want, err := w.expand(want)
		if err != nil {
			return err
		}
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status == http.StatusNoContent {
			return nil
		}
		if got := ex.Get(path); !ex.OK() || got.String() != want {
			return mismatch(ex, path, strconv.Quote(want), valueOrStatus(ex, got), "expected 204, or an answer whose %s is %q; got %s", path, want, orAbsent(got))
		}
		return nil
	})
	r.s2(`^the answer's (\S+) is (true|false|-?\d+)$`, func(w *World, path, want string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		got := ex.Get(path)
		if !got.Exists() || got.Raw != want {
			return mismatch(ex, path, want, orAbsent(got), "expected %s to be %s, got %s", path, want, orAbsent(got))
		}
		return nil
	})
	r.s2(`^the answer's (\S+) lists "(.*)"$`, func(w *World, path, want string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if !containsString(ex.Get(path), want) {
			return mismatch(ex, path, "a list with "+strconv.Quote(want), orAbsent(ex.Get(path)), "expected %s to list %q, got %s", path, want, orAbsent(ex.Get(path)))
		}
		return nil
	})
	r.s3(`^the answer's (\S+) hold "(.*)" of type "([^"]*)" exactly once$`, func(w *World, path, value, typ string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if value, err = w.expand(value); err != nil {
			return err
		}
		n := 0
		for _, e := range ex.Get(path).Array() {
			if strings.EqualFold(e.Get("value").String(), value) && strings.EqualFold(e.Get("type").String(), typ) {
				n++
			}
		}
		if n != 1 {
			return mismatch(ex, path, fmt.Sprintf("%q of type %q once", value, typ), fmt.Sprintf("%d times: %s", n, orAbsent(ex.Get(path))),
				"expected %s to hold %q of type %q exactly once (RFC 7643 §2.4), found it %d times", path, value, typ, n)
		}
		return nil
	})
	r.s2(`^the answer's (\S+) lists the group "([^"]*)"$`, func(w *World, path, name string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		g, err := w.mustGroup(name)
		if err != nil {
			return err
		}
		if !slices.Contains(values(ex.Get(path)), g.id) {
			return mismatch(ex, path, "a list with the group "+name+" (id "+g.id+")", orAbsent(ex.Get(path)), "expected %s to list the group %s (id %s)", path, name, g.id)
		}
		// A $ref, when given, is "the URI of the corresponding 'Group'
		// resource" (RFC 7643 §4.1.2), relative to the SCIM base URI or
		// absolute (§2.3.7).
		for _, e := range ex.Get(path).Array() {
			ref := e.Get(`\$ref`)
			if e.Get("value").String() != g.id || !ref.Exists() {
				continue
			}
			abs, err := w.c.ResolveReference(ref.String())
			if err != nil || !strings.HasSuffix(pathOf(abs), "/Groups/"+g.id) {
				return mismatch(ex, path+".$ref", "…/Groups/"+g.id, ref.String(), "expected the $ref of the group %s in %s to name /Groups/%s, got %q", name, path, g.id, ref.String())
			}
		}
		return nil
	})
	r.s2(`^the answer's (\S+) is (a boolean|not empty|a positive number)$`, func(w *World, path, what string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		got := ex.Get(path)
		ok := false
		switch what {
		case "a boolean":
			ok = got.IsBool()
		case "not empty":
			ok = got.Exists() && got.String() != ""
		case "a positive number":
			ok = got.Type == gjson.Number && got.Float() > 0
		}
		if !ok {
			return mismatch(ex, path, what, orAbsent(got), "expected %s to be %s, got %s", path, what, orAbsent(got))
		}
		return nil
	})
	r.s1(`^the answer has no (\S+)$`, func(w *World, path string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if !ex.OK() {
			return badStatus(ex, "2xx", "expected a 2xx answer, got %d", ex.Status)
		}
		if got := ex.Get(path); got.Exists() && !isEmpty(got) {
			return mismatch(ex, path, "nothing", got.Raw, "expected no %s, got %s", path, got.Raw)
		}
		return nil
	})
	r.s1(`^the answer has (\S+)$`, func(w *World, path string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if got := ex.Get(path); !got.Exists() || isEmpty(got) {
			return mismatch(ex, path, "a value", orAbsent(ex.Get(path)), "expected the answer to have %s", path)
		}
		return nil
	})
	r.s2(`^the answer is the (user|group) "([^"]*)"$`, func(w *World, kind, name string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		id, err := w.idOf(kind, name)
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK || ex.Get("id").String() != id {
			return mismatch(ex, "status and id", "200 OK, id "+id+" (the "+kind+" "+name+")", statusOf(ex)+", id "+orAbsent(ex.Get("id")), "expected 200 with the %s %s (id %s)", kind, name, id)
		}
		return nil
	})
	r.s1(`^the (user|group) is created$`, func(w *World, kind string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusCreated {
			return badStatus(ex, "201", "expected 201 Created, got %d", ex.Status)
		}
		if ex.Get("id").String() == "" {
			return mismatch(ex, "id", "the new "+kind+"'s id", orAbsent(ex.Get("id")), "expected the new %s's id in the answer", kind)
		}
		return nil
	})
	r.s1(`^the answer's Location header names the new (user|group)$`, func(w *World, kind string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusCreated {
			return badStatus(ex, "201", "expected 201 Created, got %d", ex.Status)
		}
		// Location is a URI-reference resolved against the request URI
		// (RFC 7231 §7.1.2), meta.location a reference resolved against
		// the SCIM base URI (RFC 7643 §2.3.7): either may be relative, and
		// they are compared once both are absolute.
		loc := ex.RespHeader.Get("Location")
		res := map[string]string{"user": "/Users/", "group": "/Groups/"}[kind]
		id := ex.Get("id").String()
		abs, err := ex.ResolveLocation(loc)
		if err != nil || !strings.HasSuffix(pathOf(abs), res+id) {
			return mismatch(ex, "Location", "…"+res+id, orNone(loc), "expected a Location header naming %s%s (RFC 7644 §3.3), got %q", res, id, loc)
		}
		if ml := ex.Get("meta.location").String(); ml != "" {
			mabs, err := w.c.ResolveReference(ml)
			if err != nil || mabs != abs {
				return mismatch(ex, "Location", ml+" (meta.location)", loc, "expected the Location header to name the resource meta.location %q names, got %q", ml, loc)
			}
		}
		return nil
	})
	r.s0(`^the answer is a list response with totalResults, itemsPerPage and startIndex$`, func(w *World) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if !containsString(ex.Get("schemas"), listSchema) {
			return mismatch(ex, "schemas", "a list with "+listSchema, orAbsent(ex.Get("schemas")), "expected schemas to list %s", listSchema)
		}
		for _, f := range []string{"totalResults", "itemsPerPage", "startIndex"} {
			if ex.Get(f).Type != gjson.Number {
				return mismatch(ex, f, "a number", orAbsent(ex.Get(f)), "expected %s as a number in the list response", f)
			}
		}
		if !ex.Get("Resources").IsArray() {
			return mismatch(ex, "Resources", "an array", orAbsent(ex.Get("Resources")), "expected Resources as an array")
		}
		return nil
	})
}

func containsString(arr gjson.Result, want string) bool {
	for _, v := range arr.Array() {
		if v.String() == want {
			return true
		}
	}
	return false
}

// values returns the "value" members of a multi-valued complex attribute.
func values(arr gjson.Result) []string {
	var out []string
	for _, v := range arr.Array() {
		out = append(out, v.Get("value").String())
	}
	return out
}

func isEmpty(r gjson.Result) bool {
	return r.Type == gjson.Null || (r.IsArray() && len(r.Array()) == 0) || (r.Type == gjson.String && r.String() == "")
}

// valueOrStatus is the value read, or the status when the read failed.
func valueOrStatus(ex *scimclient.Exchange, r gjson.Result) string {
	if ex.Err != nil || ex.Status != http.StatusOK {
		return statusOf(ex)
	}
	return orAbsent(r)
}

// countOrStatus is how many resources a list held, or its status when it
// is not a 200 list.
func countOrStatus(ex *scimclient.Exchange, n int) string {
	if ex.Err != nil || ex.Status != http.StatusOK {
		return statusOf(ex)
	}
	return strconv.Itoa(n)
}

// orNone is a header's value, or "nothing" when it is absent.
func orNone(v string) string {
	if v == "" {
		return "nothing"
	}
	return strconv.Quote(v)
}

func orAbsent(r gjson.Result) string {
	if !r.Exists() {
		return "nothing"
	}
	return r.Raw
}

func (w *World) idOf(kind, name string) (string, error) {
	if kind == "user" {
		u, err := w.mustUser(name)
		if err != nil {
			return "", err
		}
		return u.id, nil
	}
	g, err := w.mustGroup(name)
	if err != nil {
		return "", err
	}
	return g.id, nil
}

// pathOf is the path of an absolute URL (its escaped form), "" if it does
// not parse.
func pathOf(abs string) string {
	u, err := url.Parse(abs)
	if err != nil {
		return ""
	}
	return u.EscapedPath()
}
