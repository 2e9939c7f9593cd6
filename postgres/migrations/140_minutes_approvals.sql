-- Minutes become the agreed record only when every attending delegation
-- approves them. minutes_version counts the changes to a round's minutes
-- and agenda, so that an approval names what it approved; a change resets
-- the approvals given (reset_at), which then no longer count but say to the
-- delegation that its approval must be given again. agreed_seq is the record
-- event in which the minutes became agreed.
ALTER TABLE rounds ADD COLUMN minutes_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN agreed_seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE round_approvals (
	round_id BIGINT NOT NULL REFERENCES rounds(id),
	party_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	version BIGINT NOT NULL,
	approved_at BIGINT NOT NULL,
	reset_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (round_id, party_id)
);
