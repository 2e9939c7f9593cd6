-- Negotiations inside a talk: issues and options (JSON, frozen once
-- elicitation starts), texts and marks per text version, each party's sealed
-- confidential preferences in versions, their public commitments, and
-- consents to disclose.
CREATE TABLE negotiations (
	id INTEGER PRIMARY KEY,
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	title TEXT NOT NULL,
	round_id INTEGER NOT NULL DEFAULT 0,
	issues TEXT NOT NULL,
	solution TEXT NOT NULL,
	deadline INTEGER NOT NULL DEFAULT 0,
	state TEXT NOT NULL,
	agreed INTEGER NOT NULL DEFAULT 0,
	statement_id INTEGER NOT NULL DEFAULT 0,
	created_by INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX negotiations_talk ON negotiations (talk_id);
CREATE TABLE negotiation_texts (
	negotiation_id INTEGER NOT NULL REFERENCES negotiations(id),
	version INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	source TEXT NOT NULL,
	solution TEXT NOT NULL DEFAULT '',
	pareto_optimal INTEGER NOT NULL DEFAULT 0,
	method TEXT NOT NULL DEFAULT '',
	engine_version TEXT NOT NULL DEFAULT '',
	author_id INTEGER NOT NULL,
	declined INTEGER NOT NULL DEFAULT 0,
	seq INTEGER NOT NULL,
	hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (negotiation_id, version)
);
CREATE TABLE negotiation_marks (
	negotiation_id INTEGER NOT NULL REFERENCES negotiations(id),
	version INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	mark TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	reason_public INTEGER NOT NULL DEFAULT 0,
	at INTEGER NOT NULL,
	PRIMARY KEY (negotiation_id, version, party_id)
);
-- sealed holds the preferences and the commitment's salt, encrypted under
-- the server secret; nothing here is readable without it.
CREATE TABLE negotiation_preferences (
	negotiation_id INTEGER NOT NULL REFERENCES negotiations(id),
	party_id INTEGER NOT NULL,
	version INTEGER NOT NULL,
	sealed BLOB NOT NULL,
	commitment TEXT NOT NULL,
	saved_at INTEGER NOT NULL,
	PRIMARY KEY (negotiation_id, party_id, version)
);
CREATE TABLE negotiation_submissions (
	negotiation_id INTEGER NOT NULL REFERENCES negotiations(id),
	party_id INTEGER NOT NULL,
	version INTEGER NOT NULL,
	commitment TEXT NOT NULL,
	red_lines INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (negotiation_id, party_id)
);
CREATE TABLE negotiation_disclosures (
	negotiation_id INTEGER NOT NULL REFERENCES negotiations(id),
	party_id INTEGER NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (negotiation_id, party_id)
);
