-- Events record the version of their encoding: 0 for version 1 (before
-- RFC 8785 payloads), 2 now. See docs/record.md.
ALTER TABLE events ADD COLUMN v INTEGER NOT NULL DEFAULT 0;
-- Each party's private chain in a talk: its own seq and hashes, kept out of
-- the shared chain and everything built on it.
CREATE TABLE private_heads (
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	party_id INTEGER NOT NULL REFERENCES parties(id),
	last_seq INTEGER NOT NULL,
	last_hash TEXT NOT NULL,
	PRIMARY KEY (talk_id, party_id)
);
CREATE TABLE private_events (
	talk_id INTEGER NOT NULL,
	private_to INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	v INTEGER NOT NULL,
	time INTEGER NOT NULL,
	actor_id INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	type TEXT NOT NULL,
	payload BLOB NOT NULL,
	payload_hash TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL,
	signature BLOB,
	PRIMARY KEY (talk_id, private_to, seq)
);
CREATE TABLE irritant_private_events (
	irritant_id INTEGER NOT NULL REFERENCES irritants(id),
	talk_id INTEGER NOT NULL,
	private_to INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (irritant_id, private_to, seq)
);
-- The server's own key, which signs checkpoints and the events of users of
-- no party. One row, id 1.
CREATE TABLE server_keys (
	id INTEGER PRIMARY KEY,
	public_key BLOB NOT NULL,
	sealed_private BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE checkpoints (
	id INTEGER PRIMARY KEY,
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	size INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	body BLOB NOT NULL
);
CREATE INDEX checkpoints_talk ON checkpoints (talk_id, id);
-- The opening of each party's commitment in a checkpoint; only that
-- party's delegation ever reads it.
CREATE TABLE checkpoint_openings (
	checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
	party_id INTEGER NOT NULL,
	size INTEGER NOT NULL,
	head TEXT NOT NULL,
	salt BLOB NOT NULL,
	PRIMARY KEY (checkpoint_id, party_id)
);
