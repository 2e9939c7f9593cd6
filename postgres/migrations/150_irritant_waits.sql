-- What of each irritant waits on which party, kept by the writes that change
-- it (sqlstore/inbox.go, waitsQuery): the inbox then reads, for a party and
-- a talk, one index range per kind instead of probing a talk's irritants.
-- kind is 'acknowledge' (raised toward the party), 'confirm' (another party
-- confirmed the resolution, this one has not) or 'due' (open, with a due
-- date, which the reader compares with today).
CREATE TABLE irritant_waits (
	party_id BIGINT NOT NULL,
	talk_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	due TEXT NOT NULL,
	irritant_id BIGINT NOT NULL,
	PRIMARY KEY (party_id, talk_id, kind, due, irritant_id)
);
CREATE INDEX irritant_waits_irritant ON irritant_waits (irritant_id);
INSERT INTO irritant_waits (party_id, talk_id, kind, due, irritant_id)
SELECT p.party_id, i.talk_id, 'acknowledge', '', i.id FROM irritants i JOIN irritant_parties p ON p.irritant_id = i.id
	WHERE p.role = 'toward' AND i.status = 'raised'
UNION
SELECT p.party_id, i.talk_id, 'confirm', '', i.id FROM irritants i JOIN irritant_parties p ON p.irritant_id = i.id
	WHERE p.role <> 'stakeholder' AND i.status IN ('in_consultation', 'resolved_in_part')
	AND EXISTS (SELECT 1 FROM irritant_confirmations c WHERE c.irritant_id = i.id AND c.party_id <> p.party_id)
	AND NOT EXISTS (SELECT 1 FROM irritant_confirmations c WHERE c.irritant_id = i.id AND c.party_id = p.party_id)
UNION
SELECT p.party_id, i.talk_id, 'due', i.due, i.id FROM irritants i JOIN irritant_parties p ON p.irritant_id = i.id
	WHERE p.role <> 'stakeholder' AND i.due <> '' AND i.status NOT IN ('resolved', 'archived');
