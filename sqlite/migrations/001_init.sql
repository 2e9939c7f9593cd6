CREATE TABLE parties (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE TABLE party_keys (
	party_id INTEGER PRIMARY KEY REFERENCES parties(id),
	public_key BLOB NOT NULL,
	sealed_private BLOB,
	created_at INTEGER NOT NULL
);
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	party_id INTEGER NOT NULL DEFAULT 0,
	role TEXT NOT NULL DEFAULT '',
	mediator INTEGER NOT NULL DEFAULT 0,
	admin INTEGER NOT NULL DEFAULT 0,
	password_hash TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE TABLE talks (
	id INTEGER PRIMARY KEY,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	illustrative INTEGER NOT NULL DEFAULT 0,
	created_by INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	last_seq INTEGER NOT NULL DEFAULT 0,
	last_hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE talk_parties (
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	party_id INTEGER NOT NULL REFERENCES parties(id),
	standing TEXT NOT NULL,
	accepted INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (talk_id, party_id)
);
CREATE INDEX talk_parties_party ON talk_parties (party_id);
CREATE TABLE talk_mediators (
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (talk_id, user_id)
);
CREATE INDEX talk_mediators_user ON talk_mediators (user_id);
CREATE TABLE events (
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	seq INTEGER NOT NULL,
	time INTEGER NOT NULL,
	actor_id INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	type TEXT NOT NULL,
	private_to INTEGER NOT NULL DEFAULT 0,
	payload BLOB NOT NULL,
	payload_hash TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL,
	signature BLOB,
	PRIMARY KEY (talk_id, seq)
);
CREATE TABLE credentials (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	kind TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	hash BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX credentials_user ON credentials (user_id, kind);
CREATE TABLE idempotency (
	user_id INTEGER NOT NULL,
	key TEXT NOT NULL,
	status INTEGER NOT NULL,
	body BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
);
