// Package scimclient is provkit's wire client for SCIM 2.0 targets and for
// the provkit admin API. It sends JSON requests, records every exchange
// (request and response, headers and bodies) so that a failed check can show
// its evidence, and redacts credentials in everything it prints. It asserts
// nothing: deciding whether an answer is right is the caller's job.
package scimclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// Media types.
const (
	MediaSCIM = "application/scim+json"
	MediaJSON = "application/json"
)

// DefaultTimeout bounds one exchange when the caller's context has no deadline.
const DefaultTimeout = 30 * time.Second

// Client talks to one base URL with one bearer token.
type Client struct {
	// BaseURL is the SCIM base URL (".../scim/v2/123") or the admin API base
	// URL; request paths are appended to it.
	BaseURL string
	// Token is sent as "Authorization: Bearer <Token>" unless a request
	// overrides the header. Empty: no Authorization header.
	Token string
	// MediaType is sent as Content-Type and Accept (default MediaSCIM).
	MediaType string
	// HTTP is the transport (default: a client with DefaultTimeout).
	HTTP *http.Client
	// Recorder receives every exchange (nil: none kept).
	Recorder *Recorder
	// Redact lists further secrets to hide when exchanges are printed
	// (tokens of other endpoints, admin tokens).
	Redact []string
}

var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

// With returns a copy of c that records into r.
func (c *Client) With(r *Recorder) *Client {
	cp := *c
	cp.Recorder = r
	return &cp
}

// Request is one request. Path is relative to the base URL ("/Users/123");
// Query is added to it, then RawQuery exactly as given (not escaped: to send
// a query a server must refuse). Body is JSON-encoded unless it is a []byte or
// json.RawMessage, which are sent as they are.
type Request struct {
	Method string
	Path   string
	// URL, when set, is the absolute URL to send to instead of the base URL
	// and Path (a Location or meta.location the target named, resolved
	// with ResolveLocation or ResolveReference).
	URL      string
	Query    url.Values
	RawQuery string
	Body     any
	// Header sets request headers; a header set to "" is removed (for
	// example Authorization, to send no credentials at all).
	Header map[string]string
}

// Exchange is one recorded request and its answer.
type Exchange struct {
	Method     string
	URL        string
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	Err        error // transport error: no answer
	Duration   time.Duration
	// Via names what sent the request: "" for a Client, "browser" for
	// a request recorded by Transport (a SAML user agent's hop).
	Via         string
	secrets     []string
	parsedOnce  sync.Once
	parsedValue gjson.Result
}

// Do sends the request and records the exchange. A transport failure is
// returned as an error and is also recorded (Exchange.Err).
func (c *Client) Do(ctx context.Context, r Request) (*Exchange, error) {
	u := strings.TrimRight(c.BaseURL, "/") + r.Path
	if r.URL != "" {
		u = r.URL
	}
	if len(r.Query) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + encodeQuery(r.Query)
	}
	if r.RawQuery != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + r.RawQuery
	}
	var body []byte
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = b
	case json.RawMessage:
		body = b
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("scimclient: encoding the %s %s body: %w", r.Method, r.Path, err)
		}
	}
	if _, ok := ctx.Deadline(); !ok && c.HTTP == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("scimclient: %w", err)
	}
	mt := c.MediaType
	if mt == "" {
		mt = MediaSCIM
	}
	req.Header.Set("Accept", mt)
	if body != nil {
		req.Header.Set("Content-Type", mt)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", "provkit")
	for k, v := range r.Header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	ex := &Exchange{Method: r.Method, URL: u, ReqHeader: req.Header.Clone(), ReqBody: body,
		secrets: append([]string{c.Token}, c.Redact...)}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		ex.Err = err
		ex.Duration = time.Since(start)
		c.Recorder.add(ex)
		return ex, fmt.Errorf("%s %s: %w", r.Method, u, err)
	}
	defer resp.Body.Close()
	ex.RespBody, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	ex.Duration = time.Since(start)
	ex.Status = resp.StatusCode
	ex.RespHeader = resp.Header.Clone()
	if err != nil {
		ex.Err = err
		c.Recorder.add(ex)
		return ex, fmt.Errorf("%s %s: reading the answer: %w", r.Method, u, err)
	}
	c.Recorder.add(ex)
	return ex, nil
}

// ResolveLocation resolves a Location header value of the answer (a
// URI-reference) against the request's URI, as RFC 7231 §7.1.2 says: "If
// the Location value is a relative reference, the final value is computed
// by resolving it against the effective request URI ([RFC3986], Section
// 5)". An absolute value is returned as it is. An empty value, one that does
// not parse, or one that resolves to anything but an http(s) URL is an
// error (the caller shows the exchange with it).
func (e *Exchange) ResolveLocation(ref string) (string, error) {
	return resolve(e.URL, ref)
}

