-- The one-time setup token's hash, shared by every node (one row at most),
-- so that nodes started together offer one token and one first administrator.
CREATE TABLE setup_token (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	hash BLOB NOT NULL,
	created_at BIGINT NOT NULL
);
