-- 0001_init: the directory schema (SQLite).
--
-- Case-insensitive keys are stored lower-cased (strings.ToLower) in *_key
-- columns next to the value as sent, so that a plain (unique) index answers
-- case-insensitive lookups. Times are RFC 3339 UTC text with nanoseconds.
-- Booleans are 0/1. users.emails and nodes.settings are JSON text.

CREATE TABLE enterprises (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    seats        INTEGER NOT NULL,
    seats_used   INTEGER NOT NULL DEFAULT 0,
    root_node_id INTEGER NOT NULL DEFAULT 0,
    created      TEXT    NOT NULL
);

CREATE TABLE nodes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id   INTEGER NOT NULL REFERENCES enterprises (id),
    parent_id       INTEGER REFERENCES nodes (id), -- NULL for the root
    name            TEXT    NOT NULL,
    default_role_id INTEGER NOT NULL DEFAULT 0,
    settings        TEXT    NOT NULL
);
CREATE INDEX nodes_enterprise ON nodes (enterprise_id, id);
CREATE INDEX nodes_parent ON nodes (parent_id);

CREATE TABLE roles (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    node_id       INTEGER NOT NULL REFERENCES nodes (id),
    name          TEXT    NOT NULL
);
CREATE INDEX roles_enterprise ON roles (enterprise_id, id);
CREATE INDEX roles_node ON roles (node_id);

CREATE TABLE domains (
    name_key      TEXT    NOT NULL PRIMARY KEY, -- lower-cased name
    name          TEXT    NOT NULL,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id)
) WITHOUT ROWID;
CREATE INDEX domains_enterprise ON domains (enterprise_id, name_key);

CREATE TABLE endpoints (
    node_id            INTEGER PRIMARY KEY REFERENCES nodes (id), -- one endpoint per node
    enterprise_id      INTEGER NOT NULL REFERENCES enterprises (id),
    token_hash         BLOB,
    status             TEXT    NOT NULL,
    unique_group_names INTEGER NOT NULL,
    created            TEXT    NOT NULL,
    rotated            TEXT    NOT NULL
);
CREATE INDEX endpoints_enterprise ON endpoints (enterprise_id, node_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    node_id       INTEGER NOT NULL REFERENCES nodes (id),
    role_id       INTEGER NOT NULL DEFAULT 0,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL, -- lower-cased email: unique across all enterprises
    user_name     TEXT    NOT NULL,
    user_name_key TEXT    NOT NULL, -- lower-cased user_name
    given_name    TEXT    NOT NULL,
    family_name   TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    external_id   TEXT    NOT NULL,
    emails        TEXT    NOT NULL, -- JSON array of directory.Email, or null
    status        TEXT    NOT NULL,
    locked        INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    created       TEXT    NOT NULL,
    modified      TEXT    NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email_key);
CREATE INDEX users_node ON users (node_id, id);
CREATE INDEX users_node_user_name ON users (node_id, user_name_key, id);
CREATE INDEX users_node_external ON users (node_id, external_id, id);
CREATE INDEX users_enterprise ON users (enterprise_id, id);

CREATE TABLE teams (
    id               TEXT    NOT NULL PRIMARY KEY,
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises (id),
    node_id          INTEGER NOT NULL REFERENCES nodes (id),
    display_name     TEXT    NOT NULL,
    display_name_key TEXT    NOT NULL, -- lower-cased display_name
    external_id      TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    version          INTEGER NOT NULL,
    created          TEXT    NOT NULL,
    modified         TEXT    NOT NULL
);
CREATE INDEX teams_node ON teams (node_id, id);
CREATE INDEX teams_node_display_name ON teams (node_id, display_name_key, id);
CREATE INDEX teams_node_external ON teams (node_id, external_id, id);
CREATE INDEX teams_pending ON teams (enterprise_id, id) WHERE status = 'pending';

-- One row per membership: adding a member is one B-tree insert, whatever the
-- team's size. enterprise_id is the team's, copied at insert (a team never
-- changes enterprise) so that the pending queue is one index range.
CREATE TABLE memberships (
    team_id       TEXT    NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enterprise_id INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships (user_id, team_id);
CREATE INDEX memberships_pending ON memberships (enterprise_id, team_id, user_id) WHERE status = 'pending';

-- Identity ranges: user ids have 15 digits like Keeper's, node and role ids
-- are distinct from them (node ids show in URLs).
INSERT INTO sqlite_sequence (name, seq) VALUES ('users', 100000000000000);
INSERT INTO sqlite_sequence (name, seq) VALUES ('nodes', 200000000000000);
INSERT INTO sqlite_sequence (name, seq) VALUES ('roles', 300000000000000);
