package mockidp_test

import (
	"github.com/provkit/provkit/reference/store"
	"net/http"
)

func storeQuery(nodeID int64) store.UserQuery { return store.UserQuery{NodeID: nodeID} }

// blockHost answers requests to one host with 418 instead of dialing it.
type blockHost struct {
	host string
	next http.RoundTripper
}

func (b blockHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() == b.host {
		return &http.Response{StatusCode: http.StatusTeapot, Body: http.NoBody, Request: r, Header: http.Header{}}, nil
	}
	return b.next.RoundTrip(r)
}
