package memstore

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// SSO configurations are held in memory like the rest of the directory. The
// SSO assertion replay cache is not: no Reader method reads it, so
// ClaimAssertion only writes through to the inner transaction, which keeps
// it exactly as durable as the inner store.

func (st *state) putSSO(c directory.SSOConfig) {
	c.RelayStateAllow = slices.Clone(c.RelayStateAllow)
	if old, ok := st.sso[c.NodeID]; ok && old.EnterpriseID != c.EnterpriseID {
		e := st.ent(old.EnterpriseID)
		e.sso = removeSorted(e.sso, c.NodeID)
	}
	e := st.ent(c.EnterpriseID)
	e.sso = insertSorted(e.sso, c.NodeID)
	st.allSSO = insertSorted(st.allSSO, c.NodeID)
	st.sso[c.NodeID] = c
}

func (st *state) delSSO(nodeID int64) {
	if old, ok := st.sso[nodeID]; ok {
		e := st.ent(old.EnterpriseID)
		e.sso = removeSorted(e.sso, nodeID)
		st.allSSO = removeSorted(st.allSSO, nodeID)
		delete(st.sso, nodeID)
	}
}

func copySSO(c directory.SSOConfig) directory.SSOConfig {
	c.RelayStateAllow = slices.Clone(c.RelayStateAllow)
	return c
}

// GetSSOConfig implements store.Reader.
func (s *Store) GetSSOConfig(_ context.Context, nodeID int64) (directory.SSOConfig, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.st.sso[nodeID]
	if !ok {
		return directory.SSOConfig{}, errNoSSO
	}
	return copySSO(c), nil
}

// ListSSOConfigs implements store.Reader: the enterprise's SSO configurations
// (0: every one), by node ID.
func (s *Store) ListSSOConfigs(_ context.Context, enterpriseID int64) ([]directory.SSOConfig, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.st.allSSO
	if enterpriseID != 0 {
		e := s.st.byEnt[enterpriseID]
		if e == nil {
			return nil, nil
		}
		ids = e.sso
	}
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]directory.SSOConfig, len(ids))
	for i, id := range ids {
		out[i] = copySSO(s.st.sso[id])
	}
	return out, nil
}

func (t *tx) refreshSSO(ctx context.Context, nodeID int64) error {
	c, err := t.in.GetSSOConfig(ctx, nodeID)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putSSO(c) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delSSO(nodeID) })
	default:
		return err
	}
	return nil
}

func (t *tx) PutSSOConfig(ctx context.Context, c directory.SSOConfig) error {
	err := t.in.PutSSOConfig(ctx, c)
	return t.done(err, t.refreshSSO(ctx, c.NodeID))
}

func (t *tx) DeleteSSOConfig(ctx context.Context, nodeID int64) error {
	err := t.in.DeleteSSOConfig(ctx, nodeID)
	if err == nil {
		t.record(func(st *state) { st.delSSO(nodeID) })
		return nil
	}
	return t.done(err, t.refreshSSO(ctx, nodeID))
}

// ClaimAssertion goes to the inner transaction only: no Reader method reads
// the replay cache, so memory keeps none of it.
func (t *tx) ClaimAssertion(ctx context.Context, id string, expires, now time.Time) error {
	return t.in.ClaimAssertion(ctx, id, expires, now)
}

func (t *tx) GetSSOConfig(ctx context.Context, nodeID int64) (directory.SSOConfig, error) {
	return t.in.GetSSOConfig(ctx, nodeID)
}

func (t *tx) ListSSOConfigs(ctx context.Context, enterpriseID int64) ([]directory.SSOConfig, error) {
	return t.in.ListSSOConfigs(ctx, enterpriseID)
}

// SSO requests and sessions, like the replay cache, live only in the inner
// store: they are read by key, once per login or page, and memory would
// only duplicate them.

// GetSSOSession implements store.Reader by reading the inner store.
func (s *Store) GetSSOSession(ctx context.Context, key string, now time.Time) (store.SSOSession, error) {
	return s.inner.GetSSOSession(ctx, key, now)
}

func (t *tx) GetSSOSession(ctx context.Context, key string, now time.Time) (store.SSOSession, error) {
	return t.in.GetSSOSession(ctx, key, now)
}

func (t *tx) PutSSORequest(ctx context.Context, r store.SSORequest, now time.Time) error {
	return t.in.PutSSORequest(ctx, r, now)
}

func (t *tx) TakeSSORequest(ctx context.Context, id string, now time.Time) (store.SSORequest, error) {
	return t.in.TakeSSORequest(ctx, id, now)
}

func (t *tx) PutSSOSession(ctx context.Context, s store.SSOSession, now time.Time) error {
	return t.in.PutSSOSession(ctx, s, now)
}

func (t *tx) DeleteSSOSession(ctx context.Context, key string) error {
	return t.in.DeleteSSOSession(ctx, key)
}
