-- 0006_seat_pools: nothing on SQLite. PostgreSQL's seat pools spread the
-- seat count over several rows for concurrent transactions; SQLite has one
-- writer, which takes seats from enterprises.seats_used alone.
SELECT 1;
