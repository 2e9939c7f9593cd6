-- A party proposed for a talk by one of its members waits here, unseen by
-- it, until every seated member party (or a mediator) consents.
CREATE TABLE talk_invitations (
	talk_id BIGINT NOT NULL REFERENCES talks(id),
	party_id BIGINT NOT NULL REFERENCES parties(id),
	standing TEXT NOT NULL,
	proposed_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (talk_id, party_id)
);
CREATE TABLE talk_invitation_consents (
	talk_id BIGINT NOT NULL,
	party_id BIGINT NOT NULL,
	consenting_party BIGINT NOT NULL,
	PRIMARY KEY (talk_id, party_id, consenting_party)
);
