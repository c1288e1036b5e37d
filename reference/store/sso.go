package store

import (
	"context"
	"time"

	"github.com/provkit/provkit/reference/directory"
)

// SSOReader reads SSO service provider configurations (part of Reader).
type SSOReader interface {
	// GetSSOConfig returns a node's SSO configuration, or ErrNotFound.
	GetSSOConfig(ctx context.Context, nodeID int64) (directory.SSOConfig, error)
	// ListSSOConfigs returns an enterprise's SSO configurations by node ID (0: all).
	ListSSOConfigs(ctx context.Context, enterpriseID int64) ([]directory.SSOConfig, error)
	// GetSSOSession returns the session stored under key, or ErrNotFound if
	// there is none or it expired before now.
	GetSSOSession(ctx context.Context, key string, now time.Time) (SSOSession, error)
}

// SSORequest is an AuthnRequest the SP sent and waits for the answer of
// (SP-initiated login): InResponseTo must name one, once, before it expires.
type SSORequest struct {
	ID       string // the AuthnRequest's ID
	NodeID   int64
	ReturnTo string // where the browser goes after signing in ("" : the session page)
	Expires  time.Time
}

// SSOSession is a signed-in SP session. Key identifies it: the SP stores a
// hash of the cookie's token, never the token.
type SSOSession struct {
	Key     string
	UserID  int64
	NodeID  int64
	Expires time.Time
}

// SSOWriter writes SSO configurations, the assertion replay cache, pending
// AuthnRequests and sessions (part of Tx). Everything an SP keeps between two
// HTTP requests is here, so that any replica of the server can answer the
// next one.
type SSOWriter interface {
	// PutSSOConfig creates or replaces the configuration of c.NodeID.
	PutSSOConfig(ctx context.Context, c directory.SSOConfig) error
	// DeleteSSOConfig removes a node's configuration, or returns ErrNotFound.
	DeleteSSOConfig(ctx context.Context, nodeID int64) error
	// ClaimAssertion records that the assertion id was consumed, to be
	// remembered until expires. It returns ErrConflict if id is recorded and
	// its expiry is not before now (a replay). Entries expired at now may be
	// pruned by the call.
	ClaimAssertion(ctx context.Context, id string, expires, now time.Time) error

	// PutSSORequest records a pending AuthnRequest; ErrConflict if its ID is
	// recorded. Requests expired before now may be pruned by the call.
	PutSSORequest(ctx context.Context, r SSORequest, now time.Time) error
	// TakeSSORequest removes the pending request id and returns it, or
	// returns ErrNotFound if there is none or it expired before now (one use).
	TakeSSORequest(ctx context.Context, id string, now time.Time) (SSORequest, error)
	// PutSSOSession records a session; ErrConflict if its key is taken.
	// Sessions expired before now may be pruned by the call.
	PutSSOSession(ctx context.Context, s SSOSession, now time.Time) error
	// DeleteSSOSession removes a session, or returns ErrNotFound.
	DeleteSSOSession(ctx context.Context, key string) error
}
