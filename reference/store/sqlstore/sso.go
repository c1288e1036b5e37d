package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// ssoSettings is the JSON of sso_configs.settings.
type ssoSettings struct {
	JIT               bool                 `json:"jit"`
	AttrEmail         string               `json:"attr_email"`
	AttrFirst         string               `json:"attr_first"`
	AttrLast          string               `json:"attr_last"`
	SignPolicy        directory.SignPolicy `json:"sign_policy"`
	AllowIDPInitiated bool                 `json:"allow_idp_initiated"`
	RelayStateAllow   []string             `json:"relay_state_allow,omitempty"`
	AllowSHA1         bool                 `json:"allow_sha1,omitempty"`
}

const ssoCols = `node_id, enterprise_id, idp_metadata, settings, created, modified`

func scanSSOConfig(rows *sql.Rows) (directory.SSOConfig, error) {
	var c directory.SSOConfig
	var settings, created, modified string
	if err := rows.Scan(&c.NodeID, &c.EnterpriseID, &c.IDPMetadata, &settings, &created, &modified); err != nil {
		return c, err
	}
	var s ssoSettings
	if err := json.Unmarshal([]byte(settings), &s); err != nil {
		return c, fmt.Errorf("stored sso settings: %w", err)
	}
	c.JIT, c.AttrEmail, c.AttrFirst, c.AttrLast = s.JIT, s.AttrEmail, s.AttrFirst, s.AttrLast
	c.SignPolicy, c.AllowIDPInitiated, c.RelayStateAllow = s.SignPolicy, s.AllowIDPInitiated, s.RelayStateAllow
	c.AllowSHA1 = s.AllowSHA1
	var err error
	if c.Created, err = parseTime(created); err != nil {
		return c, err
	}
	c.Modified, err = parseTime(modified)
	return c, err
}

// GetSSOConfig returns a node's SSO configuration, or store.ErrNotFound.
func (r *reader) GetSSOConfig(ctx context.Context, nodeID int64) (directory.SSOConfig, error) {
	var c directory.SSOConfig
	err := r.one(ctx, `SELECT `+ssoCols+` FROM sso_configs WHERE node_id = ?`, []any{nodeID},
		func(rows *sql.Rows) (err error) { c, err = scanSSOConfig(rows); return err })
	if err != nil {
		return directory.SSOConfig{}, r.fail(fmt.Sprintf("get sso config of node %d", nodeID), err)
	}
	return c, nil
}

// ListSSOConfigs returns an enterprise's SSO configurations (all when 0), by node ID.
func (r *reader) ListSSOConfigs(ctx context.Context, enterpriseID int64) ([]directory.SSOConfig, error) {
	query, args := `SELECT `+ssoCols+` FROM sso_configs WHERE enterprise_id = ? ORDER BY node_id`, []any{enterpriseID}
	if enterpriseID == 0 {
		query, args = `SELECT `+ssoCols+` FROM sso_configs ORDER BY node_id`, nil
	}
	cs, err := all(ctx, r, query, args, scanSSOConfig)
	if err != nil {
		return nil, r.fail(fmt.Sprintf("list sso configs of enterprise %d", enterpriseID), err)
	}
	return cs, nil
}

// PutSSOConfig creates or replaces the SSO configuration of c.NodeID.
func (t *txn) PutSSOConfig(ctx context.Context, c directory.SSOConfig) error {
	op := fmt.Sprintf("put sso config of node %d", c.NodeID)
	ts, err := times(c.Created, c.Modified)
	if err != nil {
		return t.fail(op, err)
	}
	settings, err := json.Marshal(ssoSettings{JIT: c.JIT, AttrEmail: c.AttrEmail, AttrFirst: c.AttrFirst, AttrLast: c.AttrLast,
		SignPolicy: c.SignPolicy, AllowIDPInitiated: c.AllowIDPInitiated, RelayStateAllow: c.RelayStateAllow, AllowSHA1: c.AllowSHA1})
	if err != nil {
		return t.fail(op, err)
	}
	_, err = t.exec(ctx, `INSERT INTO sso_configs (node_id, enterprise_id, idp_metadata, settings, created, modified)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (node_id) DO UPDATE SET enterprise_id = excluded.enterprise_id, idp_metadata = excluded.idp_metadata,
			settings = excluded.settings, created = excluded.created, modified = excluded.modified`,
		c.NodeID, c.EnterpriseID, c.IDPMetadata, string(settings), ts[0], ts[1])
	if err != nil {
		return t.fail(op, err)
	}
	return nil
}

