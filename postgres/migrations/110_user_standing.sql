-- Accounts an administrator disabled, delegates awaiting their head's
-- approval, and who made each account (for the two-person rule).
ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN created_by BIGINT NOT NULL DEFAULT 0;
-- A delegation cannot hold two members who look alike.
CREATE UNIQUE INDEX users_party_display_name ON users (party_id, lower(display_name)) WHERE party_id <> 0;
