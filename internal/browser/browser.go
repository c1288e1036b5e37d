// Package browser is a small SAML user agent for tests: a cookie jar that
// follows redirects and submits the auto-posting forms of the SAML HTTP-POST
// binding, as a browser with JavaScript would. It asserts nothing; it
// records every page it went through (History), and Use can add a
// transport that records every hop.
package browser

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// MaxForms bounds how many auto-submitted forms one navigation follows.
const MaxForms = 5

// Page is one response the browser received.
type Page struct {
	Method string
	URL    string
	Status int
	Body   string
}

// Browser is a cookie-keeping user agent. Not safe for concurrent use.
type Browser struct {
	Client *http.Client
	// Rewrite, when set, may change the URL of every redirect the browser
	// follows (e.g. add user= and fault= to the IdP's SSO URL for a headless
	// login).
	Rewrite func(u *url.URL)
	// History lists every page, oldest first; Redirects every redirect
	// target followed.
	History   []Page
	Redirects []string

	chain http.RoundTripper // the transports added by Use, innermost last
}

// New returns a browser over base (nil: a plain http.Client); it gets its own jar.
func New(base *http.Client) *Browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	b := &Browser{Client: c, chain: http.DefaultTransport}
	if base != nil {
		if base.Transport != nil {
			b.chain = base.Transport
		}
		c.Timeout = base.Timeout
	}
	c.Transport = locationAsBrowsers{b}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("browser: too many redirects")
		}
		if b.Rewrite != nil {
			b.Rewrite(req.URL)
		}
		b.Redirects = append(b.Redirects, req.URL.String())
		return nil
	}
	return b
}

// Use wraps the browser's transport, for example to record every hop
// (scimclient.Transport): each redirect, each auto-submitted form and each
// request made through Client goes through it. Wrappers added later see a
// request first.
func (b *Browser) Use(wrap func(http.RoundTripper) http.RoundTripper) {
	b.chain = wrap(b.chain)
}

// locationAsBrowsers reads a redirect's Location the way browsers do (the
// WHATWG URL parser): tabs and line breaks are removed, leading and
// trailing control characters and spaces are trimmed, in http(s) URLs a
// backslash is a slash, and a host follows any run of two or more slashes. So "/\t/evil.example" leads to evil.example here as
// it does in Chromium, where Go's URL parser alone would refuse to follow it.
// It sits outside every transport added by Use, so recorders see the
// Location the server sent.
type locationAsBrowsers struct{ b *Browser }

func (l locationAsBrowsers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.b.chain.RoundTrip(r)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode > 399 {
		return resp, err
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		resp.Header.Set("Location", BrowserLocation(loc))
	}
	return resp, nil
}

// BrowserLocation is a Location value as a browser reads it, relative to an
// http(s) page: see locationAsBrowsers.
func BrowserLocation(loc string) string {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, loc)
	if strings.HasPrefix(loc, "//") { // a host follows any run of slashes
		loc = "//" + strings.TrimLeft(loc, "/")
	}
	return loc
}

// Get navigates to u and follows auto-submitted forms.
func (b *Browser) Get(u string) (Page, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return Page{}, err
	}
	if b.Rewrite != nil {
		b.Rewrite(req.URL)
	}
	return b.follow(req)
}

// Post submits a form to u and follows auto-submitted forms.
func (b *Browser) Post(u string, form url.Values) (Page, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return Page{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.follow(req)
}

func (b *Browser) do(req *http.Request) (Page, *http.Response, error) {
	resp, err := b.Client.Do(req)
	if err != nil {
		return Page{}, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Page{}, nil, err
	}
	p := Page{Method: resp.Request.Method, URL: resp.Request.URL.String(), Status: resp.StatusCode, Body: string(body)}
	b.History = append(b.History, p)
	return p, resp, nil
}

func (b *Browser) follow(req *http.Request) (Page, error) {
	p, resp, err := b.do(req)
	if err != nil {
		return p, err
	}
	for i := 0; i < MaxForms; i++ {
		f, ok := AutoForm(p.Body)
		if !ok {
			return p, nil
		}
		action, err := resp.Request.URL.Parse(f.Action)
		if err != nil {
			return p, err
		}
		next, err := http.NewRequest(http.MethodPost, action.String(), strings.NewReader(f.Values.Encode()))
		if err != nil {
			return p, err
		}
		next.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if p, resp, err = b.do(next); err != nil {
			return p, err
		}
	}
	return p, fmt.Errorf("browser: more than %d auto-submitted forms", MaxForms)
}

// Form is an HTML form's action and hidden values.
type Form struct {
	Action string
	Values url.Values
}

var (
	formRe  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRe = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	attrRe  = regexp.MustCompile(`(?is)([a-z_:-]+)\s*=\s*("([^"]*)"|'([^']*)')`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(s, -1) {
		v := a[3]
		if a[4] != "" {
			v = a[4]
		}
		m[strings.ToLower(a[1])] = html.UnescapeString(v)
	}
	return m
}

// AutoForm finds a SAML POST-binding form in a page: one carrying
// SAMLResponse or SAMLRequest and nothing for a person to fill in (a login
// form is not submitted).
func AutoForm(body string) (Form, bool) {
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		fa := attrs(m[1])
		vals := url.Values{}
		interactive := false
		for _, in := range inputRe.FindAllStringSubmatch(m[2], -1) {
			ia := attrs(in[1])
			switch strings.ToLower(ia["type"]) {
			case "text", "email", "password", "":
				interactive = true
			}
			if strings.EqualFold(ia["type"], "hidden") && ia["name"] != "" {
				vals.Set(ia["name"], ia["value"])
			}
		}
		if !interactive && (vals.Get("SAMLResponse") != "" || vals.Get("SAMLRequest") != "") {
			if strings.EqualFold(fa["method"], "post") || fa["method"] == "" {
				return Form{Action: fa["action"], Values: vals}, true
			}
		}
	}
	return Form{}, false
}

// Cookie returns the value of a cookie the browser holds for u ("" if none).
func (b *Browser) Cookie(u, name string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	for _, c := range b.Client.Jar.Cookies(pu) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
