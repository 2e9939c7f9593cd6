package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// A page never shows a message taken from its URL: a link could then make
// parley display any text as an official alert. A message for the next page
// travels in a short-lived cookie authenticated with the server secret, set
// by the handler that failed and read once by the page it redirects to.

const flashCookie = "parley_flash"

type flashKey struct{}

// flashState lets a handler set and read the flash without a *Server.
type flashState struct {
	secret []byte
	w      http.ResponseWriter
	secure bool
}

func (s *Server) withFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	st := &flashState{secret: s.app.Secret, w: w, secure: s.app.SecureCookies || r.TLS != nil}
	return r.WithContext(context.WithValue(r.Context(), flashKey{}, st))
}

func flashMAC(secret []byte, msg string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("flash\x00"))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// setFlash keeps msg for the next page the browser loads.
func setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	st, _ := r.Context().Value(flashKey{}).(*flashState)
	if st == nil || len(st.secret) == 0 {
		return
	}
	if len(msg) > 1000 {
		msg = msg[:1000] + "…"
	}
	v := base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + base64.RawURLEncoding.EncodeToString(flashMAC(st.secret, msg))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 120, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: st.secure})
}

// flash returns the message a previous handler kept for this page, once,
// or "" when there is none or it was not made by this server.
func flash(r *http.Request) string {
	st, _ := r.Context().Value(flashKey{}).(*flashState)
	c, err := r.Cookie(flashCookie)
	if st == nil || err != nil {
		return ""
	}
	http.SetCookie(st.w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: st.secure})
	m, mac, ok := strings.Cut(c.Value, ".")
	msg, err1 := base64.RawURLEncoding.DecodeString(m)
	sum, err2 := base64.RawURLEncoding.DecodeString(mac)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(sum, flashMAC(st.secret, string(msg))) {
		return ""
	}
	return string(msg)
}

// localPath returns p when it is a path on this server, and def otherwise:
// never another site ("//evil", "/\evil", "https://evil"), which browsers
// would follow after sign-in.
func localPath(p, def string) string {
	if len(p) == 0 || len(p) > 2000 || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") {
		return def
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == ' ' {
			return def // browsers drop tabs and newlines: "/\t/evil" is "//evil"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return def
	}
	return p
}
