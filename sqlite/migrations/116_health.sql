-- One row that readiness probes rewrite, to learn whether writes succeed
-- (a full disk fails writes while reads and pings still work).
CREATE TABLE health (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at BIGINT NOT NULL,
	probe BLOB NOT NULL
);
