-- An Idempotency-Key now answers only the request it was first sent with
-- (request_hash: SHA-256 of method, path and body), and its claim commits
-- with the change and the response in one transaction, so unanswered claims
-- (status 0) cannot happen any more: those left by the old scheme are freed.
-- Stored responses of token creation held the token's secret; they go.
DELETE FROM idempotency WHERE status = 0 OR key LIKE 'POST /api/v1/tokens %';
ALTER TABLE idempotency ADD COLUMN request_hash BYTEA NOT NULL DEFAULT '\x';
ALTER TABLE idempotency ADD COLUMN content_type TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency ADD COLUMN location TEXT NOT NULL DEFAULT '';
