-- Notifications of consultation events, per user, and the e-mail outbox.
CREATE TABLE notifications (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	talk_id INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	type TEXT NOT NULL,
	text TEXT NOT NULL,
	link TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	read_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);
CREATE TABLE email_outbox (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	sent_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_outbox_unsent ON email_outbox (sent_at, id);
