-- PostgreSQL's 0005 adds trigram and prefix indexes for userName sw/ew/co.
-- A SQLite file is read through the in-memory read model, which answers
-- those filters itself; FindUsers on the file scans the node's users
-- (users_node), so SQLite needs no new index. This version keeps the two
-- dialects' schema versions equal.
SELECT 1;
