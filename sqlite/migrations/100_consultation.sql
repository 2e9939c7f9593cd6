-- The consultation mechanism: irritants, their parties, confirmations of
-- resolution, responses and comments, and the record events about each.
-- search columns hold lower-cased text (lower-cased in Go, so non-ASCII
-- letters fold the same on every engine) for substring search.
CREATE TABLE irritants (
	id INTEGER PRIMARY KEY,
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	raised_by INTEGER NOT NULL,
	raised_by_user INTEGER NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	priority TEXT NOT NULL,
	due TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	status_reason TEXT NOT NULL DEFAULT '',
	escalated_to TEXT NOT NULL DEFAULT '',
	search TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX irritants_talk_status ON irritants (talk_id, status, id);
CREATE TABLE irritant_parties (
	irritant_id INTEGER NOT NULL REFERENCES irritants(id),
	role TEXT NOT NULL,
	position INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	PRIMARY KEY (irritant_id, role, position)
);
CREATE INDEX irritant_parties_party ON irritant_parties (party_id, irritant_id);
CREATE TABLE irritant_confirmations (
	irritant_id INTEGER NOT NULL REFERENCES irritants(id),
	party_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (irritant_id, party_id)
);
CREATE TABLE irritant_comments (
	id INTEGER PRIMARY KEY,
	irritant_id INTEGER NOT NULL REFERENCES irritants(id),
	author_id INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	kind TEXT NOT NULL,
	private_to INTEGER NOT NULL DEFAULT 0,
	body TEXT NOT NULL,
	search TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX irritant_comments_irritant ON irritant_comments (irritant_id, id);
CREATE TABLE irritant_events (
	irritant_id INTEGER NOT NULL REFERENCES irritants(id),
	talk_id INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (irritant_id, seq)
);
