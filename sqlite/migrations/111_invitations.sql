-- A party proposed for a talk by one of its members waits here, unseen by
-- it, until every seated member party (or a mediator) consents.
CREATE TABLE talk_invitations (
	talk_id INTEGER NOT NULL REFERENCES talks(id),
	party_id INTEGER NOT NULL REFERENCES parties(id),
	standing TEXT NOT NULL,
	proposed_by INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (talk_id, party_id)
);
CREATE TABLE talk_invitation_consents (
	talk_id INTEGER NOT NULL,
	party_id INTEGER NOT NULL,
	consenting_party INTEGER NOT NULL,
	PRIMARY KEY (talk_id, party_id, consenting_party)
);
