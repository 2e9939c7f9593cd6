-- Joint statements: a single negotiating text in versions, each version a
-- record event; marks, sign-offs and stakeholder consents per version, and
-- comments anchored to paragraphs.
CREATE TABLE statements (
	id INTEGER PRIMARY KEY,
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	title TEXT NOT NULL,
	version INTEGER NOT NULL,
	adopted INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX statements_talk ON statements (talk_id);
CREATE TABLE statement_stakeholders (
	statement_id INTEGER NOT NULL REFERENCES statements(id),
	party_id INTEGER NOT NULL,
	PRIMARY KEY (statement_id, party_id)
);
CREATE TABLE statement_versions (
	statement_id INTEGER NOT NULL REFERENCES statements(id),
	number INTEGER NOT NULL,
	text TEXT NOT NULL,
	author_id INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (statement_id, number)
);
CREATE TABLE statement_marks (
	statement_id INTEGER NOT NULL REFERENCES statements(id),
	version INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	mark TEXT NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (statement_id, version, party_id)
);
CREATE TABLE statement_signatures (
	statement_id INTEGER NOT NULL REFERENCES statements(id),
	version INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (statement_id, version, party_id)
);
CREATE TABLE statement_consents (
	statement_id INTEGER NOT NULL REFERENCES statements(id),
	version INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	consent INTEGER NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	at INTEGER NOT NULL,
	PRIMARY KEY (statement_id, version, party_id)
);
CREATE TABLE statement_comments (
	id INTEGER PRIMARY KEY,
	statement_id INTEGER NOT NULL REFERENCES statements(id),
	version INTEGER NOT NULL,
	paragraph INTEGER NOT NULL,
	author_id INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	text TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX statement_comments_statement ON statement_comments (statement_id, id);
