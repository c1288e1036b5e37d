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
}

// SSOWriter writes SSO configurations and the assertion replay cache (part of Tx).
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
}
