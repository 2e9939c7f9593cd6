-- Where each user's notices are mailed; users without a row get none by mail.
CREATE TABLE email_addresses (
	user_id BIGINT PRIMARY KEY REFERENCES users(id),
	address TEXT NOT NULL
);
