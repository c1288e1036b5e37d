package sso

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/provkit/provkit/reference/directory"
)

// maxRedirect caps a return_to or RelayState target.
const maxRedirect = 2048

// maxUnescape is how many rounds of percent-decoding a redirect path is
// checked through (a double-encoded %252F%252F still shows as //).
const maxUnescape = 3

// allowedRedirect returns where the browser may go after sign-in: target if
// it is a path on this origin that every browser reads the same way, the
// path of an absolute URL on this SP's own origin, or an absolute URL under
// one of the node's RelayStateAllow prefixes (same scheme, host and port, and
// a path under the prefix's). Anything else is "": the default landing page.
func (sp *SP) allowedRedirect(c directory.SSOConfig, r *http.Request, target string) string {
	if target == "" {
		return ""
	}
	switch {
	case sp.fault(FaultOpenRedirect):
		return target
	case sp.fault(FaultLaxRedirect):
		return laxRedirect(c, target, sp.base(r))
	case sp.fault(FaultRelayOriginPrefix) && strings.HasPrefix(target, sp.base(r)):
		return target
	}
	if p, ok := SameOriginPath(target); ok {
		return p
	}
	u, ok := absoluteURL(target)
	if !ok {
		return ""
	}
	if own, err := url.Parse(sp.base(r)); err == nil && sameOrigin(u, own) {
		return u.RequestURI()
	}
	for _, pre := range c.RelayStateAllow {
		if a, ok := absoluteURL(pre); ok && sameOrigin(u, a) && underPath(u.Path, a.Path) {
			return u.String()
		}
	}
	return ""
}

// laxRedirect is the string-prefix check that FaultLaxRedirect restores: a
// path with one leading slash and no backslash passes, so a tab or line feed
// that browsers drop ("/\t/evil.example") slips through.
func laxRedirect(c directory.SSOConfig, target, base string) string {
	if strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//") && !strings.Contains(target, "\\") {
		return target
	}
	for _, pre := range c.RelayStateAllow {
		if pre != "" && strings.HasPrefix(target, pre) {
			return target
		}
	}
	if strings.HasPrefix(target, base+"/") {
		return target
	}
	return ""
}

// SameOriginPath reports whether target is a path (with optional query and
// fragment) that stays on the origin that serves the redirect, whatever the
// browser: printable ASCII only (no control characters such as the tab and
// line feed browsers silently drop, no spaces, no Unicode look-alikes such
// as the fullwidth solidus), no backslash (browsers read it as a slash), one
// leading slash, and still so after percent-decoding (no %2F%2F or %5C). It
// returns the target unchanged when it is.
func SameOriginPath(target string) (string, bool) {
	if len(target) == 0 || len(target) > maxRedirect || !plainASCII(target) || !strings.HasPrefix(target, "/") {
		return "", false
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Opaque != "" || u.User != nil || u.Host != "" || !strings.HasPrefix(u.EscapedPath(), "/") {
		return "", false
	}
	if !safePath(u.EscapedPath()) {
		return "", false
	}
	return target, true
}

// safePath checks a path through rounds of percent-decoding: each round
// must be printable ASCII, start with exactly one slash and hold no
// backslash.
func safePath(p string) bool {
	for range maxUnescape + 1 {
		if !plainASCII(p) || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
			return false
		}
		d, err := url.PathUnescape(p)
		if err != nil {
			return false
		}
		if d == p {
			return true
		}
		p = d
	}
	return false // still encoded after maxUnescape rounds: refuse rather than guess
}

// plainASCII reports whether s is printable ASCII without spaces.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// absoluteURL parses an http(s) URL with a host and no user info whose path
// passes the same checks as a same-origin path.
func absoluteURL(s string) (*url.URL, bool) {
	if len(s) > maxRedirect || !plainASCII(s) || strings.Contains(s, "\\") {
		return nil, false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, false
	}
	if p := u.EscapedPath(); p != "" && !safePath(p) {
		return nil, false
	}
	return u, true
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// underPath reports whether p is prefix or below it (at a segment boundary).
func underPath(p, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}
