-- Rounds of talks: meetings with attending delegations and an ordered
-- agenda whose items carry minutes and an outcome.
CREATE TABLE rounds (
	id INTEGER PRIMARY KEY,
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	title TEXT NOT NULL,
	venue TEXT NOT NULL DEFAULT '',
	starts_at INTEGER NOT NULL DEFAULT 0,
	ends_at INTEGER NOT NULL DEFAULT 0,
	host INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	minutes_seq INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX rounds_talk ON rounds (talk_id, starts_at);
CREATE TABLE round_delegations (
	round_id INTEGER NOT NULL REFERENCES rounds(id),
	party_id INTEGER NOT NULL,
	PRIMARY KEY (round_id, party_id)
);
CREATE TABLE agenda_items (
	id INTEGER PRIMARY KEY,
	round_id INTEGER NOT NULL REFERENCES rounds(id),
	position INTEGER NOT NULL,
	irritant_id INTEGER NOT NULL DEFAULT 0,
	title TEXT NOT NULL,
	minutes TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	owner INTEGER NOT NULL DEFAULT 0,
	due TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agenda_items_round ON agenda_items (round_id, position);
CREATE INDEX agenda_items_irritant ON agenda_items (irritant_id);
