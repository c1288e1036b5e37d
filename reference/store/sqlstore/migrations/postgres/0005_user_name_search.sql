-- userName filters that no equality answers (sw, ew, co) are pushed down to
-- SQL as LIKE on user_name_key, which holds strings.ToLower(user_name): the
-- pattern, lower-cased the same way and escaped, gives the SCIM comparison
-- exactly. A trigram index serves co and ew (and sw); a text_pattern_ops
-- index serves sw within a node under any collation. pg_trgm is a trusted
-- extension of PostgreSQL's contrib (13 and later): the database owner may
-- create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_user_name_trgm ON users USING gin (user_name_key gin_trgm_ops);
CREATE INDEX users_node_user_name_prefix ON users (node_id, user_name_key text_pattern_ops);