// DeleteSSOConfig removes a node's SSO configuration, or returns store.ErrNotFound.
func (t *txn) DeleteSSOConfig(ctx context.Context, nodeID int64) error {
	if err := mustChange(t.exec(ctx, `DELETE FROM sso_configs WHERE node_id = ?`, nodeID)); err != nil {
		return t.fail(fmt.Sprintf("delete sso config of node %d", nodeID), err)
	}
	return nil
}

// ClaimAssertion records a consumed assertion ID; a live duplicate is store.ErrConflict.
func (t *txn) ClaimAssertion(ctx context.Context, id string, expires, now time.Time) error {
	op := "claim assertion"
	if _, err := t.exec(ctx, `DELETE FROM sso_assertions WHERE expires < ?`, now.UnixNano()); err != nil {
		return t.fail(op, err)
	}
	n, err := t.exec(ctx, `INSERT INTO sso_assertions (id, expires) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, expires.UnixNano())
	if err != nil {
		return t.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrConflict)
	}
	return nil
}

// PutSSORequest records a pending AuthnRequest, pruning expired ones.
func (t *txn) PutSSORequest(ctx context.Context, r store.SSORequest, now time.Time) error {
	op := fmt.Sprintf("put sso request %q", r.ID)
	if _, err := t.exec(ctx, `DELETE FROM sso_requests WHERE expires < ?`, now.UnixNano()); err != nil {
		return t.fail(op, err)
	}
	_, err := t.exec(ctx, `INSERT INTO sso_requests (id, node_id, return_to, expires) VALUES (?, ?, ?, ?)`,
		r.ID, r.NodeID, r.ReturnTo, r.Expires.UnixNano())
	if err != nil {
		return t.fail(op, err)
	}
	return nil
}

// TakeSSORequest removes and returns a pending request that has not
// expired at now, or returns store.ErrNotFound.
func (t *txn) TakeSSORequest(ctx context.Context, id string, now time.Time) (store.SSORequest, error) {
	op := fmt.Sprintf("take sso request %q", id)
	var r store.SSORequest
	var expires int64
	err := t.oneWrite(ctx, `DELETE FROM sso_requests WHERE id = ? RETURNING id, node_id, return_to, expires`, []any{id},
		func(rows *sql.Rows) error { return rows.Scan(&r.ID, &r.NodeID, &r.ReturnTo, &expires) })
	if err != nil {
		return store.SSORequest{}, t.fail(op, err)
	}
	r.Expires = time.Unix(0, expires).UTC()
	if r.Expires.Before(now) {
		return store.SSORequest{}, fmt.Errorf("sqlstore: %s: expired: %w", op, store.ErrNotFound)
	}
	return r, nil
}

// PutSSOSession records a session, pruning expired ones.
func (t *txn) PutSSOSession(ctx context.Context, s store.SSOSession, now time.Time) error {
	op := "put sso session"
	if _, err := t.exec(ctx, `DELETE FROM sso_sessions WHERE expires < ?`, now.UnixNano()); err != nil {
		return t.fail(op, err)
	}
	_, err := t.exec(ctx, `INSERT INTO sso_sessions (key, user_id, node_id, expires) VALUES (?, ?, ?, ?)`,
		s.Key, s.UserID, s.NodeID, s.Expires.UnixNano())
	if err != nil {
		return t.fail(op, err)
	}
	return nil
}

// DeleteSSOSession removes a session, or returns store.ErrNotFound.
func (t *txn) DeleteSSOSession(ctx context.Context, key string) error {
	if err := mustChange(t.exec(ctx, `DELETE FROM sso_sessions WHERE key = ?`, key)); err != nil {
		return t.fail("delete sso session", err)
	}
	return nil
}

// GetSSOSession returns a session that has not expired at now, or
// store.ErrNotFound.
func (r *reader) GetSSOSession(ctx context.Context, key string, now time.Time) (store.SSOSession, error) {
	s := store.SSOSession{Key: key}
	var expires int64
	err := r.one(ctx, `SELECT user_id, node_id, expires FROM sso_sessions WHERE key = ? AND expires >= ?`,
		[]any{key, now.UnixNano()}, func(rows *sql.Rows) error { return rows.Scan(&s.UserID, &s.NodeID, &expires) })
	if err != nil {
		return store.SSOSession{}, r.fail("get sso session", err)
	}
	s.Expires = time.Unix(0, expires).UTC()
	return s, nil
}
