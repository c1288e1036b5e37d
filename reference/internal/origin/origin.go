// Package origin decides the scheme and host the reference server writes
// into the URLs it answers with (SCIM Location and meta.location, the admin
// API's scim_url) and sets the response headers both APIs share.
//
// A request's Host and X-Forwarded-* headers are the client's to choose, so
// they are not trusted: the base is the configured public URL when there is
// one, else the address the connection actually reached (the listener's
// local address), which a client cannot spoof.
package origin

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Origin builds absolute URLs for answers. The zero Origin uses the
// connection's local address.
type Origin struct {
	public string // "https://scim.example.com[/prefix]", no trailing slash
}

// New returns an Origin for a public URL ("" for none). The URL must be
// absolute http or https, without query, fragment or credentials; a path
// (a reverse proxy's prefix) is kept.
func New(publicURL string) (Origin, error) {
	if publicURL == "" {
		return Origin{}, nil
	}
	u, err := url.Parse(publicURL)
	if err != nil {
		return Origin{}, fmt.Errorf("public URL %q: %w", publicURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return Origin{}, fmt.Errorf("public URL %q: want http(s)://host[:port][/path], without credentials, query or fragment", publicURL)
	}
	return Origin{public: strings.TrimRight(publicURL, "/")}, nil
}

// Base returns the scheme and host (and configured path prefix) of the
// server as the client should address it, without a trailing slash.
func (o Origin) Base(r *http.Request) string {
	if o.public != "" {
		return o.public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := "localhost"
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && a != nil {
		host = a.String()
		if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.To4() == nil && tcp.IP.To16() != nil {
			host = net.JoinHostPort(tcp.IP.String(), fmt.Sprint(tcp.Port)) // no zone
		}
	}
	return scheme + "://" + host
}

// SetHeaders sets the headers every answer of the APIs carries: answers hold
// personal data and tokens, so no cache keeps them (RFC 9111 §5.2.2.5), and
// browsers do not sniff a JSON body into something else.
func SetHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}
