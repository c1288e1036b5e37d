package reports

import (
	"regexp"
	"strings"

	"github.com/provkit/provkit/internal/scimclient"
)

// redactor hides secrets in everything a report shows.
type redactor struct{ secrets []string }

func newRedactor(secrets []string) *redactor {
	var s []string
	for _, x := range secrets {
		if x = strings.TrimSpace(x); len(x) >= 4 {
			s = append(s, x)
		}
	}
	return &redactor{secrets: s}
}

const redacted = "[redacted]"

var (
	// a credential after its scheme, anywhere (16 characters or more, so a
	// challenge's realm="…" stays readable)
	schemeToken = regexp.MustCompile(`(?i)\b(Bearer|Basic|Token)([ \t]+)[A-Za-z0-9\-._~+/]{16,}=*`)
	// tokens and SAML messages in URLs and form bodies
	queryToken = regexp.MustCompile(`(?i)([?&;](?:access_token|id_token|refresh_token|token|admin_token|api_key|apikey|key|code|password|secret|sig|signature|SAMLResponse|SAMLRequest)=)[^&\s"'<>#)]+`)
	formSAML   = regexp.MustCompile(`(?i)(\bSAML(?:Response|Request)=)[^&\s"'<>]+`)
	// <input name="SAMLResponse" value="…"> in either attribute order
	inputSAML1 = regexp.MustCompile(`(?i)(name=["']?SAML(?:Response|Request)["']?[^>]*?\bvalue=)("[^"]*"|'[^']*')`)
	inputSAML2 = regexp.MustCompile(`(?i)(value=)("[^"]*"|'[^']*')([^>]*?name=["']?SAML(?:Response|Request)\b)`)
	// XML signature values (ds: or no prefix)
	sigValue = regexp.MustCompile(`(?is)(<(?:[A-Za-z0-9_]+:)?SignatureValue\b[^>]*>).*?(</(?:[A-Za-z0-9_]+:)?SignatureValue>)`)
	// JSON members that carry credentials
	jsonSecret = regexp.MustCompile(`(?i)("(?:password|secret|client_secret|authorization|token|admin_token|access_token|id_token|refresh_token|SAMLResponse|SAMLRequest|signature|cookie)"[ \t]*:[ \t]*)"(?:[^"\\]|\\.)*"`)
)

// redact hides every secret in s. Each pattern runs only when a cheap
// look at the lower-cased text says it may match.
func (r *redactor) redact(s string) string {
	if s == "" {
		return s
	}
	s = scimclient.Redact(s, r.secrets...)
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	lower := strings.ToLower(s)
	has := func(subs ...string) bool {
		for _, x := range subs {
			if strings.Contains(lower, x) {
				return true
			}
		}
		return false
	}
	if has("authorization", "cookie", "x-api-key", "-token") {
		s = redactHeaderLines(s)
	}
	if has("bearer", "basic", "token") {
		s = schemeToken.ReplaceAllString(s, "${1}${2}"+redacted)
	}
	if has("token=", "key=", "code=", "password=", "secret=", "sig=", "signature=", "saml") {
		s = queryToken.ReplaceAllString(s, "${1}"+redacted)
	}
	if has("saml") {
		s = formSAML.ReplaceAllString(s, "${1}"+redacted)
		s = inputSAML1.ReplaceAllString(s, `${1}"`+redacted+`"`)
		s = inputSAML2.ReplaceAllString(s, `${1}"`+redacted+`"${3}`)
	}
	if has("signaturevalue") {
		s = sigValue.ReplaceAllString(s, "${1}"+redacted+"${2}")
	}
	if has(`password"`, `secret"`, `token"`, `saml`, `signature"`, `cookie"`) {
		s = jsonSecret.ReplaceAllString(s, `${1}"`+redacted+`"`)
	}
	return s
}

// secretHeaders are headers whose values are credentials; for the
// Authorization headers the scheme stays visible.
var secretHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
	"x-api-key": true, "x-auth-token": true, "x-admin-token": true,
}

// redactHeaderLines hides the values of secret headers on lines of the form
// "[>|<] Name: value" (a printed exchange, or any header dump).
func redactHeaderLines(s string) string {
	lines := strings.Split(s, "\n")
	changed := false
	for i, l := range lines {
		colon := strings.IndexByte(l, ':')
		if colon < 0 || colon > 40 {
			continue
		}
		name := strings.TrimLeft(l[:colon], "<> \t")
		lname := strings.ToLower(strings.TrimSpace(name))
		if !secretHeaders[lname] {
			continue
		}
		value := strings.TrimSpace(l[colon+1:])
		if value == "" || value == redacted {
			continue
		}
		repl := redacted
		switch {
		case lname == "cookie" || lname == "set-cookie":
			repl = scimclient.RedactCookie(value, lname == "set-cookie")
		case strings.HasSuffix(lname, "authorization"):
			if scheme, _, ok := strings.Cut(value, " "); ok && scheme != "" && !strings.HasPrefix(scheme, "[") {
				repl = scheme + " " + redacted
			}
		}
		lines[i] = l[:colon+1] + " " + repl
		changed = true
	}
	if !changed {
		return s
	}
	return strings.Join(lines, "\n")
}
