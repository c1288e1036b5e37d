-- 0002_sso: SAML SSO service provider configuration per node and the
-- assertion replay cache (PostgreSQL). See the SQLite migration for notes.

CREATE TABLE sso_configs (
    node_id       BIGINT PRIMARY KEY REFERENCES nodes (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    idp_metadata  TEXT   NOT NULL,
    settings      TEXT   NOT NULL,
    created       TEXT   NOT NULL,
    modified      TEXT   NOT NULL
);
CREATE INDEX sso_configs_enterprise ON sso_configs (enterprise_id, node_id);

CREATE TABLE sso_assertions (
    id      TEXT   NOT NULL PRIMARY KEY,
    expires BIGINT NOT NULL
);
CREATE INDEX sso_assertions_expires ON sso_assertions (expires);
