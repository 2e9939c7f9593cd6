-- Notices of one actor's events of one kind in one talk are folded into one
-- unread notification, and into one unsent e-mail per talk, so a burst of
-- writes cannot queue a message per event per recipient.
ALTER TABLE notifications ADD COLUMN actor_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN count BIGINT NOT NULL DEFAULT 1;
CREATE INDEX notifications_fold ON notifications (user_id, talk_id, type, actor_id, read_at);
ALTER TABLE email_outbox ADD COLUMN talk_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE email_outbox ADD COLUMN items BIGINT NOT NULL DEFAULT 1;
CREATE INDEX email_outbox_fold ON email_outbox (user_id, talk_id, sent_at);