// ResolveReference resolves a SCIM reference value (meta.location, a
// "$ref") against the SCIM base URI: RFC 7643 §2.3.7 says relative
// references resolve per RFC 3986 §5.2 but "the base URI for relative URI
// resolution MUST include all URI components and path segments up to, but
// not including, the Endpoint URI", so "Users/2819c223" under base
// https://example.com/v2 names https://example.com/v2/Users/2819c223
// whatever request returned it. Errors as ResolveLocation.
func (c *Client) ResolveReference(ref string) (string, error) {
	return resolve(strings.TrimRight(c.BaseURL, "/")+"/", ref)
}

func resolve(base, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", fmt.Errorf("an empty reference")
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("the base URI %q does not parse: %w", base, err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("%q is not a URI reference: %w", ref, err)
	}
	u := b.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q resolves to %q, not an http(s) URL", ref, u.String())
	}
	return u.String(), nil
}

// encodeQuery encodes like url.Values.Encode but keeps spaces as %20, which
// every server decodes, rather than "+", which some filter parsers keep.
func encodeQuery(v url.Values) string {
	return strings.ReplaceAll(v.Encode(), "+", "%20")
}

// JSON returns the parsed answer body (an empty result when it is not JSON).
func (e *Exchange) JSON() gjson.Result {
	e.parsedOnce.Do(func() {
		if gjson.ValidBytes(e.RespBody) {
			e.parsedValue = gjson.ParseBytes(e.RespBody)
		}
	})
	return e.parsedValue
}

// Get returns the value at a gjson path of the answer body.
func (e *Exchange) Get(path string) gjson.Result { return e.JSON().Get(path) }

// OK reports whether the answer has a 2xx status.
func (e *Exchange) OK() bool { return e.Err == nil && e.Status >= 200 && e.Status < 300 }

// Summary is "METHOD URL -> STATUS" for one-line messages.
func (e *Exchange) Summary() string {
	if e.Err != nil {
		return fmt.Sprintf("%s %s -> %v", e.Method, e.URL, e.Err)
	}
	return fmt.Sprintf("%s %s -> %d", e.Method, e.URL, e.Status)
}

// Redacted hides in s the secrets the exchange's client knew (its token and
// the others it was told to hide), as String does.
func (e *Exchange) Redacted(s string) string { return Redact(s, e.secrets...) }

// maxShown caps each printed body.
const maxShown = 4000

// String prints the exchange as HTTP text with credentials redacted.
func (e *Exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Method, e.URL)
	writeHeaders(&b, "> ", e.ReqHeader)
	if len(e.ReqBody) > 0 {
		b.WriteString(">\n")
		writeBody(&b, "> ", e.ReqBody)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, "< (no answer: %v)\n", e.Err)
		return Redact(b.String(), e.secrets...)
	}
	fmt.Fprintf(&b, "< HTTP %d %s (%s)\n", e.Status, http.StatusText(e.Status), e.Duration.Round(time.Millisecond))
	writeHeaders(&b, "< ", e.RespHeader)
	if len(e.RespBody) > 0 {
		b.WriteString("<\n")
		writeBody(&b, "< ", e.RespBody)
	}
	return Redact(b.String(), e.secrets...)
}

var shownHeaders = []string{"Authorization", "Cookie", "Content-Type", "If-Match", "If-None-Match", "ETag", "Location",
	"Set-Cookie", "WWW-Authenticate"}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	for _, k := range shownHeaders {
		for _, v := range h.Values(k) {
			switch k {
			case "Authorization":
				v = redactAuthorization(v)
			case "Cookie", "Set-Cookie":
				v = RedactCookie(v, k == "Set-Cookie")
			}
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
}

// RedactCookie hides the values of a Cookie header (set: a Set-Cookie
// header) and keeps the cookies' names and a Set-Cookie's attributes
// ("sid=[redacted]; Path=/; HttpOnly"). A value that is not name=value is
// hidden whole.
func RedactCookie(v string, set bool) string {
	if !strings.Contains(v, "=") {
		return "[redacted]"
	}
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if set && i > 0 && (!ok || cookieAttribute[strings.ToLower(strings.TrimSpace(name))]) {
			continue // an attribute
		}
		parts[i] = name + "=[redacted]"
	}
	return strings.Join(parts, ";")
}

// cookieAttribute are Set-Cookie attributes (not cookies: their values stay).
var cookieAttribute = map[string]bool{"path": true, "domain": true, "expires": true, "max-age": true, "samesite": true,
	"priority": true, "partitioned": true}

