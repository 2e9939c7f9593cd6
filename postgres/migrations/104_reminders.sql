-- Reminders already sent, by item and due date, so each goes out once.
CREATE TABLE reminders_sent (
	key TEXT PRIMARY KEY,
	sent_at BIGINT NOT NULL
);
