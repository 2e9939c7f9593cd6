-- Keys a party has replaced stay listed in records, with the time they were
-- in use, so events signed before a key change still verify.
CREATE TABLE retired_party_keys (
	party_id INTEGER NOT NULL REFERENCES parties(id),
	public_key BLOB NOT NULL,
	server_held INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	retired_at INTEGER NOT NULL
);
CREATE INDEX retired_party_keys_party ON retired_party_keys (party_id);