func redactAuthorization(v string) string {
	scheme, _, found := strings.Cut(v, " ")
	if !found {
		return "[redacted]"
	}
	return scheme + " [redacted]"
}

func writeBody(b *strings.Builder, prefix string, body []byte) {
	s := string(body)
	if gjson.ValidBytes(body) {
		var out bytes.Buffer
		if json.Indent(&out, body, "", "  ") == nil {
			s = out.String()
		}
	}
	if !gjson.ValidBytes(body) {
		s = shortenRuns(s)
	}
	if len(s) > maxShown {
		s = s[:maxShown] + fmt.Sprintf("\n… (%d more bytes)", len(s)-maxShown)
	}
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix)
		b.WriteString(line)
		b.WriteByte('\n')
	}
}

// longRun is a run of base64 or URL-encoded base64 characters too long to
// read (a SAMLResponse in a form body or an auto-submitted form's <input>).
// (HTML templates write "+" and "=" in attributes as &#43; and &#61;).
var longRun = regexp.MustCompile(`(?:[A-Za-z0-9+/%_-]|&#43;){` + strconv.Itoa(maxRun+1) + `,}(?:=|&#61;){0,2}`)

// maxRun is the longest such run printed whole; longer ones keep their
// first runPrefix characters and say how many were cut ("PHNhbWxw…(+8410)").
const (
	maxRun    = 200
	runPrefix = 40
)

func shortenRuns(s string) string {
	return longRun.ReplaceAllStringFunc(s, func(m string) string {
		cut := runPrefix
		if i := strings.LastIndexByte(m[:cut], '&'); i >= 0 && !strings.Contains(m[i:cut], ";") {
			cut = i // not inside an entity
		}
		return fmt.Sprintf("%s…(+%d)", m[:cut], len(m)-cut)
	})
}

// Redact hides the given secrets and the values of JSON members that carry
// tokens ("token", "admin_token", "access_token") in s.
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 8 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	for _, key := range []string{`"token"`, `"admin_token"`, `"access_token"`} {
		s = redactMember(s, key)
	}
	return s
}

// redactMember replaces the string value following each occurrence of key
// (a quoted member name) with "[redacted]".
func redactMember(s, key string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, key)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(key)
		k := j
		for k < len(s) && (s[k] == ' ' || s[k] == ':' || s[k] == '\t') {
			k++
		}
		if k >= len(s) || s[k] != '"' || !strings.Contains(s[j:k], ":") {
			b.WriteString(s[:j])
			s = s[j:]
			continue
		}
		end := k + 1
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		b.WriteString(s[:k])
		b.WriteString(`"[redacted]"`)
		if end < len(s) {
			end++
		}
		s = s[min(end, len(s)):]
	}
}

// Recorder keeps exchanges in order; safe for concurrent use. A nil
// Recorder records nothing.
type Recorder struct {
	mu  sync.Mutex
	exs []*Exchange
}

func (r *Recorder) add(e *Exchange) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.exs = append(r.exs, e)
	r.mu.Unlock()
}

// Exchanges returns the recorded exchanges, oldest first.
func (r *Recorder) Exchanges() []*Exchange {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Exchange(nil), r.exs...)
}

// Transcript prints every recorded exchange, redacted.
func (r *Recorder) Transcript() string {
	var b strings.Builder
	for i, e := range r.Exchanges() {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.String())
	}
	return b.String()
}

// Transport returns a RoundTripper that sends through next (nil:
// http.DefaultTransport) and records every request and its answer into rec,
// as exchanges Via "browser": a user agent's redirects, form posts and page
// loads, each hop on its own. Bodies are read into the record (up to 4 MiB
// of an answer) and handed on unchanged; secrets are hidden when printed.
func Transport(next http.RoundTripper, rec *Recorder, secrets ...string) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &recording{next: next, rec: rec, secrets: secrets}
}

type recording struct {
	next    http.RoundTripper
	rec     *Recorder
	secrets []string
}

// maxRecorded caps how much of an answer a recording transport keeps.
const maxRecorded = 4 << 20

func (t *recording) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := &Exchange{Method: req.Method, URL: req.URL.String(), ReqHeader: req.Header.Clone(), Via: "browser", secrets: t.secrets}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			ex.ReqBody, _ = io.ReadAll(io.LimitReader(rc, maxRecorded))
			rc.Close()
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	ex.Duration = time.Since(start)
	if err != nil {
		ex.Err = err
		t.rec.add(ex)
		return resp, err
	}
	ex.Status, ex.RespHeader = resp.StatusCode, resp.Header.Clone()
	if resp.Body != nil && resp.Body != http.NoBody {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxRecorded))
		ex.RespBody = body
		if rerr != nil {
			ex.Err = rerr
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	}
	t.rec.add(ex)
	return resp, nil
}
