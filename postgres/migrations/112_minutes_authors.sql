-- Who recorded each item's minutes (the party; 0 for a mediator), so that
-- only that party or a mediator may change or remove them; and which
-- delegations have asked to conclude a round.
ALTER TABLE agenda_items ADD COLUMN minutes_party BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agenda_items ADD COLUMN minutes_by BIGINT NOT NULL DEFAULT 0;
CREATE TABLE round_conclusions (
	round_id BIGINT NOT NULL REFERENCES rounds(id),
	party_id BIGINT NOT NULL,
	PRIMARY KEY (round_id, party_id)
);
