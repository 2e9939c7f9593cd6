-- Who recorded each item's minutes (the party; 0 for a mediator), so that
-- only that party or a mediator may change or remove them; and which
-- delegations have asked to conclude a round.
ALTER TABLE agenda_items ADD COLUMN minutes_party INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agenda_items ADD COLUMN minutes_by INTEGER NOT NULL DEFAULT 0;
CREATE TABLE round_conclusions (
	round_id INTEGER NOT NULL REFERENCES rounds(id),
	party_id INTEGER NOT NULL,
	PRIMARY KEY (round_id, party_id)
);
