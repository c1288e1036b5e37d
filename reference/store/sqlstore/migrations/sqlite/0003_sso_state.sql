-- 0003_sso_state: the SAML SP's pending AuthnRequests and signed-in sessions
-- (SQLite), moved from process memory into the database so that any replica
-- can answer the IdP's response and the browser's next request. expires is
-- Unix nanoseconds; sso_sessions.key is a hash of the cookie's token.

CREATE TABLE sso_requests (
    id        TEXT    NOT NULL PRIMARY KEY,
    node_id   INTEGER NOT NULL,
    return_to TEXT    NOT NULL,
    expires   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sso_requests_expires ON sso_requests (expires);

CREATE TABLE sso_sessions (
    key     TEXT    NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL,
    node_id INTEGER NOT NULL,
    expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sso_sessions_expires ON sso_sessions (expires);
