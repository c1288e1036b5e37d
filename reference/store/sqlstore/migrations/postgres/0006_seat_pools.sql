-- 0006_seat_pools: seats an enterprise has taken from its count but not yet
-- given to a user, spread over a few rows so that concurrent creates do not
-- all wait for the enterprise's row (PostgreSQL only; see seats.go).
--
-- enterprises.seats_used counts the seats of the enterprise's users plus the
-- free seats of its pools; the seats in use are seats_used - sum(free). Every
-- change keeps seats_used <= seats (a conditional UPDATE) and free >= 0.
CREATE TABLE seat_pools (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    stripe        INT    NOT NULL,
    free          BIGINT NOT NULL CHECK (free >= 0),
    PRIMARY KEY (enterprise_id, stripe)
);

-- Every enterprise has its 64 pool rows from its creation (CreateEnterprise
-- makes them): creates never insert one.
INSERT INTO seat_pools (enterprise_id, stripe, free)
SELECT e.id, s, 0 FROM enterprises e, generate_series(0, 63) s;
