-- 0003_sso_state: the SAML SP's pending AuthnRequests and signed-in sessions
-- (PostgreSQL). See the SQLite migration for notes.

CREATE TABLE sso_requests (
    id        TEXT   NOT NULL PRIMARY KEY,
    node_id   BIGINT NOT NULL,
    return_to TEXT   NOT NULL,
    expires   BIGINT NOT NULL
);
CREATE INDEX sso_requests_expires ON sso_requests (expires);

CREATE TABLE sso_sessions (
    key     TEXT   NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    node_id BIGINT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX sso_sessions_expires ON sso_sessions (expires);
