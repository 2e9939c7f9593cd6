-- Keys a party has replaced stay listed in records, with the time they were
-- in use, so events signed before a key change still verify.
CREATE TABLE retired_party_keys (
	party_id BIGINT NOT NULL REFERENCES parties(id),
	public_key BYTEA NOT NULL,
	server_held BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	retired_at BIGINT NOT NULL
);
CREATE INDEX retired_party_keys_party ON retired_party_keys (party_id);
