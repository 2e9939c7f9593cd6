package main

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"parley"
)

// mailer sends the e-mail outbox through an SMTP server, configured by
// PARLEY_SMTP_URL: smtp://[user:password@]host[:port]?from=parley@example.org[&interval=30s].
// Without it the outbox is only stored.
type mailer struct {
	addr, from string
	auth       smtp.Auth
	every      time.Duration
	outbox     parley.NotificationService
	logger     *slog.Logger
	now        func() time.Time
}

func newMailer(raw string, outbox parley.NotificationService, logger *slog.Logger) (*mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("PARLEY_SMTP_URL must look like smtp://user:password@host:587?from=parley@example.org")
	}
	m := &mailer{addr: u.Host, from: u.Query().Get("from"), every: 30 * time.Second, outbox: outbox, logger: logger, now: time.Now}
	if u.Port() == "" {
		m.addr = net.JoinHostPort(u.Hostname(), "25")
	}
	if m.from == "" {
		return nil, fmt.Errorf("PARLEY_SMTP_URL needs ?from=address for the From header")
	}
	if v := u.Query().Get("interval"); v != "" {
		if m.every, err = time.ParseDuration(v); err != nil || m.every <= 0 {
			return nil, fmt.Errorf("PARLEY_SMTP_URL: interval %q is not a duration like 30s", v)
		}
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		// net/smtp sends a password only over TLS or to localhost.
		m.auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return m, nil
}

// run sends what is in the outbox every interval until ctx is done.
// Messages to users without an address stay stored.
func (m *mailer) run(ctx context.Context) {
	tick := time.NewTicker(m.every)
	defer tick.Stop()
	for {
		if err := m.sendBatch(ctx); err != nil && ctx.Err() == nil {
			m.logger.Warn("sending e-mail", "err", err) // never the message
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (m *mailer) sendBatch(ctx context.Context) error {
	msgs, err := m.outbox.Outbox(ctx, true, 100)
	if err != nil {
		return err
	}
	var sent []int64
	var failed error
	for _, msg := range msgs {
		if err := smtp.SendMail(m.addr, m.auth, m.from, []string{msg.To}, m.format(msg)); err != nil {
			failed = fmt.Errorf("message %d: %w", msg.ID, err)
			break // the server is likely down; retry on the next tick
		}
		sent = append(sent, msg.ID)
	}
	if len(sent) > 0 {
		if err := m.outbox.MarkSent(ctx, sent); err != nil {
			return err
		}
		m.logger.Info("e-mail sent", "messages", len(sent))
	}
	return failed
}

func (m *mailer) format(msg *parley.Email) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		m.from, msg.To, mime.QEncoding.Encode("utf-8", msg.Subject), m.now().UTC().Format(time.RFC1123Z))
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(msg.Body, "\r\n", "\n"), "\n", "\r\n"))
	return []byte(b.String())
}
