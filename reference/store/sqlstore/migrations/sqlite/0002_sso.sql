-- 0002_sso: SAML SSO service provider configuration per node and the
-- assertion replay cache (SQLite).
--
-- sso_configs.settings is JSON (JIT, attribute names, signature policy,
-- IdP-initiated switch, RelayState allowlist). sso_assertions.expires is Unix
-- nanoseconds, so that expiry compares as a number.

CREATE TABLE sso_configs (
    node_id       INTEGER PRIMARY KEY REFERENCES nodes (id), -- one SP per node
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    idp_metadata  TEXT    NOT NULL,
    settings      TEXT    NOT NULL,
    created       TEXT    NOT NULL,
    modified      TEXT    NOT NULL
);
CREATE INDEX sso_configs_enterprise ON sso_configs (enterprise_id, node_id);

CREATE TABLE sso_assertions (
    id      TEXT    NOT NULL PRIMARY KEY,
    expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sso_assertions_expires ON sso_assertions (expires);
